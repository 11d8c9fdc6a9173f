// Work in progress: applies shop-floor job events. Each event is checked (state machine table, then WIP rules),
// and stored in ONE transaction with the job's new state, the operation/order totals, the job event, its audit
// record and its ERP confirmation. Listeners (`onEvent`) hear about it only after the commit.
import type { MesStore, Tx } from './store/store'
import { num, str, strOrNull } from './store/store'
import type {
  JobEventType, JobOrder, JobResponse, JobState, Operation, SignatureRecord, WipEventInput, WorkOrderStatus
} from './model/types'
import { validateWipEvent } from './validation'
import { IllegalTransitionError, NotFoundError, SignatureError, WipRuleError } from './errors'
import { Signatures, type CredentialCheck } from './signatures'
import { transition, TERMINAL_STATES } from './job-state-machine'
import { appendAudit } from './audit-trail'
import { confirmationKey as confirmationKeyOf, enqueueConfirmation } from './confirmations'
import {
  completeOrder, EPS, jobFromRow, loadJob, loadOperations, loadOrderRow, planRefresh, predecessorOf, publicJob, publicOperation, remaining, reported,
  sameDispatchColumns, transferBlocker, updateChanged, writeDispatchColumns, type JobRow, type OperationRow, type OrderRow
} from './repo'
import { MesEvents, type MesListener, type WipEvent } from './events'

const RUNNING_OR_INTERRUPTED: readonly JobState[] = ['Running', 'Interrupted.Paused', 'Interrupted.Held']

export interface WipOptions {
  now?: () => Date
  events?: MesEvents
  /** How far (percent of the operation quantity) reported quantity may exceed it; default 0. */
  overReportTolerancePct?: number
  /** Verifies electronic signatures; without it, critical operations cannot be completed. */
  verifyCredentials?: CredentialCheck
}

export { SIGNATURE_LOCKOUT_MS, SIGNATURE_MAX_FAILURES, type CredentialCheck } from './signatures'

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

function minutesBetween (from: string | null, to: string): number {
  if (from === null) return 0
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 60000)
}

