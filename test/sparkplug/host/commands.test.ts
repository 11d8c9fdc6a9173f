// Writes to machines: writeMetric sends NCMD/DCMD for metrics the births declared, type-checked, with a payload
// timestamp, and refuses the rest with typed errors. Real broker; the edge node decodes with the specification's .proto.
import assert from 'node:assert/strict'
import { mqttUrl, startTestHub } from '../../support/hub-fixture'
import type { RunningHub } from '../../../hub/hub'
import { SparkplugValueError } from '../../../sparkplug/errors'
import {
  SparkplugHostApplication, SparkplugHostNotConnectedError, SparkplugNodeOfflineError, SparkplugUnknownMetricError,
  type SessionChange
} from '../../../sparkplug/host/index'
import { DT, TestEdgeNode, hasField, nextEvent, uniqueId } from './edge-node'

const TS = 1700000000000

describe('Sparkplug host application: writes (NCMD/DCMD)', function () {
  let hub: RunningHub
  let host: SparkplugHostApplication
  let e: TestEdgeNode

  before(async () => {
    hub = await startTestHub()
    host = new SparkplugHostApplication({ hostId: uniqueId('host'), broker: { handle: (s) => hub.broker.aedes.handle(s) } })
    await host.start()
    e = await TestEdgeNode.connect(mqttUrl(hub), 'plant', uniqueId('node'))
    const online = nextEvent<SessionChange>(host, 'session', (c) => c.deviceId === 'press' && c.state === 'ONLINE')
    await e.nbirth([
      { name: 'Setpoint', alias: 1, datatype: DT.Double, doubleValue: 20, timestamp: TS },
      { name: 'Mode', datatype: DT.String, stringValue: 'auto', timestamp: TS }, // no alias: written by name
      { name: 'Counter', alias: 2, datatype: DT.Int64, longValue: 0, timestamp: TS }
    ])
    await e.send('DBIRTH', 'press', [{ name: 'Speed', alias: 10, datatype: DT.Int32, intValue: 0, timestamp: TS }])
    await online
  })
  after(async () => {
    await e.close()
    await host.stop()
    await hub.stop()
  })

  it('tck-id-topics-ncmd-timestamp: writeMetric sends an NCMD with the payload timestamp, no seq, QoS 0, not retained, ' +
    'the metric by alias without name and datatype', async () => {
    // Also: tck-id-payloads-ncmd-timestamp, -ncmd-seq, -ncmd-qos, -ncmd-retain, tck-id-topics-ncmd-topic, -ncmd-mqtt,
    // -ncmd-payload, tck-id-operational-behavior-data-commands-ncmd-verb, -ncmd-metric-name, -ncmd-metric-value,
    // tck-id-payloads-alias-data-cmd-requirement, tck-id-payloads-metric-datatype-not-req.
    const before = Date.now()
    await host.writeMetric('plant', e.edgeNodeId, undefined, 'Setpoint', 21.5)
    const cmd = await e.nextCommand()
    const after = Date.now()
    assert.equal(cmd.topic, `spBv1.0/plant/NCMD/${e.edgeNodeId}`)
    assert.equal(cmd.qos, 0)
    assert.equal(cmd.retain, false)
    const ts = Number(cmd.payload.timestamp)
    assert.ok(ts >= before && ts <= after, 'the payload timestamp is the UTC ms time of sending')
    assert.ok(!hasField(cmd.payload, 'seq'))
    assert.equal(cmd.payload.metrics.length, 1)
    const m = cmd.payload.metrics[0]
    assert.equal(Number(m.alias), 1)
    assert.ok(!hasField(m, 'name'), 'the name is excluded when an alias exists')
    assert.ok(!hasField(m, 'datatype'), 'DATA/CMD metrics omit the datatype')
    assert.equal(m.doubleValue, 21.5)
  })

  it('tck-id-operational-behavior-data-commands-ncmd-metric-value: the JSON value is converted with the birth datatype ' +
    '(Int64 from a decimal string) and a metric without alias is written by name', async () => {
    await host.writeMetric('plant', e.edgeNodeId, undefined, 'Counter', '-9223372036854775808')
    const c1 = await e.nextCommand()
    assert.equal(c1.payload.metrics[0].longValue, '9223372036854775808', 'Int64 min as two\'s complement uint64')
    await host.writeMetric('plant', e.edgeNodeId, undefined, 'Mode', 'manual')
    const c2 = await e.nextCommand()
    assert.equal(c2.payload.metrics[0].name, 'Mode')
    assert.equal(c2.payload.metrics[0].stringValue, 'manual')
  })

  it('tck-id-topics-dcmd-timestamp: writeMetric to a device sends a DCMD to spBv1.0/<group>/DCMD/<node>/<device> ' +
    'with the payload timestamp', async () => {
    // Also: tck-id-payloads-dcmd-timestamp, -dcmd-seq, -dcmd-qos, -dcmd-retain, tck-id-topics-dcmd-topic, -dcmd-mqtt,
    // -dcmd-payload, tck-id-operational-behavior-data-commands-dcmd-verb, -dcmd-metric-name, -dcmd-metric-value.
    await host.writeMetric('plant', e.edgeNodeId, 'press', 'Speed', -5)
    const cmd = await e.nextCommand()
    assert.equal(cmd.topic, `spBv1.0/plant/DCMD/${e.edgeNodeId}/press`)
    assert.equal(cmd.qos, 0)
    assert.equal(cmd.retain, false)
    assert.ok(hasField(cmd.payload, 'timestamp'))
    assert.ok(!hasField(cmd.payload, 'seq'))
    assert.equal(Number(cmd.payload.metrics[0].alias), 10)
    assert.equal(cmd.payload.metrics[0].intValue, 4294967291, 'Int32 -5 as 32-bit two\'s complement')
  })

  it('tck-id-operational-behavior-data-commands-dcmd-metric-name: writes to metrics the birth did not declare, to ' +
    'unknown or offline nodes and devices, and values of the wrong type are refused with typed errors', async () => {
    await assert.rejects(host.writeMetric('plant', e.edgeNodeId, undefined, 'Nope', 1), SparkplugUnknownMetricError)
    await assert.rejects(host.writeMetric('plant', e.edgeNodeId, 'press', 'Setpoint', 1), SparkplugUnknownMetricError)
    await assert.rejects(host.writeMetric('plant', 'no-such-node', undefined, 'Setpoint', 1),
      (err: SparkplugNodeOfflineError) => err instanceof SparkplugNodeOfflineError && err.code === 'SPARKPLUG_OFFLINE')
    await assert.rejects(host.writeMetric('plant', e.edgeNodeId, 'no-such-device', 'Speed', 1), SparkplugNodeOfflineError)
    await assert.rejects(host.writeMetric('plant', e.edgeNodeId, 'press', 'Speed', 2 ** 40), SparkplugValueError)
    await assert.rejects(host.writeMetric('plant', e.edgeNodeId, undefined, 'Setpoint', 'hot'), SparkplugValueError)
    assert.equal(e.unread.length, 0, 'nothing was sent')
  })

  it('tck-id-topics-ncmd-payload: a host that is not connected refuses writes (SparkplugHostNotConnectedError)', async () => {
    const idle = new SparkplugHostApplication({ hostId: uniqueId('host'), broker: { handle: (s) => hub.broker.aedes.handle(s) } })
    await assert.rejects(idle.writeMetric('plant', e.edgeNodeId, undefined, 'Setpoint', 1), SparkplugHostNotConnectedError)
  })
})
