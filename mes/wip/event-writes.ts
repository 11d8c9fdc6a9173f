// The write of one job event: in the caller's transaction, the job's new state, its operation's totals and the
// dispatch columns of its order, the order's status, the job event, its audit record and its ERP confirmation. The
// rules (event-rules.ts) decide first whether the event may happen; nothing is written when they refuse it.
import type { Tx } from '../store/store'
import { num } from '../store/store'
import type { Operation, SignatureRecord, WipEvent, WipEventInput, WipResult, WorkOrderStatus } from '../model/types'
import { NotFoundError } from '../errors'
import { TERMINAL_STATES } from '../job-state-machine'
import { appendAudit } from '../audit-trail'
import { confirmationKey as confirmationKeyOf, enqueueConfirmation } from '../confirmations'
import {
  completeOrder, loadJob, loadOperations, loadOrderRow, minutesBetween, planRefresh, publicJob, publicOperation,
  sameDispatchColumns, updateChanged, writeDispatchColumns, type JobRow, type OperationRow, type OrderRow
} from '../repo'
import { checkEvent, needsFreeWorkUnit, stoppedByHolds } from './event-rules'
import { activeHoldsOn } from '../holds/hold-writes'
import { missingStaging } from '../logistics/staging'

/** What one event did: its result for the caller, and the event to emit after the commit (null for a duplicate). */
export interface WrittenEvent {
  result: WipResult
  emit: WipEvent | null
}

/**
 * Applies one validated event inside `tx`. `at` is when it happened, `recordedAt` when the hub recorded it (the audit
 * trail's and the signature's time); `tolerancePct` the over-delivery tolerance.
 */
