// The simulated QMS for tests and the demo: one HTTP server with the generic QMS contract's REST API under /api/v1
// (schemas/qms/qms-api.schema.json: bearer token, Idempotency-Key on every POST, RFC 9457 problems), its records
// (quality-books.ts), and the QMS as a webhook sender (webhook-sender.ts) with commands of its own under /sim/:
//   POST /sim/disposition   {ncNumber | ncId, disposition, decidedBy?, why?}   a disposition of a nonconformance
//   POST /sim/hold          {holdId?, target: {kind, id}, reason, placedBy?, reference?}
//   POST /sim/release       {holdId, releasedBy?, why}
//   POST /sim/usage-decision {inspectionLot, code, decidedBy?, why?}   (a second one for a lot: 409)
//   POST /sim/plans         an inspection plan (replaces the order's); ?publish=true sends it to the hub as well
//   POST /sim/resend/<event id>   the same event again (a duplicate)
//   POST /sim/control, GET /sim/control (control.ts); GET /sim/received (what the hub sent); GET /sim/sent (deliveries)
// Each command answers 202 with the event id at once; the delivery is asynchronous, retried until the hub answers
// 2xx. With dispositionAfterMs, every nonconformance received is dispositioned by itself after that delay.
import http from 'node:http'
import crypto from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'
import Ajv, { type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import apiSchema from '../../schemas/qms/qms-api.schema.json'
import webhookSchema from '../../schemas/qms/qms-webhook.schema.json'
import { parseControlCommand, type ControlCommand, type ControlState } from './control'
import { demoPlans, problemBody, QmsProblem, QualityBooks, type Answer, type SimInspectionLot, type SimNonconformance, type SimPlan } from './quality-books'
import { WebhookSender, type Delivery, type RetryPolicy, type WebhookTarget, DEFAULT_RETRY } from './webhook-sender'

export interface QmsSimulatorOptions {
  port?: number
  host?: string
  /** API tokens accepted (Authorization: Bearer). */
  tokens?: string[]
  plans?: SimPlan[]
  /** The hub's webhook; without it commands that call back are refused (409). */
  webhook?: WebhookTarget
  retry?: RetryPolicy
  /** Every nonconformance received is dispositioned after this delay (default: only on command). */
  dispositionAfterMs?: number
  /** What the automatic disposition decides; default 'use-as-is'. */
  autoDisposition?: 'use-as-is' | 'rework' | 'scrap' | 'return'
  maxBodyBytes?: number
}

export const DEFAULT_TOKEN = 'qms-sim-token'

export interface QmsReceived {
  readonly results: ReadonlyArray<Record<string, unknown>>
  readonly nonconformances: readonly SimNonconformance[]
  readonly usageDecisions: ReadonlyArray<{ inspectionLot: string, code: string, decidedBy: string }>
  /** Every API request (method, path, idempotency key, status), oldest first. */
  readonly requests: ReadonlyArray<{ method: string, path: string, key: string | null, status: number }>
}

export interface RunningQmsSimulator {
  readonly url: string
  readonly control: { apply (c: ControlCommand): Promise<void>, readonly state: Readonly<ControlState> }
  readonly books: QualityBooks
  received (): QmsReceived
  readonly deliveries: readonly Delivery[]
  /** What the /sim commands do, in process. */
  disposition (c: unknown): Delivery
  hold (c: unknown): Delivery
  release (c: unknown): Delivery
  usageDecision (c: unknown): Delivery
  publishPlan (orderNumber: string): Delivery
  resend (eventId: string): Delivery
  close (): Promise<void>
}

function validators (): { body: (name: 'inspectionResult' | 'nonconformance' | 'usageDecision' | 'plan', v: unknown) => void } {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
  addFormats(ajv)
  ajv.addSchema(apiSchema)
  ajv.addSchema(webhookSchema)
  const get = (id: string): ValidateFunction => ajv.getSchema(id)!
  const fns = {
    inspectionResult: get(`${apiSchema.$id}#/definitions/inspectionResult`),
    nonconformance: get(`${apiSchema.$id}#/definitions/nonconformance`),
    usageDecision: get(`${apiSchema.$id}#/definitions/usageDecision`),
    plan: get(`${webhookSchema.$id}#/definitions/inspectionPlan`)
  }
  return {
    body (name, v) {
      const f = fns[name]
      if (f(v)) return
      const errors = (f.errors ?? []).slice(0, 20).map((e) => ({
        pointer: e.keyword === 'required' ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}` : e.keyword === 'additionalProperties' ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}` : (e.instancePath || '/'),
        detail: e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not a known property' : e.message ?? 'is invalid'
      }))
      throw new QmsProblem(400, 'Invalid request body', `${errors.length} problem${errors.length === 1 ? '' : 's'} in the body: ${errors.map((e) => `${e.pointer} ${e.detail}`).join('; ')}`, errors)
    }
  }
}

