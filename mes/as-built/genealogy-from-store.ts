// The genealogy part of an as-built record, read from the store: the backward trace of the subject (mes/materials/
// trace.ts) as record nodes and edges, and the signed overrides that admitted a consumption into it.
import type { SqlValue, Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import { trace } from '../materials/trace'
import { actualFromRow } from '../materials/rows'
import type { GenealogyLink, MaterialActual, TraceNode } from '../materials/types'
import type { GenealogyEdge, GenealogyNode, OverrideRecord } from './as-built-record'

/** Most lots and serials one record holds: a record is one document for one finished item, not a plant's history. */
export const AS_BUILT_MAX_NODES = 20_000

/** IN lists of at most this many ids: SQLite and PostgreSQL both take it, and a statement stays small. */
const CHUNK = 500

/** Rows of `sql` (which has one `IN (%s)`) for every chunk of `ids`, with `params` before the ids. */
export async function allIn (tx: Tx, sql: string, ids: readonly string[], params: SqlValue[] = []): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = []
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK)
    rows.push(...await tx.all(sql.replace('%s', part.map(() => '?').join(', ')), [...params, ...part]))
  }
  return rows
}

export interface Genealogy {
  nodes: GenealogyNode[]
  edges: GenealogyEdge[]
  overrides: OverrideRecord[]
  /** The material actuals of the record's nodes (consumed and produced), by id. */
  actuals: MaterialActual[]
}

export async function genealogyOf (tx: Tx, subject: { lotId?: string, serial?: string }): Promise<Genealogy> {
  const t = await trace(tx, { direction: 'backward', ...subject, maxNodes: AS_BUILT_MAX_NODES })
  const lotIds = t.nodes.filter((n) => n.kind === 'lot').map((n) => n.id)
  const ids = t.nodes.map((n) => n.id)
  const keys = new Set(t.nodes.map((n) => `${n.kind}:${n.id}`))
  const actuals = (await allIn(tx, 'SELECT * FROM material_actuals WHERE node_id IN (%s)', ids))
    .map(actualFromRow).filter((a) => keys.has(`${a.node.kind}:${a.node.id}`)).sort((a, b) => a.id - b.id)
  const overrides: OverrideRecord[] = []
  const overrideOf = new Map<number, string>()
  for (const a of actuals) {
    if (a.override === null) continue
    const id = `OVR-${a.id}`
    overrideOf.set(a.id, id)
    overrides.push({
      id, jobId: a.jobId, nodeId: a.node.id, rule: a.override.rule as OverrideRecord['rule'],
      reason: a.override.reason, operator: a.who, signature: a.override.signature
    })
  }
  const nodes = await nodesOf(tx, t.nodes, lotIds, actuals)
  const overridden = new Map<string, MaterialActual[]>()
  for (const a of actuals) {
    if (a.override === null) continue
    const k = overrideKey(a.jobId, a.node.kind, a.node.id)
    const list = overridden.get(k)
    if (list === undefined) overridden.set(k, [a])
    else list.push(a)
  }
  const actualOf = new Map<number, number>()
  for (const r of await allIn(tx, 'SELECT id, actual_id FROM genealogy_links WHERE actual_id IS NOT NULL AND id IN (%s)',
    t.edges.filter((l) => l.type === 'consumption').map((l) => String(l.id)))) actualOf.set(num(r.id), num(r.actual_id))
  const edges = t.edges.map((l) => edgeOf(l, nodes, actualOf.get(l.id), overridden, overrideOf))
  return { nodes: [...nodes.values()], edges, overrides, actuals }
}

/**
 * Nodes as received or produced (the trace has what is left now): a lot's quantity is what is left plus what was
 * consumed from it and what was split or merged out of it. A split-off lot is a sublot of its parent.
 */
