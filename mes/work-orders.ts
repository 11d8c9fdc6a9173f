// Work orders: create, ERP update, release, hold, cancel. Every change is one transaction with its audit record.
// ERP updates to an order that is already being worked on are applied when safe and refused (all of the update,
// with every reason) when not; they are never partially or silently merged.
import type { MesStore, Tx } from './store/store'
import type { Actor, Operation, OperationInput, UpdateResult, WorkOrder, WorkOrderInput, WorkOrderStatus, WorkOrderUpdate } from './model/types'
import { validateWorkOrder, validateWorkOrderUpdate } from './validation'
import { NotFoundError, OrderStatusError, UpdateRefusedError } from './errors'
import { appendAudit } from './audit-trail'
import { EPS, loadMaterials, loadOperations, loadOrder, loadOrderRow, loadOrders, refreshOrder, reported, type OperationRow, type OrderRow } from './repo'
import type { MesEvents } from './events'
import type { OrderFilter, WorkOrders } from './service'
import { ACTIVE_STATES } from './job-state-machine'
import { num } from './store/store'
import { checkComponentChanges, loadBomRules, planOverrideChanges } from './bom-rules-update'
import { loadProcessValueSpecs, planProcessValueChanges, processValuesColumn } from './process-values-update'

export interface WorkOrderServiceOptions {
  now?: () => Date
  events?: MesEvents
  /** The MES's tolerance for a component that names none (MesOptions.bomTolerancePct), for the BOM checks of an update. */
  bomTolerancePct?: number
}

const DEFAULT_PRIORITY = 500

export class WorkOrderService implements WorkOrders {
  private readonly now: () => Date
  constructor (private readonly store: MesStore, private readonly opts: WorkOrderServiceOptions = {}) {
    this.now = opts.now ?? (() => new Date())
  }

  private at (actor: Actor): string { return actor.at ?? this.now().toISOString() }

  async create (input: unknown, actor: Actor): Promise<WorkOrder> {
    const wo = validateWorkOrder(input)
    const at = this.at(actor)
    const order = await this.store.transaction(async (tx) => {
      // An order number already taken is refused by the store's key (DuplicateError), also when two creates race.
      await tx.run(`INSERT INTO work_orders (order_number, material, description, quantity, unit, planned_start, due_date,
        priority, status, overlap, erp_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?, ?)`,
      [wo.orderNumber, wo.material, wo.description ?? null, wo.quantity, wo.unit, wo.plannedStart ?? null, wo.dueDate,
        wo.priority ?? DEFAULT_PRIORITY, wo.overlap ?? 'strict', wo.erpVersion ?? null, at, at])
      const dueMs = Date.parse(wo.dueDate)
      for (const op of wo.operations) await insertOperation(tx, wo.orderNumber, op, wo.quantity, wo.priority ?? DEFAULT_PRIORITY, dueMs)
      await replaceMaterials(tx, wo.orderNumber, wo.materials ?? [])
      await appendAudit(tx, { who: actor.who, at, entity: 'WorkOrder', entityId: wo.orderNumber, action: 'create', newValue: wo, why: actor.why })
      await refreshOrder(tx, wo.orderNumber, actor.who, at)
      return (await loadOrder(tx, wo.orderNumber))!
    })
    this.opts.events?.emit({ kind: 'order', orderNumber: order.orderNumber, action: 'create', status: order.status, who: actor.who, at })
    return order
  }

  async get (orderNumber: string): Promise<WorkOrder> {
    const o = await this.store.read((tx) => loadOrder(tx, orderNumber))
    if (o === undefined) throw new NotFoundError('work order', orderNumber)
    return o
  }

