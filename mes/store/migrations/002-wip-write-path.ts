// Version 2: fewer SQLite pages written by each WIP event (each event is one durable commit; every page it changes
// is one more 4 KiB frame appended to the WAL before the fsync):
//  - confirmations loses AUTOINCREMENT: `id INTEGER PRIMARY KEY` still hands out max(id) + 1, and confirmations are
//    never deleted (acknowledged ones keep their row), so ids stay increasing and unique as before, without the
//    sqlite_sequence row that AUTOINCREMENT rewrote on every insert (one page fewer per confirming event).
// Same columns, constraints and index; rows and their ids are copied as they are. (job_events stays a rowid table:
// clustered WITHOUT ROWID on (job_id, seq) was measured to write as many pages, its ~700-byte rows splitting leaves
// and filling interior pages.) PostgreSQL has neither
// cost (heap tables, identity sequences are not WAL-logged per row), so it only records the version.
import type { Migration } from './migration'

export const migration002: Migration = {
  version: 2,
  name: 'WIP write path: confirmations without sqlite_sequence',
  statements: {
    sqlite: [
      `CREATE TABLE confirmations_v2 (
        id             INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        order_number   TEXT NOT NULL,
        sequence       INTEGER NOT NULL,
        work_center    TEXT NOT NULL,
        job_id         TEXT NOT NULL,
        event_seq      INTEGER NOT NULL,
        yield_qty      REAL NOT NULL,
        scrap_qty      REAL NOT NULL,
        rework_qty     REAL NOT NULL,
        unit           TEXT NOT NULL,
        scrap_reason   TEXT,
        rework_reason  TEXT,
        setup_minutes  REAL NOT NULL,
        run_minutes    REAL NOT NULL,
        final          INTEGER NOT NULL,
        who            TEXT NOT NULL,
        at             TEXT NOT NULL,
        status         TEXT NOT NULL,
        attempts       INTEGER NOT NULL DEFAULT 0,
        last_error     TEXT,
        erp_reference  TEXT,
        acknowledged_at TEXT
      )`,
      `INSERT INTO confirmations_v2 (id, idempotency_key, order_number, sequence, work_center, job_id, event_seq, yield_qty,
        scrap_qty, rework_qty, unit, scrap_reason, rework_reason, setup_minutes, run_minutes, final, who, at, status, attempts,
        last_error, erp_reference, acknowledged_at)
        SELECT id, idempotency_key, order_number, sequence, work_center, job_id, event_seq, yield_qty,
          scrap_qty, rework_qty, unit, scrap_reason, rework_reason, setup_minutes, run_minutes, final, who, at, status, attempts,
          last_error, erp_reference, acknowledged_at FROM confirmations ORDER BY id`,
      `DROP TABLE confirmations`,
      `ALTER TABLE confirmations_v2 RENAME TO confirmations`,
      `CREATE INDEX ix_confirmations_pending ON confirmations (status, id)`
    ],
    postgres: []
  }
}
