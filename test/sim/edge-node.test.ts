// The simulator's Sparkplug edge node against the real hub.
import assert from 'node:assert/strict'
import { connect, mqttUrl, startTestHub } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { DataType, decodePayload } from '../../sparkplug/index'
import { EdgeNode, type MetricSpec } from '../../sim/edge-node'
import { SparkplugObserver, bdSeqOf, command, is, metric } from './observer'

const GROUP = 'sim-test'

const DEVICE_METRICS = (): MetricSpec[] => [
  { name: 'Temperature', datatype: DataType.Double, value: 20.5 },
  { name: 'Pressure', datatype: DataType.Float, value: 1.5 },
  { name: 'Count', datatype: DataType.Int32, value: 0 },
  { name: 'Total', datatype: DataType.Int64, value: 0n },
  { name: 'Running', datatype: DataType.Boolean, value: true, writable: true },
  { name: 'Mode', datatype: DataType.String, value: 'AUTO', writable: true },
  { name: 'Changed At', datatype: DataType.DateTime, value: 1700000000000n },
  { name: 'Recipe', datatype: DataType.DataSet, value: { columns: ['Step', 'Seconds'], types: [DataType.String, DataType.Int32], rows: [['heat', 30]] } }
]

describe('simulator edge node', function () {
  let hub: RunningHub
  let obs: SparkplugObserver
  const nodes: EdgeNode[] = []
  let n = 0

  function edgeNode (extra: Partial<ConstructorParameters<typeof EdgeNode>[0]> = {}): EdgeNode {
    const node = new EdgeNode({
      url: mqttUrl(hub),
      groupId: GROUP,
      edgeNodeId: `node-${++n}`,
      nodeMetrics: [{ name: 'Node Info/Uptime', datatype: DataType.Int64, value: 0n }, { name: 'Setpoint', datatype: DataType.Float, value: 10, writable: true }],
      devices: [{ id: 'dev-a', metrics: DEVICE_METRICS() }, { id: 'dev-b', metrics: DEVICE_METRICS() }],
      reconnectDelayMs: 50,
      ...extra
    })
    nodes.push(node)
    return node
  }

  before(async function () {
    hub = await startTestHub()
    obs = await SparkplugObserver.start(mqttUrl(hub))
  })
  after(async function () {
    await Promise.all(nodes.map((x) => x.stop()))
    await obs.stop()
    await hub.stop()
  })

  it('tck-id-payloads-nbirth-seq tck-id-payloads-dbirth-seq-inc publishes NBIRTH with seq 0, then one DBIRTH per device with seq 1, 2 (QoS 0, retain false)', async function () {
    const node = edgeNode()
    await node.start()
    await obs.next(is('DBIRTH', node.edgeNodeId, 'dev-b'))
    const births = obs.from(node.edgeNodeId)
    assert.deepEqual(births.map((m) => [m.type, m.device, Number(m.payload.seq), m.qos, m.retain]),
      [['NBIRTH', undefined, 0, 0, false], ['DBIRTH', 'dev-a', 1, 0, false], ['DBIRTH', 'dev-b', 2, 0, false]])
  })

  it('tck-id-payloads-nbirth-bdseq tck-id-payloads-nbirth-rebirth-req tck-id-operational-behavior-data-commands-rebirth-name-aliases NBIRTH has bdSeq (Int64) and Node Control/Rebirth (Boolean false, no alias)', async function () {
    const node = edgeNode({ bdSeq: 9 })
    await node.start()
    const nbirth = (await obs.next(is('NBIRTH', node.edgeNodeId))).payload
    assert.equal(bdSeqOf(nbirth), 9n)
    const rebirth = metric(nbirth, 'Node Control/Rebirth')
    assert.equal(rebirth.datatype, DataType.Boolean)
    assert.equal(rebirth.value, false)
    assert.equal(rebirth.alias, undefined)
  })

  it('tck-id-payloads-alias-birth-requirement tck-id-payloads-alias-uniqueness tck-id-payloads-name-birth-data-requirement births name every metric with a unique alias, a datatype and a timestamp', async function () {
    const node = edgeNode()
    await node.start()
    await obs.next(is('DBIRTH', node.edgeNodeId, 'dev-b'))
    const aliases: number[] = []
    for (const b of obs.from(node.edgeNodeId)) {
      assert.ok(b.payload.timestamp !== undefined)
      for (const m of b.payload.metrics) {
        assert.ok(m.name, 'name')
        assert.ok(m.datatype !== undefined, `datatype of ${m.name}`)
        assert.ok(m.timestamp !== undefined, `timestamp of ${m.name}`)
        if (m.name !== 'Node Control/Rebirth') aliases.push(Number(m.alias))
      }
    }
    assert.equal(new Set(aliases).size, aliases.length, `aliases unique across the node: ${aliases}`)
    const dev = obs.from(node.edgeNodeId).find((m) => m.device === 'dev-a')!.payload
    assert.deepEqual(dev.metrics.map((m) => [m.name, DataType[m.datatype!]]), [
      ['Temperature', 'Double'], ['Pressure', 'Float'], ['Count', 'Int32'], ['Total', 'Int64'], ['Running', 'Boolean'],
      ['Mode', 'String'], ['Changed At', 'DateTime'], ['Recipe', 'DataSet']])
    assert.equal(metric(dev, 'Total').value, 0n)
    assert.equal(metric(dev, 'Changed At').value, 1700000000000n)
  })

  it('tck-id-payloads-alias-data-cmd-requirement tck-id-payloads-metric-datatype-not-req tck-id-principles-rbe-recommended publishes DDATA with the changed metrics only, by alias, without name or datatype', async function () {
    const node = edgeNode()
    await node.start()
    await obs.next(is('DBIRTH', node.edgeNodeId, 'dev-b'))
    assert.deepEqual(node.update('dev-a', { Temperature: 20.5, Count: 0 }), [], 'nothing changed: nothing published')
    assert.deepEqual(node.update('dev-a', { Temperature: 21.25, Count: 0, Total: 5n }), ['Temperature', 'Total'])
    const ddata = await obs.next(is('DDATA', node.edgeNodeId, 'dev-a'))
    assert.equal(Number(ddata.payload.seq), 3)
    assert.equal(ddata.qos, 0)
    assert.deepEqual(ddata.payload.metrics.map((m) => [m.name, Number(m.alias), m.value]),
      [[undefined, node.aliasOf('dev-a', 'Temperature'), 21.25], [undefined, node.aliasOf('dev-a', 'Total'), 5n]])
    for (const m of ddata.payload.metrics) assert.ok(m.timestamp !== undefined)
    // On the wire: no name and no datatype (the observer above resolved the datatypes from the DBIRTH aliases).
    assert.deepEqual(decodePayload(ddata.raw).metrics.map((m) => [m.name, m.datatype]), [[undefined, undefined], [undefined, undefined]])
    assert.equal(obs.from(node.edgeNodeId).filter((m) => m.type === 'DDATA').length, 1)
  })

  it('tck-id-payloads-sequence-num-incrementing increases seq by one across NDATA and DDATA of the node and wraps from 255 to 0', async function () {
    const node = edgeNode()
    await node.start()
    for (let i = 1; i <= 300; i++) {
      if (i % 2 === 0) node.update(undefined, { 'Node Info/Uptime': BigInt(i) })
      else node.update(i % 3 === 0 ? 'dev-a' : 'dev-b', { Count: i })
    }
    await obs.next((m) => m.node === node.edgeNodeId && m.type.endsWith('DATA') && m.payload.metrics.some((x) => x.value === 300n))
    const seqs = obs.from(node.edgeNodeId).map((m) => Number(m.payload.seq))
    assert.equal(seqs.length, 303)
    seqs.forEach((s, i) => assert.equal(s, i % 256, `message ${i}`))
  })

  it('tck-id-operational-behavior-data-commands-rebirth-action-2 tck-id-operational-behavior-data-commands-rebirth-action-3 answers an NCMD Node Control/Rebirth with a complete birth sequence with the same bdSeq', async function () {
    const node = edgeNode({ bdSeq: 200 })
    await node.start()
    await obs.next(is('DBIRTH', node.edgeNodeId, 'dev-b'))
    node.update('dev-a', { Count: 7 })
    await obs.next(is('DDATA', node.edgeNodeId))
    const host = await connect(mqttUrl(hub))
    await host.publishAsync(node.topic('NCMD'), command([{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }]), { qos: 0 })
    const nbirth = await obs.next(is('NBIRTH', node.edgeNodeId))
    assert.equal(bdSeqOf(nbirth.payload), 200n)
    assert.equal(Number(nbirth.payload.seq), 0)
    const d = await obs.next(is('DBIRTH', node.edgeNodeId, 'dev-a'))
    assert.equal(metric(d.payload, 'Count').value, 7, 'the DBIRTH has the current values')
    await host.endAsync()
  })

  it('applies a DCMD write to a writable metric and echoes the new value in DDATA; refuses writes to read-only metrics', async function () {
    const node = edgeNode()
    await node.start()
    await obs.next(is('DBIRTH', node.edgeNodeId, 'dev-b'))
    const refused = new Promise((resolve) => node.once('refused', resolve))
    const host = await connect(mqttUrl(hub))
    await host.publishAsync(`${node.topic('DCMD')}/dev-b`, command([{ alias: node.aliasOf('dev-b', 'Temperature'), datatype: DataType.Double, value: 99 }]), { qos: 0 })
    assert.equal((await refused as { reason: string }).reason, 'metric is read-only')
    await host.publishAsync(`${node.topic('DCMD')}/dev-b`, command([{ alias: node.aliasOf('dev-b', 'Mode'), datatype: DataType.String, value: 'MANUAL' }]), { qos: 0 })
    const echo = await obs.next(is('DDATA', node.edgeNodeId, 'dev-b'))
    assert.deepEqual(echo.payload.metrics.map((m) => [Number(m.alias), m.value]), [[node.aliasOf('dev-b', 'Mode'), 'MANUAL']])
    assert.equal(node.value('dev-b', 'Mode'), 'MANUAL')
    assert.equal(node.value('dev-b', 'Temperature'), 20.5)
    // By name too, and for a node metric with NCMD.
    await host.publishAsync(node.topic('NCMD'), command([{ name: 'Setpoint', datatype: DataType.Float, value: 12.5 }]), { qos: 0 })
    const ndata = await obs.next(is('NDATA', node.edgeNodeId))
    assert.deepEqual(ndata.payload.metrics.map((m) => [Number(m.alias), m.value]), [[node.aliasOf(undefined, 'Setpoint'), 12.5]])
    await host.endAsync()
  })

  it('tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq delivers the NDEATH Will with the NBIRTH bdSeq when its socket is destroyed, then reconnects with bdSeq + 1', async function () {
    const node = edgeNode({ bdSeq: 255 })
    await node.start()
    const will = (hub.broker.aedes as unknown as { clients: Record<string, { will: { qos: number, retain: boolean, topic: string } }> }).clients[node.clientId]!.will
    assert.deepEqual([will.topic, will.qos, will.retain], [node.topic('NDEATH'), 1, false], 'tck-id-payloads-ndeath-will-message-qos, -retain')
    const nbirth = await obs.next(is('NBIRTH', node.edgeNodeId))
    assert.equal(bdSeqOf(nbirth.payload), 255n)
    node.mqttClient!.stream.destroy()
    const ndeath = await obs.next(is('NDEATH', node.edgeNodeId))
    assert.equal(bdSeqOf(ndeath.payload), 255n)
    assert.equal(ndeath.payload.seq, undefined, 'tck-id-payloads-ndeath-seq')
    const again = await obs.next(is('NBIRTH', node.edgeNodeId))
    assert.equal(bdSeqOf(again.payload), 0n, 'bdSeq 255 is followed by 0')
    assert.equal(Number(again.payload.seq), 0)
  })

  it('tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath publishes NDEATH before it disconnects when stopped', async function () {
    const node = edgeNode({ bdSeq: 3 })
    await node.start()
    await node.stop()
    const ndeath = await obs.next(is('NDEATH', node.edgeNodeId))
    assert.equal(bdSeqOf(ndeath.payload), 3n)
  })

  it('tck-id-message-flow-edge-node-birth-publish-phid-wait waits for the primary host STATE online before its births, and starts over when the host goes offline', async function () {
    const node = edgeNode({ primaryHostId: 'scada-1' })
    const connected = new Promise((resolve) => node.once('connected', resolve))
    const started = node.start()
    const host = await connect(mqttUrl(hub))
    await connected
    assert.equal(obs.from(node.edgeNodeId).length, 0, 'no birth before the host is online')
    const t0 = Date.now()
    await host.publishAsync('spBv1.0/STATE/other-host', JSON.stringify({ online: true, timestamp: t0 }), { qos: 1, retain: true })
    await host.publishAsync('spBv1.0/STATE/scada-1', JSON.stringify({ online: true, timestamp: t0 }), { qos: 1, retain: true })
    await started
    assert.equal(bdSeqOf((await obs.next(is('NBIRTH', node.edgeNodeId))).payload), 0n)
    await host.publishAsync('spBv1.0/STATE/scada-1', JSON.stringify({ online: false, timestamp: t0 + 1 }), { qos: 1, retain: true })
    assert.equal(bdSeqOf((await obs.next(is('NDEATH', node.edgeNodeId))).payload), 0n)
    await host.publishAsync('spBv1.0/STATE/scada-1', JSON.stringify({ online: true, timestamp: t0 + 2 }), { qos: 1, retain: true })
    assert.equal(bdSeqOf((await obs.next(is('NBIRTH', node.edgeNodeId))).payload), 1n, 'a new connection, a new bdSeq')
    await host.publishAsync('spBv1.0/STATE/scada-1', '', { qos: 1, retain: true })
    await host.publishAsync('spBv1.0/STATE/other-host', '', { qos: 1, retain: true })
    await host.endAsync()
  })
})
