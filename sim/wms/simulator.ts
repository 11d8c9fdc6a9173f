// The simulated WMS for tests and the demo, on one HTTP port. The generic contract's endpoints (schemas/wms/):
//   POST /warehouse-tasks          a staging or put-away task -> 201 { taskId, ... }; the same Idempotency-Key (or
//                                  the same request) again -> 200 with the task made the first time
//   POST /warehouse-tasks/cancel   -> 200 cancelled; 404 an unknown task; 409 a confirmed one (EWM cancels only
//                                  tasks not yet confirmed)
// behind a login (HTTP Basic, or the password as a Bearer token), errors as application/problem+json. Tasks confirm
// by themselves after a delay (staging: lots picked FEFO, partially when stock is short, the rest once stock is
// added; put-away: the lot stored in the next bin of the put-away area) and call the hub's webhook (callbacks.ts).
// Its own endpoints: /sim/control (control.ts), GET /sim/received (what the hub sent), /sim/tasks, /sim/stock,
// /sim/callbacks; POST /sim/tasks/<id>/confirm and /cancel (a warehouse worker's action), POST /sim/stock (a goods
// receipt), POST /sim/callbacks/<eventId>/resend (a callback sent twice). It shares no code with the hub's adapter.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import Ajv from 'ajv'
import { problemsOf } from '../../core/schema-check'
import taskSchema from '../../schemas/wms/wms-task.schema.json'
import { parseControlCommand, type ControlCommand, type ControlState } from './control'
import { CallbackSender, type CallbackDelivery, type CallbackOptions } from './callbacks'
import { WarehouseStock, demoStock, type StockLot } from './stock'
import { TaskRefusal, WarehouseTasks, type TaskInput, type WarehouseTask } from './warehouse-tasks'

export interface WmsSimulatorOptions {
  port?: number
  host?: string
  warehouse?: string
  /** Logins accepted (user -> password); a Bearer token is accepted when it is one of the passwords. */
  users?: Record<string, string>
  /** Where task events go, and the shared secret they are signed with. */
  webhook?: { url: string, secret: string }
  stock?: ReadonlyArray<Omit<StockLot, 'receivedSeq'>>
  /** Tasks confirm by themselves after this long (default 500 ms); autoConfirm false waits for /sim/tasks/<id>/confirm. */
  confirmDelayMs?: number
  autoConfirm?: boolean
  callbacks?: CallbackOptions
}

export const DEFAULT_USERS: Readonly<Record<string, string>> = { hub: 'wms-sim' }

export interface ReceivedRequest {
  at: string
  path: string
  idempotencyKey: string | undefined
  body: unknown
  status: number
}

export interface RunningWmsSimulator {
  readonly url: string
  readonly state: Readonly<ControlState>
  readonly received: readonly ReceivedRequest[]
  readonly tasks: WarehouseTasks
  readonly stock: WarehouseStock
  readonly callbacks: readonly CallbackDelivery[]
  control (command: ControlCommand): Promise<void>
  close (): Promise<void>
}

const PROBLEM = 'https://isa95-hub.local/problems/wms-sim/'
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
ajv.addSchema(taskSchema)
const validTask = ajv.getSchema(`${taskSchema.$id}#/definitions/taskRequest`)!
const validCancel = ajv.getSchema(`${taskSchema.$id}#/definitions/cancelRequest`)!

function readBody (req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => { size += c.length; if (size <= limit) chunks.push(c) })
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function json (res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type })
  res.end(JSON.stringify(body))
}

function problem (res: http.ServerResponse, status: number, slug: string, title: string, detail: string, errors?: Array<{ path: string, message: string }>): void {
  json(res, status, { type: PROBLEM + slug, title, status, detail, ...(errors !== undefined ? { errors } : {}) }, 'application/problem+json')
}

function taskAnswer (t: WarehouseTask): Record<string, unknown> {
  return { taskId: t.taskId, requestId: t.requestId, type: t.type, status: t.status, confirmedQuantity: t.confirmedQuantity, material: t.material, quantity: t.quantity, unit: t.unit }
}

