// The simulated WMS over real HTTP, as the hub's adapter and a person at its control API meet it: a task per request
// (its number answered; the same Idempotency-Key again answers the same task), confirmed by itself with lots picked
// FEFO, partially when stock is short and the rest once stock arrives; signed callbacks retried until the hub takes
// them; refusals as EWM refuses (an unknown task, a confirmed one) as problem+json; down, slow and failing on command.
import assert from 'node:assert/strict'
import { startWmsSimulator, type RunningWmsSimulator } from '../../../sim/wms/simulator'
import { verifyWebhook } from '../../../core/webhook-signature'
import { startCallbackReceiver, type CallbackReceiver } from './callback-receiver'
import { until } from '../../support/until'

const SECRET = 'test-secret'
const AUTH = 'Basic ' + Buffer.from('hub:wms-sim').toString('base64')

function staging (requestId: string, material: string, quantity: number, unit = 'PCE'): Record<string, unknown> {
  return { requestId, type: 'staging', warehouse: 'WH01', material, quantity, unit, destinationLocation: 'PSA-PRESSL1', orderNumber: 'TR-1', jobId: 'TR-1-10-1' }
}

describe('the simulated WMS', function () {
  let sim: RunningWmsSimulator
  let hub: CallbackReceiver

  async function post (path: string, body: unknown, key?: string, auth = AUTH): Promise<{ status: number, body: any, type: string }> {
    const res = await fetch(sim.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth, ...(key !== undefined ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json(), type: res.headers.get('content-type') ?? '' }
  }
  const events = (): any[] => hub.calls.filter((c) => c.status === 200).map((c) => JSON.parse(c.body))

  beforeEach(async () => {
    hub = await startCallbackReceiver()
    sim = await startWmsSimulator({ webhook: { url: hub.url, secret: SECRET }, confirmDelayMs: 10, callbacks: { initialBackoffMs: 20, maxBackoffMs: 100 } })
  })
  afterEach(async () => {
    await sim.close()
    await hub.close()
  })

  it('answers a staging request with its task, the same key again with the same task, and confirms it with lots picked first-expired-first-out', async () => {
    const first = await post('/warehouse-tasks', staging('TR-1-10-1/2', 'RM-BOLT', 60), 'wms:staging:TR-1-10-1/2')
    assert.equal(first.status, 201)
    assert.match(first.body.taskId, /^\d+$/)
    const again = await post('/warehouse-tasks', staging('TR-1-10-1/2', 'RM-BOLT', 60), 'wms:staging:TR-1-10-1/2')
    assert.equal(again.status, 200)
    assert.equal(again.body.taskId, first.body.taskId)
    await until('the confirmation', () => events().length === 1 ? true : undefined)
    const [e] = events()
    assert.equal(e.type, 'task.confirmed')
    assert.equal(e.task.taskId, first.body.taskId)
    assert.equal(e.task.status, 'confirmed')
    assert.deepEqual(e.confirmation.lots.map((l: any) => [l.lotId, l.quantity]), [['B-1', 50], ['B-2', 10]])
    assert.equal(e.confirmation.final, true)
    assert.equal(e.confirmation.destinationBin, 'PSA-PRESSL1')
    assert.deepEqual(verifyWebhook(SECRET, hub.calls[0]!.headers, hub.calls[0]!.body, Math.floor(Date.now() / 1000), 300), { ok: true, id: e.eventId, timestamp: Number(hub.calls[0]!.headers['webhook-timestamp']) })
    assert.equal(sim.tasks.list().length, 1)
  })

  it('confirms partially when stock is short, and the rest when stock arrives', async () => {
    const t = await post('/warehouse-tasks', staging('TR-1-10-1/1', 'RM-STEEL', 130, 'KG'), 'k1')
    await until('the partial confirmation', () => events().length === 1 ? true : undefined)
    assert.equal(events()[0].task.status, 'partially-confirmed')
    assert.equal(events()[0].confirmation.quantity, 100)
    assert.equal(events()[0].confirmation.final, false)
    const receipt = await fetch(sim.url + '/sim/stock', { method: 'POST', body: JSON.stringify({ lotId: 'S-2', material: 'RM-STEEL', quantity: 50, unit: 'KG', bin: '01-A-02' }) })
    assert.equal(receipt.status, 201)
    await until('the rest', () => events().length === 2 ? true : undefined)
    const rest = events()[1]
    assert.equal(rest.task.taskId, t.body.taskId)
    assert.equal(rest.task.status, 'confirmed')
    assert.deepEqual(rest.confirmation.lots.map((l: any) => [l.lotId, l.quantity]), [['S-2', 30]])
    assert.notEqual(rest.eventId, events()[0].eventId)
  })

  it('puts a produced lot away into a bin and says which', async () => {
    const r = await post('/warehouse-tasks', { requestId: 'putaway/BR-1', type: 'put-away', warehouse: 'WH01', material: 'SA-BRACKET', quantity: 2, unit: 'PCE', lotId: 'BR-1', sourceLocation: 'PRESSL1' }, 'p1')
    assert.equal(r.status, 201)
    await until('the put-away confirmation', () => events().length === 1 ? true : undefined)
    assert.equal(events()[0].confirmation.destinationBin, 'FG-01-01')
    assert.ok(sim.stock.list().some((l) => l.lotId === 'BR-1' && l.bin === 'FG-01-01'))
  })

  it('refuses a confirmation or cancel of an unknown or confirmed task, as EWM does, and cancels an open one', async () => {
    await sim.control({ mode: 'auto', confirm: false })
    const unknown = await post('/sim/tasks/999/confirm', {})
    assert.equal(unknown.status, 404)
    assert.match(unknown.type, /problem\+json/)
    assert.match(unknown.body.detail, /warehouse task 999 does not exist in warehouse WH01/)
    const t = await post('/warehouse-tasks', staging('J/1', 'RM-BOLT', 5), 'a')
    assert.equal((await post(`/sim/tasks/${t.body.taskId}/confirm`, {})).status, 200)
    const twice = await post(`/sim/tasks/${t.body.taskId}/confirm`, {})
    assert.equal(twice.status, 409)
    assert.match(twice.body.detail, /it is confirmed/)
    const cancel = await post('/warehouse-tasks/cancel', { requestId: 'J/1', warehouse: 'WH01', why: 'job aborted' }, 'c')
    assert.equal(cancel.status, 409)
    assert.match(cancel.body.detail, /cannot cancel warehouse task \d+ \(J\/1\): it is confirmed/)
    const none = await post('/warehouse-tasks/cancel', { requestId: 'NOPE/1', warehouse: 'WH01', why: 'x' }, 'd')
    assert.equal(none.status, 404)
    const open = await post('/warehouse-tasks', staging('J/2', 'RM-BOLT', 5), 'b')
    const cancelled = await post('/warehouse-tasks/cancel', { requestId: 'J/2', taskId: open.body.taskId, warehouse: 'WH01', why: 'job aborted' }, 'e')
    assert.equal(cancelled.status, 200)
    assert.equal(cancelled.body.status, 'cancelled')
    assert.equal((await post(`/sim/tasks/${open.body.taskId}/confirm`, {})).status, 409)
  })

  it('confirms short with a difference quantity on command, and a warehouse cancel calls the hub back', async () => {
    await sim.control({ mode: 'auto', confirm: false })
    const t = await post('/warehouse-tasks', staging('J/3', 'RM-BOLT', 20), 'a')
    await post(`/sim/tasks/${t.body.taskId}/confirm`, { lots: [{ lotId: 'B-2', quantity: 15 }], final: true })
    await until('the confirmation', () => events().length === 1 ? true : undefined)
    assert.equal(events()[0].confirmation.differenceQuantity, 5)
    assert.equal(events()[0].task.status, 'confirmed')
    const u = await post('/warehouse-tasks', staging('J/4', 'RM-BOLT', 20), 'b')
    await post(`/sim/tasks/${u.body.taskId}/cancel`, { why: 'bin blocked' })
    await until('the cancellation', () => events().length === 2 ? true : undefined)
    assert.equal(events()[1].type, 'task.cancelled')
    assert.equal(events()[1].reason, 'bin blocked')
  })

  it('retries a callback with backoff until the hub takes it, stops at a refusal, and sends one twice on command', async () => {
    hub.answers = [503, 500]
    await post('/warehouse-tasks', staging('J/5', 'RM-BOLT', 1), 'a')
    await until('the delivery', () => events().length === 1 ? true : undefined)
    assert.deepEqual(hub.calls.map((c) => c.status), [503, 500, 200])
    assert.equal(sim.callbacks[0]!.state, 'delivered')
    const eventId = events()[0].eventId
    assert.equal((await post(`/sim/callbacks/${eventId}/resend`, {})).status, 202)
    await until('the second delivery', () => events().length === 2 ? true : undefined)
    assert.equal(events()[1].eventId, eventId)
    hub.answers = [422]
    await post('/warehouse-tasks', staging('J/6', 'RM-BOLT', 1), 'b')
    await until('the refusal', () => sim.callbacks[2]?.state === 'refused' ? true : undefined)
    assert.equal(sim.callbacks[2]!.attempts.length, 1)
  })

  it('refuses a request without login, without Idempotency-Key, or against the contract, naming the field', async () => {
    assert.equal((await post('/warehouse-tasks', staging('J/7', 'RM-BOLT', 1), 'a', 'Basic ' + Buffer.from('hub:wrong').toString('base64'))).status, 401)
    const nokey = await post('/warehouse-tasks', staging('J/7', 'RM-BOLT', 1))
    assert.equal(nokey.status, 400)
    assert.match(nokey.body.detail, /Idempotency-Key/)
    const bad = await post('/warehouse-tasks', { ...staging('J/7', 'RM-BOLT', -1), destinationLocation: undefined }, 'b')
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors.map((e: any) => e.path).sort(), ['/destinationLocation', '/quantity'])
    assert.equal(sim.tasks.list().length, 0)
  })

  it('is down, slow or failing on command', async () => {
    await sim.control({ mode: 'down', how: '503' })
    assert.equal((await fetch(sim.url + '/warehouse-tasks', { method: 'POST' })).status, 503)
    await sim.control({ mode: 'up' })
    await sim.control({ mode: 'error', kind: 'server', count: 1 })
    assert.equal((await post('/warehouse-tasks', staging('J/8', 'RM-BOLT', 1), 'a')).status, 500)
    assert.equal((await post('/warehouse-tasks', staging('J/8', 'RM-BOLT', 1), 'a')).status, 201)
    await sim.control({ mode: 'error', kind: 'refuse' })
    assert.equal((await post('/warehouse-tasks', staging('J/9', 'RM-BOLT', 1), 'b')).status, 422)
    await sim.control({ mode: 'down' })
    await assert.rejects(fetch(sim.url + '/sim/control'))
    await sim.control({ mode: 'up' })
    assert.equal((await fetch(sim.url + '/sim/control')).status, 200)
    const received = await (await fetch(sim.url + '/sim/received')).json() as any[]
    assert.deepEqual(received.map((r) => r.status), [500, 201, 422])
  })
})
