// What a job event may do: the job state machine's table first (mes/job-state-machine.ts), then the WIP rules that
// the table cannot say (open order, routing sequence, a free work unit, quantities and their reason codes, the
// signature of a critical operation). Pure: the caller reads what the rules need, in its transaction.
import type { JobEventType, JobState, SignatureRecord, WipEventInput } from '../model/types'
import { IllegalTransitionError, SignatureError, WipRuleError } from '../errors'
import { transition } from '../job-state-machine'
import { EPS, predecessorOf, reported, transferBlocker, type JobRow, type OperationRow, type OrderRow } from '../repo'
import type { Hold } from '../holds/types'
import { describeHolds } from '../holds/hold-writes'

/** What the rules look at: the job, its operation and order (as locked by the transaction), and the signature. */
export interface EventContext {
  job: JobRow
  order: OrderRow
  /** The order's routing, and the job's own operation in it. */
  ops: readonly OperationRow[]
  op: OperationRow
  signature: SignatureRecord | null
  /** How far (percent of the operation quantity) reported quantity may exceed it. */
  tolerancePct: number
  /** Another job running on the job's work unit (looked up for the events that need a free one, see needsFreeWorkUnit). */
  otherRunningJob: string | undefined
  /** The active holds on the job's order and on its work unit (read for the events a hold stops, see stoppedByHolds). */
  orderHolds: readonly Hold[]
  unitHolds: readonly Hold[]
  /** With MesOptions.startRequiresStaging, at a start: each component of the job not staged (mes/logistics/staging.ts). */
  notStaged?: readonly string[]
}

/** An event the rules allow: the job's next state and the quantities it reports. */
export interface AllowedEvent {
  to: JobState
  good: number
  scrap: number
  rework: number
  /** complete: the operation is done (not a partial completion). */
  final: boolean
}

/** Events that put a job in Running, which only one job of a work unit may be at a time. */
export function needsFreeWorkUnit (event: JobEventType): boolean {
  return event === 'start' || event === 'resume'
}

/**
 * Events a hold stops: a held order's jobs do not start, resume, report or complete; a held work unit runs nothing
 * (start, resume). Stopping work (hold, abort) stays allowed: a hold must never keep a job running.
 */
export function stoppedByHolds (event: JobEventType): boolean {
  return event === 'start' || event === 'resume' || event === 'report' || event === 'complete'
}

/** Checks one event; throws IllegalTransitionError, WipRuleError or SignatureError when it may not happen. */
export function checkEvent (e: WipEventInput, c: EventContext): AllowedEvent {
  const { job, order, ops, op } = c
  const tr = transition(job.state, e.event, job.heldFrom)
  if (!tr.ok) throw new IllegalTransitionError(job.jobId, job.orderNumber, job.sequence, e.event, job.state, tr.reason)

  const refuse = (rule: string, reason: string): never => {
    throw new WipRuleError(rule, job.jobId, job.orderNumber, job.sequence, e.event, reason)
  }
  if (stoppedByHolds(e.event) && c.orderHolds.length > 0) {
    refuse('order-held', `order ${job.orderNumber} is held (${describeHolds(c.orderHolds)}); release its holds first`)
  }
  if (needsFreeWorkUnit(e.event) && c.unitHolds.length > 0) {
    refuse('work-unit-held', `work unit ${job.workUnit} is held (${describeHolds(c.unitHolds)}); release its holds first`)
  }
  const good = e.good ?? 0
  const scrap = e.scrap ?? 0
  const rework = e.rework ?? 0
  const quantities = good + scrap + rework
  if (e.event !== 'report' && e.event !== 'complete' && quantities > 0) {
    refuse('no-quantity-here', `quantities are reported with report or complete, not ${e.event}`)
  }

  if (needsFreeWorkUnit(e.event)) {
    if (order.status !== 'released' && order.status !== 'in-progress') refuse('order-not-open', `order is ${order.status}`)
    if (e.event === 'start') {
      const blocker = transferBlocker(order, ops, op)
      if (blocker !== null) refuse('sequence', blocker)
      if (c.notStaged !== undefined && c.notStaged.length > 0) refuse('not-staged', `its material is not staged: ${c.notStaged.join('; ')}`)
    }
    if (c.otherRunningJob !== undefined) refuse('work-unit-busy', `work unit ${job.workUnit} is running job ${c.otherRunningJob}`)
  }
  if (e.event === 'report' && quantities <= EPS) refuse('nothing-reported', 'a report needs a good, scrap or rework quantity above 0')
  if (e.event === 'report' || e.event === 'complete') {
    if (scrap > 0 && e.scrapReason === undefined) refuse('reason-code', 'scrap needs a reason code (scrapReason)')
    if (rework > 0 && e.reworkReason === undefined) refuse('reason-code', 'rework needs a reason code (reworkReason)')
    const total = reported(op) + quantities
    const limit = op.quantity * (1 + c.tolerancePct / 100)
    if (total > limit + EPS) {
      refuse('over-report', `${total} ${order.unit} would exceed the operation quantity ${op.quantity}` +
        (c.tolerancePct > 0 ? ` plus ${c.tolerancePct}% tolerance (${limit})` : ` (no over-delivery tolerance)`) +
        `; already reported ${reported(op)}`)
    }
    const pred = predecessorOf(ops, op.sequence)
    if (pred !== undefined && total > pred.goodQuantity + EPS) {
      refuse('over-report', `${total} ${order.unit} would exceed the ${pred.goodQuantity} good from predecessor operation ${pred.sequence}`)
    }
  }
  if (e.event === 'complete' && op.critical && c.signature === null) {
    throw new SignatureError(job.jobId, `operation ${op.sequence} of order ${job.orderNumber} is critical: completing it needs an electronic signature`)
  }
  return { to: tr.to, good, scrap, rework, final: e.event === 'complete' && e.final !== false }
}
