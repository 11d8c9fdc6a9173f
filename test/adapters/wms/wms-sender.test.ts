// The outbox worker of destination 'wms' with the real outbox (MES store) against the simulated WMS over HTTP: a
// staging request is sent once and its task recorded with the request; with the WMS down it waits and is retried,
// nothing lost and no second task; an answer lost to a timeout is repeated with the same key and gets the same
// task; a refusal becomes a dead letter with the WMS's reason.
import assert from 'node:assert/strict'
import { forEachStore } from '../../mes/stores'
import { startWmsSimulator, type RunningWmsSimulator } from '../../../sim/wms/simulator'
import { GenericWmsConnector } from '../../../adapters/wms/generic/generic-wms-connector'
import { WMS_DESTINATION, wmsSender } from '../../../adapters/wms/wms-sender'
import type { OutboxRunner } from '../../../mes/service'
import { until } from '../../support/until'
import { putAwayRequest, stagingRequest } from './fixtures'

forEachStore('the WMS sender', (ctx) => {
  let sim: RunningWmsSimulator
  let refs: Array<[string, string]>
  let worker: OutboxRunner
  const start = (timeoutMs = 2000): void => {
    const connector = new GenericWmsConnector({ url: sim.url, warehouse: 'WH01', username: 'hub', password: 'wms-sim', timeoutMs })
    // Logistics.setTaskReference: the MES's own is tested with this sender in wms-logistics.test.ts.
    const logistics = { setTaskReference: async (requestId: string, taskRef: string) => { refs.push([requestId, taskRef]) } }
    worker = ctx().mes.outbox.worker({ destination: WMS_DESTINATION, owner: 'wms-test', send: wmsSender({ connector, logistics }) })
  }
  const enqueueStaging = async (requestId = 'TR-1-10-1/2'): Promise<number> =>
    (await ctx().mes.outbox.enqueue({ destination: 'wms', type: 'staging-request', orderingKey: requestId, idempotencyKey: `wms:staging:${requestId}`, payload: { request: stagingRequest({ requestId }) }, who: 'wms-adapter' })).message.id

  beforeEach(async () => {
    sim = await startWmsSimulator({ autoConfirm: false })
    refs = []
  })
  afterEach(async () => { await sim.close() })

  it('sends a staging request and a put-away once each and records their tasks', async () => {
    start()
    const id = await enqueueStaging()
    const p = (await ctx().mes.outbox.enqueue({ destination: 'wms', type: 'put-away-request', orderingKey: 'putaway/BR-1', idempotencyKey: 'wms:put-away:putaway/BR-1', payload: { request: putAwayRequest() } })).message.id
    assert.deepEqual(await worker.runOnce(), { sent: 2, failed: 0, lost: 0 })
    assert.deepEqual(await worker.runOnce(), { sent: 0, failed: 0, lost: 0 })
    const m = await ctx().mes.outbox.get(id)
    assert.equal(m.status, 'sent')
    const task = sim.tasks.byRequest('TR-1-10-1/2')!
    assert.equal(m.reference, `task ${task.taskId}`)
    assert.equal((await ctx().mes.outbox.get(p)).status, 'sent')
    assert.deepEqual(refs.sort(), [['TR-1-10-1/2', task.taskId], ['putaway/BR-1', sim.tasks.byRequest('putaway/BR-1')!.taskId]].sort())
    assert.equal(sim.received.length, 2)
    assert.equal((await enqueueStaging()), id)
  })

  it('keeps a message while the WMS is down and sends it when it is back: nothing lost, one task', async () => {
    start()
    const id = await enqueueStaging()
    await sim.control({ mode: 'down' })
    assert.deepEqual(await worker.runOnce(), { sent: 0, failed: 1, lost: 0 })
    const waiting = await ctx().mes.outbox.get(id)
    assert.equal(waiting.status, 'pending')
    assert.match(waiting.lastError ?? '', /could not be reached/)
    await sim.control({ mode: 'up' })
    await sim.control({ mode: 'down', how: '503' })
    ctx().clock.advance(1)
    assert.deepEqual(await worker.runOnce(), { sent: 0, failed: 1, lost: 0 })
    await sim.control({ mode: 'up' })
    ctx().clock.advance(5)
    assert.deepEqual(await worker.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.equal((await ctx().mes.outbox.get(id)).attempts, 3)
    assert.equal(sim.tasks.list().length, 1)
  })

  it('repeats a send whose answer was lost with the same key, and the WMS answers the task it made', async () => {
    start(100)
    const id = await enqueueStaging()
    await sim.control({ mode: 'slow', delayMs: 400 })
    assert.deepEqual(await worker.runOnce(), { sent: 0, failed: 1, lost: 0 })
    await until('the WMS to make the task though its answer was lost', () => sim.tasks.list().length === 1 ? true : undefined)
    await sim.control({ mode: 'slow', delayMs: 0 })
    ctx().clock.advance(1)
    assert.deepEqual(await worker.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.equal(sim.tasks.list().length, 1)
    assert.equal((await ctx().mes.outbox.get(id)).reference, `task ${sim.tasks.list()[0]!.taskId}`)
  })

  it('makes a refusal a dead letter with the WMS\'s reason, sends the next request of another key, and the dead letter once resubmitted', async () => {
    start()
    await sim.control({ mode: 'error', kind: 'refuse' })
    const id = await enqueueStaging()
    assert.deepEqual(await worker.runOnce(), { sent: 0, failed: 1, lost: 0 })
    const dead = await ctx().mes.outbox.get(id)
    assert.equal(dead.status, 'dead')
    assert.match(dead.lastError ?? '', /HTTP 422: request refused: storage type of WH01 is locked/)
    assert.deepEqual((await ctx().mes.outbox.deadLetters('wms')).map((m) => m.id), [id])
    await enqueueStaging('TR-1-10-1/1')
    assert.deepEqual(await worker.runOnce(), { sent: 1, failed: 0, lost: 0 })
    await ctx().mes.outbox.resubmit(id, { who: 'planner', why: 'the storage type is unlocked' })
    assert.deepEqual(await worker.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.equal(sim.tasks.list().length, 2)
  })

  it('dead-letters a message type the WMS adapter does not send', async () => {
    start()
    const id = (await ctx().mes.outbox.enqueue({ destination: 'wms', type: 'inventory-count', orderingKey: 'x', idempotencyKey: 'x', payload: {} })).message.id
    await worker.runOnce()
    assert.equal((await ctx().mes.outbox.get(id)).status, 'dead')
    assert.equal(sim.received.length, 0)
  })
})
