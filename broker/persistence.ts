// Durable broker state (retained messages, subscriptions of persistent sessions, QoS 1/2 messages queued for
// offline clients, Wills) in LevelDB under the data directory. aedes-persistence-level passes the
// aedes-persistence abstract suite (test/broker/persistence.test.ts runs it against this very factory).
import fs from 'node:fs'
import path from 'node:path'
import { ClassicLevel } from 'classic-level'
// The async class directly: persistence.js wraps it in the legacy callback API, which aedes 1.x refuses.
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js'

export interface BrokerPersistence {
  destroy (): Promise<void>
  [key: string]: unknown
}

export function brokerStateDir (dataDir: string): string {
  return path.join(dataDir, 'mqtt')
}

export function createPersistence (dataDir: string): BrokerPersistence {
  const dir = brokerStateDir(dataDir)
  fs.mkdirSync(dir, { recursive: true })
  const db = new ClassicLevel<string, Buffer>(dir, { valueEncoding: 'buffer' })
  return new AsyncLevelPersistence(db) as unknown as BrokerPersistence
}