  async list (filter: OrderFilter = {}): Promise<WorkOrder[]> {
    return await this.store.read(async (tx) => {
      const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status]
      const where = [
        ...(statuses.length ? [`status IN (${statuses.map(() => '?').join(', ')})`] : []),
        ...(filter.after !== undefined ? ['order_number > ?'] : [])
      ]
      return await loadOrders(tx, where.length ? `WHERE ${where.join(' AND ')}` : '',
        [...statuses, ...(filter.after !== undefined ? [filter.after] : [])], filter.limit ?? 1000)
    })
  }

  /** created → released; held → the status it had before the hold. */
  async release (orderNumber: string, actor: Actor): Promise<WorkOrder> {
    return await this.statusChange(orderNumber, 'release', actor, async (tx, o, at) => {
      if (o.status === 'created') {
        await tx.run(`UPDATE work_orders SET status = 'released', released_at = ?, updated_at = ? WHERE order_number = ?`, [at, at, orderNumber])
        return 'released'
      }
      if (o.status === 'held') {
        const back = o.heldFrom ?? 'released'
        await tx.run('UPDATE work_orders SET status = ?, held_from = NULL, updated_at = ? WHERE order_number = ?', [back, at, orderNumber])
        return back
      }
      throw new OrderStatusError(orderNumber, 'release', o.status, `order is ${o.status}, not created or held`)
    })
  }

  /** released / in-progress → held. A held order's jobs cannot start or resume and its operations are not dispatched. */
  async hold (orderNumber: string, actor: Actor): Promise<WorkOrder> {
    return await this.statusChange(orderNumber, 'hold', actor, async (tx, o, at) => {
      if (o.status !== 'released' && o.status !== 'in-progress') {
        throw new OrderStatusError(orderNumber, 'hold', o.status, `order is ${o.status}, not released or in-progress`)
      }
      await tx.run(`UPDATE work_orders SET status = 'held', held_from = ?, updated_at = ? WHERE order_number = ?`, [o.status, at, orderNumber])
      return 'held'
    })
  }

  /**
   * Cancels an order that is not completed. Jobs dispatched but not started are aborted with it; an order with
   * a job that has started (running, paused or held) is refused: end or abort those jobs first.
   */
  async cancel (orderNumber: string, actor: Actor): Promise<WorkOrder> {
    return await this.statusChange(orderNumber, 'cancel', actor, async (tx, o, at) => {
      if (o.status === 'completed' || o.status === 'cancelled') {
        throw new OrderStatusError(orderNumber, 'cancel', o.status, `order is already ${o.status}`)
      }
      await closeOpenWork(tx, o, 'cancel', 'must be ended or aborted first', `order ${orderNumber} cancelled`, actor, at)
      await tx.run(`UPDATE work_orders SET status = 'cancelled', updated_at = ? WHERE order_number = ?`, [at, orderNumber])
      return 'cancelled'
    })
  }

  /**
   * Technical completion (SAP's TECO): the order takes no more work. Jobs dispatched but not started are aborted and
   * the operations not completed are closed; an order with a job that has started is refused (end it first), as is
   * one already completed or cancelled. What was reported stays as it is.
   */
  async complete (orderNumber: string, actor: Actor): Promise<WorkOrder> {
    return await this.statusChange(orderNumber, 'complete', actor, async (tx, o, at) => {
      if (o.status === 'completed' || o.status === 'cancelled') {
        throw new OrderStatusError(orderNumber, 'complete', o.status, `order is already ${o.status}`)
      }
      await closeOpenWork(tx, o, 'complete', 'must be ended first', `order ${orderNumber} technically completed`, actor, at)
      await tx.run(`UPDATE work_orders SET status = 'completed', updated_at = ? WHERE order_number = ?`, [at, orderNumber])
      return 'completed'
    })
  }

  private async statusChange (orderNumber: string, action: 'release' | 'hold' | 'cancel' | 'complete', actor: Actor,
    change: (tx: Tx, o: OrderRow, at: string) => Promise<WorkOrderStatus>): Promise<WorkOrder> {
    const at = this.at(actor)
    const order = await this.store.transaction(async (tx) => {
      const o = await loadOrderRow(tx, orderNumber, true)
      if (o === undefined) throw new NotFoundError('work order', orderNumber)
      const to = await change(tx, o, at)
      await appendAudit(tx, { who: actor.who, at, entity: 'WorkOrder', entityId: orderNumber, action,
        oldValue: { status: o.status }, newValue: { status: to }, why: actor.why })
      await refreshOrder(tx, orderNumber, actor.who, at)
      return (await loadOrder(tx, orderNumber))!
    })
    this.opts.events?.emit({ kind: 'order', orderNumber, action, status: order.status, who: actor.who, at })
    return order
  }

  /**
   * Applies an ERP change. Always safe: due date, planned start, priority, description, ERP version, standard times,
   * materials. Checked: quantity (not below what is reported, not above what a completed operation produced),
   * routing changes (no removing or re-routing an operation that has started or is dispatched, no inserting an
   * operation before one that has started), material/unit/overlap (not once work has started), BOM rules (override
   * permission, alternates, tolerance: not against consumptions already recorded, see bom-rules-update.ts), process
   * values (not of a completed operation, see process-values-update.ts).
   * Refused updates throw UpdateRefusedError listing every reason; nothing is applied.
   */
  async update (orderNumber: string, input: unknown, actor: Actor): Promise<UpdateResult> {
    const u = validateWorkOrderUpdate(input)
    const at = this.at(actor)
    const result = await this.store.transaction(async (tx) => {
      const o = await loadOrderRow(tx, orderNumber, true)
      if (o === undefined) throw new NotFoundError('work order', orderNumber)
      const ops = await loadOperations(tx, orderNumber)
      const materials = await loadMaterials(tx, orderNumber)
      const plan = planUpdate(o, ops, u)
      const rules = await loadBomRules(tx, orderNumber)
      const overrides = planOverrideChanges(rules, u.operations, plan.reasons, plan.changes)
      const processValues = planProcessValueChanges(await loadProcessValueSpecs(tx, orderNumber), u.operations, plan.reasons, plan.changes)
      if (u.materials !== undefined) checkComponentChanges(rules, u.materials, this.opts.bomTolerancePct ?? 0, plan.reasons, plan.changes)
      if (plan.reasons.length) throw new UpdateRefusedError(orderNumber, plan.reasons)
      if (u.materials === undefined && plan.removed.length) {
        const orphaned = materials.filter((m) => m.operationSequence !== null && plan.removed.includes(m.operationSequence))
        if (orphaned.length) {
          throw new UpdateRefusedError(orderNumber, orphaned.map((m) =>
            `material item ${m.item} (${m.material}) is consumed at operation ${m.operationSequence ?? ''}, which the update removes; send the materials list too`))
        }
      }
      if (u.materials !== undefined) {
        const seqs = new Set((u.operations ?? ops).map((op) => op.sequence))
        const bad = u.materials.filter((m) => m.operationSequence !== undefined && !seqs.has(m.operationSequence))
        if (bad.length) throw new UpdateRefusedError(orderNumber, bad.map((m) => `material item ${m.item} names operation ${m.operationSequence ?? ''}, which is not in the routing`))
      }
      // The ERP resends the whole list with every change: the same list again is no change (nothing recorded).
      const newMaterials = u.materials !== undefined && !(await sameMaterials(tx, orderNumber, u.materials)) ? u.materials : undefined
      if (plan.changes.length === 0 && newMaterials === undefined) return { order: (await loadOrder(tx, orderNumber))!, changes: [] }

      const n = plan.next
      await tx.run(`UPDATE work_orders SET material = ?, description = ?, quantity = ?, unit = ?, planned_start = ?, due_date = ?,
        priority = ?, overlap = ?, erp_version = ?, updated_at = ? WHERE order_number = ?`,
      [n.material, n.description, n.quantity, n.unit, n.plannedStart, n.dueDate, n.priority, n.overlap, n.erpVersion, at, orderNumber])
      for (const seq of plan.removed) {
        await tx.run('DELETE FROM material_requirements WHERE order_number = ? AND operation_seq = ?', [orderNumber, seq])
        await tx.run('DELETE FROM operations WHERE order_number = ? AND sequence = ?', [orderNumber, seq])
      }
      for (const op of plan.added) await insertOperation(tx, orderNumber, op, n.quantity, n.priority, Date.parse(n.dueDate))
      for (const op of plan.changed) {
        await tx.run(`UPDATE operations SET work_center = ?, description = ?, setup_time = ?, run_time = ?, quantity = ?, critical = ?
          WHERE order_number = ? AND sequence = ?`,
        [op.workCenter, op.description, op.setupTime, op.runTimePerUnit, op.quantity, op.critical ? 1 : 0, orderNumber, op.sequence])
      }
      for (const c of overrides) {
        await tx.run('UPDATE operations SET bom_override = ? WHERE order_number = ? AND sequence = ?', [c.allowed ? 1 : 0, orderNumber, c.sequence])
      }
      // A Running job of the operation follows its new list when the update is announced (process-values.ts).
      for (const c of processValues) {
        await tx.run('UPDATE operations SET process_values = ? WHERE order_number = ? AND sequence = ?', [processValuesColumn(c.specs), orderNumber, c.sequence])
      }
      if (newMaterials !== undefined) {
        await replaceMaterials(tx, orderNumber, newMaterials)
        plan.changes.push(`materials: ${materials.length} → ${newMaterials.length} items`)
      }
      const before = await snapshot(o, ops)
      const after = await snapshot((await loadOrderRow(tx, orderNumber))!, await loadOperations(tx, orderNumber))
      await appendAudit(tx, { who: actor.who, at, entity: 'WorkOrder', entityId: orderNumber, action: 'update',
        oldValue: before, newValue: { ...after, changes: plan.changes }, why: actor.why })
      await refreshOrder(tx, orderNumber, actor.who, at)
      return { order: (await loadOrder(tx, orderNumber))!, changes: plan.changes }
    })
    if (result.changes.length) {
      this.opts.events?.emit({ kind: 'order', orderNumber, action: 'update', status: result.order.status, who: actor.who, at })
    }
    return result
  }
}

