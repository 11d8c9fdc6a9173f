// SAP EWM as the hub's WMS and SAP QM as its QMS, each a hub in this process against the simulated SAP over real
// HTTP (OData v4 and v2, CSRF included): a dispatch's staging request becomes a warehouse task in EWM; a worker
// confirms it in EWM (as an RF app does) and the hub's task poller applies the confirmation once (stored in the MES
// inbox once, by its event id); a produced lot's put-away likewise, with EWM's bin recorded in the lot; a task EWM
// cancelled cancels the staging, and a confirmation the MES refuses stays refused across a restart. And an order
// released in the MES gets its inspection plan from SAP QM's inspection lot of that order; a result recorded is
// posted to SAP once.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestHub, tempDir, testConfig } from '../support/hub-fixture'
import { until } from '../support/until'
import type { RunningHub } from '../../hub/hub'
import type { HubConfig } from '../../hub/config'
import { DEFAULT_USERS, startSapSimulator, type RunningSapSimulator } from '../../sim/sap/simulator'
import { createODataV4Client, type ODataV4Client } from '../../adapters/sap/odata/odata-v4-client'
import { createODataClient } from '../../adapters/sap/odata/odata-client'
import { EWM_NAMESPACE, EWM_SERVICE, EWM_SERVICE_PATH } from '../../adapters/sap/ewm/sap-ewm-connector'
import { QM_SERVICE } from '../../adapters/sap/qm/sap-qm-connector'
import { WMS_CHANNEL } from '../../adapters/wms/inbound/wms-event-intake'

function secretFile (dir: string, name: string, content: string): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content + '\n', { mode: 0o600 })
  return file
}

