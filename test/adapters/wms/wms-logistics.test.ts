// The WMS adapter's parts over the MES's real Logistics, on both stores: the feeder (a dispatch makes one
// staging-request per component, once, and its cursor survives a restart; an abort makes a staging-cancel; a
// produced lot a put-away-request), the sender against the simulated WMS over HTTP (the task recorded with the
// request), and the webhook with the real applier (a partial then a final confirmation; a duplicate applied once; an
// unknown request and another material 422 with the inbox's reason; a put-away's bin in a forward trace; a task
// cancelled by the warehouse cancels its request).
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { forEachStore, SUPERVISOR, type Ctx } from '../../mes/stores'
import { cartOrder, LOGISTICS_OPTIONS } from '../../mes/logistics/fixture'
import { WmsFeeder } from '../../../adapters/wms/wms-feeders'
import { WMS_DESTINATION, wmsSender } from '../../../adapters/wms/wms-sender'
import { GenericWmsConnector } from '../../../adapters/wms/generic/generic-wms-connector'
import { wmsWebhook } from '../../../adapters/wms/inbound/wms-webhook'
import { wmsEventApplier } from '../../../adapters/wms/inbound/wms-event-applier'
import { webhookHeaders } from '../../../core/webhook-signature'
import { silentLogger } from '../../../core/logger'
import { createMes } from '../../../mes/index'
import { startWmsSimulator } from '../../../sim/wms/simulator'

const SECRET = 'whsec_' + Buffer.from('wms-logistics-test').toString('base64')
const OPERATOR = 'op.olga'

async function wmsMessages (c: Ctx): Promise<string[]> {
  return (await c.mes.outbox.list({ destination: WMS_DESTINATION })).map((m) => `${m.type} ${m.orderingKey}`)
}

