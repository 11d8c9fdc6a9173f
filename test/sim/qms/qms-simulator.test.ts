// The simulated QMS over real HTTP, as the hub's adapter and a person at the QMS meet it: results and nonconformances
// taken once per Idempotency-Key (the NC answered with the QMS's number), an inspection lot's life (created ->
// results -> usage decision, a second decision refused), plans by order, and the QMS calling back a webhook: signed
// as Standard Webhooks sign (checked here with the hub's own verifier), retried with backoff until a 2xx, and sent
// again under the same id on command.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startQmsSimulator, DEFAULT_TOKEN, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import { verifyWebhook } from '../../../core/webhook-signature'
import { until } from '../../support/until'
import { post } from '../../adapters/qms/fixtures'

const SECRET = 'whsec_' + Buffer.from('the shared secret of the test').toString('base64')

interface Hook { url: string, got: Array<{ id: string, body: Record<string, unknown>, signed: boolean }>, answers: number[], close: () => Promise<void> }

/** The hub's side of the webhook: verifies each delivery, answers the next status of `answers` (then 200). */
async function hook (): Promise<Hook> {
  const h: Hook = { url: '', got: [], answers: [], close: async () => undefined }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const v = verifyWebhook(SECRET, req.headers, raw, Math.floor(Date.now() / 1000), 300)
      h.got.push({ id: String(req.headers['webhook-id']), body: JSON.parse(raw.toString()) as Record<string, unknown>, signed: v.ok })
      const status = h.answers.shift() ?? 200
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  h.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/qms/webhook`
  h.close = async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => resolve())) }
  return h
}

const resultBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  resultId: 'r-1', inspectionLot: '010000000001', orderNumber: '1000001', operation: 10, characteristic: '0010', value: 2.02, unit: 'MM',
  attribute: null, evaluation: 'accepted', recordedBy: 'operator.olga', recordedAt: '2025-03-03T06:10:00Z', ...over
})
const ncBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  ncId: 'NC-HUB-1', source: 'result', lotId: 'LOT-FG-1', orderNumber: '1000001', operation: 10, quantity: 5, unit: 'ST', defectCode: 'THICK-HI',
  description: 'Panel thickness 2.3 mm', holdId: 'H-1', reportedBy: 'operator.olga', reportedAt: '2025-03-03T06:11:00Z', ...over
})

describe('the simulated QMS', function () {
  this.timeout(20000)
  let sim: RunningQmsSimulator
  let h: Hook
  const api = (path: string): string => `${sim.url}/api/v1${path}`
  const auth = { token: DEFAULT_TOKEN }

  beforeEach(async () => {
    h = await hook()
    sim = await startQmsSimulator({ webhook: { url: h.url, secret: SECRET }, retry: { initialMs: 20, maxMs: 80, maxAttempts: 6 } })
  })
  afterEach(async () => { await sim.close(); await h.close() })

  it('takes a result once per Idempotency-Key, and refuses the key reused for another body', async () => {
    const first = await post(api('/inspection-results'), resultBody(), { ...auth, key: 'qms:result:1' })
    assert.equal(first.status, 201)
    assert.match(String(first.body.id), /^R-\d{6}$/)
    const again = await post(api('/inspection-results'), resultBody(), { ...auth, key: 'qms:result:1' })
    assert.deepEqual(again, first)
    assert.equal(sim.received().results.length, 1)
    const reused = await post(api('/inspection-results'), resultBody({ value: 2.05 }), { ...auth, key: 'qms:result:1' })
    assert.equal(reused.status, 422)
    assert.match(reused.type, /application\/problem\+json/)
    assert.match(String(reused.body.detail), /Idempotency-Key 'qms:result:1' was used for another request body/)
  })

  it('refuses what a QMS refuses, as RFC 9457 problems naming the place', async () => {
    assert.equal((await post(api('/inspection-results'), resultBody(), { key: 'k' })).status, 401)
    assert.match(String((await post(api('/inspection-results'), resultBody(), auth)).body.detail), /Idempotency-Key header/)
    const invalid = await post(api('/inspection-results'), resultBody({ evaluation: 'maybe', operation: undefined }), { ...auth, key: 'k1' })
    assert.equal(invalid.status, 400)
    assert.deepEqual((invalid.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort(), ['/evaluation', '/operation'])
    const unknown = await post(api('/inspection-results'), resultBody({ characteristic: '0099' }), { ...auth, key: 'k2' })
    assert.equal(unknown.status, 422)
    assert.match(String(unknown.body.detail), /operation 10 of inspection lot 010000000001 has no characteristic 0099/)
    const unit = await post(api('/inspection-results'), resultBody({ unit: 'IN' }), { ...auth, key: 'k3' })
    assert.match(String(unit.body.detail), /measured in MM, not IN/)
  })

  it('keeps the inspection lot\'s life: created -> results recorded -> decided, and refuses a second usage decision and later results', async () => {
    assert.equal(sim.books.lots.get('010000000001')!.status, 'created')
    await post(api('/inspection-results'), resultBody(), { ...auth, key: 'r1' })
    assert.equal(sim.books.lots.get('010000000001')!.status, 'results-recorded')
    const ud = { code: 'accept', decidedBy: 'quality.quinn', decidedAt: '2025-03-03T08:00:00Z' }
    const first = await post(api('/inspection-lots/010000000001/usage-decision'), ud, { ...auth, key: 'ud1' })
    assert.equal(first.status, 201)
    assert.equal(sim.books.lots.get('010000000001')!.status, 'decided')
    const second = await post(api('/inspection-lots/010000000001/usage-decision'), { ...ud, code: 'reject' }, { ...auth, key: 'ud2' })
    assert.equal(second.status, 409)
    assert.match(String(second.body.detail), /already has the usage decision accept \(by quality\.quinn.*a second is refused/)
    const late = await post(api('/inspection-results'), resultBody({ resultId: 'r-2' }), { ...auth, key: 'r2' })
    assert.equal(late.status, 409)
    assert.match(String(late.body.detail), /results can no longer be recorded/)
  })

  it('answers a nonconformance with its own number, and serves inspection plans by order', async () => {
    const nc = await post(api('/nonconformances'), ncBody(), { ...auth, key: 'qms:nc:NC-HUB-1' })
    assert.equal(nc.status, 201)
    assert.equal(nc.body.id, 'NC-000001')
    const plan = await fetch(api('/inspection-plans?orderNumber=1000001&material=FG-PANEL-100'), { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } })
    assert.equal(plan.status, 200)
    const p = await plan.json() as { inspectionLot: string, operations: Array<{ operation: number }> }
    assert.equal(p.inspectionLot, '010000000001')
    assert.deepEqual(p.operations.map((o) => o.operation), [10, 20])
    const none = await fetch(api('/inspection-plans?orderNumber=4711&material=X'), { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } })
    assert.equal(none.status, 404)
  })

  it('is down, slow or refusing on command', async () => {
    await sim.control.apply({ mode: 'down', how: '503' })
    assert.equal((await post(api('/nonconformances'), ncBody(), { ...auth, key: 'a' })).status, 503)
    await sim.control.apply({ mode: 'up' })
    await sim.control.apply({ mode: 'error', kind: 'business' })
    const refused = await post(api('/nonconformances'), ncBody(), { ...auth, key: 'b' })
    assert.equal(refused.status, 422)
    assert.match(String(refused.body.detail), /locked for quality postings/)
    assert.equal((await post(api('/nonconformances'), ncBody(), { ...auth, key: 'c' })).status, 201)
    await sim.control.apply({ mode: 'down' })
    await assert.rejects(fetch(api('/inspection-plans?orderNumber=1000001')))
    await sim.control.apply({ mode: 'up' })
    assert.deepEqual(sim.received().requests.map((r) => r.status), [503, 422, 201])
  })

  it('calls the webhook signed, retries until the hub answers 2xx, and sends an event again under the same id on command', async () => {
    await post(api('/nonconformances'), ncBody(), { ...auth, key: 'n1' })
    h.answers.push(503, 500)
    const d = sim.disposition({ ncNumber: 'NC-000001', disposition: 'rework', why: 'regrind the edge' })
    await until('delivered', () => d.state === 'delivered' ? true : undefined)
    assert.equal(d.attempts.length, 3)
    assert.deepEqual(h.got.map((g) => g.signed), [true, true, true])
    assert.equal(new Set(h.got.map((g) => g.id)).size, 1, 'one event id on every attempt')
    assert.deepEqual(h.got[0]!.body.data, { ncId: 'NC-HUB-1', ncNumber: 'NC-000001', disposition: 'rework', decidedBy: 'mrb.board', why: 'regrind the edge' })
    assert.throws(() => sim.disposition({ ncNumber: 'NC-000001', disposition: 'scrap' }), /dispositioned already \(rework\)/)

    const again = sim.resend(d.event.id)
    await until('resent', () => again.state === 'delivered' ? true : undefined)
    assert.equal(h.got.length, 4)
    assert.equal(h.got[3]!.id, d.event.id)
  })

  it('places and releases holds and decides inspection lots on command, over /sim', async () => {
    const hold = await post(`${sim.url}/sim/hold`, { holdId: 'QH-1', target: { kind: 'lot', id: 'LOT-FG-1' }, reason: 'supplier recall' })
    assert.equal(hold.status, 202)
    const release = await post(`${sim.url}/sim/release`, { holdId: 'QH-1', why: 'recall withdrawn' })
    const ud = await post(`${sim.url}/sim/usage-decision`, { inspectionLot: '010000000001', code: 'restricted', why: 'for export only' })
    assert.equal(ud.status, 202)
    const twice = await post(`${sim.url}/sim/usage-decision`, { inspectionLot: '010000000001', code: 'accept' })
    assert.equal(twice.status, 409)
    await until('three delivered', () => h.got.length === 3 ? true : undefined)
    assert.deepEqual(h.got.map((g) => g.body.type), ['hold.placed', 'hold.released', 'usage-decision.made'])
    assert.deepEqual(h.got.map((g) => g.id), [hold.body.eventId, release.body.eventId, ud.body.eventId])
    const bad = await post(`${sim.url}/sim/hold`, { target: { kind: 'pallet', id: 'P1' }, reason: 'x' })
    assert.equal(bad.status, 400)
    assert.match(String(bad.body.detail), /target\.kind/)
  })

  it('dispositions a nonconformance by itself after the configured delay', async () => {
    await sim.close()
    sim = await startQmsSimulator({ webhook: { url: h.url, secret: SECRET }, dispositionAfterMs: 10, autoDisposition: 'scrap' })
    await post(api('/nonconformances'), ncBody(), { ...auth, key: 'n1' })
    await until('dispositioned', () => h.got.length === 1 ? true : undefined)
    assert.equal(h.got[0]!.body.type, 'nonconformance.dispositioned')
    assert.equal((h.got[0]!.body.data as { disposition: string }).disposition, 'scrap')
  })
})
