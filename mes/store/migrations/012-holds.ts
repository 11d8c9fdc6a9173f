// Version 12: holds on a lot, an order or a work unit (issue #14), placed by the QMS, by a nonconformance or by a
// person with rights, each with its reason and who, released with who and why. Several holds may stand on one
// target at once (two nonconformances on one lot); the target is free only when none is active. A lot's status
// while held is 'on-hold'; `lot_status_before` keeps what it was when this hold was placed, so that releasing the
// last active hold gives the lot back the status it had before the first.
import type { Migration } from './migration'

export const migration012: Migration = {
  version: 12,
  name: 'holds on lots, orders and work units',
  statements: [
    `CREATE TABLE holds (
      hold_id           TEXT PRIMARY KEY,
      target_kind       TEXT NOT NULL CHECK (target_kind IN ('lot', 'order', 'work-unit')),
      target_id         TEXT NOT NULL,
      reason            TEXT NOT NULL,
      source            TEXT NOT NULL CHECK (source IN ('person', 'qms', 'nonconformance')),
      reference         TEXT,
      status            TEXT NOT NULL CHECK (status IN ('active', 'released')),
      placed_by         TEXT NOT NULL,
      placed_at         TEXT NOT NULL,
      released_by       TEXT,
      released_at       TEXT,
      release_why       TEXT,
      lot_status_before TEXT
    )`,
    // What every start, report, dispatch and consumption asks: is this target held now?
    `CREATE INDEX ix_holds_active ON holds (target_kind, target_id) WHERE status = 'active'`
  ]
}