/**
 * What cancelling and technically completing an order share: refused while a job of it has started (running,
 * paused, held); jobs dispatched but not started are aborted, each with its audit record; operations not completed
 * are closed.
 */
async function closeOpenWork (tx: Tx, o: OrderRow, action: 'cancel' | 'complete', untilStarted: string, why: string, actor: Actor, at: string): Promise<void> {
  const orderNumber = o.orderNumber
  const jobs = await tx.all<{ job_id: string, state: string }>(`SELECT job_id, state FROM job_orders WHERE order_number = ? AND state IN
    (${ACTIVE_STATES.map(() => '?').join(', ')}) ORDER BY job_id${tx.forUpdate}`, [orderNumber, ...ACTIVE_STATES])
  const started = jobs.filter((j) => j.state !== 'NotAllowedToStart' && j.state !== 'AllowedToStart')
  if (started.length) {
    throw new OrderStatusError(orderNumber, action, o.status,
      `job${started.length > 1 ? 's' : ''} ${started.map((j) => `${j.job_id} (${j.state})`).join(', ')} ${untilStarted}`)
  }
  for (const j of jobs) {
    await tx.run(`UPDATE job_orders SET state = 'Aborted', ended_at = ?, updated_at = ?, event_seq = event_seq + 1 WHERE job_id = ?`, [at, at, j.job_id])
    await appendAudit(tx, { who: actor.who, at, entity: 'JobOrder', entityId: j.job_id, action: 'abort',
      oldValue: { state: j.state }, newValue: { state: 'Aborted' }, why })
  }
  await tx.run(`UPDATE operations SET status = 'cancelled', active_job = NULL WHERE order_number = ? AND status <> 'completed'`, [orderNumber])
}