describe('the hub with SAP EWM as its WMS', function () {
  this.timeout(60_000)
  let sap: RunningSapSimulator
  let hub: RunningHub | undefined
  let worker: ODataV4Client
  let config: HubConfig
  const taskKey = (taskRef: string): string => { const [t, i] = taskRef.split('/'); return `WarehouseTask(EWMWarehouse='1710',WarehouseTask='${t!}',WarehouseTaskItem='${i!}')` }
  /** What a warehouse worker's RF app does: EWM's confirm action on the task. */
  const confirmInEwm = async (taskRef: string): Promise<void> => { await worker.post(`${taskKey(taskRef)}/${EWM_NAMESPACE}.ConfirmWarehouseTaskExact`, {}) }
  const cancelInEwm = async (taskRef: string): Promise<void> => { await worker.post(`${taskKey(taskRef)}/${EWM_NAMESPACE}.CancelWarehouseTask`, {}) }

  beforeEach(async function () {
    sap = await startSapSimulator({ port: 0, users: { ...DEFAULT_USERS, RF_WORKER: 'rf' }, ewmBatches: { 'RM-BOLT': 'B-4711' } })
    worker = createODataV4Client({ baseUrl: sap.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: 'RF_WORKER', password: 'rf', timeoutMs: 5000 })
    const dir = tempDir()
    // EWM's production supply area has 10 characters: the demo plant's PSA-PRESS01 does not fit, so this plant's
    // supply location of PRESS01 is PSA-PR01 (a landscape names its PSAs as EWM allows).
    const demo = testConfig().plantModel
    const plant = path.join(dir, 'plant.yaml')
    fs.writeFileSync(plant, fs.readFileSync(demo, 'utf8').replace(/supplyLocation: PSA-PRESS01/, 'supplyLocation: PSA-PR01'))
    config = testConfig(undefined, (c) => {
      c.plantModel = plant
      Object.assign(c.wms, {
        enabled: true, system: 'sap-ewm', url: sap.url, username: 'HUB_RFC', passwordFile: secretFile(dir, 'sap-password', DEFAULT_USERS.HUB_RFC!),
        warehouse: '1710', pollMs: 50, ewmPollMs: 100, timeoutMs: 5000
      })
    })
    hub = await startTestHub(config)
  })
  afterEach(async function () {
    await hub?.stop()
    hub = undefined
    await sap.close()
  })

  const ewmTasks = async (): Promise<Array<Record<string, unknown>>> => {
    const hubClient = createODataV4Client({ baseUrl: sap.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: 'HUB_RFC', password: DEFAULT_USERS.HUB_RFC!, timeoutMs: 5000 })
    return (await hubClient.get<{ value: Array<Record<string, unknown>> }>('WarehouseTask', { $filter: "EWMWarehouse eq '1710'" })).value
  }

  /** An order of FG-X (9001 unless told), 4 ST of RM-BOLT at its operation 10, dispatched to PRESS01: its staging request. */
  const dispatched = async (mes: RunningHub['mes']['mes'], orderNumber = '9001'): Promise<{ jobId: string, requestId: string }> => {
    if (orderNumber === '9001') {
      await mes.materials.define({ material: 'RM-BOLT', unit: 'ST' }, 'erp:SAP')
      await mes.materials.define({ material: 'FG-X', unit: 'ST' }, 'erp:SAP')
    }
    await mes.workOrders.create({
      orderNumber, material: 'FG-X', quantity: 2, unit: 'ST', dueDate: '2026-12-31T00:00:00Z',
      operations: [{ sequence: 10, workCenter: 'PRESSL1' }], materials: [{ item: 1, material: 'RM-BOLT', quantity: 4, unit: 'ST' }]
    }, { who: 'erp:SAP' })
    await mes.workOrders.release(orderNumber, { who: 'planner' })
    const job = await mes.dispatch.dispatchOperation(orderNumber, 10, 'PRESS01', { who: 'planner' })
    return { jobId: job.jobId, requestId: `${job.jobId}/1` }
  }

  it('makes a staging task in EWM at dispatch, applies its confirmation once, and a put-away likewise with its bin in the lot', async function () {
    const running = hub!
    const mes = running.mes.mes
    assert.ok(running.wms?.ewmPoller !== undefined, 'the EWM task poller runs with the adapter')
    assert.equal(running.wms.adapter.connector?.system, 'sap-ewm')
    const job = await dispatched(mes)
    const { requestId } = job
    await mes.materials.receiveLot({ lotId: 'B-4711', material: 'RM-BOLT', quantity: 50, unit: 'ST', who: 'erp:SAP' })

    // Dispatch -> the outbox -> a warehouse task in EWM, its reference with the request.
    const taskRef = await until('the staging task made in EWM', async () => (await mes.logistics.stagingRequest(requestId)).taskRef ?? undefined)
    const [task] = await ewmTasks()
    assert.deepEqual([task!.WarehouseTask + '/' + String(task!.WarehouseTaskItem), task!.WarehouseTaskStatus, task!.ProductionSupplyArea, task!.Product, task!.TargetQuantityInBaseUnit, task!.ManufacturingOrder],
      [taskRef, '', 'PSA-PR01', 'RM-BOLT', '4', '9001'])
    assert.deepEqual(await mes.logistics.openTasks(), [{ requestId, type: 'staging', taskRef }])

    // A round while the task is open applies nothing.
    assert.equal((await running.wms.ewmPoller.pollOnce()).delivered, 0)
    assert.equal((await mes.logistics.stagingRequest(requestId)).status, 'requested')

    // Confirmed in EWM -> the poller -> the inbox -> Logistics: staged, with EWM's batch as the lot at the line.
    await confirmInEwm(taskRef)
    const staged = await until('the staging confirmed in the MES', async () => { const r = await mes.logistics.stagingRequest(requestId); return r.status === 'staged' ? r : undefined })
    assert.deepEqual([staged.stagedQuantity, staged.lots], [4, [{ lotId: 'B-4711', quantity: 4 }]])
    assert.equal((await mes.materials.lot('B-4711')).location, 'PSA-PR01')
    assert.deepEqual(await mes.logistics.openTasks(), [], 'nothing is open any more: the task is not polled again')
    const events = await mes.inbox.list({ channel: WMS_CHANNEL })
    assert.deepEqual(events.map((m) => [m.arckey, m.status, m.meta.via]), [[`ewm:1710:${taskRef}:C`, 'applied', 'ewm-poll']])

    // The same event delivered again (a hub restarted before it knew the task closed) is found in the inbox: once.
    const again = await running.wms.ewmPoller.pollOnce()
    assert.equal(again.delivered, 0)
    const resent = await running.wms.adapter.deliver(JSON.parse((await mes.inbox.get(events[0]!.id, { raw: true })).raw!), 'ewm-poll')
    assert.deepEqual([resent.id, resent.duplicate, resent.outcome.status], [events[0]!.id, true, 'applied'])
    assert.equal((await mes.inbox.list({ channel: WMS_CHANNEL })).length, 1)
    assert.equal((await mes.logistics.stagingRequest(requestId)).stagedQuantity, 4, 'applied once')

    // A produced lot -> its put-away task in EWM -> confirmed there -> the lot's location is EWM's bin.
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
    await mes.materials.produce({ jobId: job.jobId, material: 'FG-X', lotId: 'FG-1', quantity: 2, who: 'op.olga' })
    const putAwayRef = await until('the put-away task made in EWM', async () => (await mes.logistics.putAwayOf('FG-1'))?.taskRef ?? undefined)
    const putTask = (await ewmTasks()).find((t) => `${String(t.WarehouseTask)}/${String(t.WarehouseTaskItem)}` === putAwayRef)!
    assert.deepEqual([putTask.WarehouseProcessType, putTask.SourceStorageBin, putTask.Batch, putTask.TargetQuantityInBaseUnit], ['1011', 'PSA-PR01', 'FG-1', '2'])
    await confirmInEwm(putAwayRef)
    const put = await until('the put-away confirmed in the MES', async () => { const p = await mes.logistics.putAwayOf('FG-1'); return p?.status === 'confirmed' ? p : undefined })
    assert.equal(put.location, String(putTask.DestinationStorageBin))
    assert.equal((await mes.materials.lot('FG-1')).location, put.location, 'the lot is where EWM put it')
    await running.wms.ewmPoller.pollOnce()
    const all = await mes.inbox.list({ channel: WMS_CHANNEL })
    assert.deepEqual(all.map((m) => [m.arckey, m.status]), [[`ewm:1710:${taskRef}:C`, 'applied'], [`ewm:1710:${putAwayRef}:C`, 'applied']])
  })

  it('cancels the staging of a task EWM cancelled; a confirmation the MES refuses stays in the inbox with its reason, not applied again after a restart', async function () {
    let mes = hub!.mes.mes
    const first = await dispatched(mes)
    const firstRef = await until('the staging task made in EWM', async () => (await mes.logistics.stagingRequest(first.requestId)).taskRef ?? undefined)
    await cancelInEwm(firstRef)
    const cancelled = await until('the staging cancelled in the MES', async () => { const r = await mes.logistics.stagingRequest(first.requestId); return r.status === 'cancelled' ? r : undefined })
    assert.equal(cancelled.taskRef, firstRef)

    // Another order's staging: EWM's batch B-4711 is not a lot the MES knows (no goods receipt of it here): refused.
    const second = await dispatched(mes, '9002')
    const secondRef = await until('the second staging task', async () => (await mes.logistics.stagingRequest(second.requestId)).taskRef ?? undefined)
    await confirmInEwm(secondRef)
    const refused = await until('the confirmation refused', async () => (await mes.inbox.list({ channel: WMS_CHANNEL, status: 'error' }))[0])
    assert.equal(refused.arckey, `ewm:1710:${secondRef}:C`)
    assert.match(refused.reason ?? '', /B-4711/)
    assert.equal((await mes.logistics.stagingRequest(second.requestId)).status, 'requested', 'nothing applied')

    // A restarted hub polls the task again (still open in the MES): the inbox finds the event, nothing is applied twice.
    await hub!.stop()
    hub = await startTestHub(config)
    mes = hub.mes.mes
    const round = await hub.wms!.ewmPoller!.pollOnce()
    assert.deepEqual([round.open, round.delivered], [1, 1])
    assert.deepEqual((await mes.inbox.list({ channel: WMS_CHANNEL })).map((m) => [m.arckey, m.status]),
      [[`ewm:1710:${firstRef}:A`, 'applied'], [`ewm:1710:${secondRef}:C`, 'error']])
    assert.equal((await mes.logistics.stagingRequest(second.requestId)).status, 'requested')
  })
})

