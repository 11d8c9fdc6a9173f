// The UNS port between publishers: what no enforcement mode lets through (a topic MQTT does not allow in a PUBLISH),
// and whose value the namespace keeps when a flow publishes on a topic another kind of source writes (a Sparkplug
// metric), with the real embedded broker, a real Sparkplug host and a test edge node.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import type { UnsPort } from '../../uns/uns-port'
import { UnsPublishError } from '../../uns/uns-publish'
import { startSparkplug, type RunningSparkplug } from '../../sparkplug/sparkplug-runtime'
import { DEFAULT_SPARKPLUG } from '../../sparkplug/config'
import { SPARKPLUG_SOURCES } from '../../sparkplug/source-id'
import { connect, hostMqtt, inbox, mqttUrl, sleep, startTestHub, testConfig } from '../support/hub-fixture'
import { DT, TestEdgeNode } from '../sparkplug/host/edge-node'

const FLOW = { kind: 'flow', id: 'node-7' } as const
const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS_2 = 'acme/dallas/press-shop/line-1/press-2'
const silent = { error () {}, warn () {}, info () {}, debug () {}, child: () => silent }
type Box = ReturnType<typeof inbox>

describe('UNS port: topics MQTT does not allow in a PUBLISH, whatever uns.enforcement says', function () {
  let hub: RunningHub
  let watcher: MqttClient
  let box: Box
  before(async function () {
    hub = await startTestHub(testConfig(undefined, (c) => { c.uns.enforcement = 'off' }))
    watcher = await connect(mqttUrl(hub))
    await watcher.subscribeAsync(['#', '$hub/errors/#'], { qos: 1 })
    box = inbox(watcher)
  })
  after(async function () {
    await watcher.endAsync()
    await hub.stop()
  })

  for (const [what, topic] of [['a topic with a wildcard', 'acme/dallas/measurements/#'], ['an empty topic', ''], ['a topic with the null character', `${PRESS_2}/state/a\u0000b`]]) {
    it(`refuses ${what} as INVALID_TOPIC, reported, delivered to no subscriber`, async function () {
      await assert.rejects(hub.uns.publish(FLOW, topic, { value: 1, timestamp: Date.now() }), (err: unknown) => {
        assert.ok(err instanceof UnsPublishError, String(err))
        assert.equal(err.code, 'INVALID_TOPIC')
        return true
      })
      const report = JSON.parse((await box.next('$hub/errors/')).payload.toString())
      assert.deepEqual([report.error, report.publisher], ['INVALID_TOPIC', FLOW])
      await sleep(50)
      assert.equal(box.seen.filter((m) => m.topic === topic).length, 0, 'nothing on the topic itself')
      assert.equal(hub.uns.lastValue(topic), undefined)
    })
  }
})

describe('UNS port: the namespace entry of a topic between kinds of source', function () {
  let hub: RunningHub
  let uns: UnsPort
  let sp: RunningSparkplug
  let watcher: MqttClient
  let box: Box
  before(async function () {
    hub = await startTestHub()
    uns = hub.uns
    sp = await startSparkplug({ settings: { ...DEFAULT_SPARKPLUG, hostId: 'port-publishers', rebirthMinIntervalMs: 0 }, model: hub.model, mqtt: hostMqtt(hub), uns, log: silent })
    watcher = await connect(mqttUrl(hub))
    await watcher.subscribeAsync('acme/#', { qos: 1 })
    box = inbox(watcher)
  })
  after(async function () {
    await watcher.endAsync()
    await sp.stop()
    await hub.stop()
  })

  it('keeps a Sparkplug metric\'s entry (and its count for sparkplug.maxTopics) when a flow publishes on its topic', async function () {
    const topic = `${PRESS_1}/measurements/die-temperature`
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', 'press-line-1', 3)
    await edge.nbirth([])
    await edge.send('DBIRTH', 'press-1', [{ name: 'Die Temperature', alias: 10, datatype: DT.Double, doubleValue: 180.5 }])
    await box.next(topic)
    const sparkplugTopics = uns.namespace.sizeOf(SPARKPLUG_SOURCES)
    assert.equal(uns.lastValue(topic)?.source, 'spBv1.0/dallas/press-line-1/press-1#Die Temperature')

    await uns.publish(FLOW, topic, { value: -1, timestamp: Date.now() })
    while (JSON.parse((await box.next(topic)).payload.toString()).value !== -1) { /* the metric's own first */ }
    const entry = uns.lastValue(topic)
    assert.deepEqual([entry?.source, entry?.value], ['spBv1.0/dallas/press-line-1/press-1#Die Temperature', 180.5],
      'the metric still owns the entry: the sparkplug in node and the sparkplug command node find it there')
    assert.equal(uns.namespace.sizeOf(SPARKPLUG_SOURCES), sparkplugTopics)
    await edge.close()
  })

  it('keeps the properties of a flow\'s latest value, not those of its first', async function () {
    const topic = `${PRESS_2}/state/recipe`
    await uns.publish(FLOW, topic, { value: 'R-1', timestamp: Date.now(), properties: { batch: 'B-1' } })
    await uns.publish(FLOW, topic, { value: 'R-2', timestamp: Date.now(), properties: { batch: 'B-2' } })
    assert.deepEqual([uns.lastValue(topic)?.value, uns.lastValue(topic)?.properties], ['R-2', { batch: 'B-2' }])
    await uns.publish(FLOW, topic, { value: 'R-3', timestamp: Date.now() })
    assert.deepEqual([uns.lastValue(topic)?.value, uns.lastValue(topic)?.properties], ['R-3', undefined])
  })
})
