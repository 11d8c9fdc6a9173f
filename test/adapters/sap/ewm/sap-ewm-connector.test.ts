// The SAP EWM connector against the simulated SAP's warehouse task API (OData v4) over real HTTP, CSRF included: a
// staging task to the production supply area and a put-away made once, confirmed or cancelled in the warehouse
// (by a worker's app calling EWM's actions), and the connector's poll turning closed tasks into the WMS adapter's
// events.
import assert from 'node:assert/strict'
import { WmsSendError, type WmsConnector } from '../../../../adapters/wms/wms-connector'
import { checkEvent } from '../../../../adapters/wms/wms-schemas'
import { createODataV4Client, type ODataV4Client } from '../../../../adapters/sap/odata/odata-v4-client'
import { SapODataError } from '../../../../adapters/sap/odata/odata-errors'
import { EWM_NAMESPACE, EWM_SERVICE, EWM_SERVICE_PATH, SapEwmConnector } from '../../../../adapters/sap/ewm/sap-ewm-connector'
import type { PutAwayRequest, StagingRequest } from '../../../../mes/service'
import { startSapSimulator, DEFAULT_USERS, type RunningSapSimulator } from '../../../../sim/sap/simulator'

const staging = (over: Partial<StagingRequest> = {}): StagingRequest => ({
  requestId: 'job-1/1', jobId: 'job-1', orderNumber: '1000001', sequence: 10, workUnit: 'PRESS01', location: 'PSA-PRESS1', item: 1,
  material: 'RM-STEEL-COIL', quantity: 10, unit: 'KG', stagedQuantity: 0, status: 'requested', taskRef: null, attempt: 1, lots: [],
  createdAt: '2024-06-03T08:00:00.000Z', updatedAt: '2024-06-03T08:00:00.000Z', ...over
})
const putAway = (over: Partial<PutAwayRequest> = {}): PutAwayRequest => ({
  requestId: 'putaway/LOT-77', lotId: 'LOT-77', material: 'FG-PANEL-100', quantity: 100, unit: 'ST', fromLocation: 'PSA-PRESS2',
  status: 'requested', location: null, taskRef: null, createdAt: '2024-06-03T08:00:00.000Z', updatedAt: '2024-06-03T08:00:00.000Z', ...over
})

