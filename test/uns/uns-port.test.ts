// The UNS port's contract, against the embedded broker with real MQTT clients: what a publisher inside the hub
// gets (the rules applied once, whoever calls, under each enforcement mode; refusals reported in the broker's shape,
// naming the publisher), and what a reader gets (subscriptions with the retained values first, last and retained
// values, browse, change events). An implementation over an external broker must pass the same.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import type { HubConfig } from '../../hub/config'
import type { UnsMessage, UnsPort } from '../../uns/uns-port'
import type { NamespaceEntry } from '../../uns/namespace'
import { UnsPublishError } from '../../uns/uns-publish'
import { connect, inbox, mqttUrl, startTestHub, testConfig, unsValue } from '../support/hub-fixture'

const PRESS_2 = 'acme/dallas/press-shop/line-1/press-2'
const GOOD = `${PRESS_2}/measurements/strokes`
const UNKNOWN = 'acme/dallas/press-shop/line-9/press-1/measurements/strokes'
const FLOW = { kind: 'flow', id: 'node-1' } as const
const MAX_PAYLOAD = 4096

type Box = ReturnType<typeof inbox>
type Report = Record<string, unknown>

async function setup (enforcement: HubConfig['uns']['enforcement']): Promise<{ hub: RunningHub, uns: UnsPort, watcher: MqttClient, box: Box }> {
  const hub = await startTestHub(testConfig(undefined, (c) => {
    c.uns.enforcement = enforcement
    c.mqtt.maxPayloadBytes = MAX_PAYLOAD
  }))
  const watcher = await connect(mqttUrl(hub))
  await watcher.subscribeAsync(['acme/#', '$hub/errors/#'], { qos: 1 })
  return { hub, uns: hub.uns, watcher, box: inbox(watcher) }
}

const json = (m: { payload: Buffer }): Report => JSON.parse(m.payload.toString()) as Report

async function rejection (p: Promise<void>): Promise<UnsPublishError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof UnsPublishError, String(err))
    return err
  }
  assert.fail('the publish was not refused')
}

