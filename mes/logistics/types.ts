// Material logistics at the line (issue #14) as the MES's callers see it (re-exported by mes/service.ts): staging
// requests for a job's components to its work unit's supply location, their confirmations (partial or complete, with
// the lots that arrived) or cancellation; put-away requests for produced lots and the confirmed storage location,
// kept with the lot so that a forward trace shows where finished goods are. The WMS adapter sends the requests
// through the outbox (walking `requestsAfter`) and feeds the WMS's answers back here.

export type StagingStatus = 'requested' | 'partial' | 'staged' | 'cancelled'

export interface StagedLot {
  lotId: string
  quantity: number
}

export interface StagingRequest {
  /** `<jobId>/<BOM item>`: one request per component of the job. */
  requestId: string
  jobId: string
  orderNumber: string
  sequence: number
  workUnit: string
  /** The work unit's supply location (the plant model's `supplyLocation`), where the WMS brings the material. */
  location: string
  item: number
  material: string
  quantity: number
  unit: string
  stagedQuantity: number
  status: StagingStatus
  /** The WMS's warehouse task (EWM: WarehouseTask) once created. */
  taskRef: string | null
  /** 1, and one more each time the request is asked for again after a cancellation (a new warehouse task). */
  attempt: number
  lots: StagedLot[]
  createdAt: string
  updatedAt: string
}

/** What `Logistics.confirmStaging` takes (schemas/mes/staging-confirmation.schema.json). */
export interface StagingConfirmationInput {
  requestId: string
  /** The WMS's id of this confirmation: the same one again is applied once. */
  confirmationId: string
  quantity: number
  /** The lot that arrived (its identity at the line); it must be of the requested material. */
  lotId?: string
  /** true: the task is complete even if less than requested arrived. */
  final?: boolean
  taskRef?: string
  who: string
}

export interface StagingCancelInput {
  requestId: string
  who: string
  why: string
  taskRef?: string
}

export type PutAwayStatus = 'requested' | 'confirmed' | 'cancelled'

export interface PutAwayRequest {
  /** `putaway/<lotId>`: one per produced lot. */
  requestId: string
  lotId: string
  material: string
  quantity: number
  unit: string
  /** Where the lot is picked up: the producing work unit's supply location, else its code. */
  fromLocation: string
  status: PutAwayStatus
  /** The storage bin the WMS confirmed. */
  location: string | null
  taskRef: string | null
  createdAt: string
  updatedAt: string
}

export interface PutAwayConfirmationInput {
  requestId: string
  confirmationId: string
  /** The storage bin where the lot now is. */
  location: string
  taskRef?: string
  who: string
}

/**
 * A request whose warehouse task is still open as far as the MES knows: the WMS made a task for it (its taskRef) and
 * has not yet confirmed or cancelled it. What a WMS without callbacks (SAP EWM) is asked about.
 */
export interface OpenWarehouseTaskRequest {
  requestId: string
  type: 'staging' | 'put-away'
  taskRef: string
}

/** A staging or put-away request as a feeder walks them (new and changed, by change sequence). */
export type LogisticsChange = { seq: number, kind: 'staging', request: StagingRequest } | { seq: number, kind: 'put-away', request: PutAwayRequest }

export interface LogisticsEvent {
  kind: 'staging-requested' | 'staging-confirmed' | 'staging-cancelled' | 'put-away-requested' | 'put-away-confirmed'
  staging?: StagingRequest
  putAway?: PutAwayRequest
  who: string
  at: string
}

export interface Logistics {
  /** The staging requests of a job's components (idempotent: asking again returns those already made). */
  requestStaging: (jobId: string, who: string) => Promise<StagingRequest[]>
  stagingOf: (jobId: string) => Promise<StagingRequest[]>
  stagingRequest: (requestId: string) => Promise<StagingRequest>
  /** Partial or complete; refused for an unknown or cancelled request, a lot of another material; the same confirmationId again is applied once. */
  confirmStaging: (input: unknown) => Promise<{ request: StagingRequest, duplicate: boolean }>
  /** Several confirmations (the lots one WMS event moved) in one transaction: all applied, or none when one is refused. */
  confirmStagingAll: (inputs: readonly unknown[]) => Promise<Array<{ request: StagingRequest, duplicate: boolean }>>
  cancelStaging: (input: unknown) => Promise<StagingRequest>
  /** Every component staged (a job with no components is staged). */
  isStaged: (jobId: string) => Promise<boolean>
  /** The put-away request of a produced lot (idempotent). */
  requestPutAway: (lotId: string, who: string) => Promise<PutAwayRequest>
  confirmPutAway: (input: unknown) => Promise<{ request: PutAwayRequest, duplicate: boolean }>
  putAwayOf: (lotId: string) => Promise<PutAwayRequest | null>
  /** Records the WMS's task of a request once created. */
  setTaskReference: (requestId: string, taskRef: string) => Promise<void>
  /** Staging requests not yet staged or cancelled and put-aways not yet confirmed, that have a task reference, oldest first (at most `limit`). */
  openTasks: (limit?: number) => Promise<OpenWarehouseTaskRequest[]>
  /** For a feeder with a durable cursor: requests created or changed after `afterSeq`. */
  requestsAfter: (afterSeq: number, limit?: number) => Promise<LogisticsChange[]>
  onEvent: (listener: (e: LogisticsEvent) => void) => () => void
  /** A listener of onEvent that threw (the change committed all the same), for the hub's log. */
  onListenerError: (fn: (err: unknown, e: LogisticsEvent) => void) => () => void
}
