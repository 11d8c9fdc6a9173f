// The `sparkplug in` and `sparkplug command` nodes in a real Node-RED runtime (node-red-node-test-helper), against a
// real hub, its Sparkplug host application and UNS bridge, and a test edge node whose payloads are encoded with the
// specification's .proto (independent of the project's codec). The nodes find the host in the runtime's settings (nodes/hub-services.ts).
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import sparkplugInNode = require('../../nodes/sparkplug-in/sparkplug-in')
import sparkplugCommandNode = require('../../nodes/sparkplug-command/sparkplug-command')
import type { RunningHub } from '../../hub/hub'
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import type { Namespace } from '../../uns/namespace'
import { startSparkplug, type RunningSparkplug } from '../../sparkplug/sparkplug-runtime'
import { DEFAULT_SPARKPLUG } from '../../sparkplug/config'
import type { MetricUpdate, SessionChange } from '../../sparkplug/host/session'
import { mqttUrl, startTestHub, hostMqtt } from '../support/hub-fixture'
import { DT, TestEdgeNode, nextEvent, uniqueId } from '../sparkplug/host/edge-node'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

type Msg = Record<string, any> & { topic: string, payload: any } // eslint-disable-line @typescript-eslint/no-explicit-any
type TestNode = ReturnType<typeof helper.getNode>
interface Status { fill?: string, shape?: string, text?: string }

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const LINE_1 = 'acme/dallas/press-shop/line-1'
const silent = { error () {}, warn () {}, info () {}, debug () {}, child: () => silent }


/** The statuses a node has shown so far (the helper spies on Node.prototype.status). */
function statuses (node: TestNode): Status[] {
  const spy = (node as unknown as { status: unknown }).status as unknown as { getCalls (): Array<{ thisValue: unknown, args: unknown[] }> }
  return spy.getCalls().filter((c) => c.thisValue === node).map((c) => c.args[0] as Status)
}

/** The node's current status once it satisfies `match` (it may already do). */
function statusWhen (node: TestNode, match: (s: Status) => boolean, timeoutMs = 5000): Promise<Status> {
  const last = statuses(node).at(-1)
  if (last !== undefined && match(last)) return Promise.resolve(last)
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`status did not become as expected; last: ${JSON.stringify(statuses(node).at(-1))}`)), timeoutMs)
    node.on('call:status', (call: { args: unknown[] }) => {
      const s = call.args[0] as Status
      if (match(s)) { clearTimeout(t); resolve(s) }
    })
  })
}