async function refused (p: Promise<unknown>): Promise<WmsSendError> {
  try { await p } catch (err) {
    assert.ok(err instanceof WmsSendError, `expected a WmsSendError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a refusal')
}

describe('SAP EWM connector against the simulated SAP', function () {
  let sap: RunningSapSimulator
  let client: ODataV4Client
  let worker: ODataV4Client
  let ewm: SapEwmConnector
  const v4 = (user: string, password: string): ODataV4Client => createODataV4Client({ baseUrl: sap.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: user, password, timeoutMs: 2000 })
  const key = (taskRef: string): string => { const [t, i] = taskRef.split('/'); return `WarehouseTask(EWMWarehouse='1710',WarehouseTask='${t!}',WarehouseTaskItem='${i!}')` }
  /** What a warehouse worker's RF app does: one of EWM's confirm actions on the task. */
  const confirm = async (taskRef: string, params?: Record<string, unknown>): Promise<void> => {
    await worker.post(`${key(taskRef)}/${EWM_NAMESPACE}.${params ? 'ConfirmWarehouseTaskProduct' : 'ConfirmWarehouseTaskExact'}`, params ?? {})
  }

  beforeEach(async function () {
    sap = await startSapSimulator({ port: 0, users: { ...DEFAULT_USERS, RF_WORKER: 'rf' }, ewmBatches: { 'RM-STEEL-COIL': 'B-4711' } })
    client = v4('HUB_RFC', DEFAULT_USERS.HUB_RFC!)
    worker = v4('RF_WORKER', 'rf')
    ewm = new SapEwmConnector({ client, warehouse: '1710', stagingProcessType: '2030', putAwayProcessType: '1011', refusal: (m, r, s) => new WmsSendError(m, r, s) })
  })
  afterEach(async function () { await sap.close() })

  it('serves the service document and $metadata, and refuses a POST without the CSRF token as SAP does', async function () {
    const doc = await client.get<{ value: Array<{ name: string }> }>('')
    assert.deepEqual(doc.value.map((v) => v.name), ['WarehouseTask'])
    const auth = 'Basic ' + Buffer.from(`HUB_RFC:${DEFAULT_USERS.HUB_RFC!}`).toString('base64')
    const meta = await fetch(`${sap.url}${EWM_SERVICE_PATH}$metadata`, { headers: { authorization: auth } })
    assert.equal(meta.status, 200)
    assert.match(await meta.text(), /<Action Name="CancelWarehouseTask" IsBound="true">/)
    const post = await fetch(`${sap.url}${EWM_SERVICE_PATH}WarehouseTask`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{}' })
    assert.equal(post.status, 403)
    assert.equal(post.headers.get('x-csrf-token'), 'Required')
  })

  it('makes a staging task to the production supply area once, even when the create is sent again', async function () {
    const { taskRef } = await ewm.send('staging-request', { request: staging() }, 'wms:staging:job-1/1')
    assert.match(taskRef!, /^\d{12}\/0001$/)
    const again = await ewm.send('staging-request', { request: staging() }, 'wms:staging:job-1/1')
    assert.equal(again.taskRef, taskRef)
    const all = await client.get<{ value: Array<Record<string, unknown>> }>('WarehouseTask', { $filter: "EWMWarehouse eq '1710'" })
    assert.equal(all.value.length, 1)
    const t = all.value[0]!
    assert.equal(t.WarehouseTaskStatus, '')
    assert.equal(t.WarehouseProcessType, '2030')
    assert.equal(t.ProductionSupplyArea, 'PSA-PRESS1')
    assert.equal(t.TargetQuantityInBaseUnit, '10')
    assert.equal(client.tokenFetches, 1)
  })

  it("polls the open tasks: nothing while open; a worker's confirmation becomes one task.confirmed event with the batch, the same on every poll", async function () {
    const { taskRef } = await ewm.send('staging-request', { request: staging() }, 'k')
    const open = [{ requestId: 'job-1/1', type: 'staging' as const, taskRef: taskRef! }]
    assert.deepEqual(await ewm.poll(open), { events: [], problems: [] })
    await confirm(taskRef!, { ActualQuantityInAltvUnit: '8', AlternativeUnit: 'KG' })
    const { events: [e, ...none] } = await ewm.poll(open)
    assert.equal(none.length, 0)
    checkEvent(e, 'EWM poll') // the WMS adapter's event form
    assert.equal(e!.type, 'task.confirmed')
    assert.equal(e!.eventId, `ewm:1710:${taskRef!}:C`)
    assert.deepEqual(e!.task, { taskId: taskRef, requestId: 'job-1/1', type: 'staging', material: 'RM-STEEL-COIL', quantity: 10, unit: 'KG', status: 'confirmed' })
    assert.deepEqual(e!.confirmation, { quantity: 8, differenceQuantity: 2, final: true, lots: [{ lotId: 'B-4711', quantity: 8, sourceBin: 'BULK-01-01' }], destinationBin: 'PSA-PRESS1' })
    assert.equal((await ewm.poll(open)).events[0]!.eventId, e!.eventId)
  })

  it('makes a put-away with the lot as batch; EWM picks the bin, which the confirmation event carries', async function () {
    const { taskRef } = await ewm.send('put-away-request', { request: putAway() }, 'k')
    await confirm(taskRef!)
    const { events: [e] } = await ewm.poll([{ requestId: 'putaway/LOT-77', type: 'put-away', taskRef: taskRef! }])
    checkEvent(e, 'EWM poll')
    assert.equal(e!.confirmation!.destinationBin, 'HRL-01-02')
    assert.equal(e!.confirmation!.quantity, 100)
    const t = await client.get<Record<string, unknown>>(key(taskRef!))
    assert.equal(t.Batch, 'LOT-77')
    assert.equal(t.SourceStorageBin, 'PSA-PRESS2')
  })

  it('cancels an open staging task (again: accepted), and the poll reports it cancelled; a confirmed one is refused for good', async function () {
    const { taskRef } = await ewm.send('staging-request', { request: staging() }, 'k')
    assert.equal((await ewm.send('staging-cancel', { request: staging({ taskRef: taskRef! }), why: 'job aborted' }, 'c')).taskRef, taskRef)
    await ewm.send('staging-cancel', { request: staging({ taskRef: taskRef! }), why: 'job aborted' }, 'c')
    const { events: [e] } = await ewm.poll([{ requestId: 'job-1/1', type: 'staging', taskRef: taskRef! }])
    checkEvent(e, 'EWM poll')
    assert.equal(e!.type, 'task.cancelled')
    const other = await ewm.send('staging-request', { request: staging({ requestId: 'job-1/2' }) }, 'k2')
    await confirm(other.taskRef!)
    const no = await refused(ewm.send('staging-cancel', { request: staging({ requestId: 'job-1/2', taskRef: other.taskRef! }), why: 'job aborted' }, 'c2'))
    assert.equal(no.retryable, false)
    assert.match(no.message, /already confirmed \(10 KG at PSA-PRESS1\)/)
  })

  it('cancels the task of a request whose create answer was lost: the create sent again finds it', async function () {
    const { taskRef } = await ewm.send('staging-request', { request: staging() }, 'k')
    assert.equal((await ewm.send('staging-cancel', { request: staging(), why: 'job aborted' }, 'c')).taskRef, taskRef)
    const t = await client.get<Record<string, unknown>>(key(taskRef!))
    assert.equal(t.WarehouseTaskStatus, 'A')
  })

  it("refuses what EWM refuses, with SAP's message; SAP down or failing is retryable; an expired session fetches a new token", async function () {
    const bad = await refused(ewm.send('staging-request', { request: staging({ quantity: 0 }) }, 'k'))
    assert.equal(bad.retryable, false)
    assert.equal(bad.status, 400)
    assert.match(bad.message, /Quantity '0' is not a positive number \(\/SCWM\/WT\/003\)/)
    const long = await refused(ewm.send('staging-request', { request: staging({ location: 'PSA-PRESSLINE1' }) }, 'k'))
    assert.equal(long.retryable, false)
    assert.match(long.message, /staging:job-1\/1: ProductionSupplyArea 'PSA-PRESSLINE1' is longer than EWM's 10 characters/)
    await assert.rejects(client.post('WarehouseTask', { EWMWarehouse: '1710', WarehouseProcessType: '2030', Product: 'X', BaseUnit: 'ST', TargetQuantityInBaseUnit: '1', ProductionSupplyArea: 'PSA-PRESSLINE1', DestinationStorageBin: 'B' }),
      (err: unknown) => err instanceof SapODataError && err.sapCode === '/SCWM/WT/006' && /ProductionSupplyArea is longer than 10 characters/.test(err.message))
    const { taskRef } = await ewm.send('staging-request', { request: staging() }, 'k')
    await confirm(taskRef!)
    await assert.rejects(confirm(taskRef!), (err: unknown) => err instanceof SapODataError && err.sapCode === '/SCWM/WT/020' && /has already been confirmed/.test(err.message))
    const unknown = await ewm.poll([{ requestId: 'job-9/1', type: 'staging', taskRef: '000999999999/0001' }, { requestId: 'job-9/2', type: 'staging', taskRef: 'nonsense' }, { requestId: 'job-1/1', type: 'staging', taskRef: taskRef! }])
    assert.equal(unknown.events.length, 1)
    assert.equal(unknown.problems.length, 2)
    assert.match(unknown.problems[0]!, /polling EWM task 000999999999\/0001 of job-9\/1: .*No entity of 'WarehouseTask'/)
    assert.match(unknown.problems[1]!, /'nonsense' is not an EWM task reference/)
    await sap.control.apply({ mode: 'down', how: '503' })
    const down = await refused(ewm.poll([{ requestId: 'job-1/1', type: 'staging', taskRef: taskRef! }]))
    assert.equal(down.retryable, true)
    await sap.control.apply({ mode: 'up' })
    await sap.control.apply({ mode: 'error', kind: 'server' })
    assert.equal((await refused(ewm.send('put-away-request', { request: putAway() }, 'p'))).retryable, true)
    await sap.control.apply({ mode: 'expire-csrf' })
    await ewm.send('put-away-request', { request: putAway() }, 'p')
    assert.equal(client.tokenFetches, 2)
  })
})

// The hub passes the connector to the WMS adapter: it must be a WmsConnector as it is (checked by the compiler).
export const fitsTheWmsAdapter = (c: SapEwmConnector): WmsConnector => c
