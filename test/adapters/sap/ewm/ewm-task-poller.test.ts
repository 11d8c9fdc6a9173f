// EWM's confirmations coming back on a schedule: the poller reads the tasks the MES has open from the simulated
// SAP, hands each closed one over once, keeps going across an SAP outage, and stops cleanly.
import assert from 'node:assert/strict'
import { WmsSendError } from '../../../../adapters/wms/wms-connector'
import { createODataV4Client } from '../../../../adapters/sap/odata/odata-v4-client'
import { EWM_NAMESPACE, EWM_SERVICE, EWM_SERVICE_PATH, SapEwmConnector, type EwmTaskEvent, type OpenWarehouseTask } from '../../../../adapters/sap/ewm/sap-ewm-connector'
import { EwmTaskPoller } from '../../../../adapters/sap/ewm/ewm-task-poller'
import { silentLogger } from '../../../../core/logger'
import type { StagingRequest } from '../../../../mes/service'
import { startSapSimulator, DEFAULT_USERS, type RunningSapSimulator } from '../../../../sim/sap/simulator'
import { until } from '../../../support/until'

const request = (requestId: string, material: string): StagingRequest => ({
  requestId, jobId: 'job-1', orderNumber: '1000001', sequence: 10, workUnit: 'PRESS01', location: 'PSA-PRESS1', item: 1,
  material, quantity: 5, unit: 'ST', stagedQuantity: 0, status: 'requested', taskRef: null, attempt: 1, lots: [],
  createdAt: '2024-06-03T08:00:00.000Z', updatedAt: '2024-06-03T08:00:00.000Z'
})

describe('EWM task poller against the simulated SAP', function () {
  let sap: RunningSapSimulator
  let ewm: SapEwmConnector
  let poller: EwmTaskPoller | undefined
  /** What the MES has open, as Logistics would answer; a delivered event closes its request there. */
  let open: OpenWarehouseTask[]
  let delivered: EwmTaskEvent[]

  const confirmInWarehouse = async (taskRef: string): Promise<void> => {
    const worker = createODataV4Client({ baseUrl: sap.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: 'HUB_RFC', password: DEFAULT_USERS.HUB_RFC! })
    const [t, i] = taskRef.split('/')
    await worker.post(`WarehouseTask(EWMWarehouse='1710',WarehouseTask='${t!}',WarehouseTaskItem='${i!}')/${EWM_NAMESPACE}.ConfirmWarehouseTaskExact`, {})
  }
  const newPoller = (deliver: (e: EwmTaskEvent) => Promise<void>): EwmTaskPoller =>
    new EwmTaskPoller({ connector: ewm, openTasks: async () => open, deliver, intervalMs: 20, maxBackoffMs: 100, log: silentLogger })

  beforeEach(async function () {
    sap = await startSapSimulator({ port: 0 })
    const client = createODataV4Client({ baseUrl: sap.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: 'HUB_RFC', password: DEFAULT_USERS.HUB_RFC!, timeoutMs: 2000 })
    ewm = new SapEwmConnector({ client, warehouse: '1710', stagingProcessType: '2030', putAwayProcessType: '1011', refusal: (m, r, s) => new WmsSendError(m, r, s) })
    open = []
    delivered = []
    for (const [id, material] of [['job-1/1', 'RM-STEEL-COIL'], ['job-1/2', 'RM-STEEL-SHEET']] as const) {
      const { taskRef } = await ewm.send('staging-request', { request: request(id, material) }, id)
      open.push({ requestId: id, type: 'staging', taskRef: taskRef! })
    }
  })
  afterEach(async function () {
    await poller?.stop()
    await sap.close()
  })

  it('hands over each task the warehouse confirms, once, while the others stay open', async function () {
    poller = newPoller(async (e) => { delivered.push(e) })
    assert.deepEqual(await poller.pollOnce(), { delivered: 0, open: 2, problems: [] })
    await confirmInWarehouse(open[0]!.taskRef)
    poller.start()
    await until('the confirmation delivered', () => delivered.length > 0 ? true : undefined)
    assert.equal(delivered[0]!.task.requestId, 'job-1/1')
    assert.equal(delivered[0]!.type, 'task.confirmed')
    const again = await poller.pollOnce()
    assert.deepEqual(again, { delivered: 0, open: 2, problems: [] })
    assert.equal(delivered.length, 1)
  })

  it('keeps polling across an SAP outage and a delivery that failed, and delivers when both are back', async function () {
    let failDelivery = true
    poller = newPoller(async (e) => {
      if (failDelivery) throw new Error('the MES store is busy')
      delivered.push(e)
      open = open.filter((t) => t.requestId !== e.task.requestId)
    })
    await confirmInWarehouse(open[1]!.taskRef)
    await sap.control.apply({ mode: 'down', how: '503' })
    await assert.rejects(poller.pollOnce(), (err: unknown) => err instanceof WmsSendError && err.retryable)
    await sap.control.apply({ mode: 'up' })
    await assert.rejects(poller.pollOnce(), /the MES store is busy/)
    failDelivery = false
    poller.start()
    await until('the confirmation delivered after the outage', () => delivered.length > 0 ? true : undefined)
    assert.deepEqual(delivered.map((e) => e.task.requestId), ['job-1/2'])
    assert.deepEqual(open.map((t) => t.requestId), ['job-1/1'])
    await poller.stop()
    const rounds = (await poller.pollOnce()).open
    assert.equal(rounds, 1) // pollOnce still works after stop (at start, in tests); the schedule does not
  })
})
