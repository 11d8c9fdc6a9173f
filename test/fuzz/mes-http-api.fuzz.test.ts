// Fuzz target: the MES HTTP API. The real router (mes/http/mes-http-api.ts, as the hub mounts it under Node-RED's login)
// over a real MES on SQLite, behind the stand-in login of test/mes/http/mes-http-api.test.ts, on a real HTTP server.
// Any method, path (malformed percent-encoding included), query and body gets an answer within the time bound,
// never a 500: a refusal is a 4xx with the API's error shape, a success a 2xx with JSON.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import fc from 'fast-check'
import { MES_API_PATH, mesHttpApi, type ApiAuth } from '../../mes/http/mes-http-api'
import { silentLogger } from '../../core/logger'
import { scopeAllows } from '../../hub/node-red'
import { createMes, type Mes } from '../../mes/index'
import { SqliteStore } from '../../mes/store/sqlite-store'
import type { MesStore } from '../../mes/store/store'
import { sampleOrder } from '../mes/stores'
import { tempDir } from '../support/hub-fixture'
import { fuzzAsync, nastyString, seed, suiteTimeout } from './support/fuzz'
import { SEED_DUPLICATE_ITEMS, SEED_LEAP_SECOND, SEED_OPERATIONS_OF_ONES } from './support/mes-seeds'

const TARGET = 'mes-http-api'

const auth: ApiAuth = {
  authenticate: (req, _res, next) => {
    Object.assign(req, { user: { username: req.header('x-test-user') ?? 'fuzz.user' }, authInfo: { scope: req.header('x-test-scope') ?? '*' } })
    next()
  },
  allows: (req, permission) => scopeAllows((req as { authInfo?: { scope?: unknown } }).authInfo?.scope, permission)
}

interface Call { method: string, path: string, body?: string, contentType?: string, scope?: string }

const segment = fc.oneof(fc.constantFrom('1000', '1000-10-1', 'PRESSL1', 'WC-CUT', '10', 'x', '%E0%A4%A', '%', '%zz', '%2F', '..', '%00', ''),
  fc.string({ maxLength: 8 }).map(encodeURIComponent), fc.stringMatching(/^[A-Za-z0-9%._~-]{0,10}$/))
const routes: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/work-orders', '/jobs', '/confirmations', '/audit', '/audit/verify'),
  segment.map((s) => `/work-orders/${s}`),
  fc.tuple(segment, fc.constantFrom('release', 'hold', 'cancel', 'confirmations')).map(([s, a]) => `/work-orders/${s}/${a}`),
  fc.tuple(segment, segment).map(([s, q]) => `/work-orders/${s}/operations/${q}/dispatch`),
  fc.tuple(segment, fc.constantFrom('dispatch-list', 'dispatch')).map(([s, a]) => `/work-centers/${s}/${a}`),
  fc.tuple(segment, fc.constantFrom('', '/response', '/events')).map(([s, a]) => `/jobs/${s}${a}`),
  fc.tuple(fc.constantFrom('work-centers', 'work-units', 'orders'), segment).map(([k, s]) => `/wip/${k}/${s}`),
  fc.tuple(segment, fc.constantFrom('', '/ack', '/failure')).map(([s, a]) => `/confirmations/${s}${a}`),
  fc.array(segment, { maxLength: 4 }).map((l) => '/' + l.join('/'))
)
const query = fc.oneof(fc.constant(''), fc.array(fc.tuple(fc.constantFrom('status', 'limit', 'after', 'rule', 'state', 'orderNumber', 'fromSeq', 'x', '%'), segment), { maxLength: 3 })
  .map((qs) => '?' + qs.map(([k, v]) => `${k}=${v}`).join('&')))
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ orderNumber: fc.constantFrom('2000', '1000'), dueDate: fc.constantFrom('2025-12-31T23:59:60Z', '2025-03-07T16:00:00Z') }, { requiredKeys: [] }).map((over) => JSON.stringify(sampleOrder('2000', over))),
  fc.record({ workUnit: fc.constantFrom('PRESS01', 'SAW-01', 'x'), event: fc.constantFrom('start', 'report', 'complete'), good: fc.integer(), why: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
  nastyString(100)
)
const call: fc.Arbitrary<Call> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE'),
  path: fc.tuple(routes, query).map(([r, q]) => r + q),
  body,
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined as unknown as string),
  scope: fc.constantFrom('*', 'read')
}, { requiredKeys: ['method', 'path'] })

