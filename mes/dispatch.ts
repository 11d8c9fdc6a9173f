// Dispatch list per work center: operations ready to run (order released or in progress, predecessor has passed
// on material, not completed, no job already dispatched), ordered by a dispatching rule. The readiness is kept
// in a denormalized `dispatchable` flag (recomputed with every change to the order), and each rule has a partial
// index on (work_center, <sort keys>) WHERE dispatchable = 1, so a list is an index range scan with LIMIT.
import type { MesStore, Tx } from './store/store'
import { num, str, strOrNull } from './store/store'
import { DISPATCH_RULES, type Actor, type DispatchItem, type DispatchRule, type JobOrder, type WorkOrderStatus } from './model/types'
import { DispatchRefusedError, NotFoundError, WipRuleError } from './errors'
import { appendAudit } from './audit-trail'
import { loadJob, loadOperations, loadOrderRow, publicJob, refreshOrder, remaining, transferBlocker } from './repo'
import type { MesEvents } from './events'
import type { Dispatch, DispatchListOptions } from './service'
import { activeHoldsOn, describeHolds } from './holds/hold-writes'

export interface DispatchOptions {
  now?: () => Date
  events?: MesEvents
  /** Rule used when a call does not name one; default 'priority'. */
  defaultRule?: DispatchRule
  /** Optional check that a work unit belongs to a work center (e.g. from the plant model). */
  isWorkUnitOf?: (workCenter: string, workUnit: string) => boolean
  /** Runs in the transaction that creates a job (logistics: its staging requests commit with it); returns what to announce after the commit. */
  onJobCreated?: (tx: Tx, jobId: string, who: string, at: string) => Promise<() => void>
}

/** ORDER BY per rule; `?` in critical-ratio is "now" in epoch milliseconds. Ties are broken by order and sequence. */
function orderBy (rule: DispatchRule): string {
  switch (rule) {
    case 'priority': return 'priority, due_ms, ready_at, order_number, sequence'
    case 'earliest-due-date': return 'due_ms, priority, order_number, sequence'
    case 'shortest-processing-time': return 'proc_time, due_ms, order_number, sequence'
    case 'fifo': return 'ready_at, order_number, sequence'
    case 'critical-ratio': return '((due_ms - ?) / 60000.0) / proc_time, order_number, sequence'
  }
}

/**
 * Operations of held orders are not on the list (their jobs could not start): one probe of the active-holds index
 * per candidate row, which the LIMIT keeps to the few the list answers.
 */
const NOT_HELD = `NOT EXISTS (SELECT 1 FROM holds h WHERE h.target_kind = 'order' AND h.target_id = operations.order_number AND h.status = 'active')`

const COLUMNS = 'order_number, sequence, work_center, quantity, good_qty, scrap_qty, priority, due_ms, proc_time, ready_at, critical'

export class DispatchService implements Dispatch {
  private readonly now: () => Date
  readonly defaultRule: DispatchRule

  constructor (private readonly store: MesStore, private readonly opts: DispatchOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.defaultRule = opts.defaultRule ?? 'priority'
  }

  private async candidates (tx: Tx, workCenter: string, rule: DispatchRule, limit: number, lock: string): Promise<Array<Record<string, unknown>>> {
    if (!DISPATCH_RULES.includes(rule)) throw new DispatchRefusedError(workCenter, `unknown dispatch rule ${JSON.stringify(rule)}`, `use one of ${DISPATCH_RULES.join(', ')}`)
    if (rule === 'critical-ratio') return await this.criticalRatioCandidates(tx, workCenter, limit, lock)
    // `dispatchable = 1` is written literally so that the planner can use the partial indexes.
    return await tx.all(`SELECT ${COLUMNS} FROM operations WHERE work_center = ? AND dispatchable = 1 AND ${NOT_HELD}
      ORDER BY ${orderBy(rule)} LIMIT ?${lock}`, [workCenter, limit])
  }

