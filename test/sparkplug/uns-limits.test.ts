// What one edge node may put into the Unified Namespace: metrics per node, topics in all, array lengths, the size of
// a UNS message, and topic names MQTT can carry. Each refusal is reported on $hub/errors (and logged) naming the node
// and the limit, and nothing of the refused part reaches the namespace.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import type { Namespace } from '../../uns/namespace'
import { startSparkplug, type RunningSparkplug } from '../../sparkplug/sparkplug-runtime'
import { DEFAULT_SPARKPLUG, type SparkplugSettings } from '../../sparkplug/config'
import { connect, inbox, mqttUrl, sleep, startTestHub, tempDir, hostMqtt } from '../support/hub-fixture'
import { loadConfig } from '../../hub/config'
import { DT, TestEdgeNode, uniqueId } from './host/edge-node'

const BOOLEAN_ARRAY = 32
type Box = ReturnType<typeof inbox>
const silent = { error () {}, warn () {}, info () {}, debug () {}, child: () => silent }

function booleanArrayBytes (count: number): number[] {
  const out = Buffer.alloc(4 + Math.ceil(count / 8), 0xff)
  out.writeUInt32LE(count, 0)
  return [...out]
}

async function setup (settings: Partial<SparkplugSettings>, maxMessageBytes?: number) {
  const hub = await startTestHub()
  const namespace = hub.uns.namespace
  const warnings: string[] = []
  const log = { ...silent, warn: (l: string) => { warnings.push(l) }, child: () => log }
  const sp = await startSparkplug({
    settings: { ...DEFAULT_SPARKPLUG, hostId: uniqueId('limits'), rebirthMinIntervalMs: 0, ...settings },
    model: hub.model, mqtt: hostMqtt(hub), uns: hub.uns, log, maxMessageBytes
  })
  const watcher = await connect(mqttUrl(hub))
  await watcher.subscribeAsync(['acme/#', '$hub/errors/#'], { qos: 1 })
  return { hub, sp, namespace, watcher, box: inbox(watcher), warnings }
}

const report = async (box: Box, topic: string): Promise<Record<string, string>> => JSON.parse((await box.next(`$hub/errors/${topic}`)).payload.toString())

describe('Sparkplug limits on what enters the Unified Namespace', function () {
  let hub: RunningHub
  let sp: RunningSparkplug
  let namespace: Namespace
  let watcher: MqttClient
  let box: Box
  let warnings: string[]

  before(async function () {
    ({ hub, sp, namespace, watcher, box, warnings } = await setup({ maxMetricsPerNode: 6, maxArrayLength: 100 }, 4000))
  })
  after(async function () {
    await watcher.endAsync()
    await sp.stop()
    await hub.stop()
  })

  const countUnder = (prefix: string): number => [...namespace.list(prefix)].length

  it('refuses an NBIRTH with more metrics than sparkplug.maxMetricsPerNode, naming the node and the limit', async function () {
    const node = uniqueId('big')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    const metrics = Array.from({ length: 5 }, (_v, i) => ({ name: `M${i}`, alias: i + 1, datatype: DT.Int32, intValue: i }))
    await edge.nbirth(metrics) // + bdSeq and Node Control/Rebirth: 7 metrics
    const r = await report(box, `spBv1.0/dallas/NBIRTH/${node}`)
    assert.equal(r.error, 'SPARKPLUG_LIMIT')
    assert.match(r.reason, new RegExp(`dallas/${node}.*7 metrics.*limit of 6 .*sparkplug\\.maxMetricsPerNode`))
    assert.ok(warnings.some((w) => w.includes(node) && w.includes('sparkplug.maxMetricsPerNode')), 'and in the log')
    assert.equal(countUnder(`acme/dallas/measurements/${node}`), 0, 'no topic of the refused birth')
    assert.equal(sp.host.getNodeHealth('dallas', node)?.state, 'UNBORN')
    await edge.close()
  })

  it('counts the metrics of the node and all its devices against the limit (a DBIRTH that crosses it is refused)', async function () {
    const node = uniqueId('devs')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    await edge.nbirth([{ name: 'A', alias: 1, datatype: DT.Int32, intValue: 1 }])
    await edge.send('DBIRTH', 'd1', [{ name: 'B', alias: 2, datatype: DT.Int32, intValue: 1 }, { name: 'C', alias: 3, datatype: DT.Int32, intValue: 1 }])
    await box.next(`acme/dallas/measurements/${node}/d1/c`)
    await edge.send('DBIRTH', 'd2', [{ name: 'D', alias: 4, datatype: DT.Int32, intValue: 1 }, { name: 'E', alias: 5, datatype: DT.Int32, intValue: 1 }])
    const r = await report(box, `spBv1.0/dallas/DBIRTH/${node}/d2`)
    assert.equal(r.error, 'SPARKPLUG_LIMIT')
    assert.match(r.reason, /7 metrics.*limit of 6/)
    assert.equal(countUnder(`acme/dallas/measurements/${node}/d2`), 0)
    await edge.close()
  })

  it('refuses an array longer than sparkplug.maxArrayLength before building its UNS message', async function () {
    const node = uniqueId('arr')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    await edge.nbirth([{ name: 'Bits', alias: 1, datatype: BOOLEAN_ARRAY, bytesValue: booleanArrayBytes(100) }])
    assert.equal(JSON.parse((await box.next(`acme/dallas/measurements/${node}/bits`)).payload.toString()).value.length, 100)
    await edge.send('NDATA', undefined, [{ alias: 1, bytesValue: booleanArrayBytes(1_000_000) }])
    const r = await report(box, `spBv1.0/dallas/NDATA/${node}`)
    assert.equal(r.error, 'SPARKPLUG_LIMIT')
    assert.match(r.reason, /BooleanArray of 1000000 elements .*limit of 100 .*sparkplug\.maxArrayLength/)
    await edge.close()
  })

  it('refuses a UNS message over the size limit, on $hub/errors/<its topic>', async function () {
    const node = uniqueId('text')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    await edge.nbirth([{ name: 'Note', alias: 1, datatype: DT.String, stringValue: 'short' }])
    await box.next(`acme/dallas/measurements/${node}/note`)
    await edge.send('NDATA', undefined, [{ alias: 1, stringValue: 'x'.repeat(5000) }])
    const r = await report(box, `acme/dallas/measurements/${node}/note`)
    assert.equal(r.error, 'SPARKPLUG_LIMIT')
    assert.match(r.reason, /UNS message of \d+ bytes .*limit of 4000 bytes/)
    assert.equal(namespace.get(`acme/dallas/measurements/${node}/note`)?.value, 'short', 'the refused value is not the current one')
    await edge.close()
  })

  it('refuses a metric whose UNS topic MQTT cannot carry (65,500-character name); an acme/# subscriber stays connected', async function () {
    const node = uniqueId('longname')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    await edge.nbirth([
      { name: 'N'.repeat(65500), alias: 1, datatype: DT.Int32, intValue: 1 },
      { name: 'deep/'.repeat(200) + 'x', alias: 2, datatype: DT.Int32, intValue: 1 },
      { name: 'Fine', alias: 3, datatype: DT.Int32, intValue: 1 }
    ])
    const long = await report(box, `acme/dallas/measurements`)
    assert.equal(long.error, 'SPARKPLUG_LIMIT')
    assert.match(long.reason, /topic of \d+ bytes .*65535/)
    const deep = await report(box, `acme/dallas/measurements`)
    assert.match(deep.reason, /levels/)
    assert.equal(JSON.parse((await box.next(`acme/dallas/measurements/${node}/fine`)).payload.toString()).value, 1)
    await sleep(50)
    assert.equal(watcher.connected, true)
    await edge.close()
  })

  it('reports a write to a tag the birth did not declare on commands/, like other refused writes', async function () {
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', 'press-line-1', 3)
    await edge.nbirth([])
    await edge.send('DBIRTH', 'press-1', [{ name: 'Stroke Rate Setpoint', alias: 12, datatype: DT.Int32, intValue: 20 }])
    await box.next('acme/dallas/press-shop/line-1/press-1/measurements/stroke-rate-setpoint')
    const topic = 'acme/dallas/press-shop/line-1/press-1/commands/no-such-setpoint'
    await watcher.publishAsync(topic, JSON.stringify({ value: 1, timestamp: Date.now() }), { qos: 1 })
    const r = await report(box, topic)
    assert.equal(r.error, 'COMMAND_FAILED')
    assert.match(r.reason, /no metric .*no-such-setpoint/)
    await edge.close()
  })
})

