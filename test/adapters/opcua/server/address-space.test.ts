// An OT engineer's view of the hub in an OPC UA client: the plant as ISA-95 equipment, Sparkplug metrics as live
// variables, writes as DCMDs, and the refusals a client sees for bad writes.
import assert from 'node:assert/strict'
import {
  AttributeIds, ClientMonitoredItem, NodeId, NodeIdType, ClientSubscription, DataType, StatusCodes, TimestampsToReturn, type ClientSession,
  VariableIds, constructEventFilter, ofType, type DataValue, type ReferenceDescription, type Variant
} from 'node-opcua'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../../../hub/hub'
import { hashPassword } from '../../../../core/passwords'
import { connect, inbox, mqttUrl, startTestHub, testConfig } from '../../../support/hub-fixture'
import { DT, TestEdgeNode } from '../../../sparkplug/host/edge-node'
import { eventually, openSession, type OpenSession } from './support'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS_2 = 'acme/dallas/press-shop/line-1/press-2'
const ADMIN = { name: 'ops', password: 'ops-secret' }
const VIEWER = { name: 'viewer', password: 'viewer-secret' }
const MACHINE_2 = { name: 'press-2', password: 'press-2-secret' }

describe('OPC UA server: the namespace as an ISA-95 address space', function () {
  let hub: RunningHub
  let edge: TestEdgeNode
  let admin: OpenSession
  let ns: number
  let watcher: MqttClient

  const id = (path: string): string => `ns=${ns};s=${path}`

  async function read (session: ClientSession, path: string): Promise<DataValue> {
    return session.read({ nodeId: id(path), attributeId: AttributeIds.Value })
  }

  async function childRef (session: ClientSession, nodeId: string, name: string): Promise<ReferenceDescription> {
    const result = await session.browse(nodeId)
    const ref = result.references?.find((r) => r.browseName.name === name)
    assert.ok(ref, `${name} under ${nodeId} (found ${result.references?.map((r) => r.browseName.name).join(', ')})`)
    return ref
  }

  async function childNamed (session: ClientSession, nodeId: string, name: string): Promise<string> {
    return (await childRef(session, nodeId, name)).nodeId.toString()
  }

  before(async function () {
    const config = testConfig(undefined, (c) => {
      c.sparkplug.enabled = true
      c.opcua.server.enabled = true
    })
    config.mqtt.accounts = [
      { username: ADMIN.name, passwordHash: await hashPassword(ADMIN.password), role: 'admin' },
      { username: VIEWER.name, passwordHash: await hashPassword(VIEWER.password), role: 'viewer' },
      { username: MACHINE_2.name, passwordHash: await hashPassword(MACHINE_2.password), role: 'machine', equipment: [PRESS_2] }
    ]
    hub = await startTestHub(config)
    ns = hub.opcua.server!.namespace.index
    edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', 'press-line-1', 1)
    await edge.nbirth([{ name: 'Line Speed', alias: 1, datatype: DT.Double, doubleValue: 12.5 }])
    await edge.send('DBIRTH', 'press-1', [
      { name: 'Die Temperature', alias: 10, datatype: DT.Double, doubleValue: 180.5, properties: { keys: ['engUnit'], values: [{ type: DT.String, stringValue: 'CEL' }] } },
      { name: 'Strokes', alias: 11, datatype: DT.Int64, longValue: '9007199254740993' },
      { name: 'Stroke Rate Setpoint', alias: 12, datatype: DT.Int32, intValue: 20 }
    ])
    await eventually(() => hub.uns.namespace.get(`${PRESS_1}/measurements/stroke-rate-setpoint`) !== undefined, 5000, 'the DBIRTH in the namespace')
    watcher = await connect(mqttUrl(hub))
    admin = await openSession(hub.opcua.server!.url, { user: ADMIN })
  })

  after(async function () {
    await admin?.close()
    await watcher?.endAsync()
    await edge?.close()
    await hub?.stop()
  })

  it('shows the plant from Objects down to a metric, each level an EquipmentType with its EquipmentLevel', async function () {
    const s = admin.session
    const levels: Array<[string, number]> = [['acme', 0], ['dallas', 1], ['press-shop', 2], ['line-1', 5], ['press-1', 6]]
    const isa95 = hub.opcua.server!.addressSpace.getNamespaceIndex('http://www.OPCFoundation.org/UA/2013/01/ISA95')
    let node = 'ns=0;i=85' // Objects
    for (const [name, level] of levels) {
      const ref = await childRef(s, node, name)
      node = ref.nodeId.toString()
      assert.equal(ref.typeDefinition.toString(), `ns=${isa95};i=5040`, `${name} is an ISA-95 EquipmentType (OPC 10030)`)
      const levelNode = (await s.browse(node)).references!.find((r) => r.browseName.name === 'EquipmentLevel')
      assert.ok(levelNode, `${name} has an EquipmentLevel`)
      assert.equal((await s.read({ nodeId: levelNode.nodeId, attributeId: AttributeIds.Value })).value.value, level, `EquipmentLevel of ${name}`)
    }
    const folder = await childNamed(s, node, 'measurements')
    const variable = await childNamed(s, folder, 'die-temperature')
    assert.equal(variable, id(`${PRESS_1}/measurements/die-temperature`))
    const dv = await read(s, `${PRESS_1}/measurements/die-temperature`)
    assert.equal(dv.value.value, 180.5)
    assert.equal(dv.value.dataType, DataType.Double)
    assert.ok(dv.statusCode.equals(StatusCodes.Good))
    assert.ok(dv.sourceTimestamp instanceof Date)
    const eu = await childNamed(s, variable, 'EngineeringUnits')
    const unit = (await s.read({ nodeId: eu, attributeId: AttributeIds.Value })).value.value as { displayName: { text: string } }
    assert.equal(unit.displayName.text, 'CEL')
    const strokes = await read(s, `${PRESS_1}/measurements/strokes`)
    assert.equal(strokes.value.dataType, DataType.Int64, '64-bit metrics are Int64 in OPC UA')
    const [hi, lo] = strokes.value.value as [number, number]
    assert.equal(((BigInt(hi) << 32n) | BigInt(lo)).toString(), '9007199254740993', 'not rounded')
  })

  it('delivers a DDATA change to a subscription within 1 s', async function () {
    const sub = ClientSubscription.create(admin.session, { requestedPublishingInterval: 50, publishingEnabled: true, requestedMaxKeepAliveCount: 20 })
    const item = ClientMonitoredItem.create(sub, { nodeId: id(`${PRESS_1}/measurements/die-temperature`), attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both)
    const values: number[] = []
    item.on('changed', (dv: DataValue) => values.push(dv.value.value as number))
    await eventually(() => values.length > 0, 3000, 'the initial value')
    const sent = Date.now()
    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 181.25 }])
    await eventually(() => values.includes(181.25), 1000, 'the change at the subscriber')
    assert.ok(Date.now() - sent < 1000)
    await sub.terminate()
  })

  it('makes a new topic a variable without a restart (announced by a GeneralModelChangeEvent), and shows Sparkplug session health per edge node and device', async function () {
    const sub = ClientSubscription.create(admin.session, { requestedPublishingInterval: 50, publishingEnabled: true, requestedMaxKeepAliveCount: 20 })
    const events = ClientMonitoredItem.create(sub, { nodeId: 'ns=0;i=2253', attributeId: AttributeIds.EventNotifier },
      { samplingInterval: 0, queueSize: 100, filter: constructEventFilter(['EventType', 'Changes'], ofType('GeneralModelChangeEventType')) }, TimestampsToReturn.Both)
    const affected: string[] = []
    events.on('changed', (fields: unknown) => {
      for (const c of ((fields as Variant[])[1]?.value ?? []) as Array<{ affected: { toString (): string } }>) affected.push(c.affected.toString())
    })
    await new Promise<void>((resolve) => events.once('initialized', () => resolve()))
    await edge.send('DBIRTH', 'press-2', [{ name: 'Tonnage', alias: 20, datatype: DT.Float, floatValue: 250 }])
    await eventually(async () => (await read(admin.session, `${PRESS_2}/measurements/tonnage`)).statusCode.equals(StatusCodes.Good), 3000, 'press-2 tonnage')
    await eventually(() => affected.includes(id(`${PRESS_2}/measurements/tonnage`)), 3000, `the model change event (saw ${affected.join(', ')})`)
    await sub.terminate()
    assert.equal((await read(admin.session, `${PRESS_2}/measurements/tonnage`)).value.dataType, DataType.Float)
    for (const health of ['acme/dallas/press-shop/line-1/state/sparkplug-session', `${PRESS_1}/state/sparkplug-session`]) {
      await eventually(async () => (await read(admin.session, health)).statusCode.equals(StatusCodes.Good), 3000, health)
      const text = (await read(admin.session, health)).value.value as string
      assert.equal(JSON.parse(text).state, 'ONLINE', `${health}: ${text}`)
    }
  })

  it('announces a large birth in GeneralModelChangeEvents of at most 1,000 changes each, every new topic in one of them', async function () {
    const sub = ClientSubscription.create(admin.session, { requestedPublishingInterval: 50, publishingEnabled: true, requestedMaxKeepAliveCount: 20 })
    const events = ClientMonitoredItem.create(sub, { nodeId: 'ns=0;i=2253', attributeId: AttributeIds.EventNotifier },
      { samplingInterval: 0, queueSize: 100, filter: constructEventFilter(['EventType', 'Changes'], ofType('GeneralModelChangeEventType')) }, TimestampsToReturn.Both)
    const sizes: number[] = []
    const affected = new Set<string>()
    events.on('changed', (fields: unknown) => {
      const changes = ((fields as Variant[])[1]?.value ?? []) as Array<{ affected: { toString (): string } }>
      sizes.push(changes.length)
      for (const c of changes) affected.add(c.affected.toString())
    })
    await new Promise<void>((resolve) => events.once('initialized', () => resolve()))
    const topics = Array.from({ length: 2500 }, (_, i) => `${PRESS_1}/measurements/bulk/m-${i}`)
    // One event-loop turn, as a birth of 2,500 metrics is.
    for (const [i, topic] of topics.entries()) {
      hub.uns.namespace.set({ topic, equipment: PRESS_1, kind: 'measurements', tag: `bulk/m-${i}`, datatype: 'Double', value: i, timestamp: Date.now(), quality: 'GOOD', source: 'test' })
    }
    await eventually(() => topics.every((t) => affected.has(id(t))), 10_000, `all 2,500 announced (events of ${sizes.join(', ')})`)
    await sub.terminate()
    assert.ok(sizes.length >= 3 && sizes.every((n) => n <= 1000), `events of at most 1,000 changes: ${sizes.join(', ')}`)
    for (const t of topics) hub.uns.namespace.delete(t)
  })

  it('shows each user the UserAccessLevel it has: a writable metric is writable for admin, read-only for a viewer and another unit\'s machine', async function () {
    const setpoint = id(`${PRESS_1}/measurements/stroke-rate-setpoint`)
    const level = async (session: ClientSession): Promise<number> =>
      (await session.read({ nodeId: setpoint, attributeId: AttributeIds.UserAccessLevel })).value.value as number
    const READ = 1
    const WRITE = 2
    assert.equal(await level(admin.session) & (READ | WRITE), READ | WRITE, 'admin')
    for (const user of [VIEWER, MACHINE_2]) {
      const other = await openSession(hub.opcua.server!.url, { user })
      try {
        assert.equal(await level(other.session) & (READ | WRITE), READ, `${user.name}: read only`)
      } finally {
        await other.close()
      }
    }
    assert.equal((await admin.session.read({ nodeId: setpoint, attributeId: AttributeIds.AccessLevel })).value.value & WRITE, WRITE, 'AccessLevel: writable in itself')
  })

  it('writes a writable metric as the DCMD an MQTT command would send', async function () {
    const code = await admin.session.write({
      nodeId: id(`${PRESS_1}/measurements/stroke-rate-setpoint`), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Int32, value: 24 } }
    })
    assert.ok(code.equals(StatusCodes.Good), code.toString())
    const cmd = await edge.nextCommand()
    assert.equal(cmd.topic, 'spBv1.0/dallas/DCMD/press-line-1/press-1')
    assert.equal(cmd.payload.metrics[0]!.intValue, 24)
    assert.equal((await read(admin.session, `${PRESS_1}/measurements/stroke-rate-setpoint`)).value.value, 20,
      'the variable keeps the machine\'s value until the machine reports a new one')
  })

  it('refuses bad writes with a clear StatusCode and publishes nothing', async function () {
    const events = `${PRESS_1}/events/door-opened`
    await hub.uns.publish({ kind: 'flow', id: 'door-sensor' }, events, { value: true, timestamp: Date.now() }, { retain: true })
    await eventually(async () => (await read(admin.session, events)).statusCode.equals(StatusCodes.Good), 3000, 'the MQTT value as a variable')
    const box = inbox(watcher)
    await watcher.subscribeAsync(`${PRESS_1}/commands/#`, { qos: 1 })

    const setpoint = `${PRESS_1}/measurements/stroke-rate-setpoint`
    const wrongType = await admin.session.write({ nodeId: id(setpoint), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 1.5 } } })
    assert.ok(wrongType.equals(StatusCodes.BadTypeMismatch), wrongType.toString())
    const readOnly = await admin.session.write({ nodeId: id(events), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Boolean, value: false } } })
    assert.ok(readOnly.equals(StatusCodes.BadNotWritable), readOnly.toString())
    for (const user of [VIEWER, MACHINE_2]) {
      const other = await openSession(hub.opcua.server!.url, { user })
      try {
        const denied = await other.session.write({ nodeId: id(setpoint), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Int32, value: 99 } } })
        assert.ok(denied.equals(StatusCodes.BadUserAccessDenied), `${user.name}: ${denied.toString()}`)
      } finally {
        await other.close()
      }
    }
    // The next command on the wire is the good write that follows: none of the refused ones was published.
    const ok = await admin.session.write({ nodeId: id(setpoint), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Int32, value: 30 } } })
    assert.ok(ok.equals(StatusCodes.Good))
    const published = JSON.parse((await box.next(`${PRESS_1}/commands/`)).payload.toString()) as { value: unknown }
    assert.equal(published.value, 30)
    assert.equal((await edge.nextCommand()).payload.metrics[0]!.intValue, 30)
    assert.equal(edge.unread.length, 0)
  })

  it('removes the variable of a topic that leaves the namespace', async function () {
    const topic = `${PRESS_2}/events/jam`
    await hub.uns.publish({ kind: 'flow', id: 'jam-detector' }, topic, { value: 'jam at station 3', timestamp: Date.now() })
    await eventually(async () => (await read(admin.session, topic)).value.value === 'jam at station 3', 3000, 'the variable')
    hub.uns.namespace.delete(topic)
    await eventually(async () => (await read(admin.session, topic)).statusCode.equals(StatusCodes.BadNodeIdUnknown), 3000, 'the variable gone')
  })

  it('makes a variable of a topic whose tag looks like a NodeId (the topic is the NodeId\'s string, never parsed)', async function () {
    const topic = `${PRESS_2}/events/recipe;ns=0;i=2253`
    await hub.uns.publish({ kind: 'flow', id: 'recipes' }, topic, { value: 'v2', timestamp: Date.now() })
    const nodeId = new NodeId(NodeIdType.STRING, topic, ns)
    await eventually(async () => (await admin.session.read({ nodeId, attributeId: AttributeIds.Value })).value.value === 'v2', 3000, 'the variable')
    const server = await admin.session.read({ nodeId: 'ns=0;i=2253', attributeId: AttributeIds.BrowseName })
    assert.equal((server.value.value as { name: string }).name, 'Server', 'the Server object is untouched')
  })

  it('gives the job control a work unit\'s equipment object and the ISA-95 job control types', function () {
    const opcua = hub.opcua.server!
    assert.equal(opcua.equipmentObject(PRESS_1)?.nodeId.toString(), id(PRESS_1))
    assert.equal(opcua.equipmentObject('acme/nowhere'), undefined)
    assert.ok(opcua.jobControlNamespaceIndex > 0)
    assert.ok(opcua.addressSpace.findObjectType('ISA95JobOrderReceiverObjectType', opcua.jobControlNamespaceIndex))
    assert.ok(opcua.addressSpace.findObjectType('ISA95JobResponseProviderObjectType', opcua.jobControlNamespaceIndex))
  })

  it('takes more than node-opcua\'s server-wide default of 100 subscriptions (the limits promise 50 per session)', async function () {
    const sessions: OpenSession[] = []
    try {
      for (let k = 0; k < 3; k++) {
        const other = await openSession(hub.opcua.server!.url, { user: ADMIN })
        sessions.push(other)
        for (let i = 0; i < 35; i++) {
          await other.session.createSubscription2({ requestedPublishingInterval: 1000, requestedMaxKeepAliveCount: 10, publishingEnabled: true })
        }
      }
    } finally {
      for (const other of sessions) await other.close()
    }
    assert.equal(sessions.length, 3)
    const capability = async (id: number): Promise<unknown> => (await admin.session.read({ nodeId: `ns=0;i=${id}`, attributeId: AttributeIds.Value })).value.value
    assert.equal(await capability(VariableIds.Server_ServerCapabilities_MaxSubscriptions), 5000, 'all sessions together: 100 sessions of 50')
    assert.equal(await capability(VariableIds.Server_ServerCapabilities_MaxMonitoredItems), 1_000_000)
  })

  it('refuses a wrong password', async function () {
    await assert.rejects(openSession(hub.opcua.server!.url, { user: { name: ADMIN.name, password: 'wrong' } }), /BadUserAccessDenied|BadIdentityTokenRejected|rejected|denied/i)
  })

  it('shows a metric as UncertainLastUsableValue after NDEATH', async function () {
    await edge.ndeath()
    await eventually(async () => (await read(admin.session, `${PRESS_1}/measurements/die-temperature`)).statusCode.equals(StatusCodes.UncertainLastUsableValue),
      3000, 'Uncertain after NDEATH')
    assert.equal((await read(admin.session, `${PRESS_1}/measurements/die-temperature`)).value.value, 181.25, 'the last value stays readable')
  })
})
