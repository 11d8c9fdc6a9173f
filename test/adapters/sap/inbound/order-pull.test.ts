// Production orders pulled from the simulated S/4HANA over OData (real HTTP, a real hub and MES): the released ones
// land as released orders with their operations and components; a second pull changes nothing; an order that cannot
// be mapped is reported by entity and property, and the others are applied.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestHub, testConfig, tempDir } from '../../../support/hub-fixture'
import type { RunningHub } from '../../../../hub/hub'
import { demoOrders } from '../../../../sim/sap/production-orders'
import { startSapSimulator, type RunningSapSimulator } from '../../../../sim/sap/simulator'
import { mapODataOrder } from '../../../../adapters/sap/mapping/odata-order'
import { IdocMappingError } from '../../../../adapters/sap/errors'
import { ianaZone } from '../../../../adapters/sap/sap-values'

describe('production orders pulled from SAP over OData', function () {
  this.timeout(60000)
  let sim: RunningSapSimulator
  let hub: RunningHub

  before(async function () {
    const orders = demoOrders()
    orders.push({ ...orders[0]!, order: '1000009', operations: [{ operation: '0010', workCenter: 'PRESS 01', text: 'a work center SAP allows and the MES not', quantity: '5' }], components: [] })
    sim = await startSapSimulator({ port: 0, orders })
    const dir = tempDir('sap-pull-')
    const passwordFile = path.join(dir, 'sap-password')
    fs.writeFileSync(passwordFile, 'sap-sim\n', { mode: 0o600 })
    hub = await startTestHub(testConfig(dir, (c) => {
      c.sap.outbound = { ...c.sap.outbound, url: sim.url, username: 'HUB_RFC', passwordFile }
      c.sap.timeZone = 'Europe/Berlin'
    }))
  })
  after(async function () {
    await hub.stop()
    await sim.close()
  })

  it('applies the released orders with operations, components and SAP\'s local times; again, nothing changes', async function () {
    const first = await hub.sap!.adapter.pull()
    assert.equal(first.read, 3, 'the released ones: 1000001, 1000002 and 1000009')
    assert.deepEqual(first.changed.map((c) => [c.orderNumber, c.status]), [['1000001', 'released'], ['1000002', 'released']])
    assert.deepEqual(first.refused.map((r) => r.order), ['1000009'])
    assert.match(first.refused[0]!.reason, /to_ProductionOrderOperation\(1\).*WorkCenter 'PRESS 01' is not a valid MES id/s)
    const o = await hub.mes.mes.workOrders.get('1000001')
    assert.deepEqual([o.material, o.quantity, o.unit, o.dueDate], ['FG-PANEL-100', 100, 'ST', '2024-06-04T20:00:00Z'])
    // SAP's work centers PRESS01 and PRESS02 are presses 1 and 2 in the demo plant, units of line PRESSL1: the MES
    // dispatches the operations of PRESSL1 to them.
    assert.deepEqual(o.operations.map((op) => [op.sequence, op.workCenter]), [[10, 'PRESSL1'], [20, 'PRESSL1']])
    assert.deepEqual(o.materials.map((m) => [m.material, m.quantity, m.unit, m.operationSequence]), [['RM-STEEL-COIL', 250, 'KG', 10], ['RM-STEEL-SHEET', 100, 'ST', 20]])
    await assert.rejects(hub.mes.mes.workOrders.get('1000003'), /not found/, 'not released in SAP: not pulled')

    const audit = (await hub.mes.mes.audit.query({ limit: 100000 })).length
    const again = await hub.sap!.adapter.pull()
    assert.deepEqual(again.changed, [])
    assert.equal((await hub.mes.mes.audit.query({ limit: 100000 })).length, audit)
  })

  it('maps the deletion flag and TECO of an entity to the actions, and names missing properties', function () {
    const base = { ManufacturingOrder: '000001000005', Material: 'M', TotalQuantity: '1.000', ProductionUnit: 'ST', MfgOrderPlannedEndDate: '/Date(1717372800000)/', MfgOrderPlannedEndTime: 'PT24H00M00S', to_ProductionOrderOperation: { results: [{ ManufacturingOrderOperation: '0010', WorkCenter: 'PRESS01' }] } }
    assert.deepEqual(mapODataOrder({ ...base, OrderIsReleased: 'X', OrderIsTechnicallyCompleted: 'X' }).actions, ['upsert', 'complete'])
    assert.deepEqual(mapODataOrder({ ...base, OrderIsDeleted: 'X' }).actions, ['delete'])
    assert.equal(mapODataOrder(base, { zone: ianaZone('Europe/Berlin') }).order.dueDate, '2024-06-03T22:00:00Z', '24:00 local is the next day at 00:00, in summer time')
    assert.throws(() => mapODataOrder({ ...base, TotalQuantity: undefined, Material: '' }), (err: unknown) =>
      err instanceof IdocMappingError && /Material missing/.test(err.message) && /TotalQuantity missing/.test(err.message))
  })
})