const SEEDS: Array<[string, Call]> = [
  ['POST /work-orders with "operations": [1,1,1,...] (94 KiB)', { method: 'POST', path: '/work-orders', body: JSON.stringify(SEED_OPERATIONS_OF_ONES) }],
  ['POST /work-orders with a leap-second dueDate', { method: 'POST', path: '/work-orders', body: JSON.stringify({ ...SEED_LEAP_SECOND, orderNumber: '3000' }) }],
  ['PATCH /work-orders/1000 with duplicate material items', { method: 'PATCH', path: '/work-orders/1000', body: JSON.stringify(SEED_DUPLICATE_ITEMS) }],
  ['a malformed percent-encoding in a path', { method: 'GET', path: '/work-orders/%E0%A4%A' }]
]

describe('fuzz: MES HTTP API', function () {
  this.timeout(suiteTimeout())
  let dir: string
  let store: MesStore
  let mes: Mes
  let server: http.Server
  let root: string

  before(async () => {
    dir = tempDir('mes-fuzz-')
    store = await SqliteStore.open(`${dir}/mes.sqlite`)
    mes = createMes(store)
    const app = express()
    app.use(MES_API_PATH, mesHttpApi(mes, { auth, log: silentLogger }))
    server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}${MES_API_PATH}`
    // An order to change, release and dispatch, so that paths reach the rules and not only "not found".
    const created = await send({ method: 'POST', path: '/work-orders', body: JSON.stringify(sampleOrder('1000')) })
    assert.equal(created.status, 201)
  })
  after(async () => {
    server?.closeAllConnections()
    await new Promise<void>((resolve) => server ? server.close(() => resolve()) : resolve())
    await store?.close()
  })

  async function send (c: Call): Promise<{ status: number, text: string, type: string }> {
    const headers: Record<string, string> = { 'x-test-scope': c.scope ?? '*' }
    if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/json'
    const res = await fetch(root + c.path, { method: c.method, headers, body: c.method === 'GET' ? undefined : c.body })
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' }
  }

  /** The oracle: an answer, not a 500; JSON where the API answers with a body; a refusal in the error shape. */
  async function answered (c: Call): Promise<void> {
    const r = await send(c)
    assert.notEqual(r.status, 500, `${c.method} ${c.path.slice(0, 100)} answered 500: ${r.text.slice(0, 300)}`)
    assert.ok(r.status < 500 || r.status === 503, `${c.method} ${c.path.slice(0, 100)} answered ${r.status}`)
    if (r.status === 204 || r.text === '') return
    // A '..' segment takes the URL out of the API before it is sent (URLs are normalised): in the hub, Node-RED
    // answers such a path, so only "never a 500" applies to it.
    if (!new URL(root + c.path).pathname.startsWith(MES_API_PATH + '/')) return
    assert.match(r.type, /application\/json/, `${c.method} ${c.path.slice(0, 100)} answered ${r.status} with ${r.type}`)
    const parsed = JSON.parse(r.text) as { error?: { code?: unknown } }
    if (r.status >= 400) assert.equal(typeof parsed.error?.code, 'string', `a refusal has the error shape: ${r.text.slice(0, 200)}`)
  }

  for (const [finding, c] of SEEDS) {
    it(`seed of issue #8: ${finding}`, async () => {
      await seed(TARGET, finding, () => answered(c))
    })
  }

  it('any method, path, query and body: an answer within the bound, never a 500', async () => {
    await fuzzAsync<[Call]>(TARGET, 'requests', 100, [call], answered, SEEDS.map(([, c]) => [c]))
  })
})