describe('UNS port (embedded broker), enforcement reject', function () {
  let hub: RunningHub
  let uns: UnsPort
  let watcher: MqttClient
  let box: Box
  before(async function () { ({ hub, uns, watcher, box } = await setup('reject')) })
  after(async function () {
    await watcher.endAsync()
    await hub.stop()
  })

  it('refuses a topic outside the plant model as the broker refuses it to an MQTT client: same error, same reason, same report shape', async function () {
    const client = await connect(mqttUrl(hub), { clientId: 'contract-client' })
    await client.publishAsync(UNKNOWN, unsValue(1), { qos: 1 })
    const fromClient = json(await box.next(`$hub/errors/${UNKNOWN}`))
    await client.endAsync()

    const err = await rejection(uns.publish(FLOW, UNKNOWN, { value: 1, timestamp: Date.now() }))
    assert.equal(err.code, 'UNS_TOPIC')
    const fromFlow = json(await box.next(`$hub/errors/${UNKNOWN}`))

    assert.equal(fromFlow.error, fromClient.error)
    assert.equal(fromFlow.reason, fromClient.reason)
    assert.equal(err.message.includes(String(fromClient.reason)), true, err.message)
    assert.deepEqual(Object.keys(fromFlow).filter((k) => k !== 'publisher'), Object.keys(fromClient))
    assert.deepEqual([fromClient.clientId, fromClient.action], ['contract-client', 'rejected'])
    assert.deepEqual([fromFlow.clientId, fromFlow.username, fromFlow.action, fromFlow.publisher], [null, null, 'rejected', FLOW])
    assert.equal(box.seen.filter((m) => m.topic === UNKNOWN).length, 0, 'nothing reached the refused topic')
  })

  it('refuses a payload outside the schema, and one over mqtt.maxPayloadBytes, naming the limit', async function () {
    const bad = await rejection(uns.publish(FLOW, GOOD, Buffer.from('{"value":1}')))
    assert.equal(bad.code, 'UNS_PAYLOAD')
    const report = json(await box.next(`$hub/errors/${GOOD}`))
    assert.deepEqual([report.error, report.payloadBytes, report.publisher], ['UNS_PAYLOAD', 11, FLOW])

    const big = await rejection(uns.publish({ kind: 'mes', id: 'uns-bridge' }, GOOD, { value: 'x'.repeat(MAX_PAYLOAD), timestamp: Date.now() }))
    assert.equal(big.code, 'PAYLOAD_TOO_LARGE')
    assert.match(big.message, /limit of 4096 bytes \(mqtt\.maxPayloadBytes\)/)
    const bigReport = json(await box.next(`$hub/errors/${GOOD}`))
    assert.deepEqual([bigReport.error, bigReport.publisher], ['PAYLOAD_TOO_LARGE', { kind: 'mes', id: 'uns-bridge' }])
  })

  it('publishes a valid value: subscribers get it, the namespace keeps it as the last value, retained when asked', async function () {
    const changes: NamespaceEntry[] = []
    const onChange = (e: NamespaceEntry): void => { changes.push(e) }
    uns.namespace.on('change', onChange)
    try {
      await uns.publish(FLOW, GOOD, { value: 42, timestamp: 1700000000000, unit: 'NU' }, { retain: true })
      const m = await box.next(GOOD)
      assert.deepEqual([json(m).value, json(m).unit, m.retain], [42, 'NU', false])
      const last = uns.lastValue(GOOD)
      assert.deepEqual([last?.value, last?.timestamp, last?.quality, last?.unit, last?.source], [42, 1700000000000, 'GOOD', 'NU', 'flow:node-1'])
      assert.deepEqual([last?.equipment, last?.kind, last?.tag], [PRESS_2, 'measurements', 'strokes'])
      assert.deepEqual(changes.map((e) => e.value), [42], 'one change event, with the entry')
      assert.equal(JSON.parse((await uns.retained(GOOD))!.toString()).value, 42)

      await uns.publish(FLOW, GOOD, { value: 43, timestamp: 1700000001000, unit: 'NU' }, { retain: true })
      assert.equal(changes.length, 2)
      assert.equal(changes[1], changes[0], 'the entry is updated in place')
      assert.equal(uns.lastValue(GOOD)?.value, 43)
    } finally {
      uns.namespace.off('change', onChange)
    }
  })

  it('browses the namespace: the children of a path, each with its last value and how many levels lie below', async function () {
    await uns.publish(FLOW, `${PRESS_2}/measurements/die-temperature`, { value: 181.5, timestamp: Date.now() })
    await uns.publish(FLOW, `${PRESS_2}/state/mode`, { value: 'AUTO', timestamp: Date.now() })
    const line = uns.browse('acme/dallas/press-shop/line-1')
    const press2 = line.find((c) => c.name === 'press-2')
    assert.deepEqual([press2?.topic, press2?.entry, press2?.children], [PRESS_2, undefined, 2])
    const measurements = uns.browse(`${PRESS_2}/measurements`)
    assert.deepEqual(measurements.map((c) => [c.name, c.entry?.value]), [['die-temperature', 181.5], ['strokes', 43]])
    assert.deepEqual(uns.browse('acme/nowhere'), [])
  })

  it('subscribes by MQTT filter with the retained values first, then what is published live', async function () {
    const client = await connect(mqttUrl(hub))
    await client.publishAsync(`${PRESS_2}/state/recipe`, unsValue('R-7'), { qos: 1, retain: true })
    await client.endAsync()
    const got: UnsMessage[] = []
    const sub = await uns.subscribe(`${PRESS_2}/state/#`, (m) => got.push({ topic: m.topic, payload: m.payload, retain: m.retain, qos: m.qos }), { retainedFirst: true })
    try {
      assert.deepEqual(got.map((m) => [m.topic, m.retain]), [[`${PRESS_2}/state/recipe`, true]], 'the retained value, before subscribe resolves')
      await uns.publish(FLOW, `${PRESS_2}/state/mode`, { value: 'MANUAL', timestamp: Date.now() })
      await box.next(`${PRESS_2}/state/mode`)
      assert.deepEqual(got.slice(1).map((m) => [m.topic, json(m).value, m.retain]), [[`${PRESS_2}/state/mode`, 'MANUAL', false]])
    } finally {
      await sub.close()
    }
    await uns.publish(FLOW, `${PRESS_2}/state/mode`, { value: 'AUTO', timestamp: Date.now() })
    await box.next(`${PRESS_2}/state/mode`)
    assert.equal(got.length, 2, 'nothing after close')
  })

  it('clears a retained topic with null: no retained value, no last value', async function () {
    await uns.publish(FLOW, `${PRESS_2}/state/setpoint`, { value: 5, timestamp: Date.now() }, { retain: true })
    assert.ok(await uns.retained(`${PRESS_2}/state/setpoint`))
    await uns.publish(FLOW, `${PRESS_2}/state/setpoint`, null)
    assert.equal(await uns.retained(`${PRESS_2}/state/setpoint`), undefined)
    assert.equal(uns.lastValue(`${PRESS_2}/state/setpoint`), undefined)
    assert.deepEqual(uns.browse(`${PRESS_2}/state`).map((c) => c.name), ['mode'], 'the cleared topic is gone from browse too')
  })

  it('the Sparkplug fast path: a live message without retain, and a retained snapshot stored without delivery', async function () {
    const topic = `${PRESS_2}/measurements/oil-pressure`
    uns.publishLive(topic, Buffer.from(unsValue(7.5)))
    const live = await box.next(topic)
    assert.deepEqual([json(live).value, live.retain], [7.5, false])
    await uns.storeRetained(topic, Buffer.from(unsValue(7.6)))
    assert.equal(JSON.parse((await uns.retained(topic))!.toString()).value, 7.6)
    const late = await connect(mqttUrl(hub))
    const lateBox = inbox(late)
    await late.subscribeAsync(topic, { qos: 1 })
    const retained = await lateBox.next(topic)
    assert.deepEqual([json(retained).value, retained.retain], [7.6, true])
    await late.endAsync()
  })

  it('reports what a publisher refused on $hub/errors/<topic>, in the broker\'s report shape', async function () {
    uns.report({ kind: 'sparkplug', id: 'uns-bridge' }, { error: 'SPARKPLUG_LIMIT', reason: 'over the limit', topic: GOOD })
    const r = json(await box.next(`$hub/errors/${GOOD}`))
    assert.deepEqual({ ...r, timestamp: 0 }, {
      error: 'SPARKPLUG_LIMIT', reason: 'over the limit', topic: GOOD, clientId: null, username: null,
      publisher: { kind: 'sparkplug', id: 'uns-bridge' }, payloadBytes: 0, action: 'rejected', timestamp: 0
    })
  })
})

