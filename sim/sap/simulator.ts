// The simulated SAP for tests and the demo: one HTTP server with SAP's OData v2 services (odata-services.ts) behind
// Basic authentication and SAP's CSRF flow (csrf-sessions.ts), QM's inspection lots among them (inspection-lots.ts),
// EWM's warehouse task API in OData v4 (odata-v4-ewm.ts, warehouse-tasks.ts) under the same login and CSRF rules,
// the IDoc inbound services (idoc-inbound.ts), and two
// endpoints of its own: POST /sim/control (control.ts) and GET /sim/received (what was posted, for "posted once");
// and SAP as a sender (idoc-sender.ts): POST /sim/send-order/<order> posts a LOIPRO of a seeded order to the
// configured partner (the hub), changed first when the body asks (as a planner changes an order in CO02), POST
// /sim/send-idoc posts the IDoc-XML in the body as it is; GET /sim/sent lists what was sent and the answers.
// It shares no code with the hub's SAP client: they meet only over HTTP.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { CLIENT, CsrfSessions, SYSTEM_ID } from './csrf-sessions'
import { parseControlCommand, type ControlCommand, type ControlState } from './control'
import { IdocInbound, type ReceivedIdoc } from './idoc-inbound'
import { errorAnswer, ODataServices, type ODataAnswer } from './odata-services'
import { SapBooks } from './postings'
import { InspectionLots } from './inspection-lots'
import { WarehouseTasks } from './warehouse-tasks'
import { EWM_ROOT, EWM_SERVICE, EwmService, v4ErrorAnswer } from './odata-v4-ewm'
import { demoOrders, type SeedOrder } from './production-orders'
import type { Entity } from './odata-query'
import { changeOrder, loiproDocument, parseOrderChange, postToPartner, type IdocPartner, type OrderChange, type SentIdoc } from './idoc-sender'

export interface SapSimulatorOptions {
  port?: number
  host?: string
  /** Logins accepted with Basic authentication (user -> password). */
  users?: Record<string, string>
  orders?: SeedOrder[]
  /** Limit on a request body (SAP's ICF has one too). */
  maxBodyBytes?: number
  /** The hub, as SAP's partner for outbound IDocs (an XML-HTTP port); without it nothing can be sent. */
  partner?: IdocPartner
  /** EWM: the batch its stock determination picks for a product's staging task (product -> batch). */
  ewmBatches?: Record<string, string>
}

export const DEFAULT_USERS: Readonly<Record<string, string>> = { HUB_RFC: 'sap-sim' }

export interface SapReceived {
  readonly confirmations: readonly Entity[]
  readonly materialDocuments: readonly Entity[]
  readonly idocs: readonly ReceivedIdoc[]
}

export interface SapSimulatorControl {
  apply (command: ControlCommand): Promise<void>
  readonly state: Readonly<ControlState>
}

export interface RunningSapSimulator {
  readonly url: string
  readonly control: SapSimulatorControl
  readonly received: SapReceived
  /** What SAP sent to its partner, with the partner's answers. */
  readonly sent: readonly SentIdoc[]
  /** Sends a seeded order to the partner as LOIPRO05 over XML-HTTP, changed first if asked (what POST /sim/send-order/<order> does). */
  sendOrder (order: string, change?: OrderChange): Promise<SentIdoc>
  /** Sends an IDoc-XML document to the partner as it is (what POST /sim/send-idoc does). */
  sendIdoc (xml: string): Promise<SentIdoc>
  close (): Promise<void>
}

const ODATA_PREFIX = '/sap/opu/odata/sap/'

/** A send the simulator cannot make (no partner, no such order, not IDoc-XML): the HTTP status of its answer. */
class SendRefusal extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}
const MODIFYING = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE'])