function isUniqueRunningViolation (err: unknown): boolean {
  const e = err as { code?: string, constraint?: string, message?: string }
  return (e.code === '23505' && e.constraint === 'ux_jobs_running_unit') ||
    (typeof e.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT') && (e.message ?? '').includes('job_orders.work_unit'))
}

export class WipService {
  private readonly now: () => Date
  private readonly signatures: Signatures
  readonly events: MesEvents
  private readonly tolerance: number

  constructor (private readonly store: MesStore, private readonly opts: WipOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.events = opts.events ?? new MesEvents()
    this.tolerance = opts.overReportTolerancePct ?? 0
    this.signatures = new Signatures(store, opts.verifyCredentials, this.now)
  }

  /** Subscribes to committed WIP events; returns the unsubscribe function. */
  onEvent (listener: (e: WipEvent) => void): () => void {
    const l: MesListener = (e) => { if (e.kind === 'wip') listener(e) }
    return this.events.on(l)
  }

  /** Validates (JSON Schema, JSON paths in errors), checks and applies one job event. */
  async apply (input: unknown): Promise<WipResult> {
    const e = validateWipEvent(input)
    // `at` is when it happened (a machine or a late report may say); the audit trail and a signature carry when the
    // hub recorded it, which a caller cannot set (21 CFR Part 11: computer-generated time stamps).
    const recordedAt = this.now().toISOString()
    const at = e.at ?? recordedAt
    const signature = await this.signatures.verify(e, recordedAt)
    let emitted: WipEvent | null = null
    let result: WipResult
    try {
      result = await this.store.transaction(async (tx) => {
        const r = await this.applyInTx(tx, e, at, recordedAt, signature)
        emitted = r.emit
        return r.result
      })
    } catch (err) {
      if (isUniqueRunningViolation(err)) {
        const job = await this.store.read((tx) => loadJob(tx, e.jobId))
        throw new WipRuleError('work-unit-busy', e.jobId, job?.orderNumber ?? '?', job?.sequence, e.event,
          `work unit ${job?.workUnit ?? '?'} is running another job (started concurrently)`)
      }
      throw err
    }
    if (emitted !== null) this.events.emit(emitted)
    return result
  }

  private async applyInTx (tx: Tx, e: WipEventInput, at: string, recordedAt: string, signature: SignatureRecord | null):
  Promise<{ result: WipResult, emit: WipEvent | null }> {
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
    const tr = transition(job.state, e.event, job.heldFrom)
    if (!tr.ok) throw new IllegalTransitionError(job.jobId, job.orderNumber, job.sequence, e.event, job.state, tr.reason)

    const refuse = (rule: string, reason: string): never => {
      throw new WipRuleError(rule, job.jobId, job.orderNumber, job.sequence, e.event, reason)
    }
    const good = e.good ?? 0
    const scrap = e.scrap ?? 0
    const rework = e.rework ?? 0
    const quantities = good + scrap + rework
    if (e.event !== 'report' && e.event !== 'complete' && quantities > 0) {
      refuse('no-quantity-here', `quantities are reported with report or complete, not ${e.event}`)
    }

    if (e.event === 'start' || e.event === 'resume') {
      if (order.status !== 'released' && order.status !== 'in-progress') refuse('order-not-open', `order is ${order.status}`)
      if (e.event === 'start') {
        const blocker = transferBlocker(order, ops, op)
        if (blocker !== null) refuse('sequence', blocker)
      }
      const other = await tx.get<{ job_id: string }>(
        `SELECT job_id FROM job_orders WHERE work_unit = ? AND state = 'Running' AND job_id <> ?`, [job.workUnit, job.jobId])
      if (other !== undefined) refuse('work-unit-busy', `work unit ${job.workUnit} is running job ${other.job_id}`)
    }
    if (e.event === 'report' && quantities <= EPS) refuse('nothing-reported', 'a report needs a good, scrap or rework quantity above 0')
    if (e.event === 'report' || e.event === 'complete') {
      if (scrap > 0 && e.scrapReason === undefined) refuse('reason-code', 'scrap needs a reason code (scrapReason)')
      if (rework > 0 && e.reworkReason === undefined) refuse('reason-code', 'rework needs a reason code (reworkReason)')
      const total = reported(op) + quantities
      const limit = op.quantity * (1 + this.tolerance / 100)
      if (total > limit + EPS) {
        refuse('over-report', `${total} ${order.unit} would exceed the operation quantity ${op.quantity}` +
          (this.tolerance > 0 ? ` plus ${this.tolerance}% tolerance (${limit})` : ` (no over-delivery tolerance)`) +
          `; already reported ${reported(op)}`)
      }
      const pred = predecessorOf(ops, op.sequence)
      if (pred !== undefined && total > pred.goodQuantity + EPS) {
        refuse('over-report', `${total} ${order.unit} would exceed the ${pred.goodQuantity} good from predecessor operation ${pred.sequence}`)
      }
    }
    const final = e.event === 'complete' && e.final !== false
    if (e.event === 'complete' && op.critical && signature === null) {
      throw new SignatureError(job.jobId, `operation ${op.sequence} of order ${job.orderNumber} is critical: completing it needs an electronic signature`)
    }

    // New job state.
    const from = job.state
    const to = tr.to
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

  async getJob (jobId: string): Promise<JobOrder> {
    const j = await this.store.read((tx) => loadJob(tx, jobId))
    if (j === undefined) throw new NotFoundError('job', jobId)
    return publicJob(j)
  }

  /**
   * Job orders, oldest first (created_at, job_id). `limit` caps the list; `after` (a job id) pages on: the jobs
   * that come after that one in this order.
   */
  async listJobs (filter: { orderNumber?: string, workCenter?: string, workUnit?: string, states?: JobState[], limit?: number, after?: string } = {}): Promise<JobOrder[]> {
    const where: string[] = []
    const params: Array<string | number> = []
    if (filter.orderNumber !== undefined) { where.push('order_number = ?'); params.push(filter.orderNumber) }
    if (filter.workCenter !== undefined) { where.push('work_center = ?'); params.push(filter.workCenter) }
    if (filter.workUnit !== undefined) { where.push('work_unit = ?'); params.push(filter.workUnit) }
    if (filter.states?.length) { where.push(`state IN (${filter.states.map(() => '?').join(', ')})`); params.push(...filter.states) }
    return await this.store.read(async (tx) => {
      if (filter.after !== undefined) {
        const cursor = await tx.get<{ created_at: string }>('SELECT created_at FROM job_orders WHERE job_id = ?', [filter.after])
        if (cursor === undefined) throw new NotFoundError('job', filter.after)
        where.push('(created_at > ? OR (created_at = ? AND job_id > ?))')
        params.push(cursor.created_at, cursor.created_at, filter.after)
      }
      if (filter.limit !== undefined) params.push(filter.limit)
      return (await tx.all(`SELECT * FROM job_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, job_id` +
        (filter.limit !== undefined ? ' LIMIT ?' : ''), params)).map((r) => publicJob(jobFromRow(r)))
    })
  }


  /**
   * The job response: actual times, quantities with reason codes, and the event history. `page` takes the events
   * after seq `after`, at most `limit` of them (all by default); the totals are always the whole job's. A job of
   * machine counts has tens of thousands of events: 54,000 were a 15 MB answer that cost the hub 120 MB of memory.
   */
  async jobResponse (jobId: string, page: { after?: number, limit?: number } = {}): Promise<JobResponse> {
    return await this.store.read(async (tx) => {
      const j = await loadJob(tx, jobId)
      if (j === undefined) throw new NotFoundError('job', jobId)
      const limit = page.limit
      const rows = await tx.all('SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq' +
        (limit !== undefined ? ' LIMIT ?' : ''), limit !== undefined ? [jobId, page.after ?? -1, limit + 1] : [jobId, page.after ?? -1])
      const more = limit !== undefined && rows.length > limit
      const events = more ? rows.slice(0, limit) : rows
      const runMinutes = j.runMinutes + (j.state === 'Running' ? minutesBetween(j.runningSince, this.now().toISOString()) : 0)
      return {
        jobId: j.jobId, orderNumber: j.orderNumber, sequence: j.sequence, workUnit: j.workUnit, state: j.state,
        actualStart: j.startedAt, actualEnd: j.endedAt, setupMinutes: j.setupMinutes, runMinutes,
        goodQuantity: j.goodQuantity, scrapQuantity: j.scrapQuantity, reworkQuantity: j.reworkQuantity,
        reports: events.filter((r) => num(r.good_qty) + num(r.scrap_qty) + num(r.rework_qty) > 0).map((r) => ({
          seq: num(r.seq), at: str(r.at), who: str(r.who), event: str(r.event) as JobEventType, good: num(r.good_qty),
          scrap: num(r.scrap_qty), scrapReason: strOrNull(r.scrap_reason), rework: num(r.rework_qty), reworkReason: strOrNull(r.rework_reason)
        })),
        events: events.map((r) => ({ seq: num(r.seq), event: str(r.event) as JobEventType, from: str(r.from_state) as JobState,
          to: str(r.to_state) as JobState, who: str(r.who), at: str(r.at), why: strOrNull(r.why) })),
        ...(more ? { nextAfter: num(events[events.length - 1]!.seq) } : {})
      }
    })
  }

  async wipByWorkCenter (workCenter: string): Promise<WipSummary> {
    return await this.store.read(async (tx) => {
      const queued = await tx.get(`SELECT CAST(COUNT(*) AS INTEGER) AS n,
          SUM(CASE WHEN o.quantity - o.good_qty - o.scrap_qty > 0 THEN o.quantity - o.good_qty - o.scrap_qty ELSE 0 END) AS q
        FROM operations o JOIN work_orders w ON w.order_number = o.order_number
        WHERE o.work_center = ? AND o.status IN ('pending', 'in-progress') AND w.status IN ('released', 'in-progress', 'held')
          AND NOT EXISTS (SELECT 1 FROM job_orders j WHERE j.job_id = o.active_job AND j.state IN (${RUNNING_OR_INTERRUPTED.map(() => '?').join(', ')}))`,
      [workCenter, ...RUNNING_OR_INTERRUPTED])
      const running = await this.runningJobs(tx, 'work_center', workCenter)
      const done = await tx.get('SELECT SUM(good_qty) AS g, SUM(scrap_qty) AS s, SUM(rework_qty) AS r FROM operations WHERE work_center = ?', [workCenter])
      return { scope: 'workCenter', id: workCenter, queued: { count: num(queued?.n), quantity: num(queued?.q) }, running,
        done: { good: num(done?.g), scrap: num(done?.s), rework: num(done?.r) } }
    })
  }

  async wipByWorkUnit (workUnit: string): Promise<WipSummary> {
    return await this.store.read(async (tx) => {
      const queued = await tx.get(`SELECT CAST(COUNT(*) AS INTEGER) AS n,
          SUM(CASE WHEN quantity - good_qty - scrap_qty > 0 THEN quantity - good_qty - scrap_qty ELSE 0 END) AS q
        FROM job_orders WHERE work_unit = ? AND state IN ('NotAllowedToStart', 'AllowedToStart')`, [workUnit])
      const running = await this.runningJobs(tx, 'work_unit', workUnit)
      const done = await tx.get('SELECT SUM(good_qty) AS g, SUM(scrap_qty) AS s, SUM(rework_qty) AS r FROM job_orders WHERE work_unit = ?', [workUnit])
      return { scope: 'workUnit', id: workUnit, queued: { count: num(queued?.n), quantity: num(queued?.q) }, running,
        done: { good: num(done?.g), scrap: num(done?.s), rework: num(done?.r) } }
    })
  }

  async wipByOrder (orderNumber: string): Promise<OrderWipSummary> {
    return await this.store.read(async (tx) => {
      const order = await loadOrderRow(tx, orderNumber)
      if (order === undefined) throw new NotFoundError('work order', orderNumber)
      const ops = await loadOperations(tx, orderNumber)
      const states = new Map<string, JobState>()
      for (const r of await tx.all('SELECT job_id, state FROM job_orders WHERE order_number = ?', [orderNumber])) {
        states.set(str(r.job_id), str(r.state) as JobState)
      }
      const lines = ops.map((op) => ({
        sequence: op.sequence, workCenter: op.workCenter, status: op.status, quantity: op.quantity, activeJob: op.activeJob,
        jobState: op.activeJob !== null ? states.get(op.activeJob) ?? null : null,
        good: op.goodQuantity, scrap: op.scrapQuantity, rework: op.reworkQuantity
      }))
      const open = ops.filter((op) => op.status === 'pending' || op.status === 'in-progress')
      const isRunning = (op: typeof ops[number]): boolean =>
        op.activeJob !== null && RUNNING_OR_INTERRUPTED.includes(states.get(op.activeJob) ?? 'Ended')
      const running = open.filter(isRunning)
      const queued = open.filter((op) => !isRunning(op))
      const last = [...ops].reverse().find((op) => op.status !== 'cancelled')
      return {
        scope: 'order',
        id: orderNumber,
        queued: { count: queued.length, quantity: queued.reduce((s, op) => s + remaining(op), 0) },
        running: { count: running.length, quantity: running.reduce((s, op) => s + remaining(op), 0) },
        // The order's output is what its last operation made; scrap and rework add up over all operations.
        done: { good: last?.goodQuantity ?? 0, scrap: ops.reduce((s, op) => s + op.scrapQuantity, 0), rework: ops.reduce((s, op) => s + op.reworkQuantity, 0) },
        operations: lines
      }
    })
  }

  private async runningJobs (tx: Tx, column: 'work_center' | 'work_unit', id: string): Promise<{ count: number, quantity: number }> {
    const r = await tx.get(`SELECT CAST(COUNT(*) AS INTEGER) AS n,
        SUM(CASE WHEN quantity - good_qty - scrap_qty > 0 THEN quantity - good_qty - scrap_qty ELSE 0 END) AS q
      FROM job_orders WHERE ${column} = ? AND state IN (${RUNNING_OR_INTERRUPTED.map(() => '?').join(', ')})`,
    [id, ...RUNNING_OR_INTERRUPTED])
    return { count: num(r?.n), quantity: num(r?.q) }
  }
}