function readBody (req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => { size += c.length; if (size <= limit) chunks.push(c) })
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new QmsProblem(400, 'Invalid command', `'${what}' must be a non-empty string`, [{ pointer: `/${what}`, detail: 'is required' }])
  return v
}

export async function startQmsSimulator (options: QmsSimulatorOptions = {}): Promise<RunningQmsSimulator> {
  const tokens = new Set(options.tokens ?? [DEFAULT_TOKEN])
  const books = new QualityBooks(options.plans ?? demoPlans())
  const check = validators()
  const webhook = new WebhookSender(options.webhook, options.retry ?? DEFAULT_RETRY)
  const maxBody = options.maxBodyBytes ?? 1024 * 1024
  const state: ControlState = { down: undefined, delayMs: 0, failNext: undefined, webhookPaused: false }
  const requests: Array<{ method: string, path: string, key: string | null, status: number }> = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let port = options.port ?? 0
  const host = options.host ?? '127.0.0.1'
  let listening = false
  let upTimer: NodeJS.Timeout | undefined

  const event = (type: string, data: Record<string, unknown>): Delivery =>
    webhook.send({ id: `evt_${crypto.randomUUID()}`, type, occurredAt: new Date().toISOString(), data })
  const needWebhook = (): void => {
    if (!webhook.configured) throw new QmsProblem(409, 'No webhook', 'no hub webhook is configured: start the simulator with --hub-url and --secret')
  }

  const commands = {
    disposition (c: unknown): Delivery {
      needWebhook()
      const b = (c ?? {}) as Record<string, unknown>
      const nc = books.findNonconformance({ ...(typeof b.ncNumber === 'string' ? { ncNumber: b.ncNumber } : {}), ...(typeof b.ncId === 'string' ? { ncId: b.ncId } : {}) })
      const disposition = str(b.disposition, 'disposition')
      if (!['use-as-is', 'rework', 'scrap', 'return'].includes(disposition)) throw new QmsProblem(400, 'Invalid command', `'disposition' must be use-as-is, rework, scrap or return, not '${disposition}'`, [{ pointer: '/disposition', detail: 'unknown disposition' }])
      if (nc.status === 'dispositioned') throw new QmsProblem(409, 'Already dispositioned', `${nc.ncNumber} is dispositioned already (${nc.disposition ?? ''})`)
      nc.status = 'dispositioned'
      nc.disposition = disposition
      return event('nonconformance.dispositioned', { ncId: nc.ncId, ncNumber: nc.ncNumber, disposition, decidedBy: typeof b.decidedBy === 'string' ? b.decidedBy : 'mrb.board', ...(typeof b.why === 'string' ? { why: b.why } : {}) })
    },
    hold (c: unknown): Delivery {
      needWebhook()
      const b = (c ?? {}) as Record<string, unknown>
      const t = (b.target ?? {}) as Record<string, unknown>
      if (!['lot', 'order', 'work-unit'].includes(String(t.kind))) throw new QmsProblem(400, 'Invalid command', "'target.kind' must be lot, order or work-unit", [{ pointer: '/target/kind', detail: 'unknown kind' }])
      return event('hold.placed', { holdId: typeof b.holdId === 'string' ? b.holdId : `QH-${crypto.randomUUID().slice(0, 8)}`, target: { kind: t.kind, id: str(t.id, 'target/id') },
        reason: str(b.reason, 'reason'), placedBy: typeof b.placedBy === 'string' ? b.placedBy : 'quality.engineer', ...(typeof b.reference === 'string' ? { reference: b.reference } : {}) })
    },
    release (c: unknown): Delivery {
      needWebhook()
      const b = (c ?? {}) as Record<string, unknown>
      return event('hold.released', { holdId: str(b.holdId, 'holdId'), releasedBy: typeof b.releasedBy === 'string' ? b.releasedBy : 'quality.engineer', why: str(b.why, 'why') })
    },
    usageDecision (c: unknown): Delivery {
      needWebhook()
      const b = (c ?? {}) as Record<string, unknown>
      const code = str(b.code, 'code')
      if (!['accept', 'reject', 'restricted'].includes(code)) throw new QmsProblem(400, 'Invalid command', `'code' must be accept, reject or restricted, not '${code}'`, [{ pointer: '/code', detail: 'unknown code' }])
      const lot = str(b.inspectionLot, 'inspectionLot')
      const decidedBy = typeof b.decidedBy === 'string' ? b.decidedBy : 'quality.engineer'
      const why = typeof b.why === 'string' ? b.why : null
      books.decide(lot, { code, decidedBy, decidedAt: new Date().toISOString(), why }, 'qms')
      return event('usage-decision.made', { inspectionLot: lot, code, decidedBy, ...(why !== null ? { why } : {}) })
    },
    publishPlan (orderNumber: string): Delivery {
      needWebhook()
      const plan = books.planOf(orderNumber)
      if (plan === undefined) throw new QmsProblem(404, 'Unknown plan', `no inspection plan for order ${orderNumber}`)
      return event('inspection-plan.published', { ...plan })
    },
    resend (eventId: string): Delivery {
      const d = webhook.find(eventId)
      if (d === undefined) throw new QmsProblem(404, 'Unknown event', `no event ${eventId} was sent`)
      return webhook.send(d.event, true)
    }
  }

  function autoDisposition (nc: SimNonconformance): void {
    if (options.dispositionAfterMs === undefined || !webhook.configured) return
    const t = setTimeout(() => {
      timers.delete(t)
      if (nc.status === 'open') commands.disposition({ ncNumber: nc.ncNumber, disposition: options.autoDisposition ?? 'use-as-is', decidedBy: 'mrb.auto', why: 'dispositioned by the simulated QMS' })
    }, options.dispositionAfterMs)
    timers.add(t)
  }

  /** The REST API: bearer token, Idempotency-Key on POSTs, problem+json refusals. */
  async function api (req: http.IncomingMessage, url: URL): Promise<Answer> {
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs))
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    if (token === undefined || !tokens.has(token)) throw new QmsProblem(401, 'Unauthorized', 'a valid API token is required (Authorization: Bearer <token>)')
    const path = url.pathname.slice('/api/v1'.length)
    // A server error hits reads too (the QMS failing); a business refusal only what changes something.
    if (req.method === 'GET' && state.failNext?.kind === 'server') {
      if (--state.failNext.remaining <= 0) state.failNext = undefined
      throw new QmsProblem(500, 'Internal Server Error', 'simulated by the control API')
    }
    if (req.method === 'GET') {
      if (path === '/inspection-plans') {
        const order = url.searchParams.get('orderNumber') ?? ''
        const plan = books.planOf(order)
        if (plan === undefined) throw new QmsProblem(404, 'No inspection plan', `no inspection plan for order ${order}`)
        return { status: 200, body: { ...plan } }
      }
      const lotPath = /^\/inspection-lots\/([^/]+)$/.exec(path)
      const lot = lotPath !== null ? books.lots.get(decodeURIComponent(lotPath[1]!)) : undefined
      if (lot !== undefined) return { status: 200, body: { ...lot } as unknown as Record<string, unknown> }
      throw new QmsProblem(404, 'Not found', `no ${path}`)
    }
    if (req.method !== 'POST') throw new QmsProblem(405, 'Method not allowed', `${req.method ?? ''} is not supported`)
    const key = req.headers['idempotency-key']
    if (typeof key !== 'string' || key === '') throw new QmsProblem(400, 'Idempotency-Key required', 'every POST needs an Idempotency-Key header')
    const text = await readBody(req, maxBody)
    if (text === undefined) throw new QmsProblem(413, 'Too large', `the body is over ${maxBody} bytes`)
    let body: unknown
    try { body = JSON.parse(text) } catch { throw new QmsProblem(400, 'Not JSON', 'the body is not JSON') }
    if (state.failNext !== undefined) {
      const kind = state.failNext.kind
      if (--state.failNext.remaining <= 0) state.failNext = undefined
      if (kind === 'server') throw new QmsProblem(500, 'Internal Server Error', 'simulated by the control API')
      throw new QmsProblem(422, 'Business rule violated', 'the QMS refused it: plant 1000 is locked for quality postings (simulated by the control API)')
    }
    const udPath = /^\/inspection-lots\/([^/]+)\/usage-decision$/.exec(path)
    if (path === '/inspection-results') {
      check.body('inspectionResult', body)
      return books.once(key, body, () => books.recordResult(body as Record<string, unknown>))
    }
    if (path === '/nonconformances') {
      check.body('nonconformance', body)
      let opened: SimNonconformance | undefined
      const a = books.once(key, body, () => { const r = books.openNonconformance(body as Record<string, unknown>); opened = r.nc; return r.answer })
      if (opened !== undefined) autoDisposition(opened)
      return a
    }
    if (udPath !== null) {
      check.body('usageDecision', body)
      const b = body as { code: string, decidedBy: string, decidedAt: string, why?: string | null }
      return books.once(key, body, () => books.decide(decodeURIComponent(udPath[1]!), { code: b.code, decidedBy: b.decidedBy, decidedAt: b.decidedAt, why: b.why ?? null }, 'hub'))
    }
    throw new QmsProblem(404, 'Not found', `no POST ${path}`)
  }

  const received = (): QmsReceived => ({
    results: [...books.lots.values()].flatMap((l: SimInspectionLot) => l.results),
    nonconformances: books.nonconformances,
    usageDecisions: [...books.lots.values()].filter((l) => l.usageDecision?.origin === 'hub').map((l) => ({ inspectionLot: l.inspectionLot, code: l.usageDecision!.code, decidedBy: l.usageDecision!.decidedBy })),
    requests
  })

  async function sim (req: http.IncomingMessage, url: URL): Promise<Answer> {
    const p = url.pathname
    if (req.method === 'GET') {
      if (p === '/sim/received') return { status: 200, body: received() as unknown as Record<string, unknown> }
      if (p === '/sim/sent') return { status: 200, body: { deliveries: webhook.deliveries } }
      if (p === '/sim/control') return { status: 200, body: { ...state } }
      throw new QmsProblem(404, 'Not found', `no GET ${p}`)
    }
    if (req.method !== 'POST') throw new QmsProblem(405, 'Method not allowed', `${req.method ?? ''} is not supported`)
    const text = (await readBody(req, maxBody)) ?? ''
    let body: unknown
    try { body = text.trim() === '' ? {} : JSON.parse(text) } catch { throw new QmsProblem(400, 'Not JSON', 'the body is not JSON') }
    const accepted = (d: Delivery): Answer => ({ status: 202, body: { eventId: d.event.id, type: d.event.type } })
    switch (p) {
      case '/sim/control':
        try { await control.apply(parseControlCommand(body)) } catch (err) { throw new QmsProblem(400, 'Invalid command', (err as Error).message) }
        return { status: 200, body: { ...state } }
      case '/sim/disposition': return accepted(commands.disposition(body))
      case '/sim/hold': return accepted(commands.hold(body))
      case '/sim/release': return accepted(commands.release(body))
      case '/sim/usage-decision': return accepted(commands.usageDecision(body))
      case '/sim/plans': {
        check.body('plan', body)
        books.setPlan(body as SimPlan)
        if (url.searchParams.get('publish') === 'true') return accepted(commands.publishPlan((body as SimPlan).orderNumber))
        return { status: 200, body: { orderNumber: (body as SimPlan).orderNumber, inspectionLot: (body as SimPlan).inspectionLot } }
      }
    }
    const resend = /^\/sim\/resend\/([^/]+)$/.exec(p)
    if (resend !== null) return accepted(commands.resend(decodeURIComponent(resend[1]!)))
    throw new QmsProblem(404, 'Not found', `no POST ${p}`)
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim')
    const isApi = url.pathname.startsWith('/api/v1/')
    const note = (status: number): void => {
      const k = req.headers['idempotency-key']
      if (isApi) requests.push({ method: req.method ?? '', path: url.pathname, key: typeof k === 'string' ? k : null, status })
    }
    if (isApi && state.down === '503') {
      note(503)
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '5' })
      res.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the QMS is down (simulated by the control API)' }))
      return
    }
    const handler = isApi ? api : url.pathname.startsWith('/sim/') ? sim : async () => { throw new QmsProblem(404, 'Not found', `no ${url.pathname}`) }
    handler(req, url).catch((err: unknown) => {
      if (err instanceof QmsProblem) return { status: err.status, body: problemBody(err) }
      return { status: 500, body: { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `simulator error: ${(err as Error).message}` } }
    }).then((a) => {
      note(a.status)
      res.writeHead(a.status, { 'content-type': a.status >= 400 ? 'application/problem+json' : 'application/json' })
      res.end(JSON.stringify(a.body))
    }).catch(() => res.destroy())
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

  const control = {
    state,
    async apply (c: ControlCommand): Promise<void> {
      switch (c.mode) {
        case 'up':
          clearTimeout(upTimer)
          state.down = undefined; state.delayMs = 0; state.failNext = undefined
          if (!listening) await listen()
          return
        case 'down':
          state.down = c.how ?? 'refused'
          if (state.down === 'refused') await stopListening()
          else if (!listening) await listen()
          if (c.forMs !== undefined) upTimer = setTimeout(() => { control.apply({ mode: 'up' }).catch(() => {}) }, c.forMs)
          return
        case 'slow': state.delayMs = c.delayMs; return
        case 'error': state.failNext = { kind: c.kind ?? 'server', remaining: c.count ?? 1 }; return
        case 'webhook': state.webhookPaused = c.paused; webhook.pause(c.paused)
      }
    }
  }

  await listen()
  return {
    url: `http://${host}:${port}`,
    control,
    books,
    received,
    deliveries: webhook.deliveries,
    ...commands,
    async close (): Promise<void> {
      clearTimeout(upTimer)
      for (const t of timers) clearTimeout(t)
      webhook.close()
      await stopListening()
    }
  }
}
