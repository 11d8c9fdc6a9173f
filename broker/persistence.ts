// Durable broker state (retained messages, subscriptions of persistent sessions, QoS 1/2 messages queued for
// offline clients, Wills) in LevelDB under the data directory. aedes-persistence-level passes the
// aedes-persistence abstract suite (test/broker/persistence.test.ts runs it against this very factory).
//
// What a write survives: LevelDB appends every write to its log before the write resolves, so once it has resolved a
// crash of the process loses nothing (the OS has the data). A power loss can lose what the OS had not yet written to
// the disk, unless the write was made with `sync: true` (fsync of the log before it resolves): that is
// `mqtt.persistence.sync`, which costs one fsync per write (bench/qos1-durability.bench.ts measures it).
import fs from 'node:fs'
import path from 'node:path'
import { ClassicLevel } from 'classic-level'
// The async class directly: persistence.js wraps it in the legacy callback API, which aedes 1.x refuses.
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js'
import { HubError } from '../core/errors'

export interface BrokerPersistence {
  destroy (): Promise<void>
  [key: string]: unknown
}

export function brokerStateDir (dataDir: string): string {
  return path.join(dataDir, 'mqtt')
}

/** Opens the store first, so that a data directory held by another hub is reported as such. */
export async function openPersistence (dataDir: string, opts: { sync?: boolean } = {}): Promise<BrokerPersistence> {
  const dir = brokerStateDir(dataDir)
  fs.mkdirSync(dir, { recursive: true })
  const db = new ClassicLevel<string, Buffer>(dir, { valueEncoding: 'buffer' })
  if (opts.sync) syncEveryWrite(db)
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

type WriteOptions = Record<string, unknown> | undefined

/**
 * Broker fix: aedes 1.x (lib/handlers/subscribe.js) pipes a SUBSCRIBE's retained messages from
 * createRetainedStreamCombi without an error handler. When the store closes while such a stream is still being read
 * (a shutdown while a slow subscriber gets its retained messages), the read error was uncaught and ended the process
 * (test/broker/shutdown-retained.test.ts). The error now ends that one stream and is passed to `onError`.
 */
export function catchRetainedStreamErrors (persistence: BrokerPersistence, onError: (err: Error) => void): void {
  const p = persistence as unknown as { createRetainedStreamCombi (patterns: string[]): NodeJS.ReadableStream }
  const create = p.createRetainedStreamCombi.bind(p)
  p.createRetainedStreamCombi = (patterns) => create(patterns).on('error', onError)
}

/**
 * Makes every put, del and batch of this database wait for fsync (`sync: true`), whatever its caller passes:
 * aedes-persistence-level gives no way to ask for it. LevelDB groups concurrent synced writes into one fsync.
 */
export function syncEveryWrite (db: ClassicLevel<string, Buffer>): void {
  const level = db as unknown as {
    put (k: unknown, v: unknown, o?: WriteOptions): Promise<void>
    del (k: unknown, o?: WriteOptions): Promise<void>
    batch (ops?: unknown, o?: WriteOptions): unknown
  }
  const put = level.put.bind(level)
  const del = level.del.bind(level)
  const batch = level.batch.bind(level)
  level.put = (k, v, o) => put(k, v, { ...o, sync: true })
  level.del = (k, o) => del(k, { ...o, sync: true })
  level.batch = (ops, o) => {
    if (ops !== undefined) return batch(ops, { ...o, sync: true })
    const chained = batch() as { write (o?: WriteOptions): Promise<void> }
    const write = chained.write.bind(chained)
    chained.write = (wo) => write({ ...wo, sync: true })
    return chained
  }
}