export async function writeEvent (tx: Tx, e: WipEventInput, at: string, recordedAt: string, signature: SignatureRecord | null,
  tolerancePct: number, startRequiresStaging = false): Promise<WrittenEvent> {
  // Lock order, then job (the same order as order-level commands) so concurrent writers cannot deadlock.
  const peek = await loadJob(tx, e.jobId)
  if (peek === undefined) throw new NotFoundError('job', e.jobId)
  const order = (await loadOrderRow(tx, peek.orderNumber, true))!
  // SQLite write transactions are serialized, so the first read is already current; PostgreSQL locks the row now.
  const job = tx.forUpdate === '' ? peek : (await loadJob(tx, e.jobId, true))!

  if (e.eventId !== undefined) {
    const prior = await tx.get('SELECT seq FROM job_events WHERE job_id = ? AND event_id = ?', [e.jobId, e.eventId])
    if (prior !== undefined) {
      const ops = await loadOperations(tx, job.orderNumber)
      const op = ops.find((o) => o.sequence === job.sequence)!
      // The key is a function of (job, event seq): look it up through the unique index on it.
      const c = await tx.get<{ idempotency_key: string }>('SELECT idempotency_key FROM confirmations WHERE idempotency_key = ?',
        [confirmationKeyOf(job.jobId, num(prior.seq))])
      return {
        result: { job: publicJob(job), operation: publicOperation(op), orderStatus: order.status, eventSeq: num(prior.seq),
          confirmationKey: c?.idempotency_key ?? null, duplicate: true },
        emit: null
      }
    }
  }

  const ops = await loadOperations(tx, job.orderNumber)
  const op = ops.find((o) => o.sequence === job.sequence)!
  const otherRunningJob = needsFreeWorkUnit(e.event)
    ? (await tx.get<{ job_id: string }>(`SELECT job_id FROM job_orders WHERE work_unit = ? AND state = 'Running' AND job_id <> ?`,
        [job.workUnit, job.jobId]))?.job_id
    : undefined
  // Read under the order's lock: a hold placed on the order meanwhile commits before or after this event, never between.
  const held = stoppedByHolds(e.event)
  const orderHolds = held ? await activeHoldsOn(tx, { kind: 'order', id: job.orderNumber }) : []
  const unitHolds = needsFreeWorkUnit(e.event) ? await activeHoldsOn(tx, { kind: 'work-unit', id: job.workUnit }) : []
  const notStaged = e.event === 'start' && startRequiresStaging ? await missingStaging(tx, job) : undefined
  const allowed = checkEvent(e, { job, order, ops, op, signature, tolerancePct, otherRunningJob, orderHolds, unitHolds, notStaged })

  // New job state.
  const from = job.state
  const { to, good, scrap, rework, final } = allowed
  const wasRunning = from === 'Running'
  const runDelta = wasRunning ? minutesBetween(job.runningSince, at) : 0
  const next: JobRow = {
    ...job,
    state: to,
    heldFrom: e.event === 'hold' ? from : e.event === 'release' ? null : job.heldFrom,
    goodQuantity: job.goodQuantity + good,
    scrapQuantity: job.scrapQuantity + scrap,
    reworkQuantity: job.reworkQuantity + rework,
    setupMinutes: job.setupMinutes + (e.setupMinutes ?? 0),
    runMinutes: job.runMinutes + runDelta,
    runUnconfirmed: job.runUnconfirmed + runDelta,
    runningSince: to === 'Running' ? at : null,
    eventSeq: job.eventSeq + 1,
    startedAt: job.startedAt ?? (e.event === 'start' ? at : null),
    endedAt: TERMINAL_STATES.includes(to) ? at : null,
    updatedAt: at
  }
  let confirmationKey: string | null = null
  let confRun = 0
  const confirms = e.event === 'report' || e.event === 'complete'
  if (confirms) {
    confRun = e.runMinutes ?? next.runUnconfirmed
    next.runUnconfirmed = 0
  }
  // Only the columns that change are written, so that indexes on unchanged columns (state) are not rewritten.
  await updateChanged(tx, 'job_orders', 'job_id = ?', [job.jobId], [
    ['state', job.state, next.state], ['held_from', job.heldFrom, next.heldFrom], ['good_qty', job.goodQuantity, next.goodQuantity],
    ['scrap_qty', job.scrapQuantity, next.scrapQuantity], ['rework_qty', job.reworkQuantity, next.reworkQuantity],
    ['setup_minutes', job.setupMinutes, next.setupMinutes], ['run_minutes', job.runMinutes, next.runMinutes],
    ['run_unconfirmed', job.runUnconfirmed, next.runUnconfirmed], ['running_since', job.runningSince, next.runningSince],
    ['event_seq', job.eventSeq, next.eventSeq], ['started_at', job.startedAt, next.startedAt], ['ended_at', job.endedAt, next.endedAt],
    ['updated_at', job.updatedAt, next.updatedAt]
  ])

  // Operation totals and status, with the dispatch columns of the whole order recomputed in memory: the job's own
  // operation is written once, the others only if their columns change.
  let opStatus = op.status
  if (e.event === 'start' && opStatus === 'pending') opStatus = 'in-progress'
  if (final) opStatus = 'completed'
  const releasesOp = TERMINAL_STATES.includes(to)
  const nextOp: OperationRow = {
    ...op,
    goodQuantity: op.goodQuantity + good,
    scrapQuantity: op.scrapQuantity + scrap,
    reworkQuantity: op.reworkQuantity + rework,
    setupActual: op.setupActual + (e.setupMinutes ?? 0),
    runActual: op.runActual + confRun,
    status: opStatus,
    started: op.started || e.event === 'start',
    activeJob: releasesOp ? null : op.activeJob
  }
  // Order becomes in-progress with its first start.
  const orderStatus: WorkOrderStatus = e.event === 'start' && order.status === 'released' ? 'in-progress' : order.status
  const nextOrder: OrderRow = { ...order, status: orderStatus }
  const nextOps = ops.map((o) => (o.sequence === op.sequence ? nextOp : o))
  const plan = planRefresh(nextOrder, nextOps, at)
  const own = plan.columns[nextOps.indexOf(nextOp)]!
  await updateChanged(tx, 'operations', 'order_number = ? AND sequence = ?', [job.orderNumber, job.sequence], [
    ['good_qty', op.goodQuantity, nextOp.goodQuantity], ['scrap_qty', op.scrapQuantity, nextOp.scrapQuantity],
    ['rework_qty', op.reworkQuantity, nextOp.reworkQuantity], ['setup_actual', op.setupActual, nextOp.setupActual],
    ['run_actual', op.runActual, nextOp.runActual], ['status', op.status, nextOp.status], ['started', op.started ? 1 : 0, nextOp.started ? 1 : 0],
    ['active_job', op.activeJob, nextOp.activeJob], ['dispatchable', op.dispatchable ? 1 : 0, own.dispatchable ? 1 : 0],
    ['ready_at', op.readyAt, own.readyAt], ['priority', op.sortPriority, own.sortPriority], ['due_ms', op.dueMs, own.dueMs],
    ['proc_time', op.procTime, own.procTime]
  ])
  if (orderStatus !== order.status) {
    await tx.run(`UPDATE work_orders SET status = 'in-progress', updated_at = ? WHERE order_number = ?`, [at, job.orderNumber])
    await appendAudit(tx, { who: e.who, at: recordedAt, entity: 'WorkOrder', entityId: job.orderNumber, action: 'start',
      oldValue: { status: order.status }, newValue: { status: 'in-progress' }, why: `job ${job.jobId} started` })
  }

  const snapshot = (j: JobRow): Record<string, unknown> => ({ state: j.state, heldFrom: j.heldFrom, good: j.goodQuantity,
    scrap: j.scrapQuantity, rework: j.reworkQuantity, runMinutes: j.runMinutes, eventSeq: j.eventSeq })
  const publicNext = publicJob(next)
  await tx.run(`INSERT INTO job_events (job_id, seq, event, event_id, from_state, to_state, who, at, why, good_qty, scrap_qty,
    scrap_reason, rework_qty, rework_reason, final, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  [job.jobId, next.eventSeq, e.event, e.eventId ?? null, from, to, e.who, at, e.why ?? null, good, scrap, e.scrapReason ?? null,
    rework, e.reworkReason ?? null, e.event === 'complete' ? (final ? 1 : 0) : null, JSON.stringify(publicNext)])
  await appendAudit(tx, {
    who: e.who, at: recordedAt, entity: 'JobOrder', entityId: job.jobId, action: e.event,
    oldValue: snapshot(job),
    newValue: { ...snapshot(next), reported: confirms ? { good, scrap, scrapReason: e.scrapReason, rework, reworkReason: e.reworkReason } : undefined,
      final: e.event === 'complete' ? final : undefined, orderNumber: job.orderNumber, sequence: job.sequence,
      eventAt: at !== recordedAt ? at : undefined },
    why: e.why,
    signature
  })
  if (confirms) {
    confirmationKey = await enqueueConfirmation(tx, {
      orderNumber: job.orderNumber, sequence: job.sequence, workCenter: job.workCenter, jobId: job.jobId, eventSeq: next.eventSeq,
      yield: good, scrap, rework, unit: order.unit, scrapReason: e.scrapReason ?? null, reworkReason: e.reworkReason ?? null,
      setupMinutes: e.setupMinutes ?? 0, runMinutes: confRun, final, who: e.who, at
    })
  }
  for (const [i, o] of nextOps.entries()) {
    const c = plan.columns[i]!
    if (o !== nextOp && !sameDispatchColumns(o, c)) await writeDispatchColumns(tx, job.orderNumber, o.sequence, c)
  }
  let finalStatus = orderStatus
  if (plan.completes) {
    await completeOrder(tx, nextOrder, e.who, at, recordedAt)
    finalStatus = 'completed'
  }
  const after: Operation = { ...publicOperation(nextOp), dispatchable: own.dispatchable, readyAt: own.readyAt }
  return {
    result: { job: publicNext, operation: after, orderStatus: finalStatus, eventSeq: next.eventSeq, confirmationKey, duplicate: false },
    emit: {
      kind: 'wip', jobId: job.jobId, orderNumber: job.orderNumber, sequence: job.sequence, workCenter: job.workCenter,
      workUnit: job.workUnit, event: e.event, from, to, eventSeq: next.eventSeq, who: e.who, at, good, scrap, rework, job: publicNext,
      confirmationKey
    }
  }
}
