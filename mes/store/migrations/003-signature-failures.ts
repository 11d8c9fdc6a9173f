// Version 3: failed electronic signatures per signer, so that a signer's lockout (mes/signatures.ts) survives a
// restart and is shared by hubs on one PostgreSQL database. One row per signer with failures in a row; the row is
// deleted by a signature that succeeds. Times are epoch milliseconds (BIGINT: PostgreSQL's INTEGER is 32 bits).
import type { Migration } from './migration'

export const migration003: Migration = {
  version: 3,
  name: 'signature lockouts in the store',
  statements: [
    `CREATE TABLE signature_failures (
      signer          TEXT PRIMARY KEY,
      failures        INTEGER NOT NULL,
      last_failed_ms  BIGINT NOT NULL
    )`
  ]
}