describe('Sparkplug limit on the size of the namespace (sparkplug.maxTopics)', function () {
  it('refuses the metrics of a birth that would make more UNS topics than the limit, once per node', async function () {
    const { hub, sp, watcher, box, namespace } = await setup({ maxTopics: 6 })
    try {
      const node = uniqueId('many')
      const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
      await edge.nbirth(Array.from({ length: 8 }, (_v, i) => ({ name: `M${i}`, alias: i + 1, datatype: DT.Int32, intValue: i })))
      const r = await report(box, `spBv1.0/dallas/NBIRTH/${node}`)
      assert.equal(r.error, 'SPARKPLUG_LIMIT')
      assert.match(r.reason, new RegExp(`dallas/${node}.*limit of 6 .*sparkplug\\.maxTopics`))
      await sleep(100)
      assert.equal(namespace.size, 6)
      assert.equal(box.seen.filter((m) => m.topic.startsWith('$hub/errors/')).length, 0, 'one report, not one per metric')
      await edge.close()
    } finally {
      await watcher.endAsync()
      await sp.stop()
      await hub.stop()
    }
  })
})

describe('Sparkplug limit settings', function () {
  it('have defaults, come from the environment, and refuse 0 in a config file', function () {
    const cwd = tempDir('sp-limits-config-')
    const d = loadConfig({ cwd, env: {} }).sparkplug
    assert.deepEqual([d.maxMetricsPerNode, d.maxTopics, d.maxArrayLength], [5000, 100000, 65536])
    const e = loadConfig({ cwd, env: { HUB_SPARKPLUG_MAX_METRICS_PER_NODE: '10', HUB_SPARKPLUG_MAX_TOPICS: '20', HUB_SPARKPLUG_MAX_ARRAY_LENGTH: '30' } }).sparkplug
    assert.deepEqual([e.maxMetricsPerNode, e.maxTopics, e.maxArrayLength], [10, 20, 30])
    const file = path.join(cwd, 'isa95-hub.yaml')
    fs.writeFileSync(file, 'sparkplug:\n  maxArrayLength: 0\n')
    assert.throws(() => loadConfig({ cwd, env: {} }), /sparkplug\/maxArrayLength/)
  })
})
