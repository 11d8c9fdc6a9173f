// The generic WMS connector against the simulated WMS over real HTTP: a staging request and a put-away become tasks
// (the task number answered), a repeat with the same idempotency key gets the same task, a cancel of a confirmed
// task and a wrong login are refusals (not retryable), a WMS down or failing is retryable, a request the contract
// cannot carry is refused before it is sent.
import assert from 'node:assert/strict'
import { startWmsSimulator, type RunningWmsSimulator } from '../../../sim/wms/simulator'
import { GenericWmsConnector } from '../../../adapters/wms/generic/generic-wms-connector'
import { WmsSendError } from '../../../adapters/wms/wms-connector'
import { putAwayRequest, stagingRequest } from './fixtures'

describe('the generic WMS connector', function () {
  let sim: RunningWmsSimulator
  const connector = (over: Partial<ConstructorParameters<typeof GenericWmsConnector>[0]> = {}): GenericWmsConnector =>
    new GenericWmsConnector({ url: sim.url, warehouse: 'WH01', username: 'hub', password: 'wms-sim', timeoutMs: 2000, ...over })
  const refusal = (retryable: boolean, message: RegExp) => (err: unknown): boolean => {
    assert.ok(err instanceof WmsSendError, String(err))
    assert.equal(err.retryable, retryable, err.message)
    assert.match(err.message, message)
    return true
  }

  beforeEach(async () => { sim = await startWmsSimulator({ autoConfirm: false }) })
  afterEach(async () => { await sim.close() })

  it('makes a task of a staging request and of a put-away, and the same key again answers the same task', async () => {
    const c = connector()
    const a = await c.send('staging-request', { request: stagingRequest() }, 'wms:staging:TR-1-10-1/2')
    assert.match(a.taskRef ?? '', /^\d+$/)
    assert.deepEqual(await c.send('staging-request', { request: stagingRequest() }, 'wms:staging:TR-1-10-1/2'), a)
    const task = sim.tasks.get(a.taskRef!)
    assert.equal(task.destinationLocation, 'PSA-PRESSL1')
    assert.equal(task.quantity, 20)
    const p = await c.send('put-away-request', { request: putAwayRequest() }, 'wms:put-away:putaway/BR-1')
    assert.equal(sim.tasks.get(p.taskRef!).lotId, 'BR-1')
    assert.deepEqual(sim.received.map((r) => r.idempotencyKey), ['wms:staging:TR-1-10-1/2', 'wms:staging:TR-1-10-1/2', 'wms:put-away:putaway/BR-1'])
  })

  it('cancels an open task; a confirmed one is refused for good, with the WMS\'s reason', async () => {
    const c = connector()
    const a = await c.send('staging-request', { request: stagingRequest() }, 'k1')
    assert.deepEqual(await c.send('staging-cancel', { request: stagingRequest(), why: 'job aborted' }, 'k2'), { taskRef: a.taskRef })
    assert.equal(sim.tasks.get(a.taskRef!).status, 'cancelled')
    const b = await c.send('staging-request', { request: stagingRequest({ requestId: 'TR-1-10-1/1', material: 'RM-STEEL', unit: 'KG' }) }, 'k3')
    await fetch(`${sim.url}/sim/tasks/${b.taskRef!}/confirm`, { method: 'POST', body: '{}' })
    await assert.rejects(c.send('staging-cancel', { request: stagingRequest({ requestId: 'TR-1-10-1/1', taskRef: b.taskRef! }), why: 'job aborted' }, 'k4'),
      refusal(false, /HTTP 409: warehouse task confirmed: cannot cancel warehouse task \d+ \(TR-1-10-1\/1\): it is confirmed/))
  })

  it('says a wrong login is no retry, and a WMS down, failing or too slow is', async () => {
    await assert.rejects(connector({ password: 'wrong' }).send('staging-request', { request: stagingRequest() }, 'k1'), refusal(false, /HTTP 401.*check wms.username/))
    await sim.control({ mode: 'down', how: '503' })
    await assert.rejects(connector().send('staging-request', { request: stagingRequest() }, 'k1'), refusal(true, /HTTP 503/))
    await sim.control({ mode: 'up' })
    await sim.control({ mode: 'error', kind: 'server' })
    await assert.rejects(connector().send('staging-request', { request: stagingRequest() }, 'k1'), refusal(true, /HTTP 500/))
    await sim.control({ mode: 'slow', delayMs: 400 })
    await assert.rejects(connector({ timeoutMs: 100 }).send('staging-request', { request: stagingRequest() }, 'k1'), refusal(true, /no answer within 100 ms/))
    await sim.control({ mode: 'down' })
    await assert.rejects(connector().send('staging-request', { request: stagingRequest() }, 'k1'), refusal(true, /could not be reached/))
  })

  it('refuses before sending a request the contract cannot carry, naming the field', async () => {
    await assert.rejects(connector().send('staging-request', { request: stagingRequest({ quantity: 0 }) }, 'k1'), refusal(false, /staging request TR-1-10-1\/2.*\/quantity: must be > 0/s))
    assert.equal(sim.received.length, 0)
  })
})
