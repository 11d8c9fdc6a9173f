// MES job control over OPC UA, as a SCADA or PLC engineering tool uses it: a node-opcua client finds a work unit's
// job order receiver, stores and starts a job, stops it, and reads the job list and responses; the job's life is in
// the MES (real SQLite) with the OPC UA user in the audit trail. Bad calls get the spec's ReturnStatus (Uncertain)
// or a Bad StatusCode, and change nothing.
import assert from 'node:assert/strict'
import {
  AttributeIds, ClientSubscription, DataType, NodeId, NodeIdType, StatusCodes, TimestampsToReturn, VariantArrayType, constructEventFilter, makeBrowsePath,
  type CallMethodResult, type DataValue, type Variant, type ClientSession, type NodeIdLike
} from 'node-opcua'
import { JOB_CONTROL_NAMESPACE } from '../../../../adapters/opcua/job-control/install-job-control'
import { ERP, SUPERVISOR, sampleOrder } from '../../../mes/stores'
import { openSession, startJobServer, type JobServer, type Session } from './bare-server'

const NO_ERROR: [number, number] = [0, 1]
const UNKNOWN_JOB_ORDER_ID: [number, number] = [0, 2]
const INVALID_JOB_ORDER_STATUS: [number, number] = [0, 8]
const UNABLE_TO_ACCEPT: [number, number] = [0, 16]
const INVALID_REQUEST: [number, number] = [1, 0]

