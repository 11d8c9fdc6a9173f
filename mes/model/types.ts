// ISA-95 Part 4 (IEC 62264-4) production objects as the MES core keeps them.
// Times are ISO-8601 strings (UTC); durations are minutes; quantities are in the order's unit of measure.

export type WorkOrderStatus = 'created' | 'released' | 'held' | 'in-progress' | 'completed' | 'cancelled'
/** strict: an operation starts when its predecessor is completed. overlapping: when the predecessor has
 *  reported good quantity, and it never reports more than the predecessor's good quantity. */
export type OverlapMode = 'strict' | 'overlapping'
export type OperationStatus = 'pending' | 'in-progress' | 'completed' | 'cancelled'

/** Routing step of a work order (ISA-95 work master segment / SAP operation). */
export interface Operation {
  orderNumber: string
  sequence: number
  workCenter: string
  description: string | null
  /** Standard setup time, minutes. */
  setupTime: number
  /** Standard run time per unit, minutes. */
  runTimePerUnit: number
  quantity: number
  /** A critical operation is completed only with an electronic signature. */
  critical: boolean
  status: OperationStatus
  goodQuantity: number
  scrapQuantity: number
  reworkQuantity: number
  /** Job currently dispatched/running for this operation (not Ended/Aborted), if any. */
  activeJob: string | null
  /** True when the operation is in its work center's dispatch list. */
  dispatchable: boolean
  readyAt: string | null
}

/** Bill-of-material component needed by the order (ISA-95 material requirement). */
export interface MaterialRequirement {
  item: number
  material: string
  quantity: number
  unit: string
  /** Operation consuming the component, if known. */
  operationSequence: number | null
}

export interface WorkOrder {
  orderNumber: string
  material: string
  description: string | null
  quantity: number
  unit: string
  plannedStart: string | null
  dueDate: string
  /** 1 = most urgent (SAP convention); larger numbers are less urgent. */
  priority: number
  status: WorkOrderStatus
  overlap: OverlapMode
  erpVersion: string | null
  createdAt: string
  updatedAt: string
  releasedAt: string | null
  completedAt: string | null
  operations: Operation[]
  materials: MaterialRequirement[]
}

// ---- API inputs (validated against schemas/mes/*.schema.json) ----

export interface OperationInput {
  sequence: number
  workCenter: string
  description?: string
  setupTime?: number
  runTimePerUnit?: number
  /** Defaults to the order quantity. */
  quantity?: number
  critical?: boolean
  /** A consumption the BOM check refuses may be accepted at this operation with a signed override. */
  bomOverride?: boolean
  /** Namespace metrics captured while a job of this operation runs (mes/process-values.ts). */
  processValues?: ProcessValueSpec[]
}

/**
 * A metric an operation captures: `topic` relative to the work unit's UNS path (`metrics/force`), or absolute
 * with a leading slash (`/acme/plant1/utilities/chiller-1/metrics/temp`, the slash dropped).
 */
export interface ProcessValueSpec {
  name: string
  topic: string
  unit?: string
}

export interface MaterialRequirementInput {
  item: number
  material: string
  quantity: number
  unit: string
  operationSequence?: number
  /** Materials allowed in place of this component. */
  alternates?: string[]
  /** Consumption may exceed the quantity by this percentage (default: the MES's bomTolerancePct). */
  tolerancePct?: number
}

export interface WorkOrderInput {
  orderNumber: string
  material: string
  description?: string
  quantity: number
  unit: string
  plannedStart?: string
  dueDate: string
  priority?: number
  overlap?: OverlapMode
  erpVersion?: string
  operations: OperationInput[]
  materials?: MaterialRequirementInput[]
}

/** An ERP change to an existing order. Omitted fields are unchanged; `operations`/`materials` replace the list. */
export interface WorkOrderUpdate {
  material?: string
  description?: string
  quantity?: number
  unit?: string
  plannedStart?: string
  dueDate?: string
  priority?: number
  overlap?: OverlapMode
  erpVersion?: string
  operations?: OperationInput[]
  materials?: MaterialRequirementInput[]
}

// ---- Job control (OPC 10031-4 / ISA-95 Part 4 job order states) ----

export type JobState =
  | 'NotAllowedToStart'
  | 'AllowedToStart'
  | 'Running'
  | 'Interrupted.Paused'
  | 'Interrupted.Held'
  | 'Ended'
  | 'Aborted'

export type JobEventType =
  | 'allowStart' | 'revokeStart' | 'start' | 'pause' | 'resume' | 'report' | 'complete' | 'hold' | 'release' | 'abort'

/** An operation dispatched to a work unit (ISA-95 job order). */
export interface JobOrder {
  jobId: string
  orderNumber: string
  sequence: number
  workCenter: string
  workUnit: string
  state: JobState
  /** The state a held job returns to on release. */
  heldFrom: JobState | null
  quantity: number
  goodQuantity: number
  scrapQuantity: number
  reworkQuantity: number
  setupMinutes: number
  runMinutes: number
  eventSeq: number
  startedAt: string | null
  endedAt: string | null
  createdAt: string
  updatedAt: string
}

/** Electronic signature in the manner of 21 CFR Part 11: the password is checked by a callback and never stored. */
export interface SignatureInput {
  user: string
  password: string
  /** The meaning of the signature, e.g. "approved", "performed", "reviewed". */
  meaning: string
}

export interface SignatureRecord {
  user: string
  meaning: string
  at: string
}

