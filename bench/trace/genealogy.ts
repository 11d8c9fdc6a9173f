// The generated genealogy of the trace benchmark, written inside the store with INSERT ... SELECT over recursive
// number series (the same SQL on SQLite and PostgreSQL), one transaction per chunk of blocks so that progress shows.
//
// 10,000 blocks, each a small plant history of its own: 20 raw lots (R-b-k), 30 intermediate lots (I-b-k) made of 4
// raw lots each, 50 subassembly lots (A-b-k) of 4 intermediates each, and 20 finished serials (FG-b-k) of 9
// subassemblies each, subassembly 0 (the block's common housing lot, say) in every one of them. That is 100 lots, 20
// serials and 500 links per block: 1,000,000 lots, 200,000 serials, 5,000,000 links. One more raw lot, R-HOT (a suspect
// resin lot), went into the housing lot of 500 blocks, so its forward trace reaches 500 x 20 = 10,000 finished serials.
import type { MesStore } from '../../mes/store/store'

export const BLOCKS = 10_000
export const HOT_LOT = 'R-HOT'
export const HOT_BLOCKS = 500
/** Every HOT_STRIDE-th block holds R-HOT in its housing lot. */
const HOT_STRIDE = BLOCKS / HOT_BLOCKS
export const SERIALS_PER_BLOCK = 20
/** A finished serial of a block with R-HOT in it: its backward trace reaches every level and the hot lot. */
export const BACKWARD_SERIAL = `FG-${7 * HOT_STRIDE}-3`
const CHUNK = 1_000
const AT = '2025-06-02T08:00:00.000Z'

interface Level { prefix: string, material: string, unit: string, count: number }
const RAW: Level = { prefix: 'R', material: 'BENCH-RM', unit: 'KG', count: 20 }
const INTERMEDIATE: Level = { prefix: 'I', material: 'BENCH-IM', unit: 'KG', count: 30 }
const SUBASSEMBLY: Level = { prefix: 'A', material: 'BENCH-SA', unit: 'PCE', count: 50 }
const FINISHED: Level = { prefix: 'FG', material: 'BENCH-FG', unit: 'PCE', count: SERIALS_PER_BLOCK }
export const DEFINITIONS = [RAW, INTERMEDIATE, SUBASSEMBLY, FINISHED].map((l) => ({ material: l.material, unit: l.unit }))

/** Blocks lo..hi-1 as b(i), positions 0..49 as k(i), fan-in slots 0..8 as m(i). */
const SERIES = `WITH RECURSIVE b (i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM b WHERE i + 1 < ?),
  k (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 49),
  m (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 8)`

function lotsSql (l: Level): string {
  return `${SERIES}
    INSERT INTO material_lots (lot_id, material, parent_lot, quantity, unit, status, status_by, status_at, created_at, updated_at)
    SELECT '${l.prefix}-' || b.i || '-' || k.i, '${l.material}', NULL, 100, '${l.unit}', 'released', 'bench', '${AT}', '${AT}', '${AT}'
    FROM b CROSS JOIN k WHERE k.i < ${l.count}`
}

const SERIALS_SQL = `${SERIES}
  INSERT INTO material_serials (serial, material, lot_id, status, status_by, status_at, created_at)
  SELECT '${FINISHED.prefix}-' || b.i || '-' || k.i, '${FINISHED.material}', NULL, 'released', 'bench', '${AT}', '${AT}'
  FROM b CROSS JOIN k WHERE k.i < ${FINISHED.count}`

/** `to` (position k of each block) consumed `fanIn` lots of `from`, the m-th at position `pick` (distinct per m). */
function linksSql (from: Level, to: Level, toKind: 'lot' | 'serial', fanIn: number, pick: string): string {
  return `${SERIES}
    INSERT INTO genealogy_links (link_type, from_kind, from_id, to_kind, to_id, quantity, unit, who, at)
    SELECT 'consumption', 'lot', '${from.prefix}-' || b.i || '-' || (${pick}), '${toKind}', '${to.prefix}-' || b.i || '-' || k.i,
      1, '${from.unit}', 'bench', '${AT}'
    FROM b CROSS JOIN k CROSS JOIN m WHERE k.i < ${to.count} AND m.i < ${fanIn}`
}

const STEPS: Array<{ what: string, sql: string }> = [
  { what: 'raw lots', sql: lotsSql(RAW) },
  { what: 'intermediate lots', sql: lotsSql(INTERMEDIATE) },
  { what: 'subassembly lots', sql: lotsSql(SUBASSEMBLY) },
  { what: 'finished serials', sql: SERIALS_SQL },
  // Offsets 0, 3, 6, 9 (mod 20) and 0, 7, 14, 21 (mod 30) are distinct: no link twice.
  { what: 'links raw -> intermediate', sql: linksSql(RAW, INTERMEDIATE, 'lot', 4, '(k.i * 7 + m.i * 3) % 20') },
  { what: 'links intermediate -> subassembly', sql: linksSql(INTERMEDIATE, SUBASSEMBLY, 'lot', 4, '(k.i * 11 + m.i * 7) % 30') },
  // The housing lot 0, then 8 of the other 49 at offsets 0, 5, ..., 35 (mod 49).
  { what: 'links subassembly -> finished', sql: linksSql(SUBASSEMBLY, FINISHED, 'serial', 9, 'CASE WHEN m.i = 0 THEN 0 ELSE (k.i * 13 + (m.i - 1) * 5) % 49 + 1 END') }
]

export const GENERATED = { lots: BLOCKS * (RAW.count + INTERMEDIATE.count + SUBASSEMBLY.count) + 1, serials: BLOCKS * FINISHED.count,
  links: BLOCKS * (INTERMEDIATE.count * 4 + SUBASSEMBLY.count * 4 + FINISHED.count * 9) + HOT_BLOCKS }

/** Writes the genealogy into a store whose material definitions exist; calls `progress` after every chunk. */
export async function generate (store: MesStore, progress: (line: string) => void): Promise<void> {
  for (const step of STEPS) {
    let rows = 0
    for (let lo = 0; lo < BLOCKS; lo += CHUNK) {
      const hi = Math.min(BLOCKS, lo + CHUNK)
      rows += await store.transaction(async (tx) => (await tx.run(step.sql, [lo, hi])).changes)
      if (hi % (BLOCKS / 2) === 0 || step.what.startsWith('links')) progress(`  ${step.what}: ${rows.toLocaleString('en-US')} rows (${hi.toLocaleString('en-US')} / ${BLOCKS.toLocaleString('en-US')} blocks)`)
    }
  }
  await store.transaction(async (tx) => {
    await tx.run(`INSERT INTO material_lots (lot_id, material, parent_lot, quantity, unit, status, status_by, status_at, created_at, updated_at)
      VALUES (?, ?, NULL, 100, ?, 'released', 'bench', ?, ?, ?)`, [HOT_LOT, RAW.material, RAW.unit, AT, AT, AT])
    await tx.run(`WITH RECURSIVE h (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i + 1 < ${HOT_BLOCKS})
      INSERT INTO genealogy_links (link_type, from_kind, from_id, to_kind, to_id, quantity, unit, who, at)
      SELECT 'consumption', 'lot', ?, 'lot', 'A-' || (h.i * ${HOT_STRIDE}) || '-0', 1, ?, 'bench', ? FROM h`, [HOT_LOT, RAW.unit, AT])
  })
  progress(`  ${HOT_LOT} into the housing lot of ${HOT_BLOCKS} blocks`)
}
