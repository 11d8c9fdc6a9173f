// Typed MES errors. Every refusal says what was refused, on which job/order/operation, and why; `code` lets
// programs (Node-RED nodes, the ERP adapter) branch on the kind of failure without parsing the message.
import { HubError } from '../core/errors'

/** Base class of every error raised by the MES core. */
export class MesError extends HubError {}

/** A job event that the job state machine does not allow from the job's current state. State is unchanged. */
export class IllegalTransitionError extends MesError {
  constructor (
    readonly jobId: string,
    readonly orderNumber: string,
    readonly sequence: number,
    readonly event: string,
    readonly state: string,
    readonly reason: string
  ) {
    super('MES_ILLEGAL_TRANSITION', `cannot ${event} job ${jobId} of order ${orderNumber}/op ${sequence}: ${reason}`,
      { source: `job ${jobId}` })
  }
}

/** An event allowed by the state machine but refused by a WIP rule (sequence, over-reporting, hold, ...). */
export class WipRuleError extends MesError {
  constructor (
    readonly rule: string,
    readonly jobId: string | undefined,
    readonly orderNumber: string,
    readonly sequence: number | undefined,
    readonly event: string,
    readonly reason: string
  ) {
    super('MES_WIP_REFUSED',
      `cannot ${event} ${jobId !== undefined ? `job ${jobId} of ` : ''}order ${orderNumber}` +
        `${sequence !== undefined ? `/op ${sequence}` : ''}: ${reason}`,
      { source: jobId !== undefined ? `job ${jobId}` : `order ${orderNumber}` })
  }
}

/** A work-order command (release, hold, cancel, ...) not allowed from the order's current status. */
export class OrderStatusError extends MesError {
  constructor (readonly orderNumber: string, readonly action: string, readonly status: string, readonly reason: string) {
    super('MES_ORDER_STATUS', `cannot ${action} order ${orderNumber}: ${reason}`, { source: `order ${orderNumber}` })
  }
}

/** An ERP update to an order that cannot be applied safely. Nothing of the update was applied. */
export class UpdateRefusedError extends MesError {
  constructor (readonly orderNumber: string, readonly reasons: readonly string[]) {
    super('MES_UPDATE_REFUSED',
      `update of order ${orderNumber} refused, nothing applied:\n` + reasons.map((r) => `  - ${r}`).join('\n'),
      { source: `order ${orderNumber}` }, 'send a corrected update, or settle the running work first')
  }
}

/** A dispatch request that cannot be honoured as asked (unknown rule, work unit of another work center). */
export class DispatchRefusedError extends MesError {
  constructor (readonly workCenter: string, reason: string, hint?: string) {
    super('MES_DISPATCH_REFUSED', `cannot dispatch at work center ${workCenter}: ${reason}`, { source: `work center ${workCenter}` }, hint)
  }
}

export class NotFoundError extends MesError {
  constructor (readonly entity: string, readonly id: string) {
    super('MES_NOT_FOUND', `${entity} ${id} not found`, { source: `${entity} ${id}` })
  }
}

export class DuplicateError extends MesError {
  constructor (readonly entity: string, readonly id: string) {
    super('MES_DUPLICATE', `${entity} ${id} already exists`, { source: `${entity} ${id}` })
  }
}

/** A missing or failed electronic signature (21 CFR Part 11 style) on a step that requires one. */
export class SignatureError extends MesError {
  constructor (readonly jobId: string, reason: string,
    hint = 'a critical operation is completed only with { user, password, meaning } verified by the credential check') {
    // The place (job X) is put in front by HubError; the reason is not prefixed with it again.
    super('MES_SIGNATURE_REQUIRED', reason, { source: `job ${jobId}` }, hint)
  }
}

/** The store could not be opened, migrated or reached. */
export class StoreError extends MesError {
  constructor (message: string, source: string, hint?: string) {
    super('MES_STORE', message, { source }, hint)
  }
}

/**
 * A write the store's schema refused (a foreign key naming a row that does not exist, a value a check or NOT NULL
 * refuses, a unique key the MES does not name): the services check their inputs first, so this is a fault of the
 * MES, not of the caller. Nothing of the transaction was stored.
 */
export class ConstraintError extends MesError {
  constructor (message: string, source: string) {
    super('MES_CONSTRAINT', `the store refused a write: ${message}`, { source }, 'nothing of it was stored; report it with the hub\'s log')
  }
}

