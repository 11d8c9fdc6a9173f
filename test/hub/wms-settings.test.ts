// The WMS's and the MES's logistics settings as the hub reads them: mes.staging from the environment and the config
// file (a trigger it does not know refused, naming the key), the wms section's defaults (off), and a hub started with
// wms enabled: the adapter in its services, and the outbound side queueing the staging request of a dispatch in the
// outbox (no WMS url: it waits there).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../../hub/config'
import { ValidationError } from '../../core/errors'
import { startTestHub, tempDir, testConfig } from '../support/hub-fixture'

describe('the hub\'s WMS and staging settings', function () {
  it('reads mes.staging from the environment, with the defaults otherwise', function () {
    const cwd = tempDir()
    assert.deepEqual(loadConfig({ env: {}, cwd }).mes.staging, { trigger: 'dispatch', requiredToStart: false })
    assert.deepEqual(loadConfig({ env: { HUB_MES_STAGING_TRIGGER: 'release', HUB_MES_STAGING_REQUIRED: 'true' }, cwd }).mes.staging, { trigger: 'release', requiredToStart: true })
    const c = loadConfig({ env: {}, cwd })
    assert.deepEqual([c.wms.enabled, c.wms.warehouse, c.wms.url], [false, 'WH01', ''])
  })

  it('refuses a staging trigger it does not know, naming the key', function () {
    const dir = tempDir()
    const file = path.join(dir, 'isa95-hub.yaml')
    fs.writeFileSync(file, 'mes:\n  staging: { trigger: later }\n')
    assert.throws(() => loadConfig({ env: {}, cwd: dir, file }), (err: unknown) => err instanceof ValidationError && err.problems.some((p) => p.path === '/mes/staging/trigger'))
    fs.writeFileSync(file, 'mes:\n  staging: { requiredToStart: true }\n')
    assert.deepEqual(loadConfig({ env: {}, cwd: dir, file }).mes.staging, { trigger: 'dispatch', requiredToStart: true })
  })

  it('starts the WMS adapter with the hub: in its services, a dispatch\'s staging requests queued in the outbox', async function () {
    process.env.HUB_WMS_WEBHOOK_SECRET = 'wms-settings-test'
    const hub = await startTestHub(testConfig(undefined, (c) => {
      c.wms.enabled = true
      c.wms.pollMs = 50
      c.mes.staging = { trigger: 'dispatch', requiredToStart: true }
    }))
    try {
      assert.ok(hub.services.wms !== undefined && hub.wms !== undefined)
      const mes = hub.mes.mes
      await mes.materials.define({ material: 'RM-BOLT', unit: 'PCE' }, 'erp:SAP')
      await mes.workOrders.create({
        orderNumber: '9001', material: 'FG-X', quantity: 1, unit: 'PCE', dueDate: '2026-12-31T00:00:00Z',
        operations: [{ sequence: 10, workCenter: 'PRESSL1' }], materials: [{ item: 1, material: 'RM-BOLT', quantity: 4, unit: 'PCE' }]
      }, { who: 'erp:SAP' })
      await mes.workOrders.release('9001', { who: 'planner' })
      const job = await mes.dispatch.dispatchOperation('9001', 10, 'PRESS01', { who: 'planner' })
      const [request] = await mes.logistics.stagingOf(job.jobId)
      assert.equal(request!.location, 'PSA-PRESS01', 'the demo plant\'s supply location of PRESS01')
      for (let i = 0; i < 100 && (await mes.outbox.list({ destination: 'wms' })).length === 0; i++) await new Promise((r) => setTimeout(r, 20))
      assert.deepEqual((await mes.outbox.list({ destination: 'wms' })).map((m) => `${m.type} ${m.orderingKey} ${m.status}`), [`staging-request ${job.jobId}/1 pending`])
      await assert.rejects(mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' }), /not staged|not-staged|staged/)
    } finally {
      delete process.env.HUB_WMS_WEBHOOK_SECRET
      await hub.stop()
    }
  })
})
