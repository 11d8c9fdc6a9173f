// Edge node and device sessions as the host application keeps them: births, data by alias, deaths with bdSeq
// matching, STALE marking, historical values. Real broker, edge nodes as real mqtt.js clients with protobufjs payloads
// from the specification's .proto.
import assert from 'node:assert/strict'
import { mqttUrl, startTestHub } from '../../support/hub-fixture'
import type { RunningHub } from '../../../hub/hub'
import { DataType } from '../../../sparkplug/datatypes'
import { SparkplugHostApplication, type MetricUpdate, type SessionChange } from '../../../sparkplug/host/index'
import { DT, TestEdgeNode, nextEvent, record, uniqueId } from './edge-node'

describe('Sparkplug host application: edge node and device sessions', function () {
  let hub: RunningHub
  let host: SparkplugHostApplication
  let edges: TestEdgeNode[] = []

  before(async () => {
    hub = await startTestHub()
  })
  after(async () => { await hub.stop() })
  beforeEach(async () => {
    host = new SparkplugHostApplication({ hostId: uniqueId('host'), broker: { handle: (s) => hub.broker.aedes.handle(s) }, rebirthMinIntervalMs: 0, reconnectPeriodMs: 50 })
    await host.start()
  })
  afterEach(async () => {
    await Promise.all(edges.map((e) => e.close()))
    edges = []
    await host.stop()
  })

  async function edge (bdSeq = 0): Promise<TestEdgeNode> {
    const e = await TestEdgeNode.connect(mqttUrl(hub), 'plant', uniqueId('node'), bdSeq)
    edges.push(e)
    return e
  }

  const isMetric = (edgeNodeId: string, name: string, deviceId?: string) => (u: MetricUpdate): boolean =>
    u.edgeNodeId === edgeNodeId && u.name === name && u.deviceId === deviceId

  /** Births a node with Temperature (Double, alias 1) and Count (Int64, alias 2), waits until the host has it. */
  async function bornNode (bdSeq = 0): Promise<TestEdgeNode> {
    const e = await edge(bdSeq)
    const online = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.nbirth([
      { name: 'Temperature', alias: 1, datatype: DT.Double, doubleValue: 20.5, timestamp: Date.now() },
      { name: 'Count', alias: 2, datatype: DT.Int64, longValue: '9007199254740993', timestamp: Date.now() }
    ])
    await online
    return e
  }

  async function bornDevice (e: TestEdgeNode, deviceId: string, aliasBase = 10): Promise<void> {
    const online = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.deviceId === deviceId && c.state === 'ONLINE')
    await e.send('DBIRTH', deviceId, [
      { name: 'Speed', alias: aliasBase, datatype: DT.Float, floatValue: 1.5, timestamp: Date.now() },
      { name: 'Running', alias: aliasBase + 1, datatype: DT.Boolean, booleanValue: true, timestamp: Date.now() }
    ])
    await online
  }

  it('tck-id-topics-nbirth-metrics: an NBIRTH brings the node online with every metric (name, alias, datatype, ' +
    'value, GOOD), its bdSeq, seq and alias table', async () => {
    const e = await edge(7)
    const metrics = record<MetricUpdate>(host, 'metric')
    const online = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.nbirth([
      { name: 'Temperature', alias: 1, datatype: DT.Double, doubleValue: 20.5, timestamp: TS_A },
      { name: 'Count', alias: 2, datatype: DT.Int64, longValue: '9007199254740993', timestamp: TS_A }
    ], { bdSeq: 7 })
    const change = await online
    metrics.stop()
    assert.equal(change.kind, 'node')
    assert.equal(change.cause, 'NBIRTH')
    const t = host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Temperature' })
    assert.deepEqual(t, {
      groupId: 'plant', edgeNodeId: e.edgeNodeId, deviceId: undefined, name: 'Temperature', alias: 1, datatype: DataType.Double,
      value: 20.5, timestamp: TS_A, quality: 'GOOD', properties: undefined, historical: false, unit: undefined
    })
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Count' })?.value, 9007199254740993n, 'Int64 without rounding')
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Node Control/Rebirth' })?.value, false)
    assert.deepEqual(metrics.events.filter((u) => u.edgeNodeId === e.edgeNodeId).map((u) => u.name).sort(),
      ['Count', 'Node Control/Rebirth', 'Temperature', 'bdSeq'])
    const h = host.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(h.online, true)
    assert.equal(h.state, 'ONLINE')
    assert.equal(h.bdSeq, 7)
    assert.equal(h.lastSeq, 0)
    assert.equal(h.aliasCount, 2)
    assert.equal(h.seqGaps, 0)
    assert.equal(h.rebirthsRequested, 0)
    assert.ok(h.lastBirthAt !== undefined)
  })

  it('tck-id-payloads-alias-data-cmd-requirement: NDATA by alias only, without datatype, is resolved through the ' +
    'NBIRTH alias table and decoded with the birth datatype', async () => {
    // Also: tck-id-payloads-metric-datatype-not-req (the host does not need the datatype in DATA messages).
    const e = await bornNode()
    const update = nextEvent<MetricUpdate>(host, 'metric', isMetric(e.edgeNodeId, 'Count'))
    await e.send('NDATA', undefined, [
      { alias: 1, doubleValue: 21.25, timestamp: TS_B },
      { alias: 2, longValue: '18446744073709551615', timestamp: TS_B } // Int64 -1 in two's complement
    ])
    const u = await update
    assert.equal(u.value, -1n)
    assert.equal(u.datatype, DataType.Int64)
    assert.equal(u.alias, 2)
    assert.equal(u.timestamp, TS_B)
    const t = host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Temperature' })!
    assert.equal(t.value, 21.25)
    assert.equal(t.timestamp, TS_B)
    assert.equal(host.getNodeHealth('plant', e.edgeNodeId)!.lastSeq, 1)
  })

  it('tck-id-payloads-alias-uniqueness: DBIRTH/DDATA: device metrics by alias from the node-wide alias table, the ' +
    'device online and listed under its node', async () => {
    // Also: tck-id-topics-dbirth-metrics, tck-id-topics-ddata-payload.
    const e = await bornNode()
    await bornDevice(e, 'press')
    const update = nextEvent<MetricUpdate>(host, 'metric', isMetric(e.edgeNodeId, 'Speed', 'press'))
    await e.send('DDATA', 'press', [{ alias: 10, floatValue: 2.5, timestamp: TS_B }])
    const u = await update
    assert.equal(u.value, 2.5)
    assert.equal(u.datatype, DataType.Float)
    assert.equal(u.deviceId, 'press')
    const h = host.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(h.aliasCount, 4)
    assert.deepEqual(h.devices.map((d) => [d.deviceId, d.state, d.metricCount]), [['press', 'ONLINE', 2]])
    assert.deepEqual(host.listMetrics({ edgeNodeId: e.edgeNodeId, deviceId: 'press' }).map((m) => m.name).sort(), ['Running', 'Speed'])
  })

  it('tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-tags-stale: an NDEATH with the ' +
    'NBIRTH bdSeq takes the node and its devices offline and marks every node and device metric STALE at the host time', async () => {
    // Also: -ndeath-node-offline, -ndeath-devices-offline, -ndeath-devices-tags-stale.
    const e = await bornNode(3)
    await bornDevice(e, 'press')
    const changes = record<SessionChange>(host, 'session')
    const metrics = record<MetricUpdate>(host, 'metric')
    const offline = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.kind === 'node' && c.state === 'OFFLINE')
    const before = Date.now()
    await e.ndeath(3)
    const c = await offline
    const after = Date.now()
    changes.stop()
    metrics.stop()
    assert.ok(c.at >= before && c.at <= after, 'offline at the host time of receipt')
    assert.equal(c.cause, 'NDEATH')
    const device = changes.events.find((x) => x.deviceId === 'press')
    assert.ok(device && device.state === 'OFFLINE' && device.at === c.at, 'the device went offline at the same host time')
    const all = host.listMetrics({ edgeNodeId: e.edgeNodeId })
    assert.equal(all.length, 6)
    for (const m of all) {
      assert.equal(m.quality, 'STALE', `${m.name} is STALE`)
      assert.equal(m.timestamp, c.at, `${m.name} STALE at the host time`)
    }
    assert.deepEqual(metrics.events.filter((u) => u.edgeNodeId === e.edgeNodeId && u.quality === 'STALE').map((u) => u.name).sort(),
      ['Count', 'Node Control/Rebirth', 'Running', 'Speed', 'Temperature', 'bdSeq'])
    const h = host.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(h.state, 'OFFLINE')
    assert.deepEqual(h.stale, { reason: 'NDEATH', at: c.at })
    assert.equal(h.devices[0]!.state, 'OFFLINE')
    assert.deepEqual(h.devices[0]!.stale, { reason: 'NDEATH', at: c.at })
  })

  it('tck-id-topics-nbirth-bdseq-matching: an NDEATH whose bdSeq does not match the current NBIRTH bdSeq is ignored', async () => {
    // Also: tck-id-payloads-ndeath-bdseq (the host correlates deaths and births by bdSeq).
    const e = await bornNode(5)
    await e.ndeath(4) // the death of an earlier session, delivered late
    // Messages of one connection are delivered in order: once this NDATA is applied, the NDEATH was seen.
    const update = nextEvent<MetricUpdate>(host, 'metric', isMetric(e.edgeNodeId, 'Temperature'))
    await e.send('NDATA', undefined, [{ alias: 1, doubleValue: 30, timestamp: TS_B }])
    await update
    const h = host.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(h.state, 'ONLINE')
    assert.equal(h.ignoredDeaths, 1)
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Temperature' })!.quality, 'GOOD')
  })

  it('tck-id-payloads-ndeath-will-message: the NDEATH Will the broker publishes when an edge node drops its connection ' +
    'takes the node offline (bdSeq of the CONNECT matches the NBIRTH)', async () => {
    const e = await bornNode(9)
    const offline = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'OFFLINE')
    e.kill()
    const c = await offline
    assert.equal(c.cause, 'NDEATH')
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Temperature' })!.quality, 'STALE')
  })

  it('tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-tags-stale: a DDEATH takes that ' +
    'device offline and marks its metrics STALE with the DDEATH payload timestamp; the node stays online', async () => {
    // Also: tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-offline.
    const e = await bornNode()
    await bornDevice(e, 'press')
    await bornDevice(e, 'oven', 20)
    const offline = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.deviceId === 'press' && c.state === 'OFFLINE')
    await e.send('DDEATH', 'press', [], { timestamp: TS_C })
    const c = await offline
    assert.equal(c.at, TS_C)
    for (const m of host.listMetrics({ edgeNodeId: e.edgeNodeId, deviceId: 'press' })) {
      assert.equal(m.quality, 'STALE')
      assert.equal(m.timestamp, TS_C)
    }
    for (const m of host.listMetrics({ edgeNodeId: e.edgeNodeId, deviceId: 'oven' })) assert.equal(m.quality, 'GOOD')
    const h = host.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(h.state, 'ONLINE')
    assert.deepEqual(host.getDeviceHealth('plant', e.edgeNodeId, 'press')!.stale, { reason: 'DDEATH', at: TS_C })
    assert.equal(host.getDeviceHealth('plant', e.edgeNodeId, 'press')!.since, TS_C)
  })

  it('tck-id-payloads-sequence-num-incrementing: seq wraps from 255 to 0 without a gap', async () => {
    const e = await edge()
    const online = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.nbirth([{ name: 'Temperature', alias: 1, datatype: DT.Double, doubleValue: 1, timestamp: TS_A }], { seq: 253 })
    await online
    for (let i = 0; i < 5; i++) await e.send('NDATA', undefined, [{ alias: 1, doubleValue: i, timestamp: TS_B }])
    await nextEvent<MetricUpdate>(host, 'metric', (u) => u.edgeNodeId === e.edgeNodeId && u.value === 4)
    const h = host.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(h.lastSeq, 2) // 254, 255, 0, 1, 2
    assert.equal(h.seqGaps, 0)
    assert.equal(h.rebirthsRequested, 0)
  })

  it('chapter 6 Metric is_historical (no tck-id): is_historical values are delivered flagged historical and never ' +
    'overwrite the live value', async () => {
    const e = await bornNode()
    const events = record<MetricUpdate>(host, 'metric')
    const live = nextEvent<MetricUpdate>(host, 'metric', (u) => isMetric(e.edgeNodeId, 'Temperature')(u) && u.value === 42)
    await e.send('NDATA', undefined, [
      { alias: 1, doubleValue: 42, timestamp: TS_B },
      { alias: 1, doubleValue: 10, timestamp: TS_A, isHistorical: true }
    ])
    await live
    events.stop()
    const mine = events.events.filter(isMetric(e.edgeNodeId, 'Temperature'))
    assert.deepEqual(mine.map((u) => [u.value, u.historical, u.timestamp]), [[42, false, TS_B], [10, true, TS_A]])
    const current = host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Temperature' })!
    assert.equal(current.value, 42)
    assert.equal(current.historical, false)
  })

  it('tck-id-payloads-propertyset-quality-value-value: a Quality property (0 BAD, 192 GOOD, 500 STALE) sets the quality', async () => {
    const e = await bornNode()
    const update = nextEvent<MetricUpdate>(host, 'metric', (u) => isMetric(e.edgeNodeId, 'Temperature')(u) && u.value === 7)
    await e.send('NDATA', undefined, [{
      alias: 1, doubleValue: 7, timestamp: TS_B,
      properties: { keys: ['Quality'], values: [{ type: DT.Int32, intValue: 0 }] }
    }])
    const u = await update
    assert.equal(u.quality, 'BAD')
    assert.deepEqual(u.properties, { Quality: { type: DataType.Int32, value: 0 } })
  })

  it('chapter 5 Host Application Session Establishment (tck-not-testable): a host connection loss marks every metric of every online node STALE and the nodes offline (HOST_CONNECTION_LOST)', async () => {
    // Chapter 5 "Host Application Session Establishment" (tck-not-testable: metrics STALE when the host loses its broker).
    const e = await bornNode()
    await bornDevice(e, 'press')
    const offline = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.kind === 'node' && c.state === 'OFFLINE')
    const clients = (hub.broker.aedes as unknown as { clients: Record<string, { conn: { destroy (): void } }> }).clients
    clients[`sparkplug-host-${host.hostId}`]!.conn.destroy()
    const c = await offline
    assert.equal(c.cause, 'HOST_CONNECTION_LOST')
    const all = host.listMetrics({ edgeNodeId: e.edgeNodeId })
    assert.equal(all.length, 6)
    for (const m of all) assert.equal(m.quality, 'STALE')
    assert.deepEqual(host.getNodeHealth('plant', e.edgeNodeId)!.stale, { reason: 'HOST_CONNECTION_LOST', at: c.at })
    // Once reconnected, the host asks the node for a rebirth on its next message (it holds no current birth).
    await nextEvent(host, 'status', (s: { status: string }) => s.status === 'ONLINE')
    await e.send('NDATA', undefined, [{ alias: 1, doubleValue: 1, timestamp: TS_B }])
    const cmd = await e.nextCommand()
    assert.equal(cmd.topic, `spBv1.0/plant/NCMD/${e.edgeNodeId}`)
    assert.equal(host.getNodeHealth('plant', e.edgeNodeId)!.rebirths.at(-1)!.reason, 'DATA_BEFORE_BIRTH')
  })

  it('tck-id-operational-behavior-data-commands-rebirth-action-2: a new NBIRTH restarts the session: devices wait ' +
    'for their DBIRTH (STALE until then), aliases come from the new births', async () => {
    const e = await bornNode()
    await bornDevice(e, 'press')
    const online = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.kind === 'node' && c.state === 'ONLINE')
    const deviceOffline = nextEvent<SessionChange>(host, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.deviceId === 'press' && c.state === 'OFFLINE')
    await e.nbirth([{ name: 'Temperature', alias: 5, datatype: DT.Double, doubleValue: 1, timestamp: TS_A }])
    await online
    assert.equal((await deviceOffline).cause, 'NODE_REBIRTH')
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, deviceId: 'press', name: 'Speed' })!.quality, 'STALE')
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Count' }), undefined, 'not in the new birth')
    await bornDevice(e, 'press')
    assert.equal(host.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, deviceId: 'press', name: 'Speed' })!.quality, 'GOOD')
    assert.equal(host.getNodeHealth('plant', e.edgeNodeId)!.aliasCount, 3)
  })
})

const TS_A = 1700000000000
const TS_B = 1700000001000
const TS_C = 1700000002345
