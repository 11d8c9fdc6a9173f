// Material as the MES tracks it (ISA-95 Part 2 material model, Part 4 material actuals): definitions from the ERP,
// lots and sublots with quantity and unit, serials, and the genealogy links between them. Quantities are in the
// lot's unit; times are ISO-8601 UTC.
import type { SignatureInput, SignatureRecord } from '../model/types'

export type LotStatus = 'released' | 'quarantined' | 'on-hold' | 'blocked' | 'expired' | 'consumed'
export type SerialStatus = 'released' | 'quarantined' | 'on-hold' | 'blocked' | 'consumed' | 'scrapped'
export const LOT_STATUSES: readonly LotStatus[] = ['released', 'quarantined', 'on-hold', 'blocked', 'expired', 'consumed']

/** A node of the genealogy: a lot (or sublot) or one serialized item. */
export type NodeKind = 'lot' | 'serial'
export interface MaterialNode { kind: NodeKind, id: string }

export interface MaterialDefinitionInput {
  material: string
  description?: string
  unit: string
  /** Serial numbers of this material, e.g. "SN-{material}-{yyyy}{mm}{dd}-{n:5}" (see mes/materials/serial-pattern.ts). */
  serialPattern?: string
}

export interface MaterialDefinition {
  material: string
  description: string | null
  unit: string
  serialPattern: string | null
  createdAt: string
  updatedAt: string
}

export interface LotInput {
  lotId: string
  material: string
  quantity: number
  unit: string
  /** Default released (a lot received from a supplier may start quarantined). */
  status?: LotStatus
  expiresAt?: string
  who: string
  why?: string
}

export interface Lot {
  lotId: string
  material: string
  /** The lot this sublot was split from, if any. */
  parentLot: string | null
  quantity: number
  unit: string
  status: LotStatus
  statusReason: string | null
  statusBy: string
  statusAt: string
  expiresAt: string | null
  createdAt: string
  updatedAt: string
  /** Where the WMS last said the lot is: the supply location it was staged to, the bin it was put away in. */
  location?: string
}

export interface Serial {
  serial: string
  material: string
  lotId: string | null
  status: SerialStatus
  statusReason: string | null
  statusBy: string
  statusAt: string
  createdAt: string
}

/** A status change by the QMS, the WMS or a person: who and why are required (audited). */
export interface LotStatusChange {
  status: Exclude<LotStatus, 'consumed'>
  who: string
  why: string
  /** Changed only if the lot has this status now (checked under its row lock), else refused: a change decided on what was read. */
  ifStatus?: LotStatus
}

/** An override of a BOM refusal: the reason, and a signature of someone other than the operator. */
export interface BomOverrideInput {
  reason: string
  signature: SignatureInput
}

/** Consumption at a running job's operation: part or all of a lot, or one serial. */
export interface ConsumeInput {
  jobId: string
  who: string
  lotId?: string
  /** Of the lot; default: all that is left. */
  quantity?: number
  serial?: string
  /**
   * Caller's id, unique across all consumptions: a retry with the same id and command is not applied twice (its first
   * result is returned, `duplicate: true`); a different command under an id already used is refused (event-id-conflict).
   */
  eventId?: string
  override?: BomOverrideInput
}

/** Production at a job's operation: a lot (quantity) or serials (count, numbered by the material's pattern). */
export interface ProduceInput {
  jobId: string
  who: string
  material: string
  lotId?: string
  quantity?: number
  /** Serials to make; their numbers come from `serials` or the material's serial pattern. */
  count?: number
  serials?: string[]
  /** The lot the serials belong to, if any. */
  intoLot?: string
  /** Caller's id: a retried production with the same id is not applied twice (its first result is returned). */
  eventId?: string
}

export interface SplitInput {
  lotId: string
  /** The new sublots and their quantities; what is left stays in the lot. */
  into: Array<{ lotId: string, quantity: number }>
  who: string
  why?: string
}

export interface MergeInput {
  lotIds: string[]
  /** The new lot that receives all of their quantities. */
  into: string
  who: string
  why?: string
}

export type BomRule = 'not-a-component' | 'over-tolerance' | 'unit-mismatch' | 'lot-status' | 'lot-expired' | 'serial-status' |
  'insufficient-quantity'

/** The override that admitted a consumption the BOM check refused. */
export interface OverrideRecord {
  rule: BomRule
  refusal: string
  reason: string
  signature: SignatureRecord
}

export interface MaterialActual {
  id: number
  direction: 'consumed' | 'produced'
  node: MaterialNode
  material: string
  quantity: number
  unit: string
  jobId: string
  orderNumber: string
  sequence: number
  workUnit: string
  who: string
  at: string
  /** The BOM item the consumption counts against, if the material is a component (or an alternate of one). */
  bomItem: number | null
  override: OverrideRecord | null
}

export interface GenealogyLink {
  id: number
  type: 'consumption' | 'split' | 'merge'
  from: MaterialNode
  to: MaterialNode
  quantity: number | null
  unit: string | null
  jobId: string | null
  orderNumber: string | null
  sequence: number | null
  workUnit: string | null
  who: string
  at: string
}

export interface ConsumeResult {
  actual: MaterialActual
  /** The lot after the consumption (absent for a serial). */
  lot?: Lot
  serial?: Serial
  /** Links made to what the job had already produced. */
  links: GenealogyLink[]
  duplicate: boolean
}

export interface ProduceResult {
  actuals: MaterialActual[]
  lot?: Lot
  serials: Serial[]
  /** Links made from what the job had consumed so far. */
  links: GenealogyLink[]
  /** True when a production with the same eventId had already been applied: this is its first result, nothing changed. */
  duplicate: boolean
}

/** A backward trace (what went into a lot or serial) or a forward one (what it went into), with its limits. */
export interface TraceQuery {
  direction: 'backward' | 'forward'
  lotId?: string
  serial?: string
  /** Most nodes the answer may hold (default 200,000); a larger trace is refused with TraceLimitError. */
  maxNodes?: number
  /** Most links between the start and any node (default 1,000); a deeper trace is refused with TraceLimitError. */
  maxDepth?: number
}

/** A lot or serial reached by a trace, as it is now, with its fewest links from the start. */
export interface TraceNode {
  kind: NodeKind
  id: string
  material: string
  /** What is left of a lot; 1 for a serial. */
  quantity: number
  unit: string
  status: LotStatus | SerialStatus
  /** The lot a serial belongs to, or the parent of a sublot. */
  lotId: string | null
  depth: number
  /** A lot's location as the WMS confirmed it (a staging or put-away confirmation); null when none, absent for a serial. */
  location?: string | null
}

/** One node of the flat list, with the links that join it to the nodes one step nearer the start. */
export interface TraceEntry {
  node: TraceNode
  /** Backward: the links out of this node (into what it went into); forward: the links into it. */
  via: GenealogyLink[]
}

/**
 * A trace as a graph (nodes and edges: a DAG, each lot or serial once however many paths reach it) and as a flat
 * list (by depth, then kind and id). Each edge is a step: its job, operation, work unit, person and time.
 */
export interface TraceResult {
  direction: TraceQuery['direction']
  start: MaterialNode
  nodes: TraceNode[]
  edges: GenealogyLink[]
  list: TraceEntry[]
}

/** What an order's BOM still needs of a material at a job's operation (the component it counts against). */
export interface BomRemainder {
  item: number
  /** The component's material (the one asked for may be an alternate of it). */
  material: string
  /** The component's quantity less what the order consumed against it; never below 0. */
  quantity: number
  unit: string
}
