// The demo plant over OPC UA, end to end as a new user runs it (npm start + npm run simulate): the simulator's line A
// server feeds station-10 and station-20 through the collector; an OPC UA client on the hub's server reads the
// collected value under the station's equipment object, and runs a job on station 10 through its job order receiver
// (OPC 10031-4): StoreAndStart, then Stop, the job Running then Ended in the MES with the OPC UA user in the audit
// trail. The plant model is plant/demo-plant.yaml itself, with the simulator on a free port instead of 4841.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { AttributeIds, DataType, NodeId, NodeIdType, VariantArrayType, makeBrowsePath, type ClientSession } from 'node-opcua'
import { startHub, type RunningHub } from '../../../hub/hub'
import { silentLogger } from '../../../core/logger'
import { hashPassword } from '../../../core/passwords'
import { OpcUaStation } from '../../../sim/opcua-station'
import { JOB_CONTROL_NAMESPACE } from '../../../adapters/opcua/job-control/install-job-control'
import { tempDir, testConfig } from '../../support/hub-fixture'
import { PROJECT_ROOT } from '../../support/child-hub'
import { freePort } from './collector/opcua-machine'
import { eventually, openSession, type OpenSession } from './server/support'

const STATION_10 = 'acme/dallas/assembly/line-a/station-10'
const TORQUE = `${STATION_10}/measurements/screwdriver/torque`
const OSCAR = { name: 'op.oscar', password: 'oscar-secret-1' }

describe('the demo plant over OPC UA: collected from the simulator, served by the hub, jobs run by an OPC UA client', function () {
  let dir: string
  let station: OpcUaStation
  let hub: RunningHub
  let ua: OpenSession

  before(async function () {
    dir = tempDir('hub-opcua-demo-')
    const port = await freePort()
    station = new OpcUaStation({ port, rate: 20, pkiDir: path.join(dir, 'station-pki') })
    await station.start()
    const plant = path.join(dir, 'demo-plant.yaml')
    const demo = fs.readFileSync(path.join(PROJECT_ROOT, 'plant', 'demo-plant.yaml'), 'utf8')
    assert.match(demo, /opc\.tcp:\/\/127\.0\.0\.1:4841/, 'the demo plant binds the simulator\'s default port')
    fs.writeFileSync(plant, demo.replaceAll('opc.tcp://127.0.0.1:4841', station.endpoint))
    const config = testConfig(path.join(dir, 'data'), (c) => {
      c.plantModel = plant
      c.opcua.server.enabled = true
      Object.assign(c.opcua.collector, { enabled: true, publishingIntervalMs: 100, samplingIntervalMs: 50 })
    })
    config.mqtt.accounts = [{ username: OSCAR.name, passwordHash: await hashPassword(OSCAR.password), role: 'admin' }]
    hub = await startHub(config, silentLogger)
    ua = await openSession(hub.opcua.server!.url, { user: OSCAR })
  })
  after(async function () {
    await ua?.close()
    await hub?.stop()
    await station?.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const hubNode = (topic: string): string => `ns=${hub.opcua.server!.namespace.index};s=${topic}`

  it('collects the station\'s torque and serves it under station 10\'s equipment object, with its unit', async function () {
    await eventually(() => hub.uns.lastValue(TORQUE)?.quality === 'GOOD', 10_000, 'torque collected')
    const entry = hub.uns.lastValue(TORQUE)!
    assert.equal(entry.unit, 'NU')
    assert.match(entry.source ?? '', /^opcua:opc\.tcp:\/\/127\.0\.0\.1:\d+#ns=1;s=LineA\.Station10\.Torque$/)
    hub.opcua.server!.flush()
    await eventually(async () => (await ua.session.read({ nodeId: hubNode(TORQUE), attributeId: AttributeIds.Value })).statusCode.isGood(), 5000, 'the variable')
    const dv = await ua.session.read({ nodeId: hubNode(TORQUE), attributeId: AttributeIds.Value })
    assert.ok(Math.abs((dv.value.value as number) - 12) < 1, `torque near 12 N.m: ${String(dv.value.value)}`)
    await eventually(() => hub.uns.lastValue(`${STATION_10}/state/running`)?.value === true, 5000, 'running (a browse path from the station\'s node)')
  })

  it('StoreAndStart then Stop on station 10\'s job order receiver: Running, then Ended, with the OPC UA user in the audit trail', async function () {
    const mes = hub.mes.mes
    const order = '4711001'
    await mes.workOrders.create({
      orderNumber: order, material: 'FG-FRAME-A', description: 'Frame A', quantity: 10, unit: 'PCE',
      plannedStart: '2026-12-01T06:00:00Z', dueDate: '2026-12-02T16:00:00Z', priority: 10, overlap: 'strict', erpVersion: '1',
      operations: [{ sequence: 10, workCenter: 'ASSYA', description: 'Mount frame', setupTime: 5, runTimePerUnit: 1 }], materials: []
    }, { who: 'erp:SAP-PRD' })
    await mes.workOrders.release(order, { who: 'supervisor.sue' })

    const session: ClientSession = ua.session
    const jc = (await session.readNamespaceArray()).indexOf(JOB_CONTROL_NAMESPACE)
    const own = hub.opcua.server!.namespace.index
    const member = async (object: string, name?: string): Promise<NodeId> => {
      const r = await session.translateBrowsePath(makeBrowsePath(hubNode(STATION_10), `/${own}:${object}` + (name === undefined ? '' : `/${jc}:${name}`)))
      assert.equal(r.statusCode.name, 'Good', `${object}/${name ?? ''} under station 10`)
      return r.targets![0]!.targetId
    }
    const receiver = await member('JobOrderReceiver')
    const jobId = `${order}-10-1`
    const jobOrder = await session.constructExtensionObject(new NodeId(NodeIdType.NUMERIC, 3008, jc), { jobOrderID: jobId })
    const comment = { dataType: DataType.LocalizedText, arrayType: VariantArrayType.Array, value: [] }
    const started = await session.call({ objectId: receiver, methodId: await member('JobOrderReceiver', 'StoreAndStart'),
      inputArguments: [{ dataType: DataType.ExtensionObject, value: jobOrder }, comment] })
    assert.equal(started.statusCode.name, 'Good', `StoreAndStart: ${started.statusCode.toString()}`)
    assert.equal((await mes.wip.getJob(jobId)).state, 'Running')

    const stopped = await session.call({ objectId: receiver, methodId: await member('JobOrderReceiver', 'Stop'),
      inputArguments: [{ dataType: DataType.String, value: jobId }, { ...comment, value: [{ text: 'frame done' }] }] })
    assert.equal(stopped.statusCode.name, 'Good', `Stop: ${stopped.statusCode.toString()}`)
    assert.equal((await mes.wip.getJob(jobId)).state, 'Ended')
    const audit = await mes.audit.forEntity('JobOrder', jobId)
    assert.deepEqual(audit.map((a) => [a.action, a.who]), [['dispatch', OSCAR.name], ['start', OSCAR.name], ['complete', OSCAR.name]])
    assert.equal(audit[2]!.why, 'frame done')
  })
})