export async function startWmsSimulator (options: WmsSimulatorOptions = {}): Promise<RunningWmsSimulator> {
  const warehouse = options.warehouse ?? 'WH01'
  const users = options.users ?? DEFAULT_USERS
  const stock = new WarehouseStock(options.stock ?? demoStock())
  const tasks = new WarehouseTasks(warehouse)
  const callbacks = new CallbackSender(options.webhook, options.callbacks)
  const state: ControlState = { down: undefined, delayMs: 0, failNext: undefined, autoConfirm: options.autoConfirm ?? true, confirmDelayMs: options.confirmDelayMs ?? 500 }
  const received: ReceivedRequest[] = []
  /** Idempotency-Key -> the answer given the first time. */
  const answered = new Map<string, { status: number, body: unknown }>()
  const timers = new Set<NodeJS.Timeout>()
  const sockets = new Set<Socket>()
  let port = options.port ?? 0
  const host = options.host ?? '127.0.0.1'
  let listening = false
  let upTimer: NodeJS.Timeout | undefined

  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => { timers.delete(t); fn() }, ms)
    timers.add(t)
  }

  /** What a warehouse worker does with a task when the simulator confirms by itself. */
  const work = (t: WarehouseTask): void => {
    if (t.status !== 'open' && t.status !== 'partially-confirmed') return
    if (t.type === 'put-away') {
      const bin = stock.putAwayBin()
      stock.add({ lotId: t.lotId!, material: t.material, quantity: t.quantity, unit: t.unit, bin })
      callbacks.send(tasks.confirm(t, [{ lotId: t.lotId!, quantity: t.quantity, sourceBin: t.sourceLocation ?? '' }], { destinationBin: bin }))
      return
    }
    const picked = stock.pick(t.material, tasks.remaining(t))
    if (picked.length > 0) callbacks.send(tasks.confirm(t, picked))
  }
  const schedule = (t: WarehouseTask): void => { if (state.autoConfirm) later(() => work(t), state.confirmDelayMs) }

  const login = (req: http.IncomingMessage): boolean => {
    const auth = req.headers.authorization ?? ''
    const basic = /^Basic\s+(\S+)$/i.exec(auth)
    if (basic !== null) {
      const [user, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')
      return user !== undefined && Object.prototype.hasOwnProperty.call(users, user) && users[user] === rest.join(':')
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)
    return bearer !== null && Object.values(users).includes(bearer[1]!)
  }

  async function api (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (state.down === '503') { res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '5' }); res.end('<h1>503 Service Unavailable</h1>'); return }
    // Read first, then slow: a client that gives up waiting leaves a request the WMS goes on to carry out.
    const text = await readBody(req, 1024 * 1024)
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs))
    if (!login(req)) { res.setHeader('www-authenticate', 'Basic realm="wms-sim"'); problem(res, 401, 'login', 'login failed', 'check the user and password (or token)'); return }
    const isTask = url.pathname === '/warehouse-tasks'
    const isCancel = url.pathname === '/warehouse-tasks/cancel'
    if (!(isTask || isCancel)) { problem(res, 404, 'not-found', 'no such resource', `no ${req.method} ${url.pathname}`); return }
    if (req.method !== 'POST') { res.setHeader('allow', 'POST'); problem(res, 405, 'method', 'method not allowed', `${req.method} is not supported on ${url.pathname}`); return }
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined
    let body: unknown
    try { body = JSON.parse(text ?? '') } catch { body = text }
    const answer = (status: number, b: unknown, type?: string): void => {
      received.push({ at: new Date().toISOString(), path: url.pathname, idempotencyKey: key, body, status })
      // Only what was carried out is replayed for its key (as Stripe keeps keys): a refusal may be resubmitted once its cause is gone.
      if (key !== undefined && status < 300) answered.set(`${url.pathname} ${key}`, { status, body: b })
      json(res, status, b, type)
    }
    const replay = key !== undefined ? answered.get(`${url.pathname} ${key}`) : undefined
    if (replay !== undefined) { answer(replay.status === 201 ? 200 : replay.status, replay.body); return }
    if (key === undefined) { answer(400, { type: PROBLEM + 'idempotency-key', title: 'Idempotency-Key required', status: 400, detail: 'every task request carries an Idempotency-Key header' }, 'application/problem+json'); return }
    if (state.failNext !== undefined) {
      const kind = state.failNext.kind
      if (--state.failNext.remaining <= 0) state.failNext = undefined
      if (kind === 'server') { received.push({ at: new Date().toISOString(), path: url.pathname, idempotencyKey: key, body, status: 500 }); problem(res, 500, 'server', 'internal error', 'simulated by the control API'); return }
      answer(422, { type: PROBLEM + 'refused', title: 'request refused', status: 422, detail: `storage type of ${warehouse} is locked for inventory (simulated by the control API)` }, 'application/problem+json')
      return
    }
    const valid = isTask ? validTask : validCancel
    if (!valid(body)) {
      const errors = problemsOf(valid.errors)
      answer(400, { type: PROBLEM + 'invalid', title: 'invalid request', status: 400, detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors }, 'application/problem+json')
      return
    }
    const b = body as TaskInput & { taskId?: string, why?: string }
    if (b.warehouse !== warehouse) { answer(422, { type: PROBLEM + 'warehouse', title: 'unknown warehouse', status: 422, detail: `warehouse ${b.warehouse} is not defined (this is ${warehouse})` }, 'application/problem+json'); return }
    try {
      if (isTask) {
        const { task, created } = tasks.create(b)
        if (created) schedule(task)
        answer(created ? 201 : 200, taskAnswer(task))
        return
      }
      const t = b.taskId !== undefined ? tasks.get(b.taskId) : tasks.byRequest(b.requestId)
      if (t === undefined) throw new TaskRefusal(404, 'warehouse task not found', `no warehouse task for request ${b.requestId} in warehouse ${warehouse}`)
      tasks.cancel(t, b.why ?? 'cancelled by the hub') // asked by the hub: answered, not called back
      answer(200, taskAnswer(t))
    } catch (err) {
      if (!(err instanceof TaskRefusal)) throw err
      answer(err.status, { type: PROBLEM + 'task', title: err.title, status: err.status, detail: err.message }, 'application/problem+json')
    }
  }

  /** A warehouse worker's confirmation on command: the lots named, or FEFO up to the quantity; final closes it short. */
  const confirmOnCommand = (t: WarehouseTask, b: { quantity?: number, lots?: Array<{ lotId: string, quantity: number }>, final?: boolean, bin?: string }): void => {
    if (t.status === 'confirmed' || t.status === 'cancelled') throw new TaskRefusal(409, `warehouse task ${t.status}`, `cannot confirm warehouse task ${t.taskId} (${t.requestId}): it is ${t.status}`)
    if (t.type === 'put-away') {
      const bin = b.bin ?? stock.putAwayBin()
      stock.add({ lotId: t.lotId!, material: t.material, quantity: t.quantity, unit: t.unit, bin })
      callbacks.send(tasks.confirm(t, [{ lotId: t.lotId!, quantity: t.quantity, sourceBin: t.sourceLocation ?? '' }], { destinationBin: bin }))
      return
    }
    let moved
    try { moved = b.lots !== undefined ? stock.take(t.material, b.lots) : stock.pick(t.material, Math.min(b.quantity ?? tasks.remaining(t), tasks.remaining(t))) } catch (err) {
      throw new TaskRefusal(409, 'not in stock', (err as Error).message)
    }
    callbacks.send(tasks.confirm(t, moved, { final: b.final ?? false }))
  }

  async function sim (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const get = req.method === 'GET'
    if (get && url.pathname === '/sim/received') { json(res, 200, received); return }
    if (get && url.pathname === '/sim/control') { json(res, 200, state); return }
    if (get && url.pathname === '/sim/tasks') { json(res, 200, tasks.list()); return }
    if (get && url.pathname === '/sim/stock') { json(res, 200, stock.list()); return }
    if (get && url.pathname === '/sim/callbacks') { json(res, 200, callbacks.log); return }
    if (req.method !== 'POST') { problem(res, 404, 'not-found', 'no such resource', `no ${req.method} ${url.pathname}`); return }
    let b: Record<string, unknown>
    try { const t = (await readBody(req, 64 * 1024)) ?? ''; b = t.trim() === '' ? {} : JSON.parse(t) as Record<string, unknown> } catch (err) {
      problem(res, 400, 'invalid', 'not JSON', (err as Error).message); return
    }
    try {
      if (url.pathname === '/sim/control') { await control(parseControlCommand(b)); json(res, 200, state); return }
      const task = /^\/sim\/tasks\/([^/]+)\/(confirm|cancel)$/.exec(url.pathname)
      if (task !== null) {
        const t = tasks.get(decodeURIComponent(task[1]!))
        if (task[2] === 'confirm') confirmOnCommand(t, b as Parameters<typeof confirmOnCommand>[1])
        else {
          const e = tasks.cancel(t, typeof b.why === 'string' ? b.why : 'cancelled in the warehouse')
          if (e !== undefined) callbacks.send(e)
        }
        json(res, 200, t)
        return
      }
      if (url.pathname === '/sim/stock') {
        if (typeof b.lotId !== 'string' || typeof b.material !== 'string' || typeof b.quantity !== 'number' || !(b.quantity > 0) || typeof b.unit !== 'string') {
          throw new TaskRefusal(400, 'invalid stock', 'a goods receipt needs lotId, material, quantity > 0 and unit (bin and expiry YYYY-MM-DD optional)')
        }
        const lot = stock.add({ lotId: b.lotId, material: b.material, quantity: b.quantity, unit: b.unit, bin: typeof b.bin === 'string' ? b.bin : '01-R-01', ...(typeof b.expiry === 'string' ? { expiry: b.expiry } : {}) })
        for (const t of tasks.waiting(b.material)) schedule(t)
        json(res, 201, lot)
        return
      }
      const resend = /^\/sim\/callbacks\/([^/]+)\/resend$/.exec(url.pathname)
      if (resend !== null) {
        const first = callbacks.log.find((d) => d.eventId === decodeURIComponent(resend[1]!))
        if (first === undefined) throw new TaskRefusal(404, 'no such event', `no callback with event id ${resend[1]!}`)
        json(res, 202, callbacks.send(first.event))
        return
      }
      problem(res, 404, 'not-found', 'no such resource', `no POST ${url.pathname}`)
    } catch (err) {
      if (err instanceof TaskRefusal) { problem(res, err.status, 'task', err.title, err.message); return }
      problem(res, 400, 'invalid', 'invalid command', (err as Error).message)
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim')
    ;(url.pathname.startsWith('/sim/') ? sim : api)(req, res, url).catch((err: Error) => {
      if (!res.headersSent) problem(res, 500, 'server', 'simulator error', err.message)
      else res.end()
    })
  })
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  const listen = (): Promise<void> => new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); listening = true; port = (server.address() as AddressInfo).port; resolve() })
  })
  const stopListening = (): Promise<void> => new Promise((resolve) => {
    if (!listening) { resolve(); return }
    listening = false
    server.close(() => resolve())
    for (const s of sockets) s.destroy()
  })

  async function control (c: ControlCommand): Promise<void> {
    switch (c.mode) {
      case 'up':
        clearTimeout(upTimer)
        state.down = undefined; state.delayMs = 0; state.failNext = undefined
        if (!listening) await listen()
        return
      case 'down':
        state.down = c.how ?? 'refused'
        if (state.down === 'refused') await stopListening()
        if (c.forMs !== undefined) upTimer = setTimeout(() => { control({ mode: 'up' }).catch(() => {}) }, c.forMs)
        return
      case 'slow': state.delayMs = c.delayMs; return
      case 'error': state.failNext = { kind: c.kind ?? 'server', remaining: c.count ?? 1 }; return
      case 'auto':
        state.autoConfirm = c.confirm
        if (c.delayMs !== undefined) state.confirmDelayMs = c.delayMs
        if (c.confirm) for (const t of tasks.list()) schedule(t)
    }
  }

  await listen()
  return {
    url: `http://${host}:${port}`,
    state,
    received,
    tasks,
    stock,
    callbacks: callbacks.log,
    control,
    async close (): Promise<void> {
      clearTimeout(upTimer)
      for (const t of timers) clearTimeout(t)
      callbacks.close()
      await stopListening()
    }
  }
}
