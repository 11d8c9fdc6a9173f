// The MES as its callers see it: what the Node-RED nodes, the HTTP API, the UNS bridge and the adapters (SAP, QMS,
// WMS, traceability) may call. Types only: the classes behind it and the store stay inside mes/ (createMes in
// mes/index.ts returns an implementation). Inputs typed `unknown` are validated by the MES against schemas/mes/*.
import type {
  Actor, AuditRecord, AuditVerification, Confirmation, DispatchItem, DispatchRule, JobOrder, JobResponse, JobState,
  MesEvent, MesListener, OrderWipSummary, UpdateResult, WipEvent, WipResult, WipSummary, WorkOrder, WorkOrderStatus
} from './model/types'

import type {
  BomRemainder, ConsumeResult, GenealogyLink, Lot, MaterialActual, MaterialDefinition, MaterialNode, ProduceResult, Serial, TraceResult
} from './materials/types'
import type { MaterialEvent } from './materials/material-events'

import type { Outbox } from './outbox/types'
import type { Inbox } from './inbox/types'
import type { Quality } from './quality/types'
import type { Holds } from './holds/types'
import type { Logistics } from './logistics/types'

import type { AsBuiltRecord } from './as-built/as-built-record'
import type { B2mmlExport } from './as-built/b2mml-export'

export type * from './model/types'
export type * from './materials/types'
export type { AsBuiltRecord, B2mmlExport }
export type * from './materials/material-events'
export type * from './outbox/types'
export type * from './inbox/types'
export type * from './holds/types'
export type * from './quality/types'
export type * from './logistics/types'

export interface OrderFilter {
  status?: WorkOrderStatus | WorkOrderStatus[]
  limit?: number
  /** Pages on: orders whose number sorts after this one (the list is ordered by order number). */
  after?: string
}

/** Work orders: create (schemas/mes/work-order.schema.json), ERP update, release, hold, cancel; each with its audit record. */
export interface WorkOrders {
  create: (input: unknown, actor: Actor) => Promise<WorkOrder>
  get: (orderNumber: string) => Promise<WorkOrder>
  /** Orders by order number, at most `limit` (default 1000). */
  list: (filter?: OrderFilter) => Promise<WorkOrder[]>
  /** created → released; held → the status it had before the hold. */
  release: (orderNumber: string, actor: Actor) => Promise<WorkOrder>
  /** released / in-progress → held. */
  hold: (orderNumber: string, actor: Actor) => Promise<WorkOrder>
  /** Refused while a job of the order has started; dispatched jobs not started are aborted with it. */
  cancel: (orderNumber: string, actor: Actor) => Promise<WorkOrder>
  /** Technical completion (SAP TECO): no more work; refused while a job has started; dispatched jobs are aborted. */
  complete: (orderNumber: string, actor: Actor) => Promise<WorkOrder>
  /** An ERP change (schemas/mes/work-order-update.schema.json): applied whole when safe, else refused with every reason. */
  update: (orderNumber: string, input: unknown, actor: Actor) => Promise<UpdateResult>
}

export interface JobFilter {
  orderNumber?: string
  workCenter?: string
  workUnit?: string
  states?: JobState[]
  limit?: number
  /** Pages on: the jobs after this job id (the list is ordered by creation time, then job id). */
  after?: string
}

/** A page of a job's events: those after seq `after`, at most `limit` (all by default). */
export interface JobEventsPage {
  after?: number
  limit?: number
}

/**
 * Work in progress: job events (schemas/mes/wip-event.schema.json) checked against the job state machine and the
 * WIP rules, each stored in one transaction with its audit record and ERP confirmation. An event may carry an
 * electronic signature ({ user, password, meaning }); completing a critical operation needs one.
 */