async function insertOperation (tx: Tx, orderNumber: string, op: OperationInput, orderQty: number, priority: number, dueMs: number): Promise<void> {
  await tx.run(`INSERT INTO operations (order_number, sequence, work_center, description, setup_time, run_time, quantity, critical,
    status, priority, due_ms, proc_time, bom_override, process_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
  [orderNumber, op.sequence, op.workCenter, op.description ?? null, op.setupTime ?? 0, op.runTimePerUnit ?? 0,
    op.quantity ?? orderQty, op.critical === true ? 1 : 0, priority, dueMs, 0.001, op.bomOverride === true ? 1 : 0,
    op.processValues !== undefined && op.processValues.length > 0 ? JSON.stringify(op.processValues) : null])
}

async function replaceMaterials (tx: Tx, orderNumber: string, materials: NonNullable<WorkOrderInput['materials']>): Promise<void> {
  await tx.run('DELETE FROM material_requirements WHERE order_number = ?', [orderNumber])
  for (const m of materials) {
    await tx.run(`INSERT INTO material_requirements (order_number, item, material, quantity, unit, operation_seq, alternates,
      tolerance_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [orderNumber, m.item, m.material, m.quantity, m.unit,
      m.operationSequence ?? null, m.alternates !== undefined && m.alternates.length > 0 ? JSON.stringify(m.alternates) : null,
      m.tolerancePct ?? null])
  }
}

