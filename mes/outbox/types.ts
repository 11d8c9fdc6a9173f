// The outbox as its callers see it (re-exported by mes/service.ts): the feeders that enqueue neutral messages, the
// workers that send them (mes/outbox/outbox-worker.ts) and the people who look after the dead letters.

/** pending → sending (leased) → sent; sending → pending (retry) or dead; dead → pending (resubmit) or discarded. */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead' | 'discarded'

export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'dead', 'discarded']

/** What a feeder enqueues. */
export interface OutboxMessageInput {
  /** The receiving system: 'sap', later 'qms', 'wms'. */
  destination: string
  /** What it is: 'confirmation', 'goods-movement', ... (the adapter picks its mapping by it). */
  type: string
  /** Messages with the same key at one destination are sent strictly in order (e.g. the order number). */
  orderingKey: string
  /** Unique over the outbox: enqueueing the same key again returns the message stored first and changes nothing. */
  idempotencyKey: string
  /** The neutral form (JSON); the adapter turns it into an IDoc or an OData body when sending. */
  payload: unknown
  /** Who enqueues it (the feeder); default 'outbox'. */
  who?: string
  /** Not sent before this instant (ISO 8601); default now. */
  notBefore?: string
}

export interface OutboxMessage {
  id: number
  destination: string
  type: string
  orderingKey: string
  idempotencyKey: string
  payload: unknown
  status: OutboxStatus
  /** Sends tried (each claim is one). */
  attempts: number
  /** When a pending message is due. */
  nextAttemptAt: string
  /** The sender holding it while `sending`, and until when. */
  leaseOwner: string | null
  leaseUntil: string | null
  lastError: string | null
  /** The receiver's reference once sent (e.g. SAP's confirmation or material document number). */
  reference: string | null
  createdBy: string
  createdAt: string
  sentAt: string | null
  updatedAt: string
}

export interface EnqueueResult {
  message: OutboxMessage
  /** true when a message with the idempotency key was already stored (and nothing changed). */
  duplicate: boolean
}

export interface ClaimOptions {
  /** How long the claim holds; a sender that has not reported by then is taken for crashed. Default 30 s. */
  leaseMs?: number
  /** At most this many messages; default 10. */
  limit?: number
}

export interface FailureReport {
  error: string
  /** true: try again later (backoff); false: the receiver refused it for good (dead letter). */
  retryable: boolean
  /**
   * Not again before this long, whatever the backoff says: a send whose outcome is unknown (a timeout after the
   * request went out) waits until the receiver has surely finished with it, so that a lookup then finds it.
   */
  retryAfterMs?: number
}

export interface OutboxFilter {
  destination?: string
  status?: OutboxStatus | OutboxStatus[]
  type?: string
  orderingKey?: string
  /** Pages on: messages with an id above this one (the list is ordered by id). */
  after?: number
  /** Default 100, at most 1000. */
  limit?: number
}

/** A payload that a resubmit replaced, oldest first. */
export interface OutboxPayloadRevision {
  payload: unknown
  replacedBy: string
  replacedAt: string
  why: string
}

export type OutboxChangeKind = 'enqueued' | 'claimed' | 'sent' | 'retry' | 'dead' | 'resubmitted' | 'discarded'

/** A committed change of one message, e.g. for the UNS ($hub/outbox/<destination>/<id>). */
export interface OutboxChange {
  kind: OutboxChangeKind
  message: OutboxMessage
  who: string
  at: string
}

/** Walks a table by id for a feeder, durably: the last id the feeder has enqueued messages for. */
export interface OutboxCursors {
  /** 0 for a cursor never set. */
  get: (name: string) => Promise<number>
  /** Moves the cursor forward (a lower id than the stored one leaves it where it is); returns the stored id. */
  set: (name: string, lastId: number) => Promise<number>
}

/** What a worker's send function throws; any other error counts as retryable (a network failure, a timeout). */
export interface OutboxSend {
  (message: OutboxMessage): Promise<{ reference?: string }>
}

export interface OutboxWorkerOptions {
  destination: string
  /** Who claims (unique per hub instance and worker): recorded as the lease owner and in the audit trail. */
  owner: string
  send: OutboxSend
  leaseMs?: number
  /** Messages claimed (and sent concurrently, one per ordering key) per round; default 10. */
  batch?: number
  /** Wait between rounds when nothing was due; default 1000 ms. */
  idleMs?: number
  /**
   * A round the store refused (a claim), or an outcome it could not record: the message stays leased and is sent
   * again when its lease runs out. Default: ignored (the next round tries again).
   */
  onError?: (err: unknown) => void
}

/** A worker that claims, sends and records (mes/outbox/outbox-worker.ts). */
export interface OutboxRunner {
  /** One round: claims what is due, sends it, records each outcome; resolves with what happened. */
  runOnce: () => Promise<{ sent: number, failed: number, lost: number }>
  /** Rounds until stop(): immediately again after a round that claimed something, else after idleMs. */
  start: () => void
  /** Stops the rounds and waits for the sends in flight to be recorded. */
  stop: () => Promise<void>
}

export interface Outbox {
  enqueue: (message: OutboxMessageInput) => Promise<EnqueueResult>
  /** Several in one transaction, and the feeder's cursor moved with them (so a crash cannot split the two). */
  enqueueAll: (messages: OutboxMessageInput[], opts?: { cursor?: { name: string, lastId: number } }) => Promise<EnqueueResult[]>
  /**
   * Messages of `destination` due now, only the oldest unsent of each ordering key (one waits while an earlier one
   * of its key is pending, sending or dead), leased to `owner`; a lease that ran out is claimable again.
   */
  claim: (destination: string, owner: string, opts?: ClaimOptions) => Promise<OutboxMessage[]>
  /**
   * Recorded sent, with the receiver's reference. From the lease owner; also from a sender whose lease ran out (even
   * when the next holder has since failed it: the receiver has it). Reported twice: the first reference stays.
   */
  sent: (id: number, owner: string, result?: { reference?: string }) => Promise<OutboxMessage>
  /** Retryable: pending again after the backoff; else, or past the attempts allowed: dead. Only from the lease owner. */
  failed: (id: number, owner: string, report: FailureReport) => Promise<OutboxMessage>
  get: (id: number) => Promise<OutboxMessage>
  list: (filter?: OutboxFilter) => Promise<OutboxMessage[]>
  deadLetters: (destination?: string) => Promise<OutboxMessage[]>
  /** The payloads resubmits replaced. */
  history: (id: number) => Promise<OutboxPayloadRevision[]>
  /** A dead letter sent again, with a corrected payload if given (the old one kept in the history). */
  resubmit: (id: number, change: { payload?: unknown, who: string, why: string }) => Promise<OutboxMessage>
  /** A dead (or still pending) message given up: its key is free for the next messages. */
  discard: (id: number, who: string, why: string) => Promise<OutboxMessage>
  readonly cursors: OutboxCursors
  /** A worker over this outbox (adapters reach the MES only through the service interface). */
  worker: (opts: OutboxWorkerOptions) => OutboxRunner
  onChange: (listener: (c: OutboxChange) => void) => () => void
}
