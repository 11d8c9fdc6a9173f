// Backward trace (everything that went into a lot or serial, through all levels) and forward trace (everything it
// went into, down to finished lots and serials) over genealogy_links. Lots split and merge, so the genealogy is a DAG,
// not a tree: the recursive CTE uses UNION (a set), which visits each (kind, id) once however many paths reach it and
// also ends on a cycle that bad data might hold. The set carries no depth for that reason (a depth column would make
// one node reached at two depths two rows); depths are the fewest links from the start, counted here from the edges.
import type { Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import { NotFoundError, TraceLimitError } from '../errors'
import { LINK_COLUMNS, linkFromColumns } from './rows'
import type { GenealogyLink, LotStatus, MaterialNode, NodeKind, SerialStatus, TraceNode, TraceQuery, TraceResult } from './types'

export const DEFAULT_TRACE_MAX_NODES = 200_000
/** The most a caller may ask for (schemas/mes/materials.schema.json says the same): a trace is held in memory whole. */
export const MAX_TRACE_NODES = 1_000_000
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

// The trace reads its rows as arrays (Tx.rows): 10,000 nodes and links as objects cost a third of a forward trace.
const LOT_COLUMNS = `r.kind, r.id, lt.material, lt.quantity, lt.unit, lt.status, lt.parent_lot, NULL, NULL, NULL, NULL, lt.location`
const SERIAL_COLUMNS = `r.kind, r.id, NULL, NULL, NULL, NULL, NULL, s.material, d.unit, s.status, s.lot_id, NULL`

function nodeFromRow (r: unknown[]): TraceNode | undefined {
  const kind = str(r[0]) as NodeKind
  if (kind === 'lot') {
    if (r[2] === null || r[2] === undefined) return undefined
    return { kind, id: str(r[1]), material: str(r[2]), quantity: num(r[3]), unit: str(r[4]), status: str(r[5]) as LotStatus, lotId: strOrNull(r[6]), depth: -1, location: strOrNull(r[11]) }
  }
  if (r[7] === null || r[7] === undefined) return undefined
  return { kind, id: str(r[1]), material: str(r[7]), quantity: 1, unit: str(r[8]), status: str(r[9]) as SerialStatus, lotId: strOrNull(r[10]), depth: -1 }
}


const compare = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/**
 * The nodes of a trace by kind and id: two maps, so that no key string is made per node or link (a forward trace of
 * 10,000 links spent a third of its time collecting the garbage of such keys).
 */
class NodeSet {
  readonly lots = new Map<string, TraceNode>()
  readonly serials = new Map<string, TraceNode>()
  add (n: TraceNode): void { (n.kind === 'lot' ? this.lots : this.serials).set(n.id, n) }
  get (n: MaterialNode): TraceNode | undefined { return (n.kind === 'lot' ? this.lots : this.serials).get(n.id) }
}

/** A link of the trace with its two ends: `near` is the end nearer the start. */
interface Step { readonly link: GenealogyLink, readonly near: TraceNode, readonly far: TraceNode }

export async function trace (tx: Tx, q: TraceQuery): Promise<TraceResult> {
  const start: MaterialNode = q.lotId !== undefined ? { kind: 'lot', id: q.lotId } : { kind: 'serial', id: q.serial! }
  const subject = `${q.direction} trace of ${start.kind} ${start.id}`
  const maxNodes = q.maxNodes ?? DEFAULT_TRACE_MAX_NODES
  const maxDepth = q.maxDepth ?? DEFAULT_TRACE_MAX_DEPTH
  const cte = reachCte(q.direction)
  // One more than the limit, so that "exactly at the limit" and "over it" differ without reading the whole set. The
  // lots and the serials are joined to their tables apart: one LEFT JOIN of each looked up every node in both.
  const nodeRows = await tx.rows(`${cte}
    SELECT ${LOT_COLUMNS} FROM reach r JOIN material_lots lt ON lt.lot_id = r.id WHERE r.kind = 'lot'
    UNION ALL
    SELECT ${SERIAL_COLUMNS} FROM reach r JOIN material_serials s ON s.serial = r.id JOIN material_definitions d ON d.material = s.material
    WHERE r.kind = 'serial'
    LIMIT ?`, [start.kind, start.id, maxNodes + 1])
  if (nodeRows.length > maxNodes) {
    throw new TraceLimitError(subject, `the trace reaches more than ${maxNodes} lots and serials`)
  }
  const nodes = new NodeSet()
  for (const r of nodeRows) {
    const n = nodeFromRow(r)
    // A link naming a lot or serial the MES does not hold (none does today) is kept out rather than invented.
    if (n !== undefined) nodes.add(n)
  }
  const first = nodes.get(start)
  if (first === undefined) throw new NotFoundError(start.kind, start.id)
  const backward = q.direction === 'backward'
  const near = backward ? 'to' : 'from'
  // The links out of the reached set (its near end), read for the set itself rather than by walking again: the
  // lots and the serials each as one JSON array, so that each statement stays one prepared statement on both stores.
  // Two statements, not one UNION ALL: PostgreSQL ran the two halves as a Parallel Append, whose workers took 5 ms to
  // start for a trace of 50 nodes. SQLite knows nothing of the set's size and would scan every link for it; CROSS
  // JOIN keeps the set outside.
  const set = tx.dialect === 'sqlite' ? 'json_each(?) AS r' : 'json_array_elements_text(CAST(? AS JSON)) AS r (value)'
  const join = tx.dialect === 'sqlite' ? 'CROSS JOIN' : 'JOIN'
  const out = async (kind: NodeKind, ids: Map<string, TraceNode>): Promise<unknown[][]> => ids.size === 0 ? [] : await tx.rows(
    `SELECT ${LINK_COLUMNS} FROM ${set} ${join} genealogy_links l ON l.${near}_id = r.value AND l.${near}_kind = '${kind}'`,
    [JSON.stringify([...ids.keys()])])
  const steps: Step[] = []
  for (const rows of [await out('lot', nodes.lots), await out('serial', nodes.serials)]) {
    for (const r of rows) {
      const link = linkFromColumns(r)
      const from = nodes.get(link.from)
      const to = nodes.get(link.to)
      if (from !== undefined && to !== undefined) steps.push(backward ? { link, near: to, far: from } : { link, near: from, far: to })
    }
  }
  steps.sort((a, b) => a.link.id - b.link.id)
  return assemble(q.direction, start, first, steps, maxDepth, subject)
}

/** Depths by breadth-first search from the start, then the graph and its flat list in a stable order. */
function assemble (direction: TraceQuery['direction'], start: MaterialNode, first: TraceNode, steps: Step[], maxDepth: number,
  subject: string): TraceResult {
  const next = new Map<TraceNode, Step[]>()
  const via = new Map<TraceNode, GenealogyLink[]>()
  for (const step of steps) {
    let out = next.get(step.near)
    if (out === undefined) next.set(step.near, out = [])
    out.push(step)
    let into = via.get(step.far)
    if (into === undefined) via.set(step.far, into = [])
    into.push(step.link)
  }
  first.depth = 0
  const reached: TraceNode[] = [first]
  // The reached list is the breadth-first queue: a node's depth is set when it is first met, from the one before it.
  for (let i = 0; i < reached.length; i++) {
    const node = reached[i]!
    for (const { far } of next.get(node) ?? []) {
      if (far.depth >= 0) continue
      if (node.depth + 1 > maxDepth) throw new TraceLimitError(subject, `the trace is deeper than ${maxDepth} links`)
      far.depth = node.depth + 1
      reached.push(far)
    }
  }
  reached.sort((a, b) => a.depth - b.depth || compare(a.kind, b.kind) || compare(a.id, b.id))
  return { direction, start, nodes: reached, edges: steps.map((s) => s.link), list: reached.map((node) => ({ node, via: via.get(node) ?? [] })) }
}
