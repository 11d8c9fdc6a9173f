// A production order's round trip with the simulated SAP (a real hub, its MES on SQLite, the simulator over real
// HTTP): LOIPRO in over the hub's endpoint, released, dispatched, run, material consumed and produced; the
// confirmation and both goods movements (261, 101) posted to SAP once each, over IDoc-XML and over OData; SAP down
// in the middle: retried, posted once when it is back, the confirmation acknowledged with SAP's reference.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestHub, testConfig, tempDir } from '../../support/hub-fixture'
import type { RunningHub } from '../../../hub/hub'
import { hashPassword } from '../../../core/passwords'
import { startSapSimulator, type RunningSapSimulator } from '../../../sim/sap/simulator'
import type { SapTransport } from '../../../adapters/sap/config'
import { loiproIdoc, xmlHttp } from './idoc-samples'
import { serveSapEndpoints, type SapEndpointsServer } from './sap-endpoints-server'
import { until } from '../../support/until'
import { createODataClient } from '../../../adapters/sap/odata/odata-client'
import { PROD_ORDER_CONF2_SERVICE, prodnOrdConf2Body } from '../../../adapters/sap/outbound/odata-bodies'

const PRESS_ORDER = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESSL1</ARBPL><LTXA1>Stamp side panel</LTXA1><MGVRG>100.000</MGVRG>' +
  '<E1RESBL SEGMENT="1"><POSNR>0010</POSNR><MATNR>RM-STEEL-COIL</MATNR><BDMNG>250.000</BDMNG><MEINS>KG</MEINS></E1RESBL></E1AFVOL>'