describe('the hub with SAP QM as its QMS', function () {
  this.timeout(60_000)
  let sap: RunningSapSimulator
  let hub: RunningHub | undefined

  beforeEach(async function () {
    // The simulated SAP's orders (1000001 among them) each have their inspection lot, as QM makes one at release.
    sap = await startSapSimulator({ port: 0 })
    const dir = tempDir()
    hub = await startTestHub(testConfig(undefined, (c) => {
      Object.assign(c.qms, {
        enabled: true, system: 'sap-qm', url: sap.url, credentialsFile: secretFile(dir, 'sap-credentials', `HUB_RFC:${DEFAULT_USERS.HUB_RFC!}`),
        sapPlant: '1000', pollMs: 50, timeoutMs: 5000, planRetryMs: 200
      })
    }))
  })
  afterEach(async function () {
    await hub?.stop()
    hub = undefined
    await sap.close()
  })

  it('reads a released order\'s inspection plan from its SAP QM inspection lot and posts a result to SAP once', async function () {
    const mes = hub!.mes.mes
    // Order 1000001 as SAP sends it (LOIPRO): the same number, material and routing as in the simulated SAP.
    await mes.materials.define({ material: 'FG-PANEL-100', unit: 'ST' }, 'erp:SAP')
    await mes.workOrders.create({
      orderNumber: '1000001', material: 'FG-PANEL-100', quantity: 100, unit: 'ST', dueDate: '2024-06-04T00:00:00Z',
      operations: [{ sequence: 10, workCenter: 'PRESS01' }, { sequence: 20, workCenter: 'PRESS02' }]
    }, { who: 'erp:SAP' })
    await mes.workOrders.release('1000001', { who: 'planner' })
    const chars = await until('the inspection plan from SAP QM', async () => { const c = await mes.quality.characteristics('1000001', 10); return c.length > 0 ? c : undefined })
    assert.deepEqual(chars.map((c) => [c.inspectionLot, c.characteristic, c.kind, c.unit, c.lowerLimit, c.upperLimit]),
      [['030000000001', '0010', 'quantitative', 'MM', 1.95, 2.05], ['030000000001', '0020', 'qualitative', null, null, null]])

    const result = { orderNumber: '1000001', sequence: 10, characteristic: '0010', value: 2.01, unit: 'MM', resultId: 'gauge-1/r-1', who: 'op.olga' }
    await mes.quality.recordResult(result)
    await mes.quality.recordResult(result)
    const client = createODataClient({ baseUrl: sap.url, username: 'HUB_RFC', password: DEFAULT_USERS.HUB_RFC!, timeoutMs: 5000 })
    const posted = async (): Promise<Array<Record<string, unknown>>> => (await client.get<Array<Record<string, unknown>>>(QM_SERVICE, 'A_InspectionResult', { $filter: "InspectionLot eq '030000000001'" })).data
    await until('the result in SAP QM', async () => (await posted()).length > 0 || undefined)
    await until('the outbox message sent', async () => (await mes.outbox.list({ destination: 'qms' })).every((m) => m.status === 'sent') || undefined)
    const rows = await posted()
    assert.deepEqual(rows.map((r) => [r.InspPlanOperationInternalID, r.InspectionCharacteristic, Number(r.InspectionResultMeanValue), r.InspectionValuationResult]), [['00000001', '0010', 2.01, 'A']])
    assert.equal((await mes.outbox.list({ destination: 'qms' })).filter((m) => m.type === 'inspection-result').length, 1, 'one message for the result recorded twice')
  })
})