  /**
   * Critical ratio depends on "now", so no index orders by it. But every overdue operation (due before now) has a
   * negative ratio and every other one a ratio of 0 or more, so the overdue ones come first: rank those (a range of
   * the due-date index), and rank the rest only when fewer than `limit` are overdue. A plant usually has far fewer
   * overdue operations than open ones, so the database sorts a small part of the work center's queue.
   */
  private async criticalRatioCandidates (tx: Tx, workCenter: string, limit: number, lock: string): Promise<Array<Record<string, unknown>>> {
    const nowMs = this.now().getTime()
    const ranked = async (overdue: boolean, n: number): Promise<Array<Record<string, unknown>>> => await tx.all(`SELECT ${COLUMNS}
      FROM operations WHERE work_center = ? AND dispatchable = 1 AND ${NOT_HELD} AND due_ms ${overdue ? '<' : '>='} ?
      ORDER BY ${orderBy('critical-ratio')} LIMIT ?${lock}`, [workCenter, nowMs, nowMs, n])
    const rows = await ranked(true, limit)
    if (rows.length < limit) rows.push(...await ranked(false, limit - rows.length))
    return rows
  }

  /** Ready operations of a work center, best first by `rule`. */
  async list (workCenter: string, opts: DispatchListOptions = {}): Promise<DispatchItem[]> {
    const rule = opts.rule ?? this.defaultRule
    const nowMs = this.now().getTime()
    return await this.store.read(async (tx) => {
      const rows = await this.candidates(tx, workCenter, rule, opts.limit ?? 100, '')
      if (rows.length === 0) return []
      const orders = [...new Set(rows.map((r) => str(r.order_number)))]
      const info = new Map<string, { material: string, dueDate: string }>()
      for (let i = 0; i < orders.length; i += 500) {
        const chunk = orders.slice(i, i + 500)
        for (const w of await tx.all(`SELECT order_number, material, due_date FROM work_orders WHERE order_number IN (${chunk.map(() => '?').join(', ')})`, chunk)) {
          info.set(str(w.order_number), { material: str(w.material), dueDate: str(w.due_date) })
        }
      }
      return rows.map((r) => {
        const o = info.get(str(r.order_number))
        return {
          orderNumber: str(r.order_number),
          sequence: num(r.sequence),
          workCenter: str(r.work_center),
          material: o?.material ?? '',
          quantity: num(r.quantity),
          remaining: remaining({ quantity: num(r.quantity), goodQuantity: num(r.good_qty), scrapQuantity: num(r.scrap_qty) }),
          priority: num(r.priority),
          dueDate: o?.dueDate ?? new Date(num(r.due_ms)).toISOString(),
          processingMinutes: num(r.proc_time),
          readyAt: strOrNull(r.ready_at),
          critical: num(r.critical) === 1,
          criticalRatio: ((num(r.due_ms) - nowMs) / 60000) / num(r.proc_time)
        }
      })
    })
  }

  /**
   * Assigns the best ready operation of `workCenter` to `workUnit` as a new job (AllowedToStart), or returns null
   * when nothing is ready. On PostgreSQL concurrent dispatchers skip each other's rows (SKIP LOCKED).
   */
  async dispatchNext (workCenter: string, workUnit: string, actor: Actor, opts: { rule?: DispatchRule } = {}): Promise<JobOrder | null> {
    this.checkUnit(workCenter, workUnit)
    const rule = opts.rule ?? this.defaultRule
    const at = actor.at ?? this.now().toISOString()
    const done = await this.store.transaction(async (tx) => {
      await this.refuseHeldUnit(tx, workCenter, workUnit)
      const [top] = await this.candidates(tx, workCenter, rule, 1, tx.forUpdateSkipLocked)
      if (top === undefined) return null
      return await this.createJob(tx, str(top.order_number), num(top.sequence), workUnit, actor, at, `dispatched by rule ${rule}`)
    })
    if (done === null) return null
    done.announce()
    this.opts.events?.emit({ kind: 'order', orderNumber: done.job.orderNumber, action: 'dispatch', status: done.orderStatus, who: actor.who, at, job: done.job })
    return done.job
  }

