// Row mapping and the few queries shared by the services. Everything here runs inside a caller's Tx.
import type { SqlValue, Tx } from './store/store'
import { num, numOrNull, str, strOrNull } from './store/store'
import type {
  JobOrder, JobState, MaterialRequirement, Operation, OperationStatus, OverlapMode, WorkOrder, WorkOrderStatus
} from './model/types'
import { appendAudit } from './audit-trail'

export type OrderRow = Omit<WorkOrder, 'operations' | 'materials'> & { heldFrom: WorkOrderStatus | null }
export type OperationRow = Operation & {
  started: boolean
  jobCount: number
  runActual: number
  setupActual: number
  /** Dispatch sort keys as stored (denormalized from the order and the remaining work by refreshOrder). */
  sortPriority: number
  dueMs: number
  procTime: number
}

/** Quantities are floating point: comparisons allow this much. */
export const EPS = 1e-9

/** UPDATE of the columns whose value changes (none: no statement). Each change is [column, before, after]. */
export async function updateChanged (tx: Tx, table: string, where: string, whereParams: readonly SqlValue[],
  columns: ReadonlyArray<readonly [string, SqlValue, SqlValue]>): Promise<void> {
  const changed = columns.filter(([, before, after]) => before !== after)
  if (changed.length === 0) return
  await tx.run(`UPDATE ${table} SET ${changed.map(([c]) => `${c} = ?`).join(', ')} WHERE ${where}`,
    [...changed.map(([, , after]) => after), ...whereParams])
}

export function orderFromRow (r: Record<string, unknown>): OrderRow {
  return {
    orderNumber: str(r.order_number),
    material: str(r.material),
    description: strOrNull(r.description),
    quantity: num(r.quantity),
    unit: str(r.unit),
    plannedStart: strOrNull(r.planned_start),
    dueDate: str(r.due_date),
    priority: num(r.priority),
    status: str(r.status) as WorkOrderStatus,
    heldFrom: strOrNull(r.held_from) as WorkOrderStatus | null,
    overlap: str(r.overlap) as OverlapMode,
    erpVersion: strOrNull(r.erp_version),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    releasedAt: strOrNull(r.released_at),
    completedAt: strOrNull(r.completed_at)
  }
}

export function operationFromRow (r: Record<string, unknown>): OperationRow {
  return {
    orderNumber: str(r.order_number),
    sequence: num(r.sequence),
    workCenter: str(r.work_center),
    description: strOrNull(r.description),
    setupTime: num(r.setup_time),
    runTimePerUnit: num(r.run_time),
    quantity: num(r.quantity),
    critical: num(r.critical) === 1,
    status: str(r.status) as OperationStatus,
    goodQuantity: num(r.good_qty),
    scrapQuantity: num(r.scrap_qty),
    reworkQuantity: num(r.rework_qty),
    activeJob: strOrNull(r.active_job),
    dispatchable: num(r.dispatchable) === 1,
    readyAt: strOrNull(r.ready_at),
    started: num(r.started) === 1,
    jobCount: num(r.job_count),
    runActual: num(r.run_actual),
    setupActual: num(r.setup_actual),
    sortPriority: num(r.priority),
    dueMs: num(r.due_ms),
    procTime: num(r.proc_time)
  }
}

export function materialFromRow (r: Record<string, unknown>): MaterialRequirement {
  return {
    item: num(r.item),
    material: str(r.material),
    quantity: num(r.quantity),
    unit: str(r.unit),
    operationSequence: numOrNull(r.operation_seq)
  }
}

export type JobRow = JobOrder & { runningSince: string | null, runUnconfirmed: number }

export function jobFromRow (r: Record<string, unknown>): JobRow {
  return {
    jobId: str(r.job_id),
    orderNumber: str(r.order_number),
    sequence: num(r.sequence),
    workCenter: str(r.work_center),
    workUnit: str(r.work_unit),
    state: str(r.state) as JobState,
    heldFrom: strOrNull(r.held_from) as JobState | null,
    quantity: num(r.quantity),
    goodQuantity: num(r.good_qty),
    scrapQuantity: num(r.scrap_qty),
    reworkQuantity: num(r.rework_qty),
    setupMinutes: num(r.setup_minutes),
    runMinutes: num(r.run_minutes),
    eventSeq: num(r.event_seq),
    startedAt: strOrNull(r.started_at),
    endedAt: strOrNull(r.ended_at),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    runningSince: strOrNull(r.running_since),
    runUnconfirmed: num(r.run_unconfirmed)
  }
}

