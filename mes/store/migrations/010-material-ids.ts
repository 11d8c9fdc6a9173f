// Version 10: the one set of ids that lots and serials share (an as-built record and its B2MML name each part by its
// id alone). Every lot or serial insert claims its id here in its own transaction, so that the primary key, not a
// look-up before the insert, decides between two commands racing for one id: on PostgreSQL the second waits on the
// first's key and is refused when the first commits (mes/store/keys.ts names the key, mes/materials/lots.ts claims).
// The ids stored before this version are claimed by their lot or serial. A lot and a serial that already share an id
// (possible before this version, when two commands raced) are left as they are, both kept with their genealogy; the
// id is claimed by the one created first (by created_at; a tie goes to the lot), and no new lot or serial can take it.
import type { Migration } from './migration'

export const migration010: Migration = {
  version: 10,
  name: 'shared lot and serial ids',
  statements: [
    `CREATE TABLE material_ids (
      id             TEXT PRIMARY KEY,
      kind           TEXT NOT NULL CHECK (kind IN ('lot', 'serial'))
    )`,
    `INSERT INTO material_ids (id, kind)
      SELECT l.lot_id, 'lot' FROM material_lots l
      WHERE NOT EXISTS (SELECT 1 FROM material_serials s WHERE s.serial = l.lot_id AND s.created_at < l.created_at)`,
    `INSERT INTO material_ids (id, kind)
      SELECT s.serial, 'serial' FROM material_serials s
      WHERE NOT EXISTS (SELECT 1 FROM material_ids i WHERE i.id = s.serial)`
  ]
}
