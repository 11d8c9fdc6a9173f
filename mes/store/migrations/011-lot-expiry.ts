// Version 11: shelf-life expiry (mes/materials/lot-expiry.ts). The sweeper asks for the released lots whose expiry
// has passed, and for the next expiry to come, so an index holds exactly those lots (partial: released, with an
// expiry), keyed by the instant, not by the text: `expires_at` is stored as the caller wrote it (RFC 3339 with any
// offset), so its text does not sort in time order. SQLite's julianday() reads the offset and may stand in an index
// expression; PostgreSQL's text-to-timestamptz cast is only STABLE (it may depend on the session's TimeZone and
// DateStyle), so it is wrapped in an IMMUTABLE function, which is true for what the store holds: every expiry passed
// the schema's date-time format, which requires an offset (or Z), and ISO 8601 reads alike in every DateStyle.
// The lot id follows in the key, so that a batch (ORDER BY expiry, lot id LIMIT n) reads the index in order.
import type { Migration } from './migration'

export const migration011: Migration = {
  version: 11,
  name: 'index of released lots by expiry',
  statements: {
    sqlite: [
      `CREATE INDEX ix_lots_released_expiry ON material_lots (julianday(expires_at), lot_id)
        WHERE status = 'released' AND expires_at IS NOT NULL`
    ],
    postgres: [
      `CREATE FUNCTION mes_instant (t TEXT) RETURNS TIMESTAMPTZ LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT t::timestamptz $$`,
      `CREATE INDEX ix_lots_released_expiry ON material_lots (mes_instant(expires_at), lot_id)
        WHERE status = 'released' AND expires_at IS NOT NULL`
    ]
  }
}
