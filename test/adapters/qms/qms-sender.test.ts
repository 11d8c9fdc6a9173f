// The outbox worker of destination 'qms' with the real outbox (the MES store) against the simulated QMS: what is
// enqueued is sent once and recorded with the QMS's reference; the QMS down keeps the message pending and sends it
// when the QMS is back (nothing lost, nothing twice); a refusal is a dead letter with the QMS's reason, and taken once
// corrected and resubmitted.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../../mes/stores'
import { startQmsSimulator, DEFAULT_TOKEN, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import { genericQmsConnector } from '../../../adapters/qms/generic/generic-qms-connector'
import { QMS_SECTION } from '../../../adapters/qms/config'
import { QMS_DESTINATION, qmsSender } from '../../../adapters/qms/qms-sender'
import { nonconformanceKey, resultKey } from '../../../adapters/qms/qms-feeders'
import type { OutboxMessageInput } from '../../../mes/service'
import type { QmsMessages } from '../../../adapters/qms/qms-connector'
import { nonconformance, result } from './fixtures'

forEachStore('sending to the QMS through the outbox', (ctx) => {
  let sim: RunningQmsSimulator
  beforeEach(async () => { sim = await startQmsSimulator() })
  afterEach(async () => { await sim.close() })

  const worker = (c: Ctx) => {
    const connector = genericQmsConnector({ config: { ...QMS_SECTION.defaults(process.cwd()), url: sim.url, timeoutMs: 2000 }, token: DEFAULT_TOKEN })
    return c.mes.outbox.worker({ destination: QMS_DESTINATION, owner: 'hub-1', send: qmsSender(connector), leaseMs: 60_000, idleMs: 5 })
  }
  const ncMessage = (nc = nonconformance()): OutboxMessageInput => {
    const payload: QmsMessages['nonconformance'] = { nonconformance: nc }
    return { destination: QMS_DESTINATION, type: 'nonconformance', orderingKey: `nc:${nc.ncId}`, idempotencyKey: nonconformanceKey(nc), payload }
  }
  const resultMessage = (r = result()): OutboxMessageInput => {
    const payload: QmsMessages['inspection-result'] = { result: r }
    return { destination: QMS_DESTINATION, type: 'inspection-result', orderingKey: `inspection-lot:${r.inspectionLot}`, idempotencyKey: resultKey(r), payload }
  }

  it('sends a nonconformance once and records the QMS\'s number; enqueued again, it is not sent again', async () => {
    const c = ctx()
    const { message } = await c.mes.outbox.enqueue(ncMessage())
    const w = worker(c)
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, lost: 0 })
    const sent = await c.mes.outbox.get(message.id)
    assert.equal(sent.status, 'sent')
    assert.equal(sent.reference, 'NC-000001')
    assert.equal((await c.mes.outbox.enqueue(ncMessage())).duplicate, true)
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 0, lost: 0 })
    assert.equal(sim.received().nonconformances.length, 1)
  })

  it('keeps results through a QMS outage and sends each once when it is back', async () => {
    const c = ctx()
    await c.mes.outbox.enqueueAll([resultMessage(result({ id: 1 })), resultMessage(result({ id: 2, resultId: 'r-2', value: 2.0 }))])
    const w = worker(c)
    await sim.control.apply({ mode: 'down' })
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 1, lost: 0 }, 'one per ordering key at a time')
    const waiting = (await c.mes.outbox.list({ destination: QMS_DESTINATION }))
    assert.deepEqual(waiting.map((m) => m.status), ['pending', 'pending'])
    assert.match(waiting[0]!.lastError ?? '', /generic QMS: the QMS \(POST \/api\/v1\/inspection-results\) could not be reached/)
    await sim.control.apply({ mode: 'down', how: '503' })
    c.clock.t = Date.parse(waiting[0]!.nextAttemptAt)
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 1, lost: 0 })
    assert.match((await c.mes.outbox.get(waiting[0]!.id)).lastError ?? '', /HTTP 503: Service Unavailable; the QMS is down/)
    await sim.control.apply({ mode: 'up' })
    c.clock.t = Date.parse((await c.mes.outbox.get(waiting[0]!.id)).nextAttemptAt)
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, lost: 0 })
    assert.deepEqual(sim.received().results.map((r) => r.resultId), ['hub-1', 'r-2'])
    assert.deepEqual((await c.mes.outbox.list({ destination: QMS_DESTINATION })).map((m) => m.status), ['sent', 'sent'])
  })

  it('makes a refusal a dead letter with the QMS\'s reason, and the next message of another key goes on', async () => {
    const c = ctx()
    const { message: bad } = await c.mes.outbox.enqueue(resultMessage(result({ id: 7, characteristic: '0099' })))
    const { message: good } = await c.mes.outbox.enqueue(ncMessage())
    const w = worker(c)
    await w.runOnce()
    const dead = await c.mes.outbox.get(bad.id)
    assert.equal(dead.status, 'dead')
    assert.match(dead.lastError ?? '', /HTTP 422: Unknown characteristic; operation 10 of inspection lot 010000000001 has no characteristic 0099/)
    assert.equal((await c.mes.outbox.get(good.id)).status, 'sent')
    assert.deepEqual((await c.mes.outbox.deadLetters(QMS_DESTINATION)).map((m) => m.id), [bad.id])

    // Corrected and resubmitted under its key, the QMS takes it (it kept no answer for the refused request).
    await c.mes.outbox.resubmit(bad.id, { payload: { result: result({ id: 7, characteristic: '0010' }) }, who: 'quality.quinn', why: 'characteristic mistyped' })
    await w.runOnce()
    assert.equal((await c.mes.outbox.get(bad.id)).status, 'sent')
    assert.equal(sim.received().results.length, 1)
  })

  it('refuses for good a message type the QMS adapter does not send', async () => {
    const c = ctx()
    const { message } = await c.mes.outbox.enqueue({ destination: QMS_DESTINATION, type: 'goods-movement', orderingKey: 'x', idempotencyKey: 'x', payload: {} })
    await worker(c).runOnce()
    const dead = await c.mes.outbox.get(message.id)
    assert.equal(dead.status, 'dead')
    assert.match(dead.lastError ?? '', /sends inspection-result, nonconformance, usage-decision, not 'goods-movement'/)
  })
})
