// What the MES Node-RED nodes do, as plain functions over the Mes: the nodes only read their settings and the
// message, call one of these, and send the result. Every function says in its error what was refused and why.
import type { Mes } from '../mes/service'
import {
  DISPATCH_RULES, type Actor, type Confirmation, type DispatchItem, type DispatchRule, type JobOrder, type UpdateResult,
  type WipResult, type WorkOrder
} from '../mes/model/types'
import { MesError } from '../mes/errors'
import { HubError, ValidationError } from '../core/errors'

/** A node-level input problem (no action, no work center, ...): the message cannot be turned into a command. */
export class MesCommandError extends MesError {
  constructor (node: string, message: string, hint?: string) {
    super('MES_COMMAND', message, { source: `${node} node` }, hint)
  }
}

type Bag = Record<string, unknown>

function bag (v: unknown): Bag {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Bag : {}
}

function text (...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    if (typeof c === 'string' && c.length > 0) return c
    if (typeof c === 'number' && Number.isFinite(c)) return String(c)
  }
  return undefined
}

/** The actor of a command: msg.who, payload.who, the node's setting, else the node itself. */
export function actorOf (msg: Bag, nodeWho: string | undefined, fallback: string): Actor {
  const p = bag(msg.payload)
  const actor: Actor = { who: text(msg.who, p.who, nodeWho) ?? fallback }
  const why = text(msg.why, p.why)
  if (why !== undefined) actor.why = why
  return actor
}

// ---- work order -------------------------------------------------------------------------------------------------

export const WORK_ORDER_ACTIONS = ['create', 'update', 'release', 'hold', 'cancel', 'complete'] as const
export type WorkOrderAction = typeof WORK_ORDER_ACTIONS[number]

export interface WorkOrderOutcome {
  action: WorkOrderAction
  order: WorkOrder
  /** For update: what changed, one line each. */
  changes?: string[]
}

/**
 * create: payload = the order (schemas/mes/work-order.schema.json). update: payload = the change
 * (work-order-update.schema.json) and the order number in msg.orderNumber or payload.orderNumber.
 * release, hold, cancel, complete (technical completion): payload = the order number, or { orderNumber }.
 */
