// Durable broker state (retained messages, subscriptions of persistent sessions, QoS 1/2 messages queued for
// offline clients, Wills) in LevelDB under the data directory. aedes-persistence-level passes the
// aedes-persistence abstract suite (test/broker/persistence.test.ts runs it against this very factory).
import fs from 'node:fs'
import path from 'node:path'
import { ClassicLevel } from 'classic-level'
// The async class directly: persistence.js wraps it in the legacy callback API, which aedes 1.x refuses.
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js'
import { HubError } from '../hub/errors'

export interface BrokerPersistence {
  destroy (): Promise<void>
  [key: string]: unknown
}

export function brokerStateDir (dataDir: string): string {
  return path.join(dataDir, 'mqtt')
}

/** Opens the store first, so that a data directory held by another hub is reported as such. */
export async function openPersistence (dataDir: string): Promise<BrokerPersistence> {
  const dir = brokerStateDir(dataDir)
  fs.mkdirSync(dir, { recursive: true })
  const db = new ClassicLevel<string, Buffer>(dir, { valueEncoding: 'buffer' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new HubError('DATA_DIR_IN_USE', 'the data directory is in use by another isa95-hub process', { source: dir },
        'stop the other hub, or give this one its own HUB_DATA_DIR')
    }
    throw new HubError('DATA_DIR_UNUSABLE', `cannot open the broker store: ${(err as Error).message}`, { source: dir })
  }
  return createPersistence(db)
}

/** For the abstract suite, which opens and closes stores itself. */
export function createPersistence (db: ClassicLevel<string, Buffer>): BrokerPersistence {
  return new AsyncLevelPersistence(db) as unknown as BrokerPersistence
}

export function levelAt (dir: string): ClassicLevel<string, Buffer> {
  fs.mkdirSync(dir, { recursive: true })
  return new ClassicLevel<string, Buffer>(dir, { valueEncoding: 'buffer' })
}