  /** Assigns one given operation to a work unit (a supervisor's choice instead of the rule). */
  async dispatchOperation (orderNumber: string, sequence: number, workUnit: string, actor: Actor,
    opts: { allowStart?: boolean } = {}): Promise<JobOrder> {
    const at = actor.at ?? this.now().toISOString()
    const { job, orderStatus, announce } = await this.store.transaction(async (tx) => {
      const order = await loadOrderRow(tx, orderNumber, true)
      if (order === undefined) throw new NotFoundError('work order', orderNumber)
      const ops = await loadOperations(tx, orderNumber)
      const op = ops.find((o) => o.sequence === sequence)
      if (op === undefined) throw new NotFoundError('operation', `${orderNumber}/${sequence}`)
      this.checkUnit(op.workCenter, workUnit)
      await this.refuseHeldUnit(tx, op.workCenter, workUnit)
      const refuse = (reason: string): never => { throw new WipRuleError('not-dispatchable', undefined, orderNumber, sequence, 'dispatch', reason) }
      const orderHolds = await activeHoldsOn(tx, { kind: 'order', id: orderNumber })
      if (orderHolds.length > 0) {
        throw new WipRuleError('order-held', undefined, orderNumber, sequence, 'dispatch',
          `order ${orderNumber} is held (${describeHolds(orderHolds)}); release its holds first`)
      }
      if (order.status !== 'released' && order.status !== 'in-progress') refuse(`order is ${order.status}`)
      if (op.status === 'completed' || op.status === 'cancelled') refuse(`operation is ${op.status}`)
      if (op.activeJob !== null) refuse(`operation is already dispatched as job ${op.activeJob}`)
      // A planner may dispatch ahead of the predecessor; the job then waits NotAllowedToStart (start checks again).
      const early = transferBlocker(order, ops, op) !== null
      return await this.createJob(tx, orderNumber, sequence, workUnit, actor, at, actor.why ?? 'dispatched by hand',
        opts.allowStart === false || early ? 'NotAllowedToStart' : 'AllowedToStart')
    })
    announce()
    this.opts.events?.emit({ kind: 'order', orderNumber, action: 'dispatch', status: orderStatus, who: actor.who, at, job })
    return job
  }

  /** A held work unit takes no dispatch (a machine out of calibration, a line stopped by quality). */
  private async refuseHeldUnit (tx: Tx, workCenter: string, workUnit: string): Promise<void> {
    const holds = await activeHoldsOn(tx, { kind: 'work-unit', id: workUnit })
    if (holds.length > 0) {
      throw new DispatchRefusedError(workCenter, `work unit ${workUnit} is held (${describeHolds(holds)})`,
        'nothing was dispatched; release the work unit\'s holds first, or dispatch to another work unit')
    }
  }

  private checkUnit (workCenter: string, workUnit: string): void {
    if (this.opts.isWorkUnitOf !== undefined && !this.opts.isWorkUnitOf(workCenter, workUnit)) {
      throw new DispatchRefusedError(workCenter, `work unit ${workUnit} does not belong to work center ${workCenter}`,
        'dispatch to one of its own work units (plant model)')
    }
  }

  private async createJob (tx: Tx, orderNumber: string, sequence: number, workUnit: string, actor: Actor, at: string, why: string,
    state: 'AllowedToStart' | 'NotAllowedToStart' = 'AllowedToStart'): Promise<{ job: JobOrder, orderStatus: WorkOrderStatus, announce: () => void }> {
    const op = (await tx.get('SELECT * FROM operations WHERE order_number = ? AND sequence = ?', [orderNumber, sequence]))!
    const jobId = `${orderNumber}-${sequence}-${num(op.job_count) + 1}`
    const left = remaining({ quantity: num(op.quantity), goodQuantity: num(op.good_qty), scrapQuantity: num(op.scrap_qty) })
    await tx.run(`INSERT INTO job_orders (job_id, order_number, sequence, work_center, work_unit, state, quantity, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [jobId, orderNumber, sequence, str(op.work_center), workUnit, state, left, at, at])
    await tx.run(`UPDATE operations SET active_job = ?, job_count = job_count + 1, dispatchable = 0, ready_at = NULL
      WHERE order_number = ? AND sequence = ?`, [jobId, orderNumber, sequence])
    await appendAudit(tx, { who: actor.who, at, entity: 'JobOrder', entityId: jobId, action: 'dispatch',
      newValue: { orderNumber, sequence, workCenter: str(op.work_center), workUnit, state, quantity: left }, why })
    await refreshOrder(tx, orderNumber, actor.who, at)
    const announce = await this.opts.onJobCreated?.(tx, jobId, actor.who, at) ?? (() => {})
    return { job: publicJob((await loadJob(tx, jobId))!), orderStatus: (await loadOrderRow(tx, orderNumber))!.status, announce }
  }
}
