// Refused messages are reported on `$hub/errors/...` as valid MQTT, whatever the client sent, and no message can
// cost other subscribers their connection (issue #8, items 7 and 12).
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { connect, inbox, mqttUrl, sleep, testConfig, unsValue } from '../support/hub-fixture'
import { startLoggedHub } from './log-lines'
import { rawClient } from '../support/raw-mqtt'
import { MAX_REPORTED_TOPIC_BYTES } from '../../uns/error-report'

const GOOD = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'

describe('error reports are valid MQTT', function () {
  let hub: RunningHub
  let lines: string[]
  let url: string
  before(async function () {
    const passwordHash = await hashPassword('dashboard-secret')
    ;({ hub, lines } = await startLoggedHub(testConfig(undefined, (c) => {
      c.mqtt.accounts = [{ username: 'dashboard', passwordHash, role: 'viewer' }]
    })))
    url = mqttUrl(hub)
  })
  after(async function () { await hub.stop() })

  async function watcher (clientId: string): Promise<{ client: MqttClient, box: ReturnType<typeof inbox> }> {
    // A persistent session at QoS 1: its reports are queued while it is away (test/broker/guard-seams.test.ts).
    const client = await connect(url, { clientId, clean: false })
    await client.subscribeAsync('$hub/errors/#', { qos: 1 })
    return { client, box: inbox(client) }
  }

  const port = (): number => hub.broker.listeners.find((l) => l.name === 'mqtt')!.port

  it('a viewer\'s 65 KB topic is reported under a cut topic, and a persistent $hub/errors subscriber stays connected, also after reconnecting', async function () {
    const w = await watcher('errors-watch-65k')
    const viewer = await connect(url, { username: 'dashboard', password: 'dashboard-secret' })
    const huge = 'acme/' + 'x'.repeat(65_520)
    await viewer.publishAsync(huge, unsValue(1), { qos: 1 })
    const m = await w.box.next('$hub/errors/')
    assert.equal(m.topic, '$hub/errors/acme/(cut)')
    const report = JSON.parse(m.payload.toString())
    assert.equal(report.error, 'NOT_AUTHORIZED')
    assert.equal(report.topicBytes, Buffer.byteLength(huge))
    assert.equal(Buffer.byteLength(report.topic), MAX_REPORTED_TOPIC_BYTES)
    assert.ok(huge.startsWith(report.topic))
    assert.ok(m.payload.length < 8 * 1024, `the report copies a cut topic and reason, not the whole topic (${m.payload.length} bytes)`)
    assert.equal(w.client.connected, true, 'the error subscriber keeps its connection')
    await w.client.endAsync()
    const again = await watcher('errors-watch-65k')
    await viewer.publishAsync(GOOD, unsValue(2), { qos: 1 })
    const next = await again.box.next(`$hub/errors/${GOOD}`)
    assert.equal(JSON.parse(next.payload.toString()).error, 'NOT_AUTHORIZED')
    assert.equal(again.client.connected, true)
    await again.client.endAsync()
    await viewer.endAsync()
  })

  it('a topic of 99 levels (101 under $hub/errors) is reported under a cut topic; the publisher stays connected', async function () {
    const w = await watcher('errors-watch-99')
    const publisher = await connect(url)
    const deep = 'acme/' + Array.from({ length: 98 }, (_, i) => `l${i}`).join('/')
    await publisher.publishAsync(deep, unsValue(1), { qos: 1 })
    const m = await w.box.next('$hub/errors/acme/')
    assert.match(m.topic, /\/\(cut\)$/)
    assert.ok(m.topic.split('/').length <= 100)
    assert.equal(JSON.parse(m.payload.toString()).topic, deep)
    assert.equal(publisher.connected, true)
    await publisher.endAsync()
    await w.client.endAsync()
  })

  it('a topic of 98 levels is reported as it is (100 levels under $hub/errors), one of 99 under a cut topic', async function () {
    const w = await watcher('errors-watch-98')
    const publisher = await connect(url)
    const deep = 'acme/' + Array.from({ length: 97 }, (_, i) => `l${i}`).join('/')
    await publisher.publishAsync(deep, unsValue(1), { qos: 1 })
    assert.equal((await w.box.next('$hub/errors/acme/')).topic, `$hub/errors/${deep}`)
    await publisher.publishAsync(`${deep}/l97`, unsValue(1), { qos: 1 })
    assert.match((await w.box.next('$hub/errors/acme/')).topic, /\/\(cut\)$/)
    await publisher.endAsync()
    await w.client.endAsync()
  })

  it('a topic of over 100 levels gets a report, not a dropped connection', async function () {
    const w = await watcher('errors-watch-101')
    const publisher = await connect(url)
    const deep = 'acme/' + Array.from({ length: 120 }, (_, i) => `l${i}`).join('/')
    await publisher.publishAsync(deep, unsValue(1), { qos: 1 })
    const report = JSON.parse((await w.box.next('$hub/errors/acme/')).payload.toString())
    assert.equal(report.error, 'INVALID_TOPIC')
    assert.match(report.reason, /121 levels/)
    assert.equal(report.topic, deep)
    await sleep(100)
    assert.equal(publisher.connected, true, 'the publisher keeps its connection')
    await publisher.endAsync()
    await w.client.endAsync()
  })

  it('refuses NUL, control characters and ill-formed UTF-8 in a topic, reports them under a clean topic, and logs them escaped', async function () {
    const w = await watcher('errors-watch-ctl')
    const publisher = await connect(url)
    const injected = 'acme/dallas/x\n2026-01-01T00:00:00.000Z ERROR [hub] forged line'
    await publisher.publishAsync(injected, unsValue(1), { qos: 1 })
    const m = await w.box.next('$hub/errors/acme/')
    assert.equal(m.topic, '$hub/errors/acme/dallas/(cut)')
    const report = JSON.parse(m.payload.toString())
    assert.equal(report.error, 'INVALID_TOPIC')
    assert.match(report.reason, /control character U\+000A/)
    assert.equal(report.topic, injected)
    const logged = lines.filter((l) => l.includes('forged line'))
    assert.ok(logged.length > 0, 'the refusal is logged')
    for (const l of logged) assert.ok(!l.includes('\n') && l.includes('\\n'), `escaped in the log: ${l}`)

    await publisher.publishAsync('acme/dallas/nul\u0000here/measurements/t', unsValue(1), { qos: 1 })
    assert.match(JSON.parse((await w.box.next('$hub/errors/acme/dallas/(cut)')).payload.toString()).reason, /null character \(U\+0000\)/)

    // Bytes that are not UTF-8 (0xC3 0x28): mqtt.js cannot send them, a raw socket can.
    const raw = await rawClient(port())
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'raw-utf8', keepalive: 30 })
    await raw.next('connack')
    raw.send({ cmd: 'publish', topic: 'acme/dallas/AA/measurements/t', payload: Buffer.from(unsValue(1)), qos: 1, messageId: 7, retain: false, dup: false },
      { placeholder: 'AA', bytes: Buffer.from([0xc3, 0x28]) })
    await raw.next('puback')
    const bad = JSON.parse((await w.box.next('$hub/errors/acme/dallas/(cut)')).payload.toString())
    assert.match(bad.reason, /ill-formed UTF-8/)
    raw.end()
    assert.equal(w.client.connected, true)
    await publisher.endAsync()
    await w.client.endAsync()
  })

  it('a message from inside the hub whose topic no MQTT packet can carry is not delivered, and costs no subscriber its connection', async function () {
    const sub = await connect(url, { clientId: 'hub-watch', clean: false })
    await sub.subscribeAsync('$hub/#', { qos: 0 })
    const box = inbox(sub)
    await hub.broker.publish('$hub/test/' + 'y'.repeat(66_000), 'x', { qos: 1 })
    await hub.broker.publish('$hub/test/after', 'still here', { qos: 1 })
    const m = await box.next('$hub/test/')
    assert.equal(m.topic, '$hub/test/after')
    assert.equal(sub.connected, true)
    await sub.endAsync()
    const again = await connect(url, { clientId: 'hub-watch', clean: false })
    await sleep(200)
    assert.equal(again.connected, true, 'the persistent subscriber reconnects')
    await again.endAsync()
  })
})