export interface Wip {
  apply: (event: unknown) => Promise<WipResult>
  /** Committed WIP events; returns the unsubscribe function. */
  onEvent: (listener: (e: WipEvent) => void) => () => void
  getJob: (jobId: string) => Promise<JobOrder>
  listJobs: (filter?: JobFilter) => Promise<JobOrder[]>
  /** Actual times and quantities with reason codes, and the job's events (paged by `page`). */
  jobResponse: (jobId: string, page?: JobEventsPage) => Promise<JobResponse>
  wipByWorkCenter: (workCenter: string) => Promise<WipSummary>
  wipByWorkUnit: (workUnit: string) => Promise<WipSummary>
  wipByOrder: (orderNumber: string) => Promise<OrderWipSummary>
}

export interface DispatchListOptions {
  rule?: DispatchRule
  /** At most this many items; default 100. */
  limit?: number
}

/** Dispatch lists per work center, and job orders made from them. */
export interface Dispatch {
  /** The rule used when a call names none. */
  readonly defaultRule: DispatchRule
  /** Ready operations of a work center, best first by the rule. */
  list: (workCenter: string, opts?: DispatchListOptions) => Promise<DispatchItem[]>
  /** The best ready operation becomes a job on the work unit; null when nothing is ready. */
  dispatchNext: (workCenter: string, workUnit: string, actor: Actor, opts?: { rule?: DispatchRule }) => Promise<JobOrder | null>
  /** One given operation onto a work unit (a supervisor's choice instead of the rule). */
  dispatchOperation: (orderNumber: string, sequence: number, workUnit: string, actor: Actor,
    opts?: { allowStart?: boolean }) => Promise<JobOrder>
}

/** What the ERP did with a confirmation: its reference, when, and who reports it (default the ERP adapter). */
export interface ConfirmationAck {
  erpReference?: string
  at?: string
  who?: string
}

/** ERP confirmations, queued durably with the job events that produce them, until the ERP acknowledges them. */
export interface Confirmations {
  /** Pending confirmations, oldest first; `afterId` pages on. */
  pending: (limit?: number, afterId?: number) => Promise<Confirmation[]>
  forOrder: (orderNumber: string) => Promise<Confirmation[]>
  get: (idempotencyKey: string) => Promise<Confirmation>
  /** Acknowledging twice is harmless (the first reference is kept). */
  acknowledge: (idempotencyKey: string, ack?: ConfirmationAck) => Promise<Confirmation>
  /** A failed send: the confirmation stays pending, to be retried. */
  recordFailure: (idempotencyKey: string, message: string, who?: string) => Promise<Confirmation>
}

export interface AuditQuery {
  entity?: string
  entityId?: string
  who?: string
  fromSeq?: number
  limit?: number
}

/** The hash-chained audit trail, read only: records are written by the changes they record. */
export interface AuditTrail {
  /** Walks the whole chain; names the first record whose link or content does not verify. */
  verify: () => Promise<AuditVerification>
  /** Records of one entity (e.g. 'WorkOrder', '1000'), oldest first. */
  forEntity: (entity: string, entityId: string) => Promise<AuditRecord[]>
  query: (q?: AuditQuery) => Promise<AuditRecord[]>
}

/**
 * Material and genealogy (schemas/mes/materials.schema.json): definitions from the ERP, lots with status changed by
 * the QMS and WMS, consumption and production at a running job, split and merge. Each command is one transaction
 * with its quantity changes, genealogy links and audit record; a refusal (MaterialRefusedError) changes nothing.
 */
