// Message ordering (Reorder Timeout) and rebirth requests: when the host loses track of an edge node's session it
// sends NCMD 'Node Control/Rebirth' = true, rate-limited per node, with the reason recorded. Real broker, edge nodes
// as real mqtt.js clients with protobufjs payloads from the specification's .proto.
import assert from 'node:assert/strict'
import { mqttUrl, startTestHub } from '../../support/hub-fixture'
import type { RunningHub } from '../../../hub/hub'
import { SparkplugHostApplication, type HostApplicationOptions, type MetricUpdate, type RebirthEvent, type RefusedMessage, type SequenceEvent, type SessionChange } from '../../../sparkplug/host/index'
import { DT, TestEdgeNode, hasField, nextEvent, record, specEncode, uniqueId, type ReceivedCommand } from './edge-node'

const TS = 1700000000000

describe('Sparkplug host application: reordering and rebirth requests', function () {
  let hub: RunningHub
  let host: SparkplugHostApplication | undefined
  let edges: TestEdgeNode[] = []

  before(async () => { hub = await startTestHub() })
  after(async () => { await hub.stop() })
  afterEach(async () => {
    await Promise.all(edges.map((e) => e.close()))
    edges = []
    await host?.stop()
    host = undefined
  })

  async function startHost (opts: Partial<HostApplicationOptions> = {}): Promise<SparkplugHostApplication> {
    host = new SparkplugHostApplication({ hostId: uniqueId('host'), broker: { handle: (s) => hub.broker.aedes.handle(s) }, rebirthMinIntervalMs: 0, ...opts })
    await host.start()
    return host
  }

  async function edge (): Promise<TestEdgeNode> {
    const e = await TestEdgeNode.connect(mqttUrl(hub), 'plant', uniqueId('node'))
    edges.push(e)
    return e
  }

  async function bornNode (h: SparkplugHostApplication): Promise<TestEdgeNode> {
    const e = await edge()
    const online = nextEvent<SessionChange>(h, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.nbirth([{ name: 'Level', alias: 1, datatype: DT.Int32, intValue: 0, timestamp: TS }])
    await online
    return e
  }

  /** Asserts a command is a rebirth request: NCMD to the node, QoS 0, not retained, payload timestamp, no seq. */
  function assertRebirthRequest (cmd: ReceivedCommand, e: TestEdgeNode): void {
    assert.equal(cmd.topic, `spBv1.0/${e.groupId}/NCMD/${e.edgeNodeId}`)
    assert.equal(cmd.qos, 0)
    assert.equal(cmd.retain, false)
    assert.ok(hasField(cmd.payload, 'timestamp'), 'the NCMD carries a payload timestamp')
    assert.ok(!hasField(cmd.payload, 'seq'), 'the NCMD carries no seq')
    assert.equal(cmd.payload.metrics.length, 1)
    const m = cmd.payload.metrics[0]
    assert.equal(m.name, 'Node Control/Rebirth')
    assert.ok(!hasField(m, 'alias'), 'by name, not by alias')
    assert.equal(m.datatype, DT.Boolean)
    assert.equal(m.booleanValue, true)
  }

  const levels = (events: MetricUpdate[], e: TestEdgeNode): unknown[] =>
    events.filter((u) => u.edgeNodeId === e.edgeNodeId && u.name === 'Level').map((u) => u.value)

  it('tck-id-operational-behavior-host-reordering-start: an out-of-order message is held and the Reorder Timeout timer starts', async () => {
    // Also: tck-id-operational-behavior-host-reordering-param (reorderTimeoutMs).
    const h = await startHost({ reorderTimeoutMs: 60000 })
    const e = await bornNode(h)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 1, timestamp: TS }]) // seq 1
    const held = nextEvent<SequenceEvent>(h, 'sequence', (s) => s.edgeNodeId === e.edgeNodeId)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 3, timestamp: TS }], { seq: 3 })
    const s = await held
    assert.deepEqual({ kind: s.kind, expectedSeq: s.expectedSeq, seq: s.seq, pending: s.pending }, { kind: 'HELD', expectedSeq: 2, seq: 3, pending: 1 })
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.reorderWaiting, true)
    assert.equal(health.pending, 1)
    assert.equal(health.lastSeq, 1)
    assert.equal(h.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Level' })!.value, 1, 'seq 3 is not applied before seq 2')
  })

  it('tck-id-operational-behavior-host-reordering-success: when the missing message arrives in time the timer stops ' +
    'and the messages are applied in seq order', async () => {
    const h = await startHost({ reorderTimeoutMs: 60000 })
    const e = await bornNode(h)
    const values = record<MetricUpdate>(h, 'metric')
    const held = nextEvent<SequenceEvent>(h, 'sequence', (s) => s.edgeNodeId === e.edgeNodeId && s.kind === 'HELD' && s.seq === 3)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 3, timestamp: TS }], { seq: 3 })
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 2, timestamp: TS }], { seq: 2 })
    await held
    const filled = nextEvent<SequenceEvent>(h, 'sequence', (s) => s.edgeNodeId === e.edgeNodeId && s.kind === 'FILLED')
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 1, timestamp: TS }], { seq: 1 })
    const f = await filled
    values.stop()
    assert.equal(f.expectedSeq, 4)
    assert.equal(f.pending, 0)
    assert.deepEqual(levels(values.events, e), [1, 2, 3])
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.reorderWaiting, false, 'the timer is terminated')
    assert.equal(health.seqGaps, 0)
    assert.equal(health.rebirthsRequested, 0)
    assert.equal(health.reordered, 2)
    assert.equal(health.lastSeq, 3)
    assert.equal(e.unread.length, 0)
  })

  it('tck-id-operational-behavior-host-reordering-rebirth: a gap not filled within the reorder timeout triggers NCMD ' +
    'Node Control/Rebirth', async () => {
    // Also: tck-id-operational-behavior-data-commands-ncmd-rebirth-verb/-name/-value, tck-id-topics-ncmd-topic,
    // tck-id-topics-ncmd-mqtt, tck-id-payloads-ncmd-qos/-retain/-seq/-timestamp.
    const h = await startHost({ reorderTimeoutMs: 100 })
    const e = await bornNode(h)
    const values = record<MetricUpdate>(h, 'metric')
    const timeout = nextEvent<SequenceEvent>(h, 'sequence', (s) => s.edgeNodeId === e.edgeNodeId && s.kind === 'TIMEOUT')
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 4, timestamp: TS }], { seq: 4 })
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 2, timestamp: TS }], { seq: 2 })
    const cmd = await e.nextCommand()
    await timeout
    values.stop()
    assertRebirthRequest(cmd, e)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.seqGaps, 1)
    assert.equal(health.rebirthsRequested, 1)
    assert.equal(health.rebirths[0]!.reason, 'SEQ_GAP')
    assert.equal(health.rebirths[0]!.sent, true)
    assert.match(health.rebirths[0]!.detail, /seq 1 did not arrive/)
    assert.deepEqual(levels(values.events, e), [2, 4], 'what was held is applied in seq order after the timeout')
    assert.equal(health.lastSeq, 4)
    assert.equal(health.reorderWaiting, false)
  })

  it('tck-id-operational-behavior-host-reordering-param: with a Reorder Timeout of 0 a gap asks for a rebirth at once', async () => {
    const h = await startHost({ reorderTimeoutMs: 0 })
    const e = await bornNode(h)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 9, timestamp: TS }], { seq: 5 })
    assertRebirthRequest(await e.nextCommand(), e)
    assert.equal(h.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Level' })!.value, 9)
    assert.equal(h.getNodeHealth('plant', e.edgeNodeId)!.rebirths[0]!.reason, 'SEQ_GAP')
  })

  it('tck-id-payloads-alias-data-cmd-requirement: an alias that the births did not declare triggers a rebirth request (UNKNOWN_ALIAS)', async () => {
    const h = await startHost()
    const e = await bornNode(h)
    await e.send('NDATA', undefined, [{ alias: 99, intValue: 1, timestamp: TS }, { alias: 1, intValue: 5, timestamp: TS }])
    assertRebirthRequest(await e.nextCommand(), e)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.rebirths[0]!.reason, 'UNKNOWN_ALIAS')
    assert.match(health.rebirths[0]!.detail, /alias 99/)
    assert.equal(h.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Level' })!.value, 5, 'the known metrics are applied')
  })

  it('tck-id-topics-ndata-payload: a metric name the NBIRTH did not declare triggers a rebirth request (UNKNOWN_METRIC)', async () => {
    const h = await startHost()
    const e = await bornNode(h)
    await e.send('NDATA', undefined, [{ name: 'Pressure', datatype: DT.Double, doubleValue: 1, timestamp: TS }])
    assertRebirthRequest(await e.nextCommand(), e)
    assert.equal(h.getNodeHealth('plant', e.edgeNodeId)!.rebirths[0]!.reason, 'UNKNOWN_METRIC')
  })

  it('tck-id-payloads-ndata-order: NDATA from a node without an NBIRTH triggers a rebirth request (DATA_BEFORE_BIRTH)', async () => {
    // Chapter 5 "Sparkplug Host Application Receive Data": any DBIRTH, NDATA, DDATA or DDEATH before an NBIRTH.
    const h = await startHost()
    const e = await edge()
    const rebirth = nextEvent<RebirthEvent>(h, 'rebirth', (r) => r.edgeNodeId === e.edgeNodeId)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 1, timestamp: TS }], { seq: 17 })
    assertRebirthRequest(await e.nextCommand(), e)
    const r = await rebirth
    assert.equal(r.reason, 'DATA_BEFORE_BIRTH')
    assert.equal(r.sent, true)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.state, 'UNBORN')
    assert.equal(h.listMetrics({ edgeNodeId: e.edgeNodeId }).length, 0)
  })

  it('tck-id-message-flow-device-birth-publish-nbirth-wait: a DBIRTH from a node without an NBIRTH triggers a rebirth request (DBIRTH_BEFORE_NBIRTH)', async () => {
    const h = await startHost()
    const e = await edge()
    await e.send('DBIRTH', 'press', [{ name: 'Speed', alias: 10, datatype: DT.Float, floatValue: 1, timestamp: TS }], { seq: 1 })
    assertRebirthRequest(await e.nextCommand(), e)
    assert.equal(h.getNodeHealth('plant', e.edgeNodeId)!.rebirths[0]!.reason, 'DBIRTH_BEFORE_NBIRTH')
    assert.equal(h.getDeviceHealth('plant', e.edgeNodeId, 'press'), undefined)
  })

  it('tck-id-payloads-ddata-order: DDATA from a device without a DBIRTH triggers a rebirth request (DEVICE_DATA_BEFORE_DBIRTH)', async () => {
    const h = await startHost()
    const e = await bornNode(h)
    await e.send('DDATA', 'press', [{ alias: 10, floatValue: 1, timestamp: TS }])
    assertRebirthRequest(await e.nextCommand(), e)
    assert.equal(h.getNodeHealth('plant', e.edgeNodeId)!.rebirths[0]!.reason, 'DEVICE_DATA_BEFORE_DBIRTH')
  })

  it('tck-id-message-flow-edge-node-birth-publish-nbirth-payload: a payload that is not Sparkplug B protobuf triggers ' +
    'a rebirth request (MALFORMED_PAYLOAD)', async () => {
    // Chapter 5 "Sparkplug Host Application Receive Data": a host MAY send a rebirth when malformed payloads arrive.
    const h = await startHost()
    const e = await bornNode(h)
    await e.publish('NDATA', undefined, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))
    assertRebirthRequest(await e.nextCommand(), e)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.rebirths[0]!.reason, 'MALFORMED_PAYLOAD')
    assert.equal(health.malformedPayloads, 1)
    assert.equal(health.state, 'ONLINE')
  })

  it('tck-id-payloads-alias-uniqueness: a DBIRTH that reuses an alias of the node is refused as malformed and ' +
    'answered with a rebirth request; the device stays unborn', async () => {
    // Also: tck-id-payloads-alias-birth-requirement / tck-id-topics-dbirth-metrics (a birth metric needs name and datatype).
    const h = await startHost()
    const e = await bornNode(h)
    await e.send('DBIRTH', 'press', [{ name: 'Speed', alias: 1, datatype: DT.Float, floatValue: 1, timestamp: TS }])
    assertRebirthRequest(await e.nextCommand(), e)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.rebirths[0]!.reason, 'MALFORMED_PAYLOAD')
    assert.match(health.rebirths[0]!.detail, /alias 1 .* not unique/)
    assert.equal(h.getDeviceHealth('plant', e.edgeNodeId, 'press')!.state, 'UNBORN')
    assert.equal(h.getMetric({ groupId: 'plant', edgeNodeId: e.edgeNodeId, name: 'Level' })!.alias, 1, 'the node alias is intact')
  })

  it('tck-id-payloads-nbirth-seq: an NBIRTH without a seq is refused as malformed and answered with a rebirth request', async () => {
    const h = await startHost()
    const e = await edge()
    await e.publish('NBIRTH', undefined, Buffer.from([])) // an empty payload: no seq, no metrics
    assertRebirthRequest(await e.nextCommand(), e)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.rebirths[0]!.reason, 'MALFORMED_PAYLOAD')
    assert.equal(health.state, 'UNBORN')
  })

  it('tck-id-operational-behavior-data-commands-ncmd-rebirth-verb: rebirth requests are rate-limited per node; ' +
    'the held-back ones are recorded with their reasons', async () => {
    const h = await startHost({ rebirthMinIntervalMs: 3600000 })
    const e = await bornNode(h)
    const other = await bornNode(h)
    const rebirths = record<RebirthEvent>(h, 'rebirth')
    const applied = nextEvent<MetricUpdate>(h, 'metric', (u) => u.edgeNodeId === e.edgeNodeId && u.value === 42)
    await e.send('NDATA', undefined, [{ alias: 98, intValue: 1, timestamp: TS }])
    await e.send('NDATA', undefined, [{ alias: 99, intValue: 1, timestamp: TS }])
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 42, timestamp: TS }])
    await applied // messages of one connection arrive in order: both earlier NDATA were handled
    assertRebirthRequest(await e.nextCommand(), e)
    await other.send('NDATA', undefined, [{ alias: 97, intValue: 1, timestamp: TS }])
    assertRebirthRequest(await other.nextCommand(), other) // the limit is per node
    rebirths.stop()
    const mine = rebirths.events.filter((r) => r.edgeNodeId === e.edgeNodeId)
    assert.deepEqual(mine.map((r) => [r.reason, r.sent]), [['UNKNOWN_ALIAS', true], ['UNKNOWN_ALIAS', false]])
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.rebirthsRequested, 2)
    assert.deepEqual(health.rebirths.map((r) => r.sent), [true, false])
    assert.equal(e.unread.length, 0, 'only one NCMD reached the node')
  })

  it('tck-id-operational-behavior-data-commands-ncmd-rebirth-name: requestRebirth() from the API sends the same NCMD and records the reason REQUESTED', async () => {
    const h = await startHost()
    const e = await bornNode(h)
    const r = h.requestRebirth('plant', e.edgeNodeId, 'operator asked')
    assert.deepEqual([r.reason, r.detail, r.sent], ['REQUESTED', 'operator asked', true])
    assertRebirthRequest(await e.nextCommand(), e)
  })

  it('chapter 5 Rebirth Request (host side, no tck-id): after a rebirth request the node\'s new NBIRTH restores ' +
    'the session and the seq', async () => {
    const h = await startHost({ reorderTimeoutMs: 0 })
    const e = await bornNode(h)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 1, timestamp: TS }], { seq: 50 })
    await e.nextCommand()
    const online = nextEvent<SessionChange>(h, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.nbirth([{ name: 'Level', alias: 1, datatype: DT.Int32, intValue: 7, timestamp: TS }])
    await online
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 8, timestamp: TS }])
    await nextEvent<MetricUpdate>(h, 'metric', (u) => u.edgeNodeId === e.edgeNodeId && u.value === 8)
    const health = h.getNodeHealth('plant', e.edgeNodeId)!
    assert.equal(health.lastSeq, 1)
    assert.equal(health.rebirthsRequested, 1)
  })
  it('a rebirth request held back by the rate limit is sent once the limit allows, not dropped', async () => {
    const h = await startHost({ rebirthMinIntervalMs: 400 })
    const e = await bornNode(h)
    const rebirths = record<RebirthEvent>(h, 'rebirth')
    await e.send('NDATA', undefined, [{ alias: 98, intValue: 1, timestamp: TS }])
    assertRebirthRequest(await e.nextCommand(), e)
    await e.send('NDATA', undefined, [{ alias: 99, intValue: 1, timestamp: TS }]) // within the 400 ms: held back
    assertRebirthRequest(await e.nextCommand(), e)
    rebirths.stop()
    const mine = rebirths.events.filter((r) => r.edgeNodeId === e.edgeNodeId)
    assert.deepEqual(mine.map((r) => [r.reason, r.sent]), [['UNKNOWN_ALIAS', true], ['UNKNOWN_ALIAS', false], ['UNKNOWN_ALIAS', true]])
    assert.ok(mine[2]!.at - mine[0]!.at >= 400, 'the held-back request waited for the limit')
    assert.match(mine[2]!.detail, /alias 99/)
  })

  it('a held-back rebirth request is not sent when the node births again before the limit allows', async () => {
    const h = await startHost({ rebirthMinIntervalMs: 400 })
    const e = await bornNode(h)
    await e.send('NDATA', undefined, [{ alias: 98, intValue: 1, timestamp: TS }])
    await e.nextCommand()
    const held = nextEvent<RebirthEvent>(h, 'rebirth', (r) => r.edgeNodeId === e.edgeNodeId && !r.sent)
    await e.send('NDATA', undefined, [{ alias: 99, intValue: 1, timestamp: TS }])
    await held
    const online = nextEvent<SessionChange>(h, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.nbirth([{ name: 'Level', alias: 1, datatype: DT.Int32, intValue: 0, timestamp: TS }])
    await online
    await assert.rejects(e.nextCommand(1500), /no NCMD/, 'the new birth answered the request')
  })

  it('tck-id-operational-behavior-data-commands-rebirth-name-aliases: an NBIRTH that puts an alias on Node Control/Rebirth is refused', async () => {
    const h = await startHost()
    const e = await edge()
    const refused = nextEvent<RefusedMessage>(h, 'refused', (r) => r.edgeNodeId === e.edgeNodeId)
    await e.publish('NBIRTH', undefined, specEncode({
      timestamp: TS,
      seq: 0,
      metrics: [
        { name: 'bdSeq', datatype: DT.Int64, longValue: 0 },
        { name: 'Node Control/Rebirth', alias: 7, datatype: DT.Boolean, booleanValue: false }
      ]
    }))
    const r = await refused
    assert.equal(r.topic, `spBv1.0/plant/NBIRTH/${e.edgeNodeId}`)
    assert.match(r.reason, /'Node Control\/Rebirth' must not have an alias/)
    assertRebirthRequest(await e.nextCommand(), e)
    assert.equal(h.getNodeHealth('plant', e.edgeNodeId)!.state, 'UNBORN')
  })

  it('a DATA metric whose datatype differs from its birth is refused with a rebirth request (issue #8: DataSet birth, Int32 data)', async () => {
    const h = await startHost()
    const e = await edge()
    const online = nextEvent<SessionChange>(h, 'session', (c) => c.edgeNodeId === e.edgeNodeId && c.state === 'ONLINE')
    await e.publish('NBIRTH', undefined, Buffer.from('180012070a015220103801', 'hex')) // 'R': DataSet, is_null
    await online
    const updates = record<MetricUpdate>(h, 'metric')
    const refused = nextEvent<RefusedMessage>(h, 'refused', (x) => x.edgeNodeId === e.edgeNodeId)
    await e.publish('NDATA', undefined, Buffer.from('180112070a015220035005', 'hex')) // 'R' as Int32 5
    const r = await refused
    assert.equal(r.code, 'DATATYPE_MISMATCH')
    assert.match(r.reason, /'R' is Int32 in this NDATA, but DataSet in its birth/)
    assertRebirthRequest(await e.nextCommand(), e)
    updates.stop()
    assert.deepEqual(updates.events.filter((u) => u.edgeNodeId === e.edgeNodeId), [], 'the value was not delivered')
    assert.equal(h.getNodeHealth('plant', e.edgeNodeId)!.rebirths[0]!.reason, 'DATATYPE_MISMATCH')
  })

  it('an exception while handling one message is logged with the topic, counted, and the host carries on', async () => {
    const lines: string[] = []
    const log = { error: (l: string) => lines.push(l), warn () {}, info () {}, debug () {}, child: () => log }
    const h = await startHost({ log })
    const e = await bornNode(h)
    const boom = (u: MetricUpdate): void => { if (u.edgeNodeId === e.edgeNodeId && u.value === 1) throw new TypeError('listener failed') }
    h.on('metric', boom)
    const refused = nextEvent<RefusedMessage>(h, 'refused', (x) => x.edgeNodeId === e.edgeNodeId)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 1, timestamp: TS }])
    const r = await refused
    h.off('metric', boom)
    assert.equal(r.code, 'INGEST_ERROR')
    assert.match(lines.join('\n'), new RegExp(`spBv1.0/plant/NDATA/${e.edgeNodeId}.*listener failed`))
    assert.equal(h.ingestErrors, 1)
    const next = nextEvent<MetricUpdate>(h, 'metric', (u) => u.edgeNodeId === e.edgeNodeId && u.value === 2)
    await e.send('NDATA', undefined, [{ alias: 1, intValue: 2, timestamp: TS }])
    await next
  })
})
