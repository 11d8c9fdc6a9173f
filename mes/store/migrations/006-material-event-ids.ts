// Version 6: idempotent consumption and production. A caller's eventId (a scan's id, a Node-RED msg.eventId) is
// unique per kind of command across all jobs, so that a client that retries after a lost answer or a crash never
// applies the same consumption twice. The row keeps a hash of the command (without the override's password) to tell a
// retry from a different command that reuses the id, and the first result, which a retry gets back unchanged.
// Version 4's per-job unique index on material_actuals.event_id goes: a production stores one actual per serial, all
// with the production's eventId; the ids already stored become material events without hash or result (a retry of
// one of those is answered from its material actual, as version 4 did).
import type { Migration } from './migration'

export const migration006: Migration = {
  version: 6,
  name: 'material event ids (idempotent consume and produce)',
  statements: [
    `CREATE TABLE material_events (
      kind           TEXT NOT NULL CHECK (kind IN ('consume', 'produce')),
      event_id       TEXT NOT NULL,
      job_id         TEXT NOT NULL,
      body_hash      TEXT,
      result         TEXT,
      at             TEXT NOT NULL,
      PRIMARY KEY (kind, event_id)
    )`,
    `INSERT INTO material_events (kind, event_id, job_id, at)
      SELECT 'consume', event_id, MIN(job_id), MIN(at) FROM material_actuals
      WHERE event_id IS NOT NULL AND direction = 'consumed' GROUP BY event_id`,
    'DROP INDEX ux_actuals_event_id',
    'CREATE INDEX ix_actuals_event_id ON material_actuals (event_id) WHERE event_id IS NOT NULL'
  ]
}
