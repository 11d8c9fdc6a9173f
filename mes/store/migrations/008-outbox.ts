// Version 8: the outbox every outbound adapter sends through (SAP now, QMS and WMS next; mes/outbox/). One row per
// message with its life cycle (pending, sending under a lease, sent, dead, discarded), the payloads a resubmit
// replaced, and the feeders' durable cursors (a feeder walks a table by id and enqueues what it has not yet seen).
// Times are ISO 8601 UTC text with milliseconds (Date.toISOString), which sort as the instants they name on both
// dialects, so "due now" is a text comparison with the MES clock's now.
import type { Migration } from './migration'

export const migration008: Migration = {
  version: 8,
  name: 'outbox for outbound adapters',
  statements: [
    `CREATE TABLE outbox_messages (
      id               {{AUTOID}},
      destination      TEXT NOT NULL,
      type             TEXT NOT NULL,
      ordering_key     TEXT NOT NULL,
      idempotency_key  TEXT NOT NULL,
      payload          TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'discarded')),
      attempts         INTEGER NOT NULL DEFAULT 0,
      next_attempt_at  TEXT NOT NULL,
      lease_owner      TEXT,
      lease_until      TEXT,
      last_error       TEXT,
      reference        TEXT,
      created_by       TEXT NOT NULL,
      created_at       TEXT NOT NULL,
      sent_at          TEXT,
      updated_at       TEXT NOT NULL
    )`,
    'CREATE UNIQUE INDEX ux_outbox_idempotency ON outbox_messages (idempotency_key)',
    // The claim's two questions: what is due at a destination, and what is still open before it under its key.
    'CREATE INDEX ix_outbox_due ON outbox_messages (destination, status, next_attempt_at)',
    'CREATE INDEX ix_outbox_key ON outbox_messages (destination, ordering_key, id)',
    `CREATE TABLE outbox_payload_history (
      id           {{AUTOID}},
      message_id   INTEGER NOT NULL REFERENCES outbox_messages (id),
      payload      TEXT NOT NULL,
      replaced_by  TEXT NOT NULL,
      replaced_at  TEXT NOT NULL,
      why          TEXT NOT NULL
    )`,
    'CREATE INDEX ix_outbox_history ON outbox_payload_history (message_id, id)',
    `CREATE TABLE outbox_cursors (
      name        TEXT PRIMARY KEY,
      last_id     INTEGER NOT NULL,
      updated_at  TEXT NOT NULL
    )`
  ]
}
