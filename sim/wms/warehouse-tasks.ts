// The simulated warehouse's tasks, as SAP EWM keeps warehouse tasks: one per request, numbered by the warehouse,
// open until confirmed or cancelled. A confirmation moves lots: a partial one leaves the rest of the task open
// (EWM splits the task), a final one closes it, short by a difference quantity when less arrived (EWM: confirmed
// with a difference, exception code DIFF). Only an open (or partially confirmed) task can be confirmed or
// cancelled: a confirmation or cancel of a confirmed task is refused, as EWM refuses it, and so is an unknown task.
// Each confirmation and each cancel by the warehouse makes an event for the hub's webhook.
import type { PickedLot } from './stock'

export type TaskType = 'staging' | 'put-away'
export type TaskStatus = 'open' | 'partially-confirmed' | 'confirmed' | 'cancelled'

/** The state machine of a warehouse task; any other transition is refused. */
const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  open: ['partially-confirmed', 'confirmed', 'cancelled'],
  'partially-confirmed': ['partially-confirmed', 'confirmed', 'cancelled'],
  confirmed: [],
  cancelled: []
}

export interface TaskInput {
  requestId: string
  type: TaskType
  warehouse: string
  material: string
  quantity: number
  unit: string
  destinationLocation?: string
  sourceLocation?: string
  lotId?: string
  orderNumber?: string
  jobId?: string
  workUnit?: string
}

export interface WarehouseTask extends TaskInput {
  taskId: string
  status: TaskStatus
  confirmedQuantity: number
  lots: PickedLot[]
  destinationBin?: string
  createdAt: string
}

export interface TaskEvent {
  eventId: string
  type: 'task.confirmed' | 'task.cancelled'
  occurredAt: string
  warehouse: string
  task: { taskId: string, requestId: string, type: TaskType, material: string, quantity: number, unit: string, status: Exclude<TaskStatus, 'open'> }
  confirmation?: { quantity: number, differenceQuantity?: number, final: boolean, lots: PickedLot[], destinationBin?: string }
  reason?: string
}

/** A request the warehouse refuses: the HTTP status and problem+json of the answer. */
export class TaskRefusal extends Error {
  constructor (readonly status: number, readonly title: string, detail: string) {
    super(detail)
  }
}

function q (n: number): number {
  return Math.round(n * 1e6) / 1e6
}

export class WarehouseTasks {
  private readonly tasks = new Map<string, WarehouseTask>()
  private nextTask = 1_000_001
  private nextEvent = 1

  constructor (private readonly warehouse: string, private readonly now: () => Date = () => new Date()) {}

  create (input: TaskInput): { task: WarehouseTask, created: boolean } {
    const known = [...this.tasks.values()].find((t) => t.requestId === input.requestId && t.type === input.type)
    if (known !== undefined) return { task: known, created: false }
    const task: WarehouseTask = { ...input, taskId: String(this.nextTask++), status: 'open', confirmedQuantity: 0, lots: [], createdAt: this.now().toISOString() }
    this.tasks.set(task.taskId, task)
    return { task, created: true }
  }

  get (taskId: string): WarehouseTask {
    const t = this.tasks.get(taskId)
    if (t === undefined) throw new TaskRefusal(404, 'warehouse task not found', `warehouse task ${taskId} does not exist in warehouse ${this.warehouse}`)
    return t
  }

  byRequest (requestId: string): WarehouseTask | undefined {
    return [...this.tasks.values()].find((t) => t.requestId === requestId)
  }

  list (): WarehouseTask[] {
    return [...this.tasks.values()]
  }

  /** Open staging tasks of a material, oldest first (stock added to it can serve them). */
  waiting (material: string): WarehouseTask[] {
    return this.list().filter((t) => t.type === 'staging' && t.material === material && (t.status === 'open' || t.status === 'partially-confirmed'))
  }

  remaining (t: WarehouseTask): number {
    return q(t.quantity - t.confirmedQuantity)
  }

  private move (t: WarehouseTask, to: TaskStatus, action: string): void {
    if (!TRANSITIONS[t.status].includes(to)) {
      throw new TaskRefusal(409, `warehouse task ${t.status}`, `cannot ${action} warehouse task ${t.taskId} (${t.requestId}): it is ${t.status}` +
        (t.status === 'confirmed' ? '; a confirmed warehouse task can be neither confirmed again nor cancelled' : ''))
    }
    t.status = to
  }

  /** A confirmation of what was moved; final closes the task (short by the difference when less arrived). */
  confirm (t: WarehouseTask, moved: PickedLot[], opts: { final?: boolean, destinationBin?: string } = {}): TaskEvent {
    const quantity = q(moved.reduce((s, l) => s + l.quantity, 0))
    if (quantity > this.remaining(t)) throw new TaskRefusal(409, 'quantity over the task', `warehouse task ${t.taskId} has ${this.remaining(t)} ${t.unit} open, not ${quantity}`)
    const complete = q(t.confirmedQuantity + quantity) >= t.quantity
    const final = complete || opts.final === true
    this.move(t, final ? 'confirmed' : 'partially-confirmed', 'confirm')
    t.confirmedQuantity = q(t.confirmedQuantity + quantity)
    t.lots.push(...moved)
    const bin = opts.destinationBin ?? (t.type === 'staging' ? t.destinationLocation : undefined)
    if (bin !== undefined) t.destinationBin = bin
    const difference = final ? q(t.quantity - t.confirmedQuantity) : 0
    return this.event(t, 'task.confirmed', {
      confirmation: { quantity, ...(difference > 0 ? { differenceQuantity: difference } : {}), final, lots: moved, ...(bin !== undefined ? { destinationBin: bin } : {}) }
    })
  }

  /** A cancel: of an open task or the open rest of a partially confirmed one; a cancelled task again is done already. */
  cancel (t: WarehouseTask, reason: string): TaskEvent | undefined {
    if (t.status === 'cancelled') return undefined
    this.move(t, 'cancelled', 'cancel')
    return this.event(t, 'task.cancelled', { reason })
  }

  private event (t: WarehouseTask, type: TaskEvent['type'], extra: Partial<TaskEvent>): TaskEvent {
    return {
      eventId: `${this.warehouse}-EV-${String(this.nextEvent++).padStart(6, '0')}`, type, occurredAt: this.now().toISOString(), warehouse: this.warehouse,
      task: { taskId: t.taskId, requestId: t.requestId, type: t.type, material: t.material, quantity: t.quantity, unit: t.unit, status: t.status as Exclude<TaskStatus, 'open'> },
      ...extra
    }
  }
}