describe('OPC UA job control (OPC 10031-4) backed by the MES', function () {
  let s: JobServer
  let oscar: Session
  let jc: number
  let own: number

  before(async function () {
    s = await startJobServer()
    oscar = await openSession(s, 'op.oscar')
    const namespaces = await oscar.session.readNamespaceArray()
    jc = namespaces.indexOf(JOB_CONTROL_NAMESPACE)
    own = s.units.get('SAW-01')!.nodeId.namespace
    assert.ok(jc > 0, 'the server exposes the job-control namespace')
  })
  after(async function () {
    await oscar?.close()
    await s?.close()
  })

  let order = 1000
  let orderNumber = ''
  beforeEach(async function () {
    orderNumber = String(order++)
    await s.mes.workOrders.create(sampleOrder(orderNumber), ERP)
    await s.mes.workOrders.release(orderNumber, SUPERVISOR)
  })
  // Each test starts with free work units: what a test left running is aborted (one job runs on a unit at a time).
  afterEach(async function () {
    for (const job of await s.mes.wip.listJobs({ states: ['NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held'] })) {
      await s.mes.wip.apply({ jobId: job.jobId, event: 'abort', who: SUPERVISOR.who })
    }
  })

  /** Resolves /<unit>/<object>/<member> by browse path, as a client does. */
  async function nodeOf (session: ClientSession, unit: string, object: 'JobOrderReceiver' | 'JobResponseProvider', member?: string): Promise<NodeId> {
    const path = `/${own}:${object}` + (member !== undefined ? `/${jc}:${member}` : '')
    const r = await session.translateBrowsePath(makeBrowsePath(s.units.get(unit)!.nodeId, path))
    assert.equal(r.statusCode.name, 'Good', `browse path ${unit}${path}: ${r.statusCode.toString()}`)
    return r.targets![0]!.targetId
  }

  async function callOn (session: ClientSession, unit: string, object: 'JobOrderReceiver' | 'JobResponseProvider', method: string,
    inputArguments: Array<{ dataType: DataType, value: unknown, arrayType?: VariantArrayType }>): Promise<CallMethodResult> {
    const objectId: NodeIdLike = await nodeOf(session, unit, object)
    const methodId = await nodeOf(session, unit, object, method)
    return await session.call({ objectId, methodId, inputArguments })
  }

  const comment = (text?: string) => ({
    dataType: DataType.LocalizedText, arrayType: VariantArrayType.Array, value: text === undefined ? [] : [{ text }]
  })

  async function command (session: ClientSession, unit: string, method: string, jobId: string, why?: string): Promise<CallMethodResult> {
    return await callOn(session, unit, 'JobOrderReceiver', method, [{ dataType: DataType.String, value: jobId }, comment(why)])
  }

  async function store (session: ClientSession, unit: string, method: 'Store' | 'StoreAndStart', jobOrderID: string): Promise<CallMethodResult> {
    const jobOrder = await session.constructExtensionObject(new NodeId(NodeIdType.NUMERIC, 3008, jc), { jobOrderID })
    return await callOn(session, unit, 'JobOrderReceiver', method, [{ dataType: DataType.ExtensionObject, value: jobOrder }, comment()])
  }

  const returnStatus = (r: CallMethodResult): unknown => r.outputArguments![r.outputArguments!.length - 1]!.value

  async function readList (session: ClientSession, unit: string, object: 'JobOrderReceiver' | 'JobResponseProvider', name: string): Promise<any[]> {
    const dv = await session.read({ nodeId: await nodeOf(session, unit, object, name) })
    assert.equal(dv.statusCode.name, 'Good')
    return dv.value.value as any[]
  }

  it('StoreAndStart then Stop: the job runs and ends in the MES, the OPC UA user in its audit trail', async function () {
    const jobId = `${orderNumber}-10-1`
    const started = await store(oscar.session, 'SAW-01', 'StoreAndStart', jobId)
    assert.equal(started.statusCode.name, 'Good')
    assert.deepEqual(returnStatus(started), NO_ERROR)
    assert.equal((await s.mes.wip.getJob(jobId)).state, 'Running')

    const list = await readList(oscar.session, 'SAW-01', 'JobOrderReceiver', 'JobOrderList')
    const listed = list.find((j) => j.jobOrder.jobOrderID === jobId)
    assert.ok(listed, 'the running job is in JobOrderList')
    assert.equal(listed.state[0].stateText.text, 'Running')
    assert.equal(listed.state[0].stateNumber, 3)
    assert.equal(listed.jobOrder.equipmentRequirements[0].ID, 'SAW-01')
    assert.equal(listed.jobOrder.materialRequirements[0].materialDefinitionID, 'FG-4711')

    const stopped = await command(oscar.session, 'SAW-01', 'Stop', jobId, 'shift end')
    assert.equal(stopped.statusCode.name, 'Good')
    assert.deepEqual(returnStatus(stopped), NO_ERROR)
    const job = await s.mes.wip.getJob(jobId)
    assert.equal(job.state, 'Ended')

    const audit = await s.mes.audit.forEntity('JobOrder', jobId)
    assert.deepEqual(audit.map((a) => [a.action, a.who]), [['dispatch', 'op.oscar'], ['start', 'op.oscar'], ['complete', 'op.oscar']])
    assert.equal(audit[2]!.why, 'shift end', 'the comment of the call is the reason in the audit trail')
    assert.deepEqual(await s.mes.audit.verify().then((v) => v.ok), true)

    const after = await readList(oscar.session, 'SAW-01', 'JobOrderReceiver', 'JobOrderList')
    assert.equal(after.some((j) => j.jobOrder.jobOrderID === jobId), false, 'an ended job leaves JobOrderList')
    const responses = await readList(oscar.session, 'SAW-01', 'JobResponseProvider', 'JobOrderResponseList')
    const response = responses.find((r) => r.jobOrderID === jobId)
    assert.ok(response, 'the ended job\'s response stays listed')
    assert.equal(response.jobState[0].stateText.text, 'Ended')
    assert.ok(response.endTime instanceof Date)
  })

  it('Store, Start, Pause, Resume, Abort: each one MES job event from the state the spec names', async function () {
    const jobId = `${orderNumber}-10-1`
    assert.deepEqual(returnStatus(await store(oscar.session, 'SAW-01', 'Store', jobId)), NO_ERROR)
    assert.equal((await s.mes.wip.getJob(jobId)).state, 'AllowedToStart')
    for (const [method, state] of [['Start', 'Running'], ['Pause', 'Interrupted.Paused'], ['Resume', 'Running'], ['Abort', 'Aborted']] as const) {
      const r = await command(oscar.session, 'SAW-01', method, jobId)
      assert.deepEqual([r.statusCode.name, returnStatus(r)], ['Good', NO_ERROR], method)
      assert.equal((await s.mes.wip.getJob(jobId)).state, state, `after ${method}`)
    }
  })

  it('a job id the unit does not know: Uncertain with "Unknown Job Order ID", and nothing changed', async function () {
    const weldJob = await s.mes.dispatch.dispatchOperation(orderNumber, 20, 'WELD-01', SUPERVISOR)
    const auditBefore = (await s.mes.audit.query({ limit: 10000 })).length

    const unknown = await command(oscar.session, 'SAW-01', 'Start', 'NO-SUCH-JOB')
    assert.equal(unknown.statusCode.name, 'Uncertain')
    assert.deepEqual(returnStatus(unknown), UNKNOWN_JOB_ORDER_ID)
    const otherUnits = await command(oscar.session, 'SAW-01', 'Abort', weldJob.jobId)
    assert.deepEqual(returnStatus(otherUnits), UNKNOWN_JOB_ORDER_ID, 'a job of another work unit is not this receiver\'s')

    assert.equal((await s.mes.wip.getJob(weldJob.jobId)).state, 'NotAllowedToStart')
    assert.equal((await s.mes.audit.query({ limit: 10000 })).length, auditBefore, 'no audit record: nothing happened')
  })

  it('a command the job\'s state does not allow: "Invalid Job Order Status", and the job stays as it was', async function () {
    const jobId = `${orderNumber}-10-1`
    await store(oscar.session, 'SAW-01', 'Store', jobId)
    const pause = await command(oscar.session, 'SAW-01', 'Pause', jobId)
    assert.equal(pause.statusCode.name, 'Uncertain')
    assert.deepEqual(returnStatus(pause), INVALID_JOB_ORDER_STATUS)
    await command(oscar.session, 'SAW-01', 'Start', jobId)
    const cancel = await command(oscar.session, 'SAW-01', 'Cancel', jobId)
    assert.deepEqual(returnStatus(cancel), INVALID_JOB_ORDER_STATUS, 'Cancel withdraws only a job that has not started')
    assert.equal((await s.mes.wip.getJob(jobId)).state, 'Running')
  })

  it('StoreAndStart on a busy work unit: the job is stored, not started, and the ReturnStatus says why', async function () {
    await store(oscar.session, 'SAW-01', 'StoreAndStart', `${orderNumber}-10-1`)
    const next = String(order++)
    await s.mes.workOrders.create(sampleOrder(next), ERP)
    await s.mes.workOrders.release(next, SUPERVISOR)
    const busy = await store(oscar.session, 'SAW-01', 'StoreAndStart', `${next}-10-1`)
    assert.equal(busy.statusCode.name, 'Uncertain')
    assert.deepEqual(returnStatus(busy), [2 ** (35 - 32) + 2 ** (33 - 32), 0], 'stored but not started (bit 35), refused by an MES rule (bit 33)')
    assert.equal((await s.mes.wip.getJob(`${next}-10-1`)).state, 'AllowedToStart')
  })

  it('Store refuses what the MES would not dispatch, and ids not of the MES\'s form', async function () {
    const malformed = await store(oscar.session, 'SAW-01', 'Store', 'job-a')
    assert.deepEqual([malformed.statusCode.name, returnStatus(malformed)], ['Uncertain', INVALID_REQUEST])
    const notNext = await store(oscar.session, 'SAW-01', 'Store', `${orderNumber}-10-2`)
    assert.deepEqual(returnStatus(notNext), UNABLE_TO_ACCEPT, 'the first job of an operation is <order>-<seq>-1')
    const noOrder = await store(oscar.session, 'SAW-01', 'Store', '999999-10-1')
    assert.deepEqual(returnStatus(noOrder), UNABLE_TO_ACCEPT)
    const wrongUnit = await store(oscar.session, 'WELD-01', 'Store', `${orderNumber}-10-1`)
    assert.equal(wrongUnit.statusCode.name, 'Uncertain', 'operation 10 is cut at WC-CUT, not on the welding unit')
    assert.deepEqual(returnStatus(wrongUnit), [2 ** (33 - 32), 16], 'unable to accept (bit 4): refused by an MES rule (bit 33)')
    assert.deepEqual(await s.mes.wip.listJobs({ orderNumber }), [], 'no job was dispatched')

    assert.deepEqual(returnStatus(await store(oscar.session, 'SAW-01', 'Store', `${orderNumber}-10-1`)), NO_ERROR)
    const twice = await store(oscar.session, 'SAW-01', 'Store', `${orderNumber}-10-1`)
    assert.deepEqual(returnStatus(twice), UNABLE_TO_ACCEPT, 'a job id that exists is not stored again')
  })

  it('an anonymous session or a viewer may read the job list but not change jobs (BadUserAccessDenied)', async function () {
    const jobId = `${orderNumber}-10-1`
    await store(oscar.session, 'SAW-01', 'Store', jobId)
    for (const who of [undefined, 'viewer.vic']) {
      const other = await openSession(s, who)
      try {
        const r = await command(other.session, 'SAW-01', 'Start', jobId)
        assert.equal(r.statusCode.value, StatusCodes.BadUserAccessDenied.value, `${who ?? 'anonymous'}: ${r.statusCode.toString()}`)
        const list = await readList(other.session, 'SAW-01', 'JobOrderReceiver', 'JobOrderList')
        assert.ok(list.some((j) => j.jobOrder.jobOrderID === jobId), `${who ?? 'anonymous'} reads the list`)
      } finally {
        await other.close()
      }
    }
    assert.equal((await s.mes.wip.getJob(jobId)).state, 'AllowedToStart')
  })

  it('RequestJobResponseByJobOrderID / -State answer from the MES', async function () {
    const jobId = `${orderNumber}-10-1`
    await store(oscar.session, 'SAW-01', 'StoreAndStart', jobId)
    await s.mes.wip.apply({ jobId, event: 'report', who: 'op.oscar', good: 40 })

    const byId = await callOn(oscar.session, 'SAW-01', 'JobResponseProvider', 'RequestJobResponseByJobOrderID', [{ dataType: DataType.String, value: jobId }])
    assert.deepEqual([byId.statusCode.name, returnStatus(byId)], ['Good', NO_ERROR])
    const response = byId.outputArguments![0]!.value
    assert.equal(response.jobOrderID, jobId)
    assert.equal(response.jobState[0].stateText.text, 'Running')
    const good = response.jobResponseData.find((p: any) => p.ID === 'GoodQuantity')
    assert.equal(good.value.value, 40)

    const unknown = await callOn(oscar.session, 'SAW-01', 'JobResponseProvider', 'RequestJobResponseByJobOrderID', [{ dataType: DataType.String, value: 'NO-SUCH-JOB' }])
    assert.deepEqual([unknown.statusCode.name, returnStatus(unknown)], ['Uncertain', UNKNOWN_JOB_ORDER_ID])

    const running = await oscar.session.constructExtensionObject(new NodeId(NodeIdType.NUMERIC, 3006, jc), { stateText: { text: 'Running' }, stateNumber: 3 })
    const byState = await callOn(oscar.session, 'SAW-01', 'JobResponseProvider', 'RequestJobResponseByJobOrderState',
      [{ dataType: DataType.ExtensionObject, arrayType: VariantArrayType.Array, value: [running] }])
    assert.deepEqual(returnStatus(byState), NO_ERROR)
    assert.deepEqual((byState.outputArguments![0]!.value as any[]).map((r) => r.jobOrderID), [jobId])
  })

  it('a job dispatched in the MES (not over OPC UA) reaches a subscription to JobOrderList', async function () {
    const subscription = ClientSubscription.create(oscar.session, { requestedPublishingInterval: 50, publishingEnabled: true })
    try {
      const item = await subscription.monitor({ nodeId: await nodeOf(oscar.session, 'SAW-01', 'JobOrderReceiver', 'JobOrderList'), attributeId: AttributeIds.Value },
        { samplingInterval: 0, queueSize: 10 }, TimestampsToReturn.Both)
      const jobId = `${orderNumber}-10-1`
      const seen = new Promise<void>((resolve) => {
        item.on('changed', (dv: DataValue) => {
          if ((dv.value.value as any[] ?? []).some((j) => j.jobOrder.jobOrderID === jobId)) resolve()
        })
      })
      await s.mes.dispatch.dispatchOperation(orderNumber, 10, 'SAW-01', SUPERVISOR)
      await seen
    } finally {
      await subscription.terminate()
    }
  })

  it('a job\'s state changes are ISA95JobOrderStatusEventType events of the unit\'s provider', async function () {
    const subscription = ClientSubscription.create(oscar.session, { requestedPublishingInterval: 50, publishingEnabled: true })
    try {
      const provider = await nodeOf(oscar.session, 'SAW-01', 'JobResponseProvider')
      const item = await subscription.monitor({ nodeId: provider, attributeId: AttributeIds.EventNotifier },
        { queueSize: 100, filter: constructEventFilter(['SourceName', `${jc}:JobState`, `${jc}:JobOrder`]) }, TimestampsToReturn.Both)
      const jobId = `${orderNumber}-10-1`
      const states: string[] = []
      const running = new Promise<void>((resolve) => {
        item.on('changed', (fields: Variant[]) => {
          if ((fields[2]!.value as any)?.jobOrderID !== jobId) return
          states.push((fields[1]!.value as any[])[0].stateText.text)
          if (states.includes('Running')) resolve()
        })
      })
      await store(oscar.session, 'SAW-01', 'StoreAndStart', jobId)
      await running
      assert.deepEqual(states, ['AllowedToStart', 'Running'])
    } finally {
      await subscription.terminate()
    }
  })

  it('offers only what the MES can do: no Clear, no Update', async function () {
    const receiver = await nodeOf(oscar.session, 'SAW-01', 'JobOrderReceiver')
    const browsed = await oscar.session.browse(receiver.toString())
    const names = (browsed.references ?? []).map((r) => r.browseName.name)
    for (const m of ['Store', 'StoreAndStart', 'Start', 'Pause', 'Resume', 'Stop', 'Abort', 'Cancel', 'RevokeStart', 'JobOrderList', 'EquipmentID']) {
      assert.ok(names.includes(m), `${m} is offered`)
    }
    assert.equal(names.includes('Clear'), false)
    assert.equal(names.includes('Update'), false)
    const equipment = await oscar.session.read({ nodeId: await nodeOf(oscar.session, 'SAW-01', 'JobOrderReceiver', 'EquipmentID') })
    assert.deepEqual(equipment.value.value, ['SAW-01'])
  })
})