export interface WipEventInput {
  jobId: string
  event: JobEventType
  who: string
  /** When it happened; default: now. */
  at?: string
  why?: string
  /** Caller's id for the event: a retried event with the same id is not applied twice. */
  eventId?: string
  good?: number
  scrap?: number
  scrapReason?: string
  rework?: number
  reworkReason?: string
  /** complete: final (operation done) or partial (job ends, remaining quantity goes back to dispatch). */
  final?: boolean
  /** Activity times for the confirmation, minutes; run time defaults to the time measured Running. */
  setupMinutes?: number
  runMinutes?: number
  signature?: SignatureInput
}

export interface QuantityReport {
  seq: number
  at: string
  who: string
  event: JobEventType
  good: number
  scrap: number
  scrapReason: string | null
  rework: number
  reworkReason: string | null
}

/** What happened on a job (ISA-95 job response): actual times and quantities with reason codes. */
export interface JobResponse {
  jobId: string
  orderNumber: string
  sequence: number
  workUnit: string
  state: JobState
  actualStart: string | null
  actualEnd: string | null
  setupMinutes: number
  runMinutes: number
  goodQuantity: number
  scrapQuantity: number
  reworkQuantity: number
  reports: QuantityReport[]
  events: Array<{ seq: number, event: JobEventType, from: JobState, to: JobState, who: string, at: string, why: string | null }>
  /** Present when the events were paged and more follow: ask again with `after` set to it. */
  nextAfter?: number
}

export interface Confirmation {
  id: number
  idempotencyKey: string
  orderNumber: string
  sequence: number
  workCenter: string
  jobId: string
  eventSeq: number
  yield: number
  scrap: number
  rework: number
  unit: string
  scrapReason: string | null
  reworkReason: string | null
  setupMinutes: number
  runMinutes: number
  final: boolean
  who: string
  at: string
  status: 'pending' | 'acknowledged'
  attempts: number
  lastError: string | null
  erpReference: string | null
  acknowledgedAt: string | null
}

export const DISPATCH_RULES = ['priority', 'earliest-due-date', 'shortest-processing-time', 'fifo', 'critical-ratio'] as const
export type DispatchRule = typeof DISPATCH_RULES[number]

export interface DispatchItem {
  orderNumber: string
  sequence: number
  workCenter: string
  material: string
  quantity: number
  remaining: number
  priority: number
  dueDate: string
  processingMinutes: number
  readyAt: string | null
  critical: boolean
  /** (time to due date) / (remaining processing time); < 1 is behind schedule. */
  criticalRatio: number
}

// ---- Results of the MES's calls (mes/service.ts) ----

/** Who does something, why, and when it happened (default: now). */
export interface Actor {
  who: string
  why?: string
  /** When the action happened; default: now. */
  at?: string
}

export interface UpdateResult {
  order: WorkOrder
  /** What changed, one line each (empty when the update matched the order). */
  changes: string[]
}

export interface WipResult {
  job: JobOrder
  operation: Operation
  orderStatus: WorkOrderStatus
  eventSeq: number
  /** Idempotency key of the ERP confirmation this event produced, if it produced one. */
  confirmationKey: string | null
  /** True when the event (same eventId) had already been applied; nothing changed. */
  duplicate: boolean
}

export interface QuantityTotals { good: number, scrap: number, rework: number }

export interface WipSummary {
  scope: 'workCenter' | 'workUnit' | 'order'
  id: string
  /** Operations (work center, order) or jobs (work unit) waiting to run, and their remaining quantity. */
  queued: { count: number, quantity: number }
  /** Jobs running or interrupted, and their remaining quantity. */
  running: { count: number, quantity: number }
  done: QuantityTotals
}

export interface OrderWipSummary extends WipSummary {
  operations: Array<{ sequence: number, workCenter: string, status: string, quantity: number, activeJob: string | null,
    jobState: JobState | null } & QuantityTotals>
}

/** One record of the hash-chained audit trail (mes/audit-trail.ts). */
export interface AuditRecord {
  seq: number
  at: string
  who: string
  entity: string
  entityId: string
  action: string
  /** Canonical JSON text as stored (null when there was no value). */
  oldValue: string | null
  newValue: string | null
  why: string | null
  /** Canonical JSON of the signature record, if the action was signed. */
  signature: string | null
  prevHash: string
  hash: string
}

export type AuditVerification =
  | { ok: true, count: number, lastHash: string }
  | { ok: false, count: number, brokenAt: number, reason: string, record: AuditRecord | null }

/** Checks a user's credentials for an electronic signature (e.g. against the hub's password hashes or LDAP). */
export type CredentialCheck = (user: string, password: string) => boolean | Promise<boolean>

// ---- Change notifications (emitted only after the change has committed) ----

export interface WipEvent {
  kind: 'wip'
  jobId: string
  orderNumber: string
  sequence: number
  workCenter: string
  workUnit: string
  event: JobEventType
  from: JobState
  to: JobState
  eventSeq: number
  who: string
  at: string
  good: number
  scrap: number
  rework: number
  job: JobOrder
  /** Idempotency key of the ERP confirmation this event queued (report, complete), else null. */
  confirmationKey: string | null
}

export interface OrderEvent {
  kind: 'order'
  orderNumber: string
  action: 'create' | 'update' | 'release' | 'hold' | 'cancel' | 'complete' | 'dispatch'
  status: WorkOrderStatus
  who: string
  at: string
  /** For action 'dispatch': the job order that was created. */
  job?: JobOrder
}

export type MesEvent = WipEvent | OrderEvent
export type MesListener = (e: MesEvent) => void