export async function runWorkOrderCommand (mes: Mes, action: string | undefined, msg: Bag, actor: Actor): Promise<WorkOrderOutcome> {
  if (action === undefined || !(WORK_ORDER_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('work order', action === undefined ? 'no action' : `unknown action '${action}'`,
      `set the node's Action, or msg.action / msg.topic to one of ${WORK_ORDER_ACTIONS.join(', ')}`)
  }
  const a = action as WorkOrderAction
  const p = bag(msg.payload)
  if (a === 'create') return { action: a, order: await mes.workOrders.create(msg.payload, actor) }
  const orderNumber = text(msg.orderNumber, typeof msg.payload === 'string' || typeof msg.payload === 'number' ? msg.payload : undefined, p.orderNumber)
  if (orderNumber === undefined) {
    throw new MesCommandError('work order', `${a} needs an order number`, 'put it in msg.payload (a string), msg.payload.orderNumber or msg.orderNumber')
  }
  if (a === 'update') {
    const { orderNumber: _o, who: _w, why: _y, ...change } = p
    const r: UpdateResult = await mes.workOrders.update(orderNumber, change, actor)
    return { action: a, order: r.order, changes: r.changes }
  }
  const order = a === 'release' ? await mes.workOrders.release(orderNumber, actor)
    : a === 'hold' ? await mes.workOrders.hold(orderNumber, actor)
      : a === 'complete' ? await mes.workOrders.complete(orderNumber, actor)
        : await mes.workOrders.cancel(orderNumber, actor)
  return { action: a, order }
}

// ---- dispatch ---------------------------------------------------------------------------------------------------

export const DISPATCH_ACTIONS = ['list', 'dispatch-next', 'dispatch'] as const
export type DispatchAction = typeof DISPATCH_ACTIONS[number]

export interface DispatchSettings {
  action?: string
  workCenter?: string
  workUnit?: string
  rule?: string
  limit?: number
}

export type DispatchOutcome =
  | { action: 'list', workCenter: string, rule: DispatchRule, items: DispatchItem[] }
  | { action: 'dispatch-next' | 'dispatch', job: JobOrder | null }

/**
 * list: the work center's ready operations, best first. dispatch-next: the best one becomes a job on the work
 * unit (null when nothing is ready). dispatch: a given operation (orderNumber + sequence) onto the work unit.
 * Each setting comes from the node, else msg.payload.<name>, else msg.<name>.
 */
export async function runDispatchCommand (mes: Mes, node: DispatchSettings, msg: Bag, actor: Actor): Promise<DispatchOutcome> {
  const p = bag(msg.payload)
  const pick = (name: keyof DispatchSettings | 'orderNumber' | 'sequence'): string | undefined =>
    text((node as Bag)[name], p[name], msg[name])
  const action = text(node.action, p.action, msg.action, msg.topic) ?? 'list'
  if (!(DISPATCH_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('dispatch', `unknown action '${action}'`, `use one of ${DISPATCH_ACTIONS.join(', ')}`)
  }
  const rule = (pick('rule') ?? mes.dispatch.defaultRule) as DispatchRule
  if (!DISPATCH_RULES.includes(rule)) {
    throw new MesCommandError('dispatch', `unknown dispatch rule '${rule}'`, `use one of ${DISPATCH_RULES.join(', ')}`)
  }
  const workUnit = pick('workUnit')
  if (action === 'dispatch') {
    const orderNumber = pick('orderNumber')
    const sequence = Number(pick('sequence'))
    if (orderNumber === undefined || !Number.isInteger(sequence) || workUnit === undefined) {
      throw new MesCommandError('dispatch', 'dispatch needs orderNumber, sequence and workUnit', 'put them in msg.payload')
    }
    return { action, job: await mes.dispatch.dispatchOperation(orderNumber, sequence, workUnit, actor) }
  }
  const workCenter = pick('workCenter')
  if (workCenter === undefined) {
    throw new MesCommandError('dispatch', `${action} needs a work center`, "set the node's Work center, or msg.payload.workCenter")
  }
  if (action === 'list') {
    const limit = Number(pick('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new MesCommandError('dispatch', `limit ${String(limit)} is not a whole number from 1 to 10000`)
    return { action, workCenter, rule, items: await mes.dispatch.list(workCenter, { rule, limit }) }
  }
  if (workUnit === undefined) {
    throw new MesCommandError('dispatch', 'dispatch-next needs a work unit', "set the node's Work unit, or msg.payload.workUnit")
  }
  return { action: 'dispatch-next', job: await mes.dispatch.dispatchNext(workCenter, workUnit, actor, { rule }) }
}

// ---- WIP --------------------------------------------------------------------------------------------------------

/** Errors that are a refusal of the event itself (bad input, illegal transition, WIP rule): not a fault of the hub. */
export function isRefusal (err: unknown): err is HubError {
  return err instanceof MesError || err instanceof ValidationError
}

/** The event as it may be shown again (debug pane, rejected output): a signature's password is never echoed. */
export function redactEvent (event: unknown): unknown {
  const e = bag(event)
  const sig = bag(e.signature)
  if (!('password' in sig)) return event
  return { ...e, signature: { ...sig, password: '***' } }
}

export type WipOutcome =
  | { ok: true, result: WipResult }
  | { ok: false, reason: string, code: string, event: unknown }

/** Applies one job event; a refusal is an outcome with its reason (the job is unchanged), other failures throw. */
export async function applyWipEvent (mes: Mes, payload: unknown, defaults: { who?: string } = {}): Promise<WipOutcome> {
  let event = payload
  const p = bag(payload)
  if (p.who === undefined && defaults.who) event = { ...p, who: defaults.who }
  try {
    return { ok: true, result: await mes.wip.apply(event) }
  } catch (err) {
    if (!isRefusal(err)) throw err
    return { ok: false, reason: err.message, code: err.code, event: redactEvent(event) }
  }
}

// ---- confirmations ----------------------------------------------------------------------------------------------

/**
 * Feeds ERP confirmations to a consumer as they are queued: the pending ones when it starts (oldest first), then
 * each new one right after its event commits; optionally all pending ones again every `resendMs`. The queue is in
 * the store: a confirmation stays pending (and is sent again after a restart) until it is acknowledged.
 */
export class ConfirmationFeed {
  private chain: Promise<void> = Promise.resolve()
  private readonly recent = new Set<string>()
  private unsubscribe: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor (private readonly mes: Mes, private readonly emit: (c: Confirmation) => void,
    private readonly onError: (err: Error) => void, private readonly opts: { resendMs?: number } = {}) {}

  start (): void {
    this.unsubscribe = this.mes.onEvent((e) => {
      if (e.kind === 'wip' && e.confirmationKey !== null) {
        const key = e.confirmationKey
        this.run(async () => { this.send(await this.mes.confirmations.get(key), false) })
      }
    })
    this.run(() => this.sendPending(false))
    if (this.opts.resendMs !== undefined && this.opts.resendMs > 0) {
      this.timer = setInterval(() => this.run(() => this.sendPending(true)), this.opts.resendMs)
      this.timer.unref()
    }
  }

  /** Sends every pending confirmation again, oldest first. */
  resend (): Promise<void> {
    return this.run(() => this.sendPending(true))
  }

  /** `who`: whoever reports what the ERP did (the flow's actor; default the ERP adapter). */
  async acknowledge (key: string, erpReference?: string, who?: string): Promise<Confirmation> {
    const c = await this.mes.confirmations.acknowledge(key, { ...(erpReference !== undefined ? { erpReference } : {}), ...(who !== undefined ? { who } : {}) })
    this.recent.delete(key)
    return c
  }

  async fail (key: string, message: string, who?: string): Promise<Confirmation> {
    return await this.mes.confirmations.recordFailure(key, message, who)
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.unsubscribe?.()
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.chain
  }

  private run (work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.stopped) return
      try { await work() } catch (err) { this.onError(err as Error) }
    })
    this.chain = next
    return next
  }

  private async sendPending (again: boolean): Promise<void> {
    let after = 0
    for (;;) {
      const batch = await this.mes.confirmations.pending(500, after)
      for (const c of batch) this.send(c, again)
      if (batch.length < 500 || this.stopped) break
      after = batch[batch.length - 1]!.id
    }
  }

  private send (c: Confirmation, again: boolean): void {
    if (c.status !== 'pending') return
    if (!again && this.recent.has(c.idempotencyKey)) return
    this.recent.add(c.idempotencyKey)
    if (this.recent.size > 10000) this.recent.delete(this.recent.values().next().value!)
    this.emit(c)
  }
}
