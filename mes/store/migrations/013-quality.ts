// Version 13: quality (issue #14). An inspection lot (SAP QM's InspectionLot, or one the MES makes for a generic QMS)
// belongs to an order and may name the lot it inspects; its characteristics are per operation with their limits;
// results are recorded against them (never changed: a correction is a new result); nonconformances carry a change
// sequence, taken from one counter row inside the transaction that opens or dispositions them, so that a feeder
// walking `nonconformancesAfter` sees the changes in commit order on both stores (the row lock orders them).
import type { Migration } from './migration'

export const migration013: Migration = {
  version: 13,
  name: 'inspection lots, characteristics, results and nonconformances',
  statements: [
    `CREATE TABLE inspection_lots (
      inspection_lot TEXT PRIMARY KEY,
      order_number   TEXT NOT NULL REFERENCES work_orders (order_number),
      lot_id         TEXT,
      status         TEXT NOT NULL CHECK (status IN ('created', 'results-recorded', 'decided')),
      ud_code        TEXT CHECK (ud_code IN ('accept', 'reject', 'restricted')),
      ud_by          TEXT,
      ud_at          TEXT,
      ud_why         TEXT,
      created_by     TEXT NOT NULL,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL
    )`,
    'CREATE INDEX ix_inspection_lots_order ON inspection_lots (order_number, created_at)',
    `CREATE TABLE inspection_characteristics (
      inspection_lot TEXT NOT NULL REFERENCES inspection_lots (inspection_lot),
      sequence       INTEGER NOT NULL,
      characteristic TEXT NOT NULL,
      order_number   TEXT NOT NULL,
      description    TEXT,
      kind           TEXT NOT NULL CHECK (kind IN ('quantitative', 'qualitative')),
      unit           TEXT,
      lower_limit    {{REAL}},
      upper_limit    {{REAL}},
      target         {{REAL}},
      defect_code    TEXT,
      PRIMARY KEY (inspection_lot, sequence, characteristic)
    )`,
    // What every result asks: the characteristics of this operation.
    'CREATE INDEX ix_inspection_chars_operation ON inspection_characteristics (order_number, sequence)',
    `CREATE TABLE inspection_results (
      id             {{AUTOID}},
      result_id      TEXT UNIQUE,
      inspection_lot TEXT NOT NULL REFERENCES inspection_lots (inspection_lot),
      order_number   TEXT NOT NULL,
      sequence       INTEGER NOT NULL,
      job_id         TEXT,
      characteristic TEXT NOT NULL,
      value          {{REAL}},
      unit           TEXT,
      attribute      TEXT CHECK (attribute IN ('accepted', 'rejected')),
      evaluation     TEXT NOT NULL CHECK (evaluation IN ('accepted', 'rejected')),
      lot_id         TEXT,
      serial         TEXT,
      equipment      TEXT,
      who            TEXT NOT NULL,
      at             TEXT NOT NULL,
      nc_id          TEXT
    )`,
    'CREATE INDEX ix_inspection_results_lot ON inspection_results (inspection_lot, sequence, characteristic)',
    'CREATE INDEX ix_inspection_results_order ON inspection_results (order_number, id)',
    'CREATE INDEX ix_inspection_results_material_lot ON inspection_results (lot_id, id)',
    `CREATE TABLE nonconformances (
      nc_id           TEXT PRIMARY KEY,
      status          TEXT NOT NULL CHECK (status IN ('open', 'dispositioned')),
      source          TEXT NOT NULL CHECK (source IN ('result', 'operator')),
      result_id       INTEGER,
      lot_id          TEXT,
      serial          TEXT,
      order_number    TEXT,
      sequence        INTEGER,
      job_id          TEXT,
      quantity        {{REAL}} NOT NULL,
      unit            TEXT,
      defect_code     TEXT NOT NULL,
      description     TEXT NOT NULL,
      hold_id         TEXT,
      reported_by     TEXT NOT NULL,
      reported_at     TEXT NOT NULL,
      disposition     TEXT CHECK (disposition IN ('use-as-is', 'rework', 'scrap', 'return')),
      disposition_by  TEXT,
      disposition_at  TEXT,
      disposition_why TEXT,
      disposition_ref TEXT,
      qms_reference   TEXT,
      change_seq      INTEGER NOT NULL UNIQUE
    )`,
    'CREATE INDEX ix_nonconformances_lot ON nonconformances (lot_id, reported_at)',
    'CREATE INDEX ix_nonconformances_order ON nonconformances (order_number, reported_at)',
    `CREATE TABLE quality_counters (
      name TEXT PRIMARY KEY,
      last INTEGER NOT NULL
    )`,
    `INSERT INTO quality_counters (name, last) VALUES ('nonconformance-change', 0)`
  ]
}
