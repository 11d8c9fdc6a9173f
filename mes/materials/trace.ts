// Backward trace (everything that went into a lot or serial, through all levels) and forward trace (everything it
// went into, down to finished lots and serials) over genealogy_links. Lots split and merge, so the genealogy is a DAG,
// not a tree: the recursive CTE uses UNION (a set), which visits each (kind, id) once however many paths reach it and
// also ends on a cycle that bad data might hold. The set carries no depth for that reason (a depth column would make
// one node reached at two depths two rows); depths are the fewest links from the start, counted here from the edges.
import type { Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import { NotFoundError, TraceLimitError } from '../errors'
import type { GenealogyLink, LotStatus, MaterialNode, NodeKind, SerialStatus, TraceEntry, TraceNode, TraceQuery, TraceResult } from './types'
import { linkFromRow } from './rows'

export const DEFAULT_TRACE_MAX_NODES = 200_000
export const DEFAULT_TRACE_MAX_DEPTH = 1_000

/** The reached set: backward walks a link from its `to` to its `from` (ix_links_to), forward the other way (ix_links_from). */
function reachCte (direction: TraceQuery['direction']): string {
  const [near, far] = direction === 'backward' ? ['to', 'from'] : ['from', 'to']
  return `WITH RECURSIVE reach (kind, id) AS (
      SELECT CAST(? AS TEXT), CAST(? AS TEXT)
      UNION
      SELECT l.${far}_kind, l.${far}_id FROM genealogy_links l JOIN reach r ON l.${near}_id = r.id AND l.${near}_kind = r.kind
    )`
}

function nodeFromRow (r: Record<string, unknown>): Omit<TraceNode, 'depth'> | undefined {
  const kind = str(r.kind) as NodeKind
  if (kind === 'lot') {
    if (r.lot_material === null || r.lot_material === undefined) return undefined
    return {
      kind, id: str(r.id), material: str(r.lot_material), quantity: num(r.lot_quantity), unit: str(r.lot_unit),
      status: str(r.lot_status) as LotStatus, lotId: strOrNull(r.parent_lot)
    }
  }
  if (r.serial_material === null || r.serial_material === undefined) return undefined
  return {
    kind, id: str(r.id), material: str(r.serial_material), quantity: 1, unit: str(r.serial_unit),
    status: str(r.serial_status) as SerialStatus, lotId: strOrNull(r.serial_lot)
  }
}

const compare = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
const key = (n: MaterialNode): string => `${n.kind}\u0000${n.id}`

export async function trace (tx: Tx, q: TraceQuery): Promise<TraceResult> {
  const start: MaterialNode = q.lotId !== undefined ? { kind: 'lot', id: q.lotId } : { kind: 'serial', id: q.serial! }
  const subject = `${q.direction} trace of ${start.kind} ${start.id}`
  const maxNodes = q.maxNodes ?? DEFAULT_TRACE_MAX_NODES
  const maxDepth = q.maxDepth ?? DEFAULT_TRACE_MAX_DEPTH
  const cte = reachCte(q.direction)
  // One more than the limit, so that "exactly at the limit" and "over it" differ without reading the whole set.
  const nodeRows = await tx.all(`${cte}
    SELECT r.kind, r.id, lt.material AS lot_material, lt.quantity AS lot_quantity, lt.unit AS lot_unit, lt.status AS lot_status,
      lt.parent_lot, s.material AS serial_material, d.unit AS serial_unit, s.status AS serial_status, s.lot_id AS serial_lot
    FROM reach r
    LEFT JOIN material_lots lt ON r.kind = 'lot' AND lt.lot_id = r.id
    LEFT JOIN material_serials s ON r.kind = 'serial' AND s.serial = r.id
    LEFT JOIN material_definitions d ON d.material = s.material
    LIMIT ?`, [start.kind, start.id, maxNodes + 1])
  if (nodeRows.length > maxNodes) {
    throw new TraceLimitError(subject, `the trace reaches more than ${maxNodes} lots and serials`)
  }
  const nodes = new Map<string, Omit<TraceNode, 'depth'>>()
  for (const r of nodeRows) {
    const n = nodeFromRow(r)
    // A link naming a lot or serial the MES does not hold (none does today) is kept out rather than invented.
    if (n !== undefined) nodes.set(key(n), n)
  }
  if (!nodes.has(key(start))) throw new NotFoundError(start.kind, start.id)
  const near = q.direction === 'backward' ? 'to' : 'from'
  // SQLite knows nothing of the reached set's size and would scan every link for it; CROSS JOIN keeps reach outside.
  const join = tx.dialect === 'sqlite' ? 'CROSS JOIN' : 'JOIN'
  const edges = (await tx.all(`${cte}
    SELECT l.* FROM reach r ${join} genealogy_links l ON l.${near}_id = r.id AND l.${near}_kind = r.kind`, [start.kind, start.id]))
    .map(linkFromRow).filter((l) => nodes.has(key(l.from)) && nodes.has(key(l.to)))
    .sort((a, b) => a.id - b.id)
  return assemble(q.direction, start, nodes, edges, maxDepth, subject)
}

/** Depths by breadth-first search from the start, then the graph and its flat list in a stable order. */
function assemble (direction: TraceQuery['direction'], start: MaterialNode, nodes: Map<string, Omit<TraceNode, 'depth'>>,
  edges: GenealogyLink[], maxDepth: number, subject: string): TraceResult {
  const nearOf = (l: GenealogyLink): MaterialNode => direction === 'backward' ? l.to : l.from
  const farOf = (l: GenealogyLink): MaterialNode => direction === 'backward' ? l.from : l.to
  const next = new Map<string, GenealogyLink[]>()
  const via = new Map<string, GenealogyLink[]>()
  for (const l of edges) {
    const n = key(nearOf(l))
    const f = key(farOf(l))
    let out = next.get(n)
    if (out === undefined) next.set(n, out = [])
    out.push(l)
    let into = via.get(f)
    if (into === undefined) via.set(f, into = [])
    into.push(l)
  }
  const depth = new Map<string, number>([[key(start), 0]])
  let frontier = [key(start)]
  for (let d = 1; frontier.length > 0; d++) {
    const reached: string[] = []
    for (const k of frontier) {
      for (const l of next.get(k) ?? []) {
        const f = key(farOf(l))
        if (depth.has(f)) continue
        if (d > maxDepth) throw new TraceLimitError(subject, `the trace is deeper than ${maxDepth} links`)
        depth.set(f, d)
        reached.push(f)
      }
    }
    frontier = reached
  }
  const traced: TraceNode[] = []
  for (const [k, n] of nodes) {
    const d = depth.get(k)
    if (d !== undefined) traced.push({ ...n, depth: d })
  }
  traced.sort((a, b) => a.depth - b.depth || compare(a.kind, b.kind) || compare(a.id, b.id))
  const list: TraceEntry[] = traced.map((node) => ({ node, via: via.get(key(node)) ?? [] }))
  return { direction, start, nodes: traced, edges, list }
}
