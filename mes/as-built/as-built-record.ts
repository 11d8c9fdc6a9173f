// The as-built (device history) record of one finished lot or serial: what went into it, through all levels, and
// how it was made. One self-contained document, so that an auditor (21 CFR 820.184, IATF 16949 8.5.2) reads it
// without the hub; schemas/mes/as-built-record.schema.json is its contract, and b2mml-export.ts its B2MML V7 form.
import type { JobState, SignatureRecord } from '../model/types'

export const AS_BUILT_SCHEMA_VERSION = 1

/** ISA-95 lot status as the material module keeps it; a serial may also be scrapped. */
export type LotStatus = 'released' | 'quarantined' | 'on-hold' | 'blocked' | 'expired' | 'consumed' | 'scrapped'

export interface Quantity {
  value: number
  unit: string
}

/**
 * A lot, a sublot (part of a lot, tracked on its own: `lotId` names the lot) or a serial (one item; `lotId` names
 * the lot it belongs to, if it belongs to one: a serial of no lot is a lot of one).
 */
export interface GenealogyNode {
  id: string
  kind: 'lot' | 'sublot' | 'serial'
  material: string
  materialDescription?: string
  /** The lot a sublot (always) or a serial (when it has one) belongs to. */
  lotId?: string
  /** As received or produced. */
  quantity: Quantity
  status: LotStatus
  expiresAt?: string
}

/**
 * One ISA-95 material actual link: `from` went into `to`. A consumption at an operation names its job; a split or
 * merge of lots is a link like any other (no job when done in the warehouse).
 */
export interface GenealogyEdge {
  from: string
  to: string
  kind: 'consumption' | 'split' | 'merge'
  /** The quantity of `from` that went into `to`. */
  quantity: Quantity
  jobId?: string
  orderNumber?: string
  operationSequence?: number
  workUnit?: string
  operator: string
  at: string
  /** The override that allowed a consumption the BOM check refused (an id in `overrides`). */
  overrideId?: string
}

/** A material consumed or produced at an operation (ISA-95 MaterialActual). */
export interface MaterialMovement {
  /** A node of the genealogy. */
  nodeId: string
  quantity: Quantity
  at: string
  operator: string
}

/**
 * A namespace metric captured during an operation: the value at start and at complete, and over the running time
 * its minimum, maximum and mean (null when no sample arrived).
 */
export interface ProcessValue {
  /** The name the operation gives it (schemas/mes/work-order.schema.json, operation processValues). */
  name?: string
  /** The UNS topic of the metric. */
  topic: string
  unit?: string
  atStart: number | null
  atComplete: number | null
  min: number | null
  max: number | null
  mean: number | null
  samples: number
}

/** A signature given on an event of the operation (21 CFR Part 11: who, meaning, when). */
export interface OperationSignature extends SignatureRecord {
  event: string
}

/** One operation of an order as it was performed (a job and its events). */
export interface OperationRecord {
  jobId: string
  orderNumber: string
  sequence: number
  name?: string
  workCenter: string
  workUnit: string
  /** The job's final state. */
  state: JobState
  startedAt: string | null
  endedAt: string | null
  operators: string[]
  good: number
  scrap: number
  rework: number
  signatures: OperationSignature[]
  consumed: MaterialMovement[]
  produced: MaterialMovement[]
  processValues: ProcessValue[]
}

/**
 * A lot put on hold (or quarantined, blocked), a job held, or a hold (mes/holds) on a lot or an order, and its
 * release when there was one. A hold of mes/holds carries its id, source, reference and why it was released.
 */
export interface HoldRecord {
  target: { kind: 'lot' | 'job' | 'order', id: string }
  status: string
  reason: string
  by: string
  at: string
  releasedBy?: string
  releasedAt?: string
  holdId?: string
  source?: 'person' | 'qms' | 'nonconformance'
  reference?: string
  releaseWhy?: string
}

/** A consumption the BOM check refused and a second person allowed, with that person's signature. */
export interface OverrideRecord {
  id: string
  jobId: string
  nodeId: string
  /** The rule that refused it: not a component, over the tolerance, lot status, expired. */
  rule: 'not-a-component' | 'over-tolerance' | 'lot-status' | 'expired'
  reason: string
  operator: string
  signature: SignatureRecord
}

/** A quality result on a node of the genealogy. A placeholder the QMS issue fills in. */
export interface QualityResult {
  id: string
  nodeId: string
  characteristic: string
  result: 'passed' | 'failed' | 'pending'
  at: string
  value?: number
  unit?: string
}

export interface AsBuiltRecord {
  schemaVersion: typeof AS_BUILT_SCHEMA_VERSION
  generatedAt: string
  /** The finished lot or serial the record is for: a node of the genealogy. */
  subject: string
  /** Everything that went into the subject, the subject included: each node once, links as edges. */
  genealogy: { nodes: GenealogyNode[], edges: GenealogyEdge[] }
  operations: OperationRecord[]
  holds: HoldRecord[]
  overrides: OverrideRecord[]
  qualityResults: QualityResult[]
}
