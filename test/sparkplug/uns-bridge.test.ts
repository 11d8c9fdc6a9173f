import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import type { Namespace } from '../../uns/namespace'
import { startSparkplug, type RunningSparkplug } from '../../sparkplug/sparkplug-runtime'
import { DEFAULT_SPARKPLUG } from '../../sparkplug/config'
import { validateUnsPayload } from '../../plant/uns-payload'
import { connect, inbox, mqttUrl, startTestHub, hostMqtt } from '../support/hub-fixture'
import { DT, TestEdgeNode, uniqueId } from './host/edge-node'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
type Box = ReturnType<typeof inbox>

function body (m: { payload: Buffer }): { value: unknown, timestamp: number, quality: string, unit?: string, properties: Record<string, unknown> } {
  const checked = validateUnsPayload(m.payload)
  assert.ok(checked.ok, `UNS payload must match the schema: ${checked.ok ? '' : checked.reason}`)
  return JSON.parse(m.payload.toString())
}

describe('Sparkplug metrics in the Unified Namespace', function () {
  let hub: RunningHub
  let sp: RunningSparkplug
  let namespace: Namespace
  let watcher: MqttClient
  let box: Box

  before(async function () {
    hub = await startTestHub()
    namespace = hub.uns.namespace
    sp = await startSparkplug({ settings: { ...DEFAULT_SPARKPLUG, hostId: 'bridge-test', rebirthMinIntervalMs: 0 }, model: hub.model, mqtt: hostMqtt(hub), uns: hub.uns, log: silent })
    watcher = await connect(mqttUrl(hub))
    await watcher.subscribeAsync(['acme/#', '$hub/errors/#'], { qos: 1 })
    box = inbox(watcher)
  })
  after(async function () {
    await watcher.endAsync()
    await sp.stop()
    await hub.stop()
  })

  async function pressLine (): Promise<TestEdgeNode> {
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', 'press-line-1', 3)
    await edge.nbirth([{ name: 'Line Speed', alias: 1, datatype: DT.Double, doubleValue: 12.5 }])
    await edge.send('DBIRTH', 'press-1', [
      { name: 'Die Temperature', alias: 10, datatype: DT.Double, doubleValue: 180.5, properties: { keys: ['engUnit'], values: [{ type: DT.String, stringValue: 'CEL' }] } },
      { name: 'Strokes', alias: 11, datatype: DT.Int64, longValue: '9007199254740993' },
      { name: 'Stroke Rate Setpoint', alias: 12, datatype: DT.Int32, intValue: 20 }
    ])
    return edge
  }

  it('publishes a bound device\'s metrics under its equipment, with datatype, unit and quality, as valid UNS JSON', async function () {
    const edge = await pressLine()
    const t = body(await box.next(`${PRESS_1}/measurements/die-temperature`))
    assert.equal(t.value, 180.5)
    assert.equal(t.unit, 'CEL')
    assert.equal(t.quality, 'GOOD')
    assert.equal(t.properties.datatype, 'Double')
    assert.equal(t.properties.source, 'spBv1.0/dallas/press-line-1/press-1#Die Temperature')
    const strokes = body(await box.next(`${PRESS_1}/measurements/strokes`))
    assert.equal(strokes.value, '9007199254740993', '64-bit integers travel as decimal strings, never rounded')
    assert.equal(body(await box.next('acme/dallas/press-shop/line-1/measurements/line-speed')).value, 12.5, 'node metrics go to the equipment the node is bound to')
    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 181.25 }])
    assert.equal(body(await box.next(`${PRESS_1}/measurements/die-temperature`)).value, 181.25)
    assert.equal(namespace.get(`${PRESS_1}/measurements/die-temperature`)?.value, 181.25)
    await edge.close()
  })

  it('keeps the unit declared in the birth (engUnit) on the UNS messages of later DATA', async function () {
    const edge = await pressLine()
    while (body(await box.next(`${PRESS_1}/measurements/die-temperature`)).value !== 180.5) { /* earlier tests' values */ }
    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 182 }])
    const m = body(await box.next(`${PRESS_1}/measurements/die-temperature`))
    assert.equal(m.value, 182)
    assert.equal(m.unit, 'CEL')
    await edge.close()
  })

  it('gives a new subscriber the current value as retained once the snapshot is written', async function () {
    const edge = await pressLine()
    await edge.send('DDATA', 'press-1', [{ alias: 10, datatype: DT.Double, doubleValue: 175 }])
    while (body(await box.next(`${PRESS_1}/measurements/die-temperature`)).value !== 175) { /* the birth's value first */ }
    await sp.bridge.flush()
    const late = await connect(mqttUrl(hub))
    const lateBox = inbox(late)
    await late.subscribeAsync(`${PRESS_1}/measurements/die-temperature`, { qos: 1 })
    const m = await lateBox.next(`${PRESS_1}/measurements/die-temperature`)
    assert.equal(m.retain, true)
    assert.equal(body(m).value, 175)
    await late.endAsync()
    await edge.close()
  })

  it('places an unbound edge node under the site named by its group, with node and device in the tag', async function () {
    const node = uniqueId('boiler')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    await edge.nbirth([])
    await edge.send('DBIRTH', 'pump-2', [{ name: 'Flow Rate', alias: 1, datatype: DT.Float, floatValue: 3.5 }])
    assert.equal(body(await box.next(`acme/dallas/measurements/${node}/pump-2/flow-rate`)).value, 3.5)
    await edge.close()
  })

  it('marks the node\'s and its devices\' metrics STALE in the namespace when the node dies, saying why', async function () {
    const edge = await pressLine()
    await box.next(`${PRESS_1}/measurements/stroke-rate-setpoint`)
    edge.kill() // the broker publishes the NDEATH Will
    let m
    do m = body(await box.next(`${PRESS_1}/measurements/die-temperature`)); while (m.quality !== 'STALE')
    const entry = namespace.get(`${PRESS_1}/measurements/die-temperature`)
    assert.equal(entry?.quality, 'STALE')
    assert.ok(entry?.staleReason, 'the reason is kept')
    const health = body(await box.next('acme/dallas/press-shop/line-1/state/sparkplug-session'))
    assert.equal(typeof (health.value as { online: boolean }).online, 'boolean')
  })

  it('reports two metrics that land on the same UNS topic as a collision instead of merging them', async function () {
    const node = uniqueId('mixer')
    const edge = await TestEdgeNode.connect(mqttUrl(hub), 'dallas', node)
    await edge.nbirth([
      { name: 'Temp', alias: 5, datatype: DT.Double, doubleValue: 1 },
      { name: 'TEMP', alias: 6, datatype: DT.Double, doubleValue: 2 }
    ])
    const report = JSON.parse((await box.next(`$hub/errors/acme/dallas/measurements/${node}/temp`)).payload.toString())
    assert.equal(report.error, 'UNS_COLLISION')
    assert.match(report.reason, /#TEMP' maps to .* which .*#Temp' already publishes/)
    assert.equal(body(await box.next(`acme/dallas/measurements/${node}/temp`)).value, 1)
    await edge.close()
  })

  it('turns a publish on <equipment>/commands/<tag> into a type-checked DCMD, and reports a value of the wrong type', async function () {
    const edge = await pressLine()
    await box.next(`${PRESS_1}/measurements/stroke-rate-setpoint`)
    await watcher.publishAsync(`${PRESS_1}/commands/stroke-rate-setpoint`, JSON.stringify({ value: 24, timestamp: Date.now() }), { qos: 1 })
    const cmd = await edge.nextCommand()
    assert.equal(cmd.topic, 'spBv1.0/dallas/DCMD/press-line-1/press-1')
    const metric = cmd.payload.metrics[0]
    assert.equal(Number(metric.alias ?? -1) === 12 || metric.name === 'Stroke Rate Setpoint', true)
    assert.equal(metric.intValue, 24)

    await watcher.publishAsync(`${PRESS_1}/commands/stroke-rate-setpoint`, JSON.stringify({ value: 'fast', timestamp: Date.now() }), { qos: 1 })
    const report = JSON.parse((await box.next(`$hub/errors/${PRESS_1}/commands/stroke-rate-setpoint`)).payload.toString())
    assert.equal(report.error, 'COMMAND_FAILED')
    assert.match(report.reason, /Int32/)
    await edge.close()
  })
})

const silent = { error () {}, warn () {}, info () {}, debug () {}, child: () => silent }