async function nodesOf (tx: Tx, traced: TraceNode[], lotIds: string[], actuals: MaterialActual[]): Promise<Map<string, GenealogyNode>> {
  const out = new Map<string, number>()
  for (const a of actuals) if (a.direction === 'consumed' && a.node.kind === 'lot') out.set(a.node.id, (out.get(a.node.id) ?? 0) + a.quantity)
  for (const r of await allIn(tx, `SELECT from_id, SUM(quantity) AS q FROM genealogy_links
    WHERE from_kind = 'lot' AND link_type IN ('split', 'merge') AND from_id IN (%s) GROUP BY from_id`, lotIds)) {
    out.set(str(r.from_id), (out.get(str(r.from_id)) ?? 0) + num(r.q))
  }
  const expires = new Map<string, string>()
  for (const r of await allIn(tx, 'SELECT lot_id, expires_at FROM material_lots WHERE expires_at IS NOT NULL AND lot_id IN (%s)', lotIds)) {
    expires.set(str(r.lot_id), str(r.expires_at))
  }
  const materials = [...new Set(traced.map((n) => n.material))]
  const descriptions = new Map<string, string>()
  for (const r of await allIn(tx, 'SELECT material, description FROM material_definitions WHERE description IS NOT NULL AND material IN (%s)', materials)) {
    descriptions.set(str(r.material), str(r.description))
  }
  const nodes = new Map<string, GenealogyNode>()
  for (const n of traced) {
    const description = descriptions.get(n.material)
    const expiresAt = expires.get(n.id)
    nodes.set(n.id, {
      id: n.id,
      kind: n.kind === 'serial' ? 'serial' : n.lotId !== null ? 'sublot' : 'lot',
      material: n.material,
      ...(description !== undefined ? { materialDescription: description } : {}),
      ...(n.lotId !== null ? { lotId: n.lotId } : {}),
      quantity: { value: n.kind === 'serial' ? 1 : roundQty(n.quantity + (out.get(n.id) ?? 0)), unit: n.unit },
      status: n.status,
      ...(expiresAt !== undefined ? { expiresAt } : {})
    })
  }
  return nodes
}

const overrideKey = (jobId: string, kind: string, id: string): string => `${jobId}\u0000${kind}\u0000${id}`

// Sums of decimal quantities in binary floating point (0.1 + 0.2): kept to the 9 decimals the lots are compared at.
const roundQty = (q: number): number => Math.round(q * 1e9) / 1e9

/**
 * A link as a record edge. A consumption link is made once per item the job produced, at the later of the
 * consumption and the production; its override is the one of the consumption it names (`actualId`). A link stored
 * before migration 007 names none: its override is then the one of the latest overridden consumption of the same lot
 * or serial at the same job up to the link's time.
 */
function edgeOf (l: GenealogyLink, nodes: Map<string, GenealogyNode>, actualId: number | undefined,
  overridden: Map<string, MaterialActual[]>, overrideOf: Map<number, string>): GenealogyEdge {
  const from = nodes.get(l.from.id)
  let overrideId: string | undefined
  if (actualId !== undefined) overrideId = overrideOf.get(actualId)
  else if (l.type === 'consumption' && l.jobId !== null) {
    for (const a of overridden.get(overrideKey(l.jobId, l.from.kind, l.from.id)) ?? []) {
      if (a.at <= l.at) overrideId = overrideOf.get(a.id)
    }
  }
  return {
    from: l.from.id,
    to: l.to.id,
    kind: l.type,
    quantity: { value: l.quantity ?? 0, unit: l.unit ?? from?.quantity.unit ?? '' },
    ...(l.jobId !== null ? { jobId: l.jobId } : {}),
    ...(strOrNull(l.orderNumber) !== null ? { orderNumber: l.orderNumber as string } : {}),
    ...(l.sequence !== null ? { operationSequence: l.sequence } : {}),
    ...(l.workUnit !== null ? { workUnit: l.workUnit } : {}),
    operator: l.who,
    at: l.at,
    ...(overrideId !== undefined ? { overrideId } : {})
  }
}