export function publicJob (j: JobRow): JobOrder {
  const { runningSince: _r, runUnconfirmed: _u, ...job } = j
  return job
}

export function publicOperation (o: OperationRow): Operation {
  const { started: _s, jobCount: _j, runActual: _r, setupActual: _a, sortPriority: _p, dueMs: _d, procTime: _t, ...op } = o
  return op
}

export async function loadOrderRow (tx: Tx, orderNumber: string, lock = false): Promise<OrderRow | undefined> {
  const r = await tx.get('SELECT * FROM work_orders WHERE order_number = ?' + (lock ? tx.forUpdate : ''), [orderNumber])
  return r === undefined ? undefined : orderFromRow(r)
}

export async function loadOperations (tx: Tx, orderNumber: string): Promise<OperationRow[]> {
  return (await tx.all('SELECT * FROM operations WHERE order_number = ? ORDER BY sequence', [orderNumber])).map(operationFromRow)
}

export async function loadMaterials (tx: Tx, orderNumber: string): Promise<MaterialRequirement[]> {
  return (await tx.all('SELECT * FROM material_requirements WHERE order_number = ? ORDER BY item', [orderNumber])).map(materialFromRow)
}

function orderOf (o: OrderRow, operations: readonly OperationRow[], materials: MaterialRequirement[]): WorkOrder {
  const { heldFrom: _h, ...order } = o
  return { ...order, operations: operations.map(publicOperation), materials }
}

export async function loadOrder (tx: Tx, orderNumber: string): Promise<WorkOrder | undefined> {
  const o = await loadOrderRow(tx, orderNumber)
  if (o === undefined) return undefined
  return orderOf(o, await loadOperations(tx, orderNumber), await loadMaterials(tx, orderNumber))
}

/**
 * The orders that `where` (a condition on work_orders, or '') selects, by order number, at most `limit`, with their
 * operations and materials: three statements however many orders there are (the selection is repeated as a subquery,
 * which sees the same rows inside the caller's read transaction).
 */
export async function loadOrders (tx: Tx, where: string, params: readonly SqlValue[], limit: number): Promise<WorkOrder[]> {
  const selection = `FROM work_orders ${where} ORDER BY order_number LIMIT ?`
  const orders = (await tx.all(`SELECT * ${selection}`, [...params, limit])).map(orderFromRow)
  if (orders.length === 0) return []
  const chosen = `order_number IN (SELECT order_number ${selection})`
  const operations = new Map<string, OperationRow[]>()
  for (const r of await tx.all(`SELECT * FROM operations WHERE ${chosen} ORDER BY order_number, sequence`, [...params, limit])) {
    const op = operationFromRow(r)
    let list = operations.get(op.orderNumber)
    if (list === undefined) operations.set(op.orderNumber, list = [])
    list.push(op)
  }
  const materials = new Map<string, MaterialRequirement[]>()
  for (const r of await tx.all(`SELECT * FROM material_requirements WHERE ${chosen} ORDER BY order_number, item`, [...params, limit])) {
    const orderNumber = str(r.order_number)
    let list = materials.get(orderNumber)
    if (list === undefined) materials.set(orderNumber, list = [])
    list.push(materialFromRow(r))
  }
  return orders.map((o) => orderOf(o, operations.get(o.orderNumber) ?? [], materials.get(o.orderNumber) ?? []))
}

export async function loadJob (tx: Tx, jobId: string, lock = false): Promise<JobRow | undefined> {
  const r = await tx.get('SELECT * FROM job_orders WHERE job_id = ?' + (lock ? tx.forUpdate : ''), [jobId])
  return r === undefined ? undefined : jobFromRow(r)
}

export function reported (op: { goodQuantity: number, scrapQuantity: number, reworkQuantity: number }): number {
  return op.goodQuantity + op.scrapQuantity + op.reworkQuantity
}

/** Minutes from `from` (none: 0) to `to`, never below 0. */
export function minutesBetween (from: string | null, to: string): number {
  if (from === null) return 0
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 60000)
}

/** What is left to make of an operation: its quantity less good and scrap (rework is made again), never below 0. */
export function remaining (op: { quantity: number, goodQuantity: number, scrapQuantity: number }): number {
  return Math.max(0, op.quantity - op.goodQuantity - op.scrapQuantity)
}