forEachStore('the WMS adapter over the MES logistics', (ctx) => {
  describe('feeder', () => {
    it('enqueues one staging-request per component of a dispatched job, once; a restarted feeder resumes from its cursor', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      const feeder = new WmsFeeder({ logistics: c.mes.logistics, outbox: c.mes.outbox })
      assert.equal(await feeder.drain(), 2)
      assert.equal(await feeder.drain(), 0)
      assert.deepEqual(await wmsMessages(c), [`staging-request ${cut.jobId}/1`, `staging-request ${cut.jobId}/3`])
      const [tube] = await c.mes.outbox.list({ destination: WMS_DESTINATION })
      assert.equal(tube!.idempotencyKey, `wms:staging:${cut.jobId}/1`)
      assert.deepEqual((tube!.payload as { request: { location: string, quantity: number, material: string } }).request.location, 'PSA-SAW')
      // The hub restarted: another MES and feeder on the same store; the cursor is durable, nothing is sent twice.
      const again = createMes(c.store, LOGISTICS_OPTIONS)
      const restarted = new WmsFeeder({ logistics: again.logistics, outbox: again.outbox })
      assert.equal(await restarted.drain(), 0)
      const weld = await again.dispatch.dispatchOperation('700', 20, 'ROBOT-1', SUPERVISOR)
      assert.equal(await restarted.drain(), 1)
      assert.deepEqual((await wmsMessages(c)).slice(2), [`staging-request ${weld.jobId}/2`])
    })

    it('enqueues a staging-cancel for the open requests of an aborted job, and a put-away-request for a produced lot', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      const feeder = new WmsFeeder({ logistics: c.mes.logistics, outbox: c.mes.outbox })
      await feeder.drain()
      await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: OPERATOR })
      await c.mes.materials.produce({ jobId: cut.jobId, material: 'FG-CART', lotId: 'FG-1', quantity: 2, who: OPERATOR })
      assert.equal(await feeder.drain(), 1)
      assert.deepEqual((await wmsMessages(c)).slice(2), ['put-away-request putaway/FG-1'])
      await c.mes.wip.apply({ jobId: cut.jobId, event: 'abort', who: SUPERVISOR.who })
      assert.equal(await feeder.drain(), 2)
      const cancels = (await c.mes.outbox.list({ destination: WMS_DESTINATION })).filter((m) => m.type === 'staging-cancel')
      assert.deepEqual(cancels.map((m) => [m.orderingKey, m.idempotencyKey]), [[`${cut.jobId}/1`, `wms:staging-cancel:${cut.jobId}/1`], [`${cut.jobId}/3`, `wms:staging-cancel:${cut.jobId}/3`]])
      assert.match((cancels[0]!.payload as { why: string }).why, new RegExp(`job ${cut.jobId} no longer needs it`))
      assert.equal(await feeder.drain(), 0)
    })

    it('sends a request asked for again after its cancel as a new task (its attempt in the keys), not as a resend of the first', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      const feeder = new WmsFeeder({ logistics: c.mes.logistics, outbox: c.mes.outbox })
      await feeder.drain()
      await c.mes.logistics.cancelStaging({ requestId: `${cut.jobId}/1`, who: SUPERVISOR.who, why: 'saw changed' })
      await feeder.drain()
      const again = await c.mes.logistics.requestStaging(cut.jobId, SUPERVISOR.who)
      assert.equal(again.find((r) => r.requestId === `${cut.jobId}/1`)?.attempt, 2)
      assert.equal(await feeder.drain(), 1)
      const keys = (await c.mes.outbox.list({ destination: WMS_DESTINATION })).filter((m) => m.orderingKey === `${cut.jobId}/1`).map((m) => m.idempotencyKey)
      assert.deepEqual(keys, [`wms:staging:${cut.jobId}/1`, `wms:staging-cancel:${cut.jobId}/1`, `wms:staging:${cut.jobId}/1#2`])
    })
  })

  describe('sender', () => {
    it('sends the staging requests to the WMS and records each task with its request', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      await new WmsFeeder({ logistics: c.mes.logistics, outbox: c.mes.outbox }).drain()
      const sim = await startWmsSimulator({ autoConfirm: false })
      try {
        const connector = new GenericWmsConnector({ url: sim.url, warehouse: 'WH01', username: 'hub', password: 'wms-sim', timeoutMs: 2000 })
        const worker = c.mes.outbox.worker({ destination: WMS_DESTINATION, owner: 'wms-test', send: wmsSender({ connector, logistics: c.mes.logistics }) })
        assert.deepEqual(await worker.runOnce(), { sent: 2, failed: 0, lost: 0 })
        const tasks = sim.tasks.list()
        assert.equal(tasks.length, 2)
        for (const r of await c.mes.logistics.stagingOf(cut.jobId)) {
          const task = tasks.find((t) => t.requestId === r.requestId)
          assert.ok(task !== undefined, `a task for ${r.requestId}`)
          assert.equal(r.taskRef, task.taskId)
        }
        const sent = await c.mes.outbox.list({ destination: WMS_DESTINATION })
        assert.deepEqual(sent.map((m) => m.status), ['sent', 'sent'])
        assert.match(sent[0]!.reference ?? '', /^task \d+$/)
      } finally {
        await sim.close()
      }
    })
  })

  describe('webhook with the real applier', () => {
    let server: http.Server
    let url: string
    let n = 0
    beforeEach(async () => {
      const webhook = wmsWebhook({ inbox: ctx().mes.inbox, secret: SECRET, toleranceSeconds: 300, warehouse: 'WH01', maxEventBytes: 64 * 1024, apply: wmsEventApplier(ctx().mes.logistics), log: silentLogger })
      const app = express()
      app.use(webhook.path, webhook.handler)
      server = http.createServer(app)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${webhook.path}`
    })
    afterEach(async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const post = async (event: Record<string, unknown>, id = String(event.eventId)): Promise<{ status: number, body: any }> => {
      const body = JSON.stringify(event)
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...webhookHeaders(SECRET, id, body) }, body })
      return { status: res.status, body: await res.json() }
    }
    const staging = (requestId: string, material: string, quantity: number, confirmation: Record<string, unknown>, eventId = `EV-${++n}`): Record<string, unknown> => ({
      eventId, type: 'task.confirmed', occurredAt: '2026-12-01T10:00:00Z', warehouse: 'WH01',
      task: { taskId: `T-${requestId}`, requestId, type: 'staging', material, quantity, unit: 'M', status: confirmation.final === true ? 'confirmed' : 'partially-confirmed' },
      confirmation: { destinationBin: 'PSA-SAW', ...confirmation }
    })

    it('applies a partial then a final confirmation, a duplicate once; the job is staged only then', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      const tube = `${cut.jobId}/1`
      const partial = staging(tube, 'RM-TUBE', 400, { quantity: 300, final: false, lots: [{ lotId: 'T-1', quantity: 300, sourceBin: '01-A' }] })
      const first = await post(partial)
      assert.equal(first.status, 200)
      assert.deepEqual([first.body.results.status, first.body.results.stagedQuantity], ['partial', 300])
      const dup = await post(partial)
      assert.deepEqual([dup.status, dup.body.duplicate, dup.body.results.stagedQuantity], [200, true, 300])
      assert.equal((await c.mes.logistics.stagingRequest(tube)).stagedQuantity, 300, 'the duplicate changed nothing')
      const rest = await post(staging(tube, 'RM-TUBE', 400, { quantity: 100, final: true, lots: [{ lotId: 'T-2', quantity: 100 }] }))
      assert.deepEqual([rest.status, rest.body.results.status, rest.body.results.stagedQuantity], [200, 'staged', 400])
      assert.equal(await c.mes.logistics.isStaged(cut.jobId), false, 'the paint is not staged yet')
      // Closed short (a difference quantity): staged.
      const paint = staging(`${cut.jobId}/3`, 'RM-PAINT', 2, { quantity: 1.5, final: true, lots: [{ lotId: 'P-1', quantity: 1.5 }] })
      ;(paint.task as Record<string, unknown>).unit = 'L'
      assert.equal((await post(paint)).status, 200)
      assert.equal(await c.mes.logistics.isStaged(cut.jobId), true)
      assert.equal((await c.mes.materials.lot('T-2')).location, 'PSA-SAW')
      assert.equal((await c.mes.logistics.stagingRequest(tube)).taskRef, `T-${tube}`)
    })

    it('answers 422 for an unknown request and for a lot of another material, the inbox keeping the reason; 400 for an id not the webhook-id', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      const unknown = await post(staging('NOPE/1', 'RM-TUBE', 1, { quantity: 1, final: true, lots: [{ lotId: 'T-1', quantity: 1 }] }))
      assert.equal(unknown.status, 422)
      assert.match(unknown.body.detail, /staging request NOPE\/1 not found/)
      const stored = await c.mes.inbox.get(unknown.body.inboxId)
      assert.deepEqual([stored.status, stored.reason], ['error', unknown.body.detail])
      const wire = await post(staging(`${cut.jobId}/1`, 'RM-TUBE', 400, { quantity: 5, final: false, lots: [{ lotId: 'W-1', quantity: 5 }] }))
      assert.equal(wire.status, 422)
      assert.match(wire.body.detail, /W-1/)
      assert.match(wire.body.detail, /RM-WIRE/)
      assert.equal((await c.mes.inbox.get(wire.body.inboxId)).status, 'error')
      assert.equal((await c.mes.logistics.stagingRequest(`${cut.jobId}/1`)).stagedQuantity, 0, 'nothing staged')
      const mismatch = await post(staging(`${cut.jobId}/1`, 'RM-TUBE', 400, { quantity: 5, final: false, lots: [{ lotId: 'T-1', quantity: 5 }] }, 'EV-A'), 'EV-B')
      assert.equal(mismatch.status, 400)
      assert.match(mismatch.body.detail, /webhook-id header says EV-B/)
    })

    it('puts a produced lot in the bin the put-away confirms, shown in a forward trace; a cancelled staging task cancels its request', async () => {
      const c = ctx()
      await cartOrder(c)
      const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
      await post(staging(`${cut.jobId}/1`, 'RM-TUBE', 400, { quantity: 300, final: false, lots: [{ lotId: 'T-1', quantity: 300 }] }))
      await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: OPERATOR })
      await c.mes.materials.consume({ jobId: cut.jobId, lotId: 'T-1', quantity: 40, who: OPERATOR })
      await c.mes.materials.produce({ jobId: cut.jobId, material: 'FG-CART', lotId: 'FG-L1', quantity: 4, who: OPERATOR })
      await c.mes.logistics.requestsAfter(0) // the feed's catch-up makes the put-away request
      const putAway = await post({
        eventId: `EV-${++n}`, type: 'task.confirmed', occurredAt: '2026-12-01T11:00:00Z', warehouse: 'WH01',
        task: { taskId: 'T-PA', requestId: 'putaway/FG-L1', type: 'put-away', material: 'FG-CART', quantity: 4, unit: 'PCE', status: 'confirmed' },
        confirmation: { quantity: 4, final: true, lots: [{ lotId: 'FG-L1', quantity: 4 }], destinationBin: 'FG-01-01' }
      })
      assert.deepEqual([putAway.status, putAway.body.results.status, putAway.body.results.location], [200, 'confirmed', 'FG-01-01'])
      const t = await c.mes.materials.trace({ direction: 'forward', lotId: 'T-1' })
      assert.deepEqual(t.nodes.map((x) => `${x.id} ${String(x.location)}`).sort(), ['FG-L1 FG-01-01', 'T-1 PSA-SAW'])

      const cancelled = await post({
        eventId: `EV-${++n}`, type: 'task.cancelled', occurredAt: '2026-12-01T11:05:00Z', warehouse: 'WH01', reason: 'bin blocked',
        task: { taskId: 'T-P', requestId: `${cut.jobId}/3`, type: 'staging', material: 'RM-PAINT', quantity: 2, unit: 'L', status: 'cancelled' }
      })
      assert.deepEqual([cancelled.status, cancelled.body.results.status], [200, 'cancelled'])
      assert.equal((await c.mes.logistics.stagingRequest(`${cut.jobId}/3`)).status, 'cancelled')
    })
  })
}, LOGISTICS_OPTIONS)