function readBody (req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) { resolve(undefined); req.resume(); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send (res: http.ServerResponse, a: ODataAnswer, head = false): void {
  res.writeHead(a.status, a.headers)
  res.end(head ? undefined : a.body)
}

export async function startSapSimulator (options: SapSimulatorOptions = {}): Promise<RunningSapSimulator> {
  const users = options.users ?? DEFAULT_USERS
  const books = new SapBooks(options.orders ?? demoOrders())
  const qm = new InspectionLots(books.orders)
  const odata = new ODataServices(books, qm)
  const warehouseTasks = new WarehouseTasks(options.ewmBatches)
  const ewm = new EwmService(warehouseTasks)
  const inbound = new IdocInbound()
  const csrf = new CsrfSessions()
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024
  const state: ControlState = { down: undefined, delayMs: 0, failNext: undefined }
  const sockets = new Set<Socket>()
  let port = options.port ?? 0
  const host = options.host ?? '127.0.0.1'
  let listening = false
  let upTimer: NodeJS.Timeout | undefined

  const sent: SentIdoc[] = []
  let nextDocnum = 500_001

  /** SAP's outbound side: a number of its own for each IDoc (EDIDC-DOCNUM), then the POST to the partner. */
  async function sendToPartner (xml: (docnum: string) => string): Promise<SentIdoc> {
    if (options.partner === undefined) throw new SendRefusal(409, 'no partner is configured: start the simulator with --hub-url, --hub-user and --hub-password')
    const docnum = String(nextDocnum++).padStart(16, '0')
    const r = await postToPartner(options.partner, xml(docnum), docnum)
    sent.push(r)
    return r
  }
  async function sendOrder (id: string, change?: OrderChange): Promise<SentIdoc> {
    const order = books.findOrder(id)
    if (order === undefined) throw new SendRefusal(404, `order ${id} is not one of the simulator's orders (${books.orders.map((o) => o.order).join(', ')})`)
    if (change !== undefined) {
      try { changeOrder(order, change) } catch (err) { throw new SendRefusal(400, (err as Error).message) }
    }
    return await sendToPartner((docnum) => loiproDocument(order, docnum))
  }
  async function sendIdoc (xml: string): Promise<SentIdoc> {
    if (!/<IDOC\b/.test(xml)) throw new SendRefusal(400, 'the body is not IDoc-XML (no <IDOC> element)')
    // The document as given: its control record's DOCNUM is the sender's (ours) only if it has none.
    return await sendToPartner((docnum) => xml.replace(/<DOCNUM>\s*<\/DOCNUM>|<DOCNUM\/>/, `<DOCNUM>${docnum}</DOCNUM>`))
  }

  const received: SapReceived = { confirmations: books.confirmations, materialDocuments: books.materialDocuments, idocs: inbound.received }

  /** Basic authentication as the ICF checks it; undefined: the 401 was sent. */
  function login (req: http.IncomingMessage, res: http.ServerResponse): string | undefined {
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    const [user, ...rest] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : []
    if (user !== undefined && Object.prototype.hasOwnProperty.call(users, user) && users[user] === rest.join(':')) return user
    res.writeHead(401, { 'www-authenticate': `Basic realm="SAP NetWeaver Application Server [${SYSTEM_ID}/${CLIENT}]"`, 'content-type': 'text/html; charset=utf-8' })
    res.end('<html><head><title>Logon Error Message</title></head><body><h1>Logon failed</h1><p>Logon failed: check user name and password.</p></body></html>')
    return undefined
  }

  async function sap (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (state.down === '503') {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '5' })
      res.end('<html><body><h1>503 Service Unavailable</h1><p>No server is available to handle this request.</p></body></html>')
      return
    }
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs))
    const user = login(req, res)
    if (user === undefined) return
    const method = req.method ?? 'GET'
    const v4 = url.pathname === EWM_ROOT.slice(0, -1) || url.pathname.startsWith(EWM_ROOT)
    const service = v4 ? EWM_SERVICE : url.pathname.startsWith(ODATA_PREFIX) ? url.pathname.slice(ODATA_PREFIX.length).split('/')[0]! : undefined
    if (service !== undefined && !v4 && !odata.has(service)) {
      send(res, errorAnswer(404, service, { code: '/IWFND/MED/170', message: `No service found for namespace '/SAP/', name '${service}', version '0001'`, severity: 'error' }))
      return
    }
    // The CSRF check comes before any service logic (the ICF applies it), and the Fetch answer rides on any GET.
    const wanted = req.headers['x-csrf-token']
    const extra: Record<string, string | string[]> = {}
    if (!MODIFYING.has(method) && typeof wanted === 'string' && wanted.toLowerCase() === 'fetch') {
      const { token, setCookies } = csrf.fetch(req.headers.cookie, user)
      extra['x-csrf-token'] = token
      if (setCookies.length > 0) extra['set-cookie'] = setCookies
    }
    for (const [k, v] of Object.entries(extra)) res.setHeader(k, v)
    if (MODIFYING.has(method) && service !== undefined) {
      const verdict = csrf.check(req.headers.cookie, typeof wanted === 'string' ? wanted : undefined, user)
      if (verdict !== 'ok') {
        res.writeHead(403, { 'x-csrf-token': 'Required', 'content-type': 'text/plain; charset=utf-8' })
        res.end('CSRF token validation failed')
        return
      }
    }
    const body = MODIFYING.has(method) ? await readBody(req, maxBody) : ''
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('Request entity too large')
      return
    }
    if (MODIFYING.has(method) && state.failNext) {
      const kind = state.failNext.kind
      if (--state.failNext.remaining <= 0) state.failNext = undefined
      if (v4) {
        send(res, kind === 'server'
          ? v4ErrorAnswer(500, { code: '/IWBEP/CM_V4_RUNTIME/000', message: 'Internal server error (simulated by the control API)', severity: 'error' })
          : v4ErrorAnswer(400, { code: '/SCWM/WT/099', message: 'Warehouse 1710 is locked by user SUPERVISOR (simulated by the control API)', severity: 'error' }))
      } else if (kind === 'server') {
        send(res, errorAnswer(500, service ?? 'IDOC', { code: '/IWBEP/CM_MGW_RT/000', message: 'Internal server error (simulated by the control API)', severity: 'error' }))
      } else {
        send(res, errorAnswer(400, service ?? 'IDOC', { code: 'RU/199', message: 'Order is locked by user PLANNER (simulated by the control API)', severity: 'error' }))
      }
      return
    }
    const base = `http://${req.headers.host ?? `${host}:${port}`}${ODATA_PREFIX}`
    if (v4) {
      const v4Base = `http://${req.headers.host ?? `${host}:${port}`}${EWM_ROOT}`
      const resource = decodeURIComponent(url.pathname.slice(EWM_ROOT.length - 1).replace(/^\//, ''))
      if (method === 'GET' || method === 'HEAD') { send(res, ewm.get(v4Base, resource, url.searchParams), method === 'HEAD'); return }
      if (method === 'POST') {
        let parsed: unknown
        try { parsed = body === '' ? {} : JSON.parse(body) } catch { parsed = undefined }
        const repeat = req.headers['repeatability-request-id']
        send(res, ewm.post(v4Base, resource, parsed, user, typeof repeat === 'string' ? repeat : undefined))
        return
      }
      send(res, v4ErrorAnswer(405, { code: '/IWBEP/CM_V4_RUNTIME/031', message: `Method '${method}' not supported`, severity: 'error' }))
      return
    }
    if (service !== undefined) {
      const resource = url.pathname.slice(ODATA_PREFIX.length + service.length).replace(/^\//, '')
      if (method === 'GET' || method === 'HEAD') { send(res, odata.get(base, service, resource, url.searchParams), method === 'HEAD'); return }
      if (method === 'POST') {
        let parsed: unknown
        try { parsed = JSON.parse(body) } catch { parsed = undefined }
        send(res, odata.post(base, service, resource, parsed, user))
        return
      }
      send(res, errorAnswer(405, service, { code: '/IWBEP/CM_MGW_RT/021', message: `Method '${method}' not supported`, severity: 'error' }))
      return
    }
    if ((url.pathname === '/sap/bc/idoc_xml' || url.pathname === '/sap/bc/srt/idoc') && method === 'POST') {
      const a = url.pathname === '/sap/bc/idoc_xml' ? inbound.xmlHttp(body) : inbound.soap(body)
      res.writeHead(a.status, { 'content-type': a.contentType })
      res.end(a.body)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end(`Service cannot be reached: ${url.pathname}`)
  }

  async function sim (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const reply = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)) }
    if (url.pathname === '/sim/received' && req.method === 'GET') { reply(200, received); return }
    if (url.pathname === '/sim/control' && req.method === 'GET') { reply(200, state); return }
    if (url.pathname === '/sim/sent' && req.method === 'GET') { reply(200, sent); return }
    const orderPath = /^\/sim\/send-order\/([^/]+)$/.exec(url.pathname)
    if ((orderPath !== null || url.pathname === '/sim/send-idoc') && req.method === 'POST') {
      try {
        const text = (await readBody(req, maxBody)) ?? ''
        let r: SentIdoc
        if (orderPath !== null) {
          let change: OrderChange | undefined
          try { change = text.trim() === '' ? undefined : parseOrderChange(JSON.parse(text)) } catch (err) { throw new SendRefusal(400, (err as Error).message) }
          r = await sendOrder(decodeURIComponent(orderPath[1]!), change)
        } else {
          r = await sendIdoc(text)
        }
        // 200 when the partner took it; 502 with the partner's answer when it did not.
        reply(r.status >= 200 && r.status < 300 ? 200 : 502, r)
      } catch (err) {
        reply(err instanceof SendRefusal ? err.status : 502, { error: (err as Error).message })
      }
      return
    }
    if (url.pathname === '/sim/control' && req.method === 'POST') {
      try {
        const text = await readBody(req, 64 * 1024)
        await control.apply(parseControlCommand(JSON.parse(text ?? '')))
        reply(200, state)
      } catch (err) {
        reply(400, { error: (err as Error).message })
      }
      return
    }
    reply(404, { error: `no ${req.method} ${url.pathname}` })
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim')
    const handler = url.pathname.startsWith('/sim/') ? sim : sap
    handler(req, res, url).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`simulator error: ${err.message}`)
    })
  })
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })

  const listen = (): Promise<void> => new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); listening = true; port = (server.address() as AddressInfo).port; resolve() })
  })
  /** Stops listening and drops open connections: a client sees connection refused (or reset). */
  const stopListening = (): Promise<void> => new Promise((resolve) => {
    if (!listening) { resolve(); return }
    listening = false
    server.close(() => resolve())
    for (const s of sockets) s.destroy()
  })

  const control: SapSimulatorControl = {
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
          if (c.forMs !== undefined) upTimer = setTimeout(() => { control.apply({ mode: 'up' }).catch(() => {}) }, c.forMs)
          return
        case 'slow': state.delayMs = c.delayMs; return
        case 'error': state.failNext = { kind: c.kind ?? 'server', remaining: c.count ?? 1 }; return
        case 'expire-csrf': csrf.expireAll()
      }
    }
  }

  await listen()
  return {
    url: `http://${host}:${port}`,
    control,
    received,
    sent,
    sendOrder,
    sendIdoc,
    async close (): Promise<void> {
      clearTimeout(upTimer)
      await stopListening()
    }
  }
}