describe('sparkplug in / sparkplug command nodes in a real Node-RED runtime', function () {
  let hub: RunningHub
  let sp: RunningSparkplug
  let namespace: Namespace
  const edges: TestEdgeNode[] = []

  before(async function () {
    hub = await startTestHub()
    namespace = hub.uns.namespace
    sp = await startSparkplug({ settings: { ...DEFAULT_SPARKPLUG, hostId: 'nodes-test', rebirthMinIntervalMs: 0 }, model: hub.model, mqtt: hostMqtt(hub), uns: hub.uns, log: silent })
    helper.settings({ [HUB_SERVICES_SETTING]: { model: hub.model, uns: hub.uns, mes: hub.mes.mes, sparkplug: { host: sp.host, stream: sp.stream } } })
    await new Promise<void>((resolve) => helper.startServer(() => resolve()))
  })
  afterEach(async function () {
    await helper.unload()
    for (const e of edges.splice(0)) await e.close()
  })
  after(async function () {
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()))
    await sp.stop()
    await hub.stop()
  })

  async function edgeNode (groupId: string, edgeNodeId: string, bdSeq = 0): Promise<TestEdgeNode> {
    const e = await TestEdgeNode.connect(mqttUrl(hub), groupId, edgeNodeId, bdSeq)
    edges.push(e)
    return e
  }

  /** Resolves when the host has delivered the metric `name` (and so has the bridge, which listens first). */
  function hostHas (edgeNodeId: string, name: string, match: (u: MetricUpdate) => boolean = () => true): Promise<MetricUpdate> {
    return nextEvent<MetricUpdate>(sp.host, 'metric', (u) => u.edgeNodeId === edgeNodeId && u.name === name && match(u))
  }

  /** Press line 1 (bound in the demo plant): node metric 'Line Speed', device press-1 with three metrics. */
  async function pressLine (): Promise<TestEdgeNode> {
    const edge = await edgeNode('dallas', 'press-line-1', 3)
    const born = hostHas('press-line-1', 'Stroke Rate Setpoint')
    await edge.nbirth([{ name: 'Line Speed', alias: 1, datatype: DT.Double, doubleValue: 12.5 }])
    await edge.send('DBIRTH', 'press-1', [
      { name: 'Die Temperature', alias: 10, datatype: DT.Double, doubleValue: 180.5, properties: { keys: ['engUnit'], values: [{ type: DT.String, stringValue: 'CEL' }] } },
      { name: 'Strokes', alias: 11, datatype: DT.Int64, longValue: '9007199254740993' },
      { name: 'Stroke Rate Setpoint', alias: 12, datatype: DT.Int32, intValue: 20 }
    ])
    await born
    return edge
  }

  it('sparkplug in sends a device\'s birth values and then only its changes, under the UNS topics of the filter, with datatype, unit and source', async function () {
    await helper.load([sparkplugInNode], [
      { id: 'in', type: 'sparkplug in', topic: 'acme/dallas/press-shop/+/+/measurements/#', includeStale: true, includeHistorical: false, onlyChanges: true, wires: [['sink']] },
      { id: 'sink', type: 'helper' }
    ])
    const sink = new NodeSink<Msg>(helper.getNode('sink'))
    const edge = await pressLine()

    const birth = await sink.take(3)
    assert.deepEqual([...birth.keys()], [`${PRESS_1}/measurements/die-temperature`, `${PRESS_1}/measurements/strokes`, `${PRESS_1}/measurements/stroke-rate-setpoint`],
      'the device\'s metrics, and not the line\'s own (acme/dallas/press-shop/line-1/measurements/line-speed is outside the filter)')
    const t = birth.get(`${PRESS_1}/measurements/die-temperature`)!.payload
    assert.deepEqual({ ...t, timestamp: 0 }, {
      value: 180.5,
      timestamp: 0,
      quality: 'GOOD',
      datatype: 'Double',
      unit: 'CEL',
      source: { groupId: 'dallas', edgeNodeId: 'press-line-1', deviceId: 'press-1', name: 'Die Temperature' },
      historical: false
    })
    assert.equal(typeof t.timestamp, 'number')
    const strokes = birth.get(`${PRESS_1}/measurements/strokes`)!.payload
    assert.equal(strokes.value, '9007199254740993', '64-bit integers as decimal strings, never rounded')
    assert.equal(strokes.datatype, 'Int64')

    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 181.25 }])
    const changed = await sink.next()
    assert.equal(changed.topic, `${PRESS_1}/measurements/die-temperature`)
    assert.equal(changed.payload.value, 181.25)

    // The same value again, and a historical value: neither is sent (only changes; historical off by default).
    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 181.25 }])
    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 170, isHistorical: true, timestamp: Date.now() - 60000 }])
    await edge.send('DDATA', 'press-1', [{ alias: 11, datatype: DT.Int64, longValue: '9007199254740994' }])
    const next = await sink.next()
    assert.equal(next.topic, `${PRESS_1}/measurements/strokes`, 'the repeated and the historical temperature were not sent')
    assert.equal(next.payload.value, '9007199254740994')
    assert.equal(sink.pending, 0)
  })

  it('sparkplug in sends the current value of every matching metric on deploy, shows the count on the node, then sends updates', async function () {
    const oven = uniqueId('oven')
    const edge = await edgeNode('dallas', oven)
    const born = hostHas(oven, 'Speed')
    await edge.nbirth([
      { name: 'Zone Temp', alias: 1, datatype: DT.Double, doubleValue: 210, properties: { keys: ['engUnit'], values: [{ type: DT.String, stringValue: 'CEL' }] } },
      { name: 'Door Open', alias: 2, datatype: DT.Boolean, booleanValue: false }
    ])
    await edge.send('DBIRTH', 'fan-1', [{ name: 'Speed', alias: 3, datatype: DT.Int32, intValue: 1200 }])
    await born

    await helper.load([sparkplugInNode], [
      { id: 'in', type: 'sparkplug in', topic: `acme/dallas/measurements/${oven}/#`, wires: [['sink']] },
      { id: 'sink', type: 'helper' }
    ])
    const sink = new NodeSink<Msg>(helper.getNode('sink'))
    const current = await sink.take(4) // bdSeq, Zone Temp, Door Open (node) and Speed (device fan-1); Node Control/* is under state/
    assert.deepEqual([...current.keys()].sort(), [
      `acme/dallas/measurements/${oven}/bdseq`,
      `acme/dallas/measurements/${oven}/door-open`,
      `acme/dallas/measurements/${oven}/fan-1/speed`,
      `acme/dallas/measurements/${oven}/zone-temp`
    ])
    const zone = current.get(`acme/dallas/measurements/${oven}/zone-temp`)!.payload
    assert.deepEqual({ ...zone, timestamp: 0 }, {
      value: 210, timestamp: 0, quality: 'GOOD', datatype: 'Double', unit: 'CEL', source: { groupId: 'dallas', edgeNodeId: oven, name: 'Zone Temp' }, historical: false
    })
    assert.deepEqual(current.get(`acme/dallas/measurements/${oven}/fan-1/speed`)!.payload.source, { groupId: 'dallas', edgeNodeId: oven, deviceId: 'fan-1', name: 'Speed' })
    assert.equal(current.get(`acme/dallas/measurements/${oven}/door-open`)!.payload.value, false)
    assert.deepEqual(await statusWhen(helper.getNode('in'), (s) => s.text === '4 metrics, 1/1 node online'), { fill: 'green', shape: 'dot', text: '4 metrics, 1/1 node online' })

    await edge.send('NDATA', undefined, [{ alias: 1, datatype: DT.Double, doubleValue: 215.5 }])
    const update = await sink.next()
    assert.equal(update.topic, `acme/dallas/measurements/${oven}/zone-temp`)
    assert.equal(update.payload.value, 215.5)
  })

  it('sparkplug in marks every metric of a dead edge node and its devices STALE, keeping the last value, unless STALE marks are turned off', async function () {
    const kiln = uniqueId('kiln')
    await helper.load([sparkplugInNode], [
      { id: 'all', type: 'sparkplug in', topic: `acme/dallas/measurements/${kiln}/#`, includeStale: true, includeHistorical: false, onlyChanges: true, wires: [['allSink']] },
      { id: 'noStale', type: 'sparkplug in', topic: `acme/dallas/measurements/${kiln}/#`, includeStale: false, includeHistorical: false, onlyChanges: true, wires: [['noStaleSink']] },
      { id: 'allSink', type: 'helper' },
      { id: 'noStaleSink', type: 'helper' }
    ])
    const all = new NodeSink<Msg>(helper.getNode('allSink'))
    const noStale = new NodeSink<Msg>(helper.getNode('noStaleSink'))
    const edge = await edgeNode('dallas', kiln, 0)
    await edge.nbirth([{ name: 'Temp', alias: 1, datatype: DT.Double, doubleValue: 900 }])
    await edge.send('DBIRTH', 'burner', [{ name: 'Flame', alias: 2, datatype: DT.Boolean, booleanValue: true }])
    for (const s of [all, noStale]) {
      const good = await s.take(3)
      assert.deepEqual([...good.values()].map((m) => m.payload.quality), ['GOOD', 'GOOD', 'GOOD'])
    }

    edge.kill() // the broker publishes the NDEATH Will
    const stale = await all.take(3)
    assert.deepEqual([...stale.keys()].sort(), [`acme/dallas/measurements/${kiln}/bdseq`, `acme/dallas/measurements/${kiln}/burner/flame`, `acme/dallas/measurements/${kiln}/temp`])
    for (const m of stale.values()) assert.equal(m.payload.quality, 'STALE', m.topic)
    assert.equal(stale.get(`acme/dallas/measurements/${kiln}/temp`)!.payload.value, 900, 'the last value is kept')
    assert.equal(stale.get(`acme/dallas/measurements/${kiln}/burner/flame`)!.payload.value, true)
    assert.deepEqual(await statusWhen(helper.getNode('all'), (s) => s.text === '3 metrics, 0/1 node online'), { fill: 'yellow', shape: 'ring', text: '3 metrics, 0/1 node online' })

    // Back online with new values: the node without STALE marks sends them next; it never sent a STALE mark.
    const again = await edgeNode('dallas', kiln, 1)
    await again.nbirth([{ name: 'Temp', alias: 1, datatype: DT.Double, doubleValue: 905 }])
    await again.send('DBIRTH', 'burner', [{ name: 'Flame', alias: 2, datatype: DT.Boolean, booleanValue: false }])
    const reborn = await noStale.take(3)
    for (const m of reborn.values()) assert.equal(m.payload.quality, 'GOOD', m.topic)
    assert.equal(reborn.get(`acme/dallas/measurements/${kiln}/temp`)!.payload.value, 905)
    assert.equal(reborn.get(`acme/dallas/measurements/${kiln}/bdseq`)!.payload.value, '1')
    const back = await all.take(3)
    for (const m of back.values()) assert.equal(m.payload.quality, 'GOOD', m.topic)
  })

  it('sparkplug command makes the edge node receive a DCMD (device metric) or NCMD (node metric) with the value, and passes the message on with msg.sparkplug', async function () {
    const edge = await pressLine()
    await helper.load([sparkplugCommandNode], [
      { id: 'cmd', type: 'sparkplug command', topic: '', wires: [['out']] },
      { id: 'out', type: 'helper' }
    ])
    const out = new NodeSink<Msg>(helper.getNode('out'))
    helper.getNode('cmd').receive({ topic: `${PRESS_1}/commands/stroke-rate-setpoint`, payload: 24 })
    const cmd = await edge.nextCommand()
    assert.equal(cmd.topic, 'spBv1.0/dallas/DCMD/press-line-1/press-1')
    assert.equal(cmd.payload.metrics.length, 1)
    assert.equal(cmd.payload.metrics[0].alias, '12', 'by the alias of the birth')
    assert.equal(cmd.payload.metrics[0].intValue, 24)
    const passed = await out.next()
    assert.equal(passed.payload, 24)
    assert.deepEqual(passed.sparkplug, { topic: 'spBv1.0/dallas/DCMD/press-line-1/press-1', metric: 'Stroke Rate Setpoint', datatype: 'Int32' })
    assert.deepEqual(await statusWhen(helper.getNode('cmd'), (s) => s.fill === 'green'), { fill: 'green', shape: 'dot', text: 'Stroke Rate Setpoint = 24' })

    // The metric's own topic and a UNS payload, as a `sparkplug in` or `uns in` node sends them; a node metric: NCMD.
    helper.getNode('cmd').receive({ topic: `${LINE_1}/measurements/line-speed`, payload: { value: 13.5, timestamp: Date.now(), quality: 'GOOD' } })
    const ncmd = await edge.nextCommand()
    assert.equal(ncmd.topic, 'spBv1.0/dallas/NCMD/press-line-1')
    assert.equal(ncmd.payload.metrics[0].alias, '1')
    assert.equal(ncmd.payload.metrics[0].doubleValue, 13.5)
    assert.deepEqual((await out.next()).sparkplug, { topic: 'spBv1.0/dallas/NCMD/press-line-1', metric: 'Line Speed', datatype: 'Double' })

    // A 64-bit value as a decimal string, beyond 2^53.
    helper.getNode('cmd').receive({ topic: `${PRESS_1}/commands/strokes`, payload: '9223372036854775807' })
    assert.equal((await edge.nextCommand()).payload.metrics[0].longValue, '9223372036854775807')
    await out.next()
  })

  it('sparkplug command refuses a value of the wrong type with an error a catch node gets, naming the path, the metric and the datatype, and sends nothing', async function () {
    const edge = await pressLine()
    await helper.load([sparkplugCommandNode, catchNode], [
      { id: 'cmd', type: 'sparkplug command', topic: `${PRESS_1}/commands/stroke-rate-setpoint`, wires: [['out']] },
      { id: 'out', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' }
    ])
    const out = new NodeSink<Msg>(helper.getNode('out'))
    const caught = new NodeSink<Msg>(helper.getNode('caught'))
    helper.getNode('cmd').receive({ payload: 'fast' })
    const err = await caught.next()
    assert.match(err.error.message, /acme\/dallas\/press-shop\/line-1\/press-1\/commands\/stroke-rate-setpoint: spBv1.0\/dallas\/press-line-1\/press-1#Stroke Rate Setpoint: .*\(Int32\).*"fast" is not an integer number/)
    assert.equal(err.payload, 'fast', 'the catch node gets the message that failed')
    assert.equal((await statusWhen(helper.getNode('cmd'), (s) => s.fill === 'red')).shape, 'ring')

    helper.getNode('cmd').receive({ payload: 300000000000 })
    assert.match((await caught.next()).error.message, /\(Int32\).*300000000000 is out of range -2147483648\.\.2147483647/)

    helper.getNode('cmd').receive({ payload: 25 })
    const cmd = await edge.nextCommand()
    assert.equal(cmd.payload.metrics[0].intValue, 25, 'the first command the edge node receives is the valid one')
    assert.equal((await out.next()).sparkplug.datatype, 'Int32')
    assert.equal(out.pending, 0, 'refused messages are not passed on')
  })

  it('sparkplug command reports a path with no Sparkplug metric behind it, and a write to an offline device, as errors with the reason', async function () {
    const edge = await pressLine()
    await helper.load([sparkplugCommandNode], [
      { id: 'cmd', type: 'sparkplug command', topic: '', wires: [['out']] },
      { id: 'out', type: 'helper' }
    ])
    const cmd = helper.getNode('cmd')
    const nextError = (): Promise<string> => new Promise((resolve) => cmd.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))))

    let err = nextError()
    cmd.receive({ topic: `${PRESS_1}/commands/no-such-tag`, payload: 1 })
    assert.match(await err, /no Sparkplug metric is behind this path \(looked for '.*press-1\/measurements\/no-such-tag' and '.*press-1\/state\/no-such-tag'/)
    err = nextError()
    cmd.receive({ topic: `${PRESS_1}/events/stroke-rate-setpoint`, payload: 1 })
    assert.match(await err, /'events' data is not written to Sparkplug/)
    err = nextError()
    cmd.receive({ topic: 'acme/dallas/press-shop/line-9/commands/x', payload: 1 })
    assert.match(await err, /not a UNS topic of this plant: unknown equipment 'line-9'/)
    err = nextError()
    cmd.receive({ payload: 1 })
    assert.match(await err, /no topic/)

    const dead = nextEvent<SessionChange>(sp.host, 'session', (c) => c.kind === 'device' && c.edgeNodeId === 'press-line-1' && c.state === 'OFFLINE')
    await edge.send('DDEATH', 'press-1', [])
    await dead
    err = nextError()
    cmd.receive({ topic: `${PRESS_1}/commands/stroke-rate-setpoint`, payload: 21 })
    assert.match(await err, /Sparkplug device 'dallas\/press-line-1\/press-1': is offline, so it cannot be written to/)
  })
})
