// Version 14: material logistics at the line (issue #14). Staging requests, one per BOM component of a job, with the
// lots that arrived against them; put-away requests, one per produced lot; and a `location` on each lot (where the
// WMS last said it is: a supply location at the line, a storage bin). `change_seq` is a counter of the requests'
// changes: every insert or update takes the next value (logistics_seq), so a feeder with a durable cursor walks
// what is new or changed (requestsAfter) and a crash between a commit and its send loses nothing.
import type { Migration } from './migration'

export const migration014: Migration = {
  version: 14,
  name: 'staging and put-away requests, lot locations',
  statements: [
    'ALTER TABLE material_lots ADD COLUMN location TEXT',
    // One row: the last change sequence handed out (updated in the writer's transaction, so it is gap-free and
    // commits in order on both stores: the row lock serializes the writers on PostgreSQL).
    `CREATE TABLE logistics_seq (
      id       INTEGER PRIMARY KEY CHECK (id = 1),
      last_seq INTEGER NOT NULL
    )`,
    'INSERT INTO logistics_seq (id, last_seq) VALUES (1, 0)',
    `CREATE TABLE staging_requests (
      request_id      TEXT PRIMARY KEY,
      job_id          TEXT NOT NULL REFERENCES job_orders (job_id),
      order_number    TEXT NOT NULL,
      sequence        INTEGER NOT NULL,
      work_unit       TEXT NOT NULL,
      location        TEXT NOT NULL,
      item            INTEGER NOT NULL,
      material        TEXT NOT NULL,
      quantity        {{REAL}} NOT NULL CHECK (quantity > 0),
      unit            TEXT NOT NULL,
      staged_quantity {{REAL}} NOT NULL DEFAULT 0,
      status          TEXT NOT NULL CHECK (status IN ('requested', 'partial', 'staged', 'cancelled')),
      task_ref        TEXT,
      change_seq      INTEGER NOT NULL,
      created_at      TEXT NOT NULL,
      updated_at      TEXT NOT NULL
    )`,
    'CREATE INDEX ix_staging_job ON staging_requests (job_id, item)',
    // The catch-up asks which open requests belong to a job that has ended: the open ones are few (jobs not yet run).
    `CREATE INDEX ix_staging_open ON staging_requests (job_id) WHERE status IN ('requested', 'partial')`,
    'CREATE UNIQUE INDEX ux_staging_change ON staging_requests (change_seq)',
    // Each confirmation once (by the WMS's confirmation id), with the lot that arrived.
    `CREATE TABLE staging_confirmations (
      confirmation_id TEXT PRIMARY KEY,
      request_id      TEXT NOT NULL REFERENCES staging_requests (request_id),
      lot_id          TEXT,
      quantity        {{REAL}} NOT NULL,
      final           INTEGER NOT NULL,
      who             TEXT NOT NULL,
      at              TEXT NOT NULL
    )`,
    'CREATE INDEX ix_staging_conf_request ON staging_confirmations (request_id)',
    `CREATE TABLE put_away_requests (
      request_id      TEXT PRIMARY KEY,
      lot_id          TEXT NOT NULL UNIQUE REFERENCES material_lots (lot_id),
      material        TEXT NOT NULL,
      quantity        {{REAL}} NOT NULL,
      unit            TEXT NOT NULL,
      from_location   TEXT NOT NULL,
      status          TEXT NOT NULL CHECK (status IN ('requested', 'confirmed', 'cancelled')),
      location        TEXT,
      task_ref        TEXT,
      confirmation_id TEXT,
      change_seq      INTEGER NOT NULL,
      created_at      TEXT NOT NULL,
      updated_at      TEXT NOT NULL
    )`,
    'CREATE UNIQUE INDEX ux_put_away_change ON put_away_requests (change_seq)',
    // The put-away feed's own cursor over produced lots (material_actuals.id): the produced rows are the feed.
    `CREATE TABLE put_away_cursor (
      id       INTEGER PRIMARY KEY CHECK (id = 1),
      after_id INTEGER NOT NULL
    )`,
    'INSERT INTO put_away_cursor (id, after_id) VALUES (1, 0)'
  ]
}
