// Version 4: material definitions, lots and sublots, serials, material actuals (what a job consumed and produced) and
// the genealogy links between lots and serials, plus the BOM rules a consumption is checked against (alternates and
// tolerance per component, overrides allowed per operation). A lot's quantity is checked non-negative by the store
// too, so that no code path can drive it below zero. A node of the genealogy is a (kind, id) pair: 'lot' or 'serial'.
import type { Migration } from './migration'

export const migration004: Migration = {
  version: 4,
  name: 'materials, lots, serials and genealogy',
  statements: [
    // JSON array of alternate material ids; tolerance in percent over the required quantity (NULL: the MES default).
    'ALTER TABLE material_requirements ADD COLUMN alternates TEXT',
    'ALTER TABLE material_requirements ADD COLUMN tolerance_pct {{REAL}}',
    // 1: a consumption refused by the BOM check may be accepted at this operation with a signed override.
    'ALTER TABLE operations ADD COLUMN bom_override INTEGER NOT NULL DEFAULT 0',
    `CREATE TABLE material_definitions (
      material       TEXT PRIMARY KEY,
      description    TEXT,
      unit           TEXT NOT NULL,
      serial_pattern TEXT,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL
    )`,
    `CREATE TABLE material_lots (
      lot_id         TEXT PRIMARY KEY,
      material       TEXT NOT NULL REFERENCES material_definitions (material),
      parent_lot     TEXT REFERENCES material_lots (lot_id),
      quantity       {{REAL}} NOT NULL CHECK (quantity >= 0),
      unit           TEXT NOT NULL,
      status         TEXT NOT NULL CHECK (status IN ('released', 'quarantined', 'on-hold', 'blocked', 'expired', 'consumed')),
      status_reason  TEXT,
      status_by      TEXT NOT NULL,
      status_at      TEXT NOT NULL,
      expires_at     TEXT,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL
    )`,
    'CREATE INDEX ix_lots_material ON material_lots (material, status)',
    `CREATE TABLE material_serials (
      serial         TEXT PRIMARY KEY,
      material       TEXT NOT NULL REFERENCES material_definitions (material),
      lot_id         TEXT REFERENCES material_lots (lot_id),
      status         TEXT NOT NULL CHECK (status IN ('released', 'quarantined', 'on-hold', 'blocked', 'consumed', 'scrapped')),
      status_reason  TEXT,
      status_by      TEXT NOT NULL,
      status_at      TEXT NOT NULL,
      created_at     TEXT NOT NULL
    )`,
    // The next number of each serial pattern (rendered without its counter), so that numbering survives restarts.
    `CREATE TABLE serial_counters (
      prefix         TEXT PRIMARY KEY,
      next_value     BIGINT NOT NULL
    )`,
    // ISA-95 material actuals: what a job consumed or produced, with who, where and whether a BOM override admitted it.
    `CREATE TABLE material_actuals (
      id             {{AUTOID}},
      direction      TEXT NOT NULL CHECK (direction IN ('consumed', 'produced')),
      node_kind      TEXT NOT NULL,
      node_id        TEXT NOT NULL,
      material       TEXT NOT NULL,
      quantity       {{REAL}} NOT NULL CHECK (quantity > 0),
      unit           TEXT NOT NULL,
      job_id         TEXT NOT NULL REFERENCES job_orders (job_id),
      order_number   TEXT NOT NULL,
      sequence       INTEGER NOT NULL,
      work_unit      TEXT NOT NULL,
      who            TEXT NOT NULL,
      at             TEXT NOT NULL,
      bom_item       INTEGER,
      override       TEXT,
      signature      TEXT,
      event_id       TEXT
    )`,
    'CREATE UNIQUE INDEX ux_actuals_event_id ON material_actuals (job_id, event_id) WHERE event_id IS NOT NULL',
    'CREATE INDEX ix_actuals_job ON material_actuals (job_id, direction)',
    'CREATE INDEX ix_actuals_order ON material_actuals (order_number, direction, material)',
    `CREATE TABLE genealogy_links (
      id             {{AUTOID}},
      link_type      TEXT NOT NULL CHECK (link_type IN ('consumption', 'split', 'merge')),
      from_kind      TEXT NOT NULL,
      from_id        TEXT NOT NULL,
      to_kind        TEXT NOT NULL,
      to_id          TEXT NOT NULL,
      quantity       {{REAL}},
      unit           TEXT,
      job_id         TEXT,
      order_number   TEXT,
      sequence       INTEGER,
      work_unit      TEXT,
      who            TEXT NOT NULL,
      at             TEXT NOT NULL
    )`,
    // Backward trace walks to -> from, forward trace from -> to.
    'CREATE INDEX ix_links_to ON genealogy_links (to_id, to_kind)',
    'CREATE INDEX ix_links_from ON genealogy_links (from_id, from_kind)'
  ]
}