describe('UNS port (embedded broker), enforcement flag and off', function () {
  it('flag: publishes what breaks the rules and reports it as flagged, naming the publisher', async function () {
    const { hub, uns, watcher, box } = await setup('flag')
    try {
      await uns.publish(FLOW, UNKNOWN, { value: 1, timestamp: Date.now() })
      assert.equal(json(await box.next(UNKNOWN)).value, 1)
      const r = json(await box.next(`$hub/errors/${UNKNOWN}`))
      assert.deepEqual([r.error, r.action, r.publisher], ['UNS_TOPIC', 'flagged', FLOW])
      // The size limit is not the UNS's rule: it refuses whatever the mode.
      const big = await rejection(uns.publish(FLOW, GOOD, { value: 'x'.repeat(MAX_PAYLOAD), timestamp: Date.now() }))
      assert.equal(big.code, 'PAYLOAD_TOO_LARGE')
    } finally {
      await watcher.endAsync()
      await hub.stop()
    }
  })

  it('off: publishes what breaks the rules without a report; only the size limit still refuses', async function () {
    const { hub, uns, watcher, box } = await setup('off')
    try {
      await uns.publish(FLOW, UNKNOWN, Buffer.from('not json'))
      assert.equal((await box.next(UNKNOWN)).payload.toString(), 'not json')
      await rejection(uns.publish(FLOW, GOOD, Buffer.alloc(MAX_PAYLOAD + 1, 0x20)))
      const first = json(await box.next('$hub/errors/'))
      assert.deepEqual([first.error, first.topic], ['PAYLOAD_TOO_LARGE', GOOD], 'the first report is the size refusal: none for the unjudged publish')
    } finally {
      await watcher.endAsync()
      await hub.stop()
    }
  })
})