export interface Materials {
  /** Creates or updates a material definition. */
  define: (input: unknown, who: string) => Promise<MaterialDefinition>
  definition: (material: string) => Promise<MaterialDefinition>
  /** A lot received (default released), in its material's unit. */
  receiveLot: (input: unknown) => Promise<Lot>
  lot: (lotId: string) => Promise<Lot>
  serial: (serial: string) => Promise<Serial>
  /** { status, who, why }: released, quarantined, on-hold, blocked, expired. */
  setLotStatus: (lotId: string, change: unknown) => Promise<Lot>
  /** Checked against the order's BOM; refused with the reason, or admitted by a signed override where the operation allows one. */
  consume: (input: unknown) => Promise<ConsumeResult>
  produce: (input: unknown) => Promise<ProduceResult>
  split: (input: unknown) => Promise<{ lot: Lot, sublots: Lot[], links: GenealogyLink[] }>
  merge: (input: unknown) => Promise<{ lot: Lot, sources: Lot[], links: GenealogyLink[] }>
  /** What the job's order still needs of a material at the job's operation per its BOM; null when it is no component there. */
  bomRemainder: (jobId: string, material: string) => Promise<BomRemainder | null>
  /** What a job consumed and produced, in the order reported. */
  actualsOfJob: (jobId: string) => Promise<MaterialActual[]>
  /**
   * Every job's consumptions and productions with an id above `afterId`, by id, at most `limit` (default 1000): for a
   * feeder that walks them with a durable cursor (Outbox.cursors). On PostgreSQL, ids of concurrent transactions can
   * commit out of order: re-read a trailing window below the cursor (the outbox's idempotency keys drop repeats).
   */
  actualsAfter: (afterId: number, limit?: number) => Promise<MaterialActual[]>
  /** The genealogy links into and out of one lot or serial. */
  links: (node: MaterialNode) => Promise<GenealogyLink[]>
  /**
   * { direction: backward | forward, lotId | serial, maxNodes?, maxDepth? }: what went into a lot or serial through
   * all levels, or what it went into, as nodes + edges and as a flat list; each lot or serial once (a DAG).
   */
  trace: (query: unknown) => Promise<TraceResult>
  /**
   * { lotId } or { serial }: the as-built (device history) record of a finished lot or serial: its backward
   * genealogy, the operations of the jobs that made each node (actual times, operators, signatures, the movements
   * and the process values captured), holds and overrides; checked against schemas/mes/as-built-record.schema.json.
   */
  asBuilt: (query: unknown) => Promise<AsBuiltRecord>
  /** The as-built record as B2MML V7 (OperationsPerformance and MaterialLot), validated against MESA's schema. */
  asBuiltB2mml: (query: unknown) => Promise<B2mmlExport>
  /** The same as one XML document (mes/as-built/b2mml-xml.ts). */
  asBuiltB2mmlXml: (query: unknown) => Promise<string>
  /**
   * Every committed receive, lot status change, consumption, production, split and merge (a retried consumption
   * already applied is not announced again), e.g. for publishing to the UNS. Returns the unsubscribe function.
   */
  onEvent: (listener: (e: MaterialEvent) => void) => () => void
  /** A material listener that threw (the change stays committed). Returns the unsubscribe function. */
  onListenerError: (fn: (err: unknown, e: MaterialEvent) => void) => () => void
}

/** The MES execution core (ISA-95 Part 4). */
export interface Mes {
  readonly workOrders: WorkOrders
  readonly wip: Wip
  readonly dispatch: Dispatch
  readonly confirmations: Confirmations
  readonly audit: AuditTrail
  readonly materials: Materials
  /** The one outbox of every outbound adapter (SAP, QMS, WMS): durable, retried with backoff, ordered per key. */
  readonly outbox: Outbox
  /** Inbound messages stored raw before they are acknowledged, de-duplicated, with what became of them. */
  readonly inbox: Inbox
  /** Inspection plans and results, nonconformances and their dispositions, usage decisions (mes/quality). */
  readonly quality: Quality
  /** Holds on lots, orders and work units (QMS, nonconformances, people with rights): enforced by WIP, dispatch and materials. */
  readonly holds: Holds
  /** Staging of jobs' components at the line and put-away of produced lots, for the WMS adapter (mes/logistics). */
  readonly logistics: Logistics
  /** Every committed change (orders and WIP), e.g. for publishing to the UNS. Returns the unsubscribe function. */
  onEvent: (listener: MesListener) => () => void
  /** A listener that threw (the change stays committed). Returns the unsubscribe function. */
  onListenerError: (fn: (err: unknown, e: MesEvent) => void) => () => void
  close: () => Promise<void>
}