/** The database gave up a transaction for a concurrent one (a deadlock, a serialization failure, a lock held too long). */
export class ConcurrentUpdateError extends MesError {
  constructor (message: string, source: string) {
    super('MES_CONCURRENT_UPDATE', `transaction not committed, another one got in its way: ${message}`, { source },
      'nothing of it was stored; retry it')
  }
}

/**
 * A material command refused: a consumption the BOM check does not admit (wrong material, over the tolerance, a lot
 * not released, expired or short), a status change or split not allowed. `rule` names the check. Nothing was changed.
 */
export class MaterialRefusedError extends MesError {
  constructor (readonly rule: string, readonly subject: string, readonly reason: string, hint?: string) {
    super('MES_MATERIAL_REFUSED', reason, { source: subject }, hint)
  }
}

/**
 * A genealogy trace larger or deeper than its limit: the answer is refused rather than cut short, since a partial
 * "what contains this lot" reads like a complete one. Nothing was changed.
 */
export class TraceLimitError extends MesError {
  constructor (readonly subject: string, reason: string) {
    super('MES_TRACE_LIMIT', reason, { source: subject }, 'narrow the trace (a sublot, a serial) or raise maxNodes / maxDepth')
  }
}

/**
 * An outbox command not allowed in the message's status (resubmitting a message that is not dead, discarding one
 * already sent, ...). Nothing was changed.
 */
export class OutboxStateError extends MesError {
  constructor (readonly messageId: number, readonly action: string, readonly status: string, hint?: string) {
    super('MES_OUTBOX_STATE', `cannot ${action} outbox message ${messageId}: it is ${status}`, { source: `outbox message ${messageId}` }, hint)
  }
}

/**
 * A sender reporting on a message it no longer holds: its lease ran out and another sender claimed the message (or
 * it was never leased to it). Nothing was changed; the current holder reports.
 */
export class OutboxLeaseError extends MesError {
  constructor (readonly messageId: number, readonly owner: string, readonly holder: string | null, readonly status: string) {
    super('MES_OUTBOX_LEASE', `outbox message ${messageId} is not leased to ${owner} (it is ${status}` +
      `${holder !== null && holder !== owner ? `, leased to ${holder}` : ''})`, { source: `outbox message ${messageId}` },
    'claim a longer lease when sends take long; the receiver drops the duplicate by its idempotency key')
  }
}

/**
 * What an outbox worker's send function throws to say how a send failed: `retryable` (the receiver is down, slow,
 * answered 5xx) or not (the receiver refused the message for good: a business error; it becomes a dead letter).
 * Any other error a send throws counts as retryable.
 */
export class OutboxSendError extends MesError {
  /** `retryAfterMs`: not again before this long (FailureReport.retryAfterMs). */
  constructor (message: string, readonly retryable: boolean, source = 'outbox send', hint?: string, readonly retryAfterMs?: number) {
    super(retryable ? 'MES_OUTBOX_SEND_RETRY' : 'MES_OUTBOX_SEND_REFUSED', message, { source }, hint)
  }
}

/** An inbound message's status change its status table does not allow (mes/inbox/inbox-status.ts). Nothing changed. */
export class InboxStatusError extends MesError {
  constructor (readonly messageId: number, readonly from: string, readonly to: string) {
    super('MES_INBOX_STATUS', `cannot set inbound message ${messageId} to ${to}: it is ${from}`, { source: `inbound message ${messageId}` })
  }
}

/**
 * A quality command refused (mes/quality): a result for a characteristic the operation does not have, in another
 * unit, for a decided inspection lot; a second disposition or usage decision; a plan change that would alter the
 * limits results were evaluated against. `rule` names the check. Nothing was changed.
 */
export class QualityRefusedError extends MesError {
  constructor (readonly rule: string, readonly subject: string, readonly reason: string, hint?: string) {
    super('MES_QUALITY_REFUSED', reason, { source: subject }, hint)
  }
}

/** A hold command not allowed in the hold's status (releasing a hold already released). Nothing was changed. */
export class HoldStateError extends MesError {
  constructor (readonly holdId: string, readonly action: string, readonly status: string, reason: string, hint?: string) {
    super(status === 'released' ? 'MES_HOLD_RELEASED' : 'MES_HOLD_STATE', `cannot ${action} hold ${holdId}: ${reason}`, { source: `hold ${holdId}` }, hint)
  }
}

/** A hold placed on a target the MES does not know (a lot or order not stored, a work unit outside the plant model). */
export class HoldTargetError extends MesError {
  constructor (readonly kind: string, readonly id: string, reason: string, hint?: string) {
    super('MES_HOLD_TARGET', reason, { source: `${kind} ${id}` }, hint)
  }
}