/** The operation before `op` in the routing (highest lower sequence that is not cancelled), if any. */
export function predecessorOf<T extends { sequence: number, status: OperationStatus }>(ops: readonly T[], sequence: number): T | undefined {
  let best: T | undefined
  for (const o of ops) {
    if (o.sequence < sequence && o.status !== 'cancelled' && (best === undefined || o.sequence > best.sequence)) best = o
  }
  return best
}

/** Has the predecessor passed on material, so that `op` may start? Returns the reason when not. */
export function transferBlocker (order: OrderRow, ops: readonly OperationRow[], op: OperationRow): string | null {
  const pred = predecessorOf(ops, op.sequence)
  if (pred === undefined) return null
  if (order.overlap === 'strict') {
    return pred.status === 'completed' ? null : `predecessor operation ${pred.sequence} is not completed (routing is strict)`
  }
  return pred.goodQuantity > EPS ? null : `predecessor operation ${pred.sequence} has reported no good quantity yet`
}

/** The dispatch columns of one operation as they should be stored. */
export interface DispatchColumns { dispatchable: boolean, readyAt: string | null, sortPriority: number, dueMs: number, procTime: number }

export function sameDispatchColumns (op: OperationRow, c: DispatchColumns): boolean {
  return op.dispatchable === c.dispatchable && op.readyAt === c.readyAt && op.sortPriority === c.sortPriority &&
    op.dueMs === c.dueMs && op.procTime === c.procTime
}

/**
 * Computes, without touching the store, the denormalized dispatch columns of every operation of an order
 * (dispatchable, priority, due, processing time, ready time) and whether the order is now complete.
 */
export function planRefresh (order: OrderRow, ops: readonly OperationRow[], at: string): { columns: DispatchColumns[], completes: boolean } {
  const dueMs = Date.parse(order.dueDate)
  const orderOpen = order.status === 'released' || order.status === 'in-progress'
  const columns = ops.map((op) => {
    const left = remaining(op)
    const procTime = Math.max(0.001, (op.started ? 0 : op.setupTime) + op.runTimePerUnit * left)
    const dispatchable = orderOpen && (op.status === 'pending' || op.status === 'in-progress') &&
      op.activeJob === null && transferBlocker(order, ops, op) === null
    return { dispatchable, readyAt: dispatchable ? (op.readyAt ?? at) : null, sortPriority: order.priority, dueMs, procTime }
  })
  const live = ops.filter((o) => o.status !== 'cancelled')
  return { columns, completes: orderOpen && live.length > 0 && live.every((o) => o.status === 'completed') }
}

export async function writeDispatchColumns (tx: Tx, orderNumber: string, sequence: number, c: DispatchColumns): Promise<void> {
  await tx.run(`UPDATE operations SET dispatchable = ?, ready_at = ?, priority = ?, due_ms = ?, proc_time = ?
    WHERE order_number = ? AND sequence = ?`,
  [c.dispatchable ? 1 : 0, c.readyAt, c.sortPriority, c.dueMs, c.procTime, orderNumber, sequence])
}

/** Marks the order completed (all its operations are), with the audit record. */
/** `at`: when the order's last operation completed; `recordedAt`: when the hub recorded it (the audit trail's time). */
export async function completeOrder (tx: Tx, order: OrderRow, who: string, at: string, recordedAt: string = at): Promise<void> {
  await tx.run(`UPDATE work_orders SET status = 'completed', completed_at = ?, updated_at = ? WHERE order_number = ?`,
    [at, at, order.orderNumber])
  await appendAudit(tx, {
    who, at: recordedAt, entity: 'WorkOrder', entityId: order.orderNumber, action: 'complete',
    oldValue: { status: order.status }, newValue: { status: 'completed' }, why: 'all operations completed'
  })
}

/**
 * Recomputes the denormalized dispatch columns of every operation of an order and completes the order when all
 * its operations are completed. Called at the end of every change to an order, its operations or its jobs, inside
 * that change's Tx. Only operations whose columns change are written.
 */
export async function refreshOrder (tx: Tx, orderNumber: string, who: string, at: string): Promise<void> {
  const order = await loadOrderRow(tx, orderNumber)
  if (order === undefined) return
  const ops = await loadOperations(tx, orderNumber)
  const plan = planRefresh(order, ops, at)
  for (const [i, op] of ops.entries()) {
    const c = plan.columns[i]!
    if (!sameDispatchColumns(op, c)) await writeDispatchColumns(tx, orderNumber, op.sequence, c)
  }
  if (plan.completes) await completeOrder(tx, order, who, at)
}