/** Whether `given` is the materials list stored: the same items with the same material, quantity, unit, operation, alternates and tolerance. */
async function sameMaterials (tx: Tx, orderNumber: string, given: NonNullable<WorkOrderInput['materials']>): Promise<boolean> {
  const rows = await tx.all<Record<string, unknown>>(`SELECT item, material, quantity, unit, operation_seq, alternates, tolerance_pct
    FROM material_requirements WHERE order_number = ? ORDER BY item`, [orderNumber])
  if (rows.length !== given.length) return false
  const byItem = [...given].sort((a, b) => a.item - b.item)
  const orNull = (v: unknown): number | null => v === null || v === undefined ? null : Number(v)
  return rows.every((r, i) => {
    const m = byItem[i]!
    return Number(r.item) === m.item && r.material === m.material && Number(r.quantity) === m.quantity && r.unit === m.unit &&
      orNull(r.operation_seq) === orNull(m.operationSequence) && orNull(r.tolerance_pct) === orNull(m.tolerancePct) &&
      (r.alternates ?? null) === (m.alternates !== undefined && m.alternates.length > 0 ? JSON.stringify(m.alternates) : null)
  })
}

async function snapshot (o: OrderRow, ops: readonly OperationRow[]): Promise<Record<string, unknown>> {
  return {
    material: o.material, quantity: o.quantity, unit: o.unit, plannedStart: o.plannedStart, dueDate: o.dueDate,
    priority: o.priority, overlap: o.overlap, erpVersion: o.erpVersion, description: o.description,
    operations: ops.map((op) => ({ sequence: op.sequence, workCenter: op.workCenter, setupTime: op.setupTime,
      runTimePerUnit: op.runTimePerUnit, quantity: op.quantity, critical: op.critical, status: op.status }))
  }
}

type NextOp = Pick<Operation, 'sequence' | 'workCenter' | 'description' | 'setupTime' | 'runTimePerUnit' | 'quantity' | 'critical'>

interface UpdatePlan {
  reasons: string[]
  changes: string[]
  next: Pick<OrderRow, 'material' | 'description' | 'quantity' | 'unit' | 'plannedStart' | 'dueDate' | 'priority' | 'overlap' | 'erpVersion'>
  removed: number[]
  added: OperationInput[]
  changed: NextOp[]
}