for (const transport of ['idoc-xml', 'idoc-soap', 'odata'] as SapTransport[]) {
  describe(`an order's round trip with SAP (${transport})`, function () {
    this.timeout(90000)
    let sim: RunningSapSimulator
    let hub: RunningHub
    let server: SapEndpointsServer
    let base: string

    before(async function () {
      sim = await startSapSimulator({ port: 0 })
      const dir = tempDir('sap-round-trip-')
      const passwordFile = path.join(dir, 'sap-password')
      fs.writeFileSync(passwordFile, 'sap-sim\n', { mode: 0o600 })
      hub = await startTestHub(testConfig(dir, (c) => {
        c.sap.outbound = { ...c.sap.outbound, url: sim.url, username: 'HUB_RFC', passwordFile, confirmations: transport, goodsMovements: transport, pollMs: 100, timeoutMs: 400, receiverPartner: 'SIMCLNT100', receiverPort: 'SAPSIM' }
      }))
      server = await serveSapEndpoints(hub, [{ username: 'sap-rfc', passwordHash: await hashPassword('idoc-secret'), permissions: ['sap.write'] }])
      base = server.url
    })
    after(async function () {
      server.close()
      await hub.stop()
      await sim.close()
    })

    it('posts the confirmation and the goods movements of a run once each, across an SAP outage', async function () {
      const mes = hub.mes.mes
      const r = await fetch(base + '/sap/bc/idoc_xml', {
        method: 'POST', headers: { authorization: `Basic ${Buffer.from('sap-rfc:idoc-secret').toString('base64')}` },
        body: xmlHttp(loiproIdoc('0000000000200001', { aufnr: '000001000001', operations: PRESS_ORDER }))
      })
      assert.equal(r.status, 200, await r.text())
      await hub.sap!.adapter.applier.idle()
      const order = await mes.workOrders.get('1000001')
      assert.equal(order.status, 'released')

      await mes.materials.define({ material: 'RM-STEEL-COIL', unit: 'KG' }, 'erp:SAP')
      await mes.materials.define({ material: 'FG-1000-LONG-MATERIAL-NUMBER-40-CHARS', unit: 'ST' }, 'erp:SAP')
      await mes.materials.receiveLot({ lotId: 'COIL-1', material: 'RM-STEEL-COIL', quantity: 1000, unit: 'KG', who: 'wms:WH1' })
      const job = await mes.dispatch.dispatchOperation('1000001', 10, 'PRESS01', { who: 'supervisor.sue' })
      await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
      await mes.materials.consume({ jobId: job.jobId, who: 'op.olga', lotId: 'COIL-1', quantity: 250 })

      // SAP goes down before anything is sent: what the run produces waits in the outbox and is retried.
      sim.control.apply({ mode: 'down', how: '503' })
      await mes.materials.produce({ jobId: job.jobId, who: 'op.olga', material: 'FG-1000-LONG-MATERIAL-NUMBER-40-CHARS', lotId: 'PANEL-1', quantity: 100 })
      await mes.wip.apply({ jobId: job.jobId, event: 'report', who: 'op.olga', good: 100 })
      await mes.wip.apply({ jobId: job.jobId, event: 'complete', who: 'op.olga' })
      const retried = await until('a retry while SAP is down', async () =>
        (await mes.outbox.list({ destination: 'sap' })).find((m) => m.attempts > 0 && m.status === 'pending' && m.lastError !== null))
      assert.match(retried.lastError!, /503|could not be reached|unavailable/i)

      sim.control.apply({ mode: 'up' })
      await until('everything sent', async () => {
        const all = await mes.outbox.list({ destination: 'sap' })
        // The report and the completion each make a confirmation (partial, then final); consumption and production a movement.
        return all.length === 4 && all.every((m) => m.status === 'sent') ? all : undefined
      }).catch(async (err: Error) => {
        const all = await mes.outbox.list({ destination: 'sap' })
        throw new Error(`${err.message}: ${JSON.stringify(all.map((m) => [m.type, m.status, m.attempts, m.lastError]))}`)
      })
      // A few more rounds of the feeders and the worker: nothing is posted again.
      await new Promise((r) => setTimeout(r, 600))
      const received = sim.received
      if (transport === 'odata') {
        assert.equal(received.confirmations.length, 2)
        assert.equal(received.materialDocuments.length, 2)
      } else {
        assert.equal(received.idocs.length, 4, JSON.stringify(received.idocs))
      }
      const confirmations = await mes.confirmations.forOrder('1000001')
      assert.deepEqual(confirmations.map((c) => [c.yield, c.final, c.status]), [[100, false, 'acknowledged'], [0, true, 'acknowledged']])
      assert.ok(confirmations.every((c) => c.erpReference !== null), 'SAP\'s reference kept')
      assert.deepEqual(await mes.confirmations.pending(), [])
    })

    if (transport === 'odata') {
      it('finds a confirmation SAP booked but whose answer was lost, and does not post it again', async function () {
        const mes = hub.mes.mes
        // SAP slower than the hub's timeout (400 ms): every request of the hub times out before it could post.
        sim.control.apply({ mode: 'slow', delayMs: 800 })
        await mes.workOrders.create({ orderNumber: '1000002', material: 'FG-PANEL-200', quantity: 50, unit: 'ST', dueDate: '2024-06-04T20:00:00Z', operations: [{ sequence: 10, workCenter: 'PRESSL1' }] }, { who: 'erp:SAP' })
        await mes.workOrders.release('1000002', { who: 'erp:SAP' })
        const job = await mes.dispatch.dispatchOperation('1000002', 10, 'PRESS01', { who: 'supervisor.sue' })
        await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
        const r = await mes.wip.apply({ jobId: job.jobId, event: 'report', who: 'op.olga', good: 1 })
        const c = await mes.confirmations.get(r.confirmationKey!)
        await until('a timed-out attempt', async () => (await mes.outbox.list({ destination: 'sap', type: 'confirmation' })).find((m) => m.payload !== null && (m.payload as { idempotencyKey?: string }).idempotencyKey === c.idempotencyKey && m.attempts > 0 && m.status === 'pending'))
        // What a post that timed out leaves behind: SAP has the confirmation, the hub has no answer (booked here by a
        // client with a longer timeout, while the hub's own requests still time out).
        const before = sim.received.confirmations.length
        const direct = createODataClient({ baseUrl: sim.url, username: 'HUB_RFC', password: 'sap-sim', timeoutMs: 10000 })
        await direct.post(PROD_ORDER_CONF2_SERVICE, 'ProdnOrdConf2', prodnOrdConf2Body(c, { timeZone: 'UTC' }))
        assert.equal(sim.received.confirmations.length, before + 1)
        sim.control.apply({ mode: 'up' })
        await until('the confirmation acknowledged', async () => (await mes.confirmations.get(c.idempotencyKey)).status === 'acknowledged' ? true : undefined)
        await new Promise((resolve) => setTimeout(resolve, 600))
        assert.equal(sim.received.confirmations.length, before + 1, 'booked once, by the direct post; the hub found it')
      })
    }
  })
}