/** Decides, without touching the store, what an update would change and why any of it is unsafe. */
export function planUpdate (o: OrderRow, ops: readonly OperationRow[], u: WorkOrderUpdate): UpdatePlan {
  const reasons: string[] = []
  const changes: string[] = []
  const plan: UpdatePlan = {
    reasons,
    changes,
    next: { material: o.material, description: o.description, quantity: o.quantity, unit: o.unit, plannedStart: o.plannedStart,
      dueDate: o.dueDate, priority: o.priority, overlap: o.overlap, erpVersion: o.erpVersion },
    removed: [],
    added: [],
    changed: []
  }
  if (o.status === 'completed' || o.status === 'cancelled') {
    reasons.push(`order is ${o.status}; a ${o.status} order cannot change`)
    return plan
  }
  const workStarted = ops.some((op) => op.started || reported(op) > EPS)
  const anyReported = ops.some((op) => reported(op) > EPS)
  const set = <K extends keyof UpdatePlan['next']>(key: K, value: UpdatePlan['next'][K] | undefined, refuse?: string): void => {
    if (value === undefined || value === plan.next[key]) return
    if (refuse !== undefined) { reasons.push(refuse); return }
    changes.push(`${key}: ${JSON.stringify(plan.next[key])} → ${JSON.stringify(value)}`)
    plan.next[key] = value
  }
  set('dueDate', u.dueDate)
  set('plannedStart', u.plannedStart)
  set('priority', u.priority)
  set('description', u.description)
  set('erpVersion', u.erpVersion)
  set('material', u.material, workStarted ? `material cannot change from ${o.material} to ${u.material ?? ''}: work on the order has started` : undefined)
  set('unit', u.unit, anyReported ? `unit cannot change from ${o.unit} to ${u.unit ?? ''}: quantities are already reported in ${o.unit}` : undefined)
  set('overlap', u.overlap, workStarted ? `overlap cannot change from ${o.overlap} to ${u.overlap ?? ''}: work on the order has started` : undefined)
  if (u.quantity !== undefined && Math.abs(u.quantity - o.quantity) > EPS) {
    changes.push(`quantity: ${o.quantity} → ${u.quantity}`)
    plan.next.quantity = u.quantity
  }

  // The routing after the update: the given list, or the current one with quantities following the order.
  const current = new Map(ops.map((op) => [op.sequence, op]))
  const wanted: NextOp[] = u.operations !== undefined
    ? u.operations.map((op) => ({
      sequence: op.sequence,
      workCenter: op.workCenter,
      description: op.description ?? null,
      setupTime: op.setupTime ?? 0,
      runTimePerUnit: op.runTimePerUnit ?? 0,
      quantity: op.quantity ?? plan.next.quantity,
      critical: op.critical === true
    }))
    : ops.filter((op) => op.status !== 'cancelled').map((op) => ({
      sequence: op.sequence,
      workCenter: op.workCenter,
      description: op.description,
      setupTime: op.setupTime,
      runTimePerUnit: op.runTimePerUnit,
      quantity: Math.abs(op.quantity - o.quantity) < EPS ? plan.next.quantity : op.quantity,
      critical: op.critical
    }))
  const wantedSeqs = new Set(wanted.map((w) => w.sequence))

  for (const op of ops) {
    if (wantedSeqs.has(op.sequence) || op.status === 'cancelled') continue
    if (op.started || op.status === 'completed' || reported(op) > EPS) {
      reasons.push(`operation ${op.sequence} cannot be removed: it has ${op.status === 'completed' ? 'been completed' : 'started'}`)
    } else if (op.activeJob !== null) {
      reasons.push(`operation ${op.sequence} cannot be removed: it is dispatched as job ${op.activeJob}`)
    } else {
      plan.removed.push(op.sequence)
      changes.push(`operation ${op.sequence} removed`)
    }
  }
  const startedSeqs = ops.filter((op) => op.started || op.status === 'completed').map((op) => op.sequence)
  for (const w of wanted) {
    const op = current.get(w.sequence)
    if (op === undefined || op.status === 'cancelled') {
      const later = startedSeqs.filter((s) => s > w.sequence)
      if (later.length) {
        reasons.push(`operation ${w.sequence} cannot be added before operation ${Math.min(...later)}, which has already started`)
      } else if (op === undefined) {
        plan.added.push({ ...w, description: w.description ?? undefined })
        changes.push(`operation ${w.sequence} added at ${w.workCenter}`)
      } else {
        reasons.push(`operation ${w.sequence} was cancelled and cannot be reused; use a new sequence number`)
      }
      continue
    }
    const busy = op.started || op.status === 'completed' || reported(op) > EPS
    const where = `operation ${op.sequence}`
    let changed = false
    if (w.workCenter !== op.workCenter) {
      if (busy) reasons.push(`${where} cannot move from ${op.workCenter} to ${w.workCenter}: it has started`)
      else if (op.activeJob !== null) reasons.push(`${where} cannot move from ${op.workCenter} to ${w.workCenter}: it is dispatched as job ${op.activeJob}`)
      else { changes.push(`${where} work center: ${op.workCenter} → ${w.workCenter}`); changed = true }
    }
    if (w.critical !== op.critical) {
      if (busy) reasons.push(`${where} critical flag cannot change: it has started`)
      else { changes.push(`${where} critical: ${op.critical} → ${w.critical}`); changed = true }
    }
    if (Math.abs(w.quantity - op.quantity) > EPS) {
      const done = reported(op)
      if (w.quantity + EPS < done) {
        reasons.push(`${where} quantity cannot go from ${op.quantity} to ${w.quantity}: ${done} is already reported`)
      } else if (op.status === 'completed' && w.quantity > op.goodQuantity + EPS) {
        reasons.push(`${where} is completed with ${op.goodQuantity} good; it cannot produce ${w.quantity}`)
      } else { changes.push(`${where} quantity: ${op.quantity} → ${w.quantity}`); changed = true }
    }
    if (Math.abs(w.setupTime - op.setupTime) > EPS || Math.abs(w.runTimePerUnit - op.runTimePerUnit) > EPS) {
      changes.push(`${where} standard times: setup ${op.setupTime}/run ${op.runTimePerUnit} → setup ${w.setupTime}/run ${w.runTimePerUnit}`)
      changed = true
    }
    if (w.description !== op.description && u.operations !== undefined) { changes.push(`${where} description changed`); changed = true }
    if (changed) plan.changed.push(w)
  }
  if (plan.next.quantity + EPS < Math.max(0, ...ops.map((op) => num(op.goodQuantity) + num(op.scrapQuantity)))) {
    reasons.push(`order quantity cannot go below ${Math.max(...ops.map((op) => op.goodQuantity + op.scrapQuantity))}, already reported`)
  }
  return plan
}
