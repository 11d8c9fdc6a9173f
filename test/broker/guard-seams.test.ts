// Where the hardening pieces meet in authorizePublish (STATE guard, publish guard, PUBACK after store, deep topics,
// persistent sessions): a refused QoS 1/2 publish still completes its handshake, keeps its connection and becomes a
// report that a persistent QoS 1 `$hub/errors/#` subscriber receives on one connection, live and after a reconnect.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { connect, connectAnd, inbox, mqttUrl, sleep, startTestHub, testConfig, unsValue } from '../support/hub-fixture'

const GOOD = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'
const STATE = 'spBv1.0/STATE/isa95-hub'
const WIP = 'acme/dallas/press-shop/line-1/press-1/orders/wip'

describe('refused publishes where the broker fixes meet', function () {
  let hub: RunningHub
  let url: string
  before(async function () {
    const passwordHash = await hashPassword('dashboard-secret')
    hub = await startTestHub(testConfig(undefined, (c) => {
      c.sparkplug.enabled = true
      c.mqtt.accounts = [{ username: 'dashboard', passwordHash, role: 'viewer' }]
    }))
    url = mqttUrl(hub)
  })
  after(async function () { await hub.stop() })

  /** A persistent QoS 1 subscriber of the error topics that counts its connections. */
  async function errorWatcher (clientId: string): Promise<{ client: MqttClient, box: ReturnType<typeof inbox>, closes: () => number }> {
    const client = await connect(url, { clientId, clean: false })
    let closes = 0
    client.on('close', () => { closes++ })
    const box = inbox(client)
    await client.subscribeAsync('$hub/errors/#', { qos: 1 })
    return { client, box, closes: () => closes }
  }

  it('a persistent QoS 1 $hub/errors subscriber gets refused QoS 1 and QoS 2 publishes live on one connection, and queued ones after a reconnect', async function () {
    const w = await errorWatcher('errors-watch-qos1')
    const viewer = await connect(url, { username: 'dashboard', password: 'dashboard-secret' })
    for (let i = 0; i < 20; i++) await viewer.publishAsync(GOOD, unsValue(i), { qos: (1 + i % 2) as 1 | 2 })
    for (let i = 0; i < 20; i++) {
      const m = await w.box.next(`$hub/errors/${GOOD}`)
      assert.equal(JSON.parse(m.payload.toString()).error, 'NOT_AUTHORIZED')
    }
    await sleep(200)
    assert.equal(w.closes(), 0, 'the persistent error subscriber was not dropped')
    assert.equal(w.client.connected, true)
    assert.equal(viewer.connected, true, 'the refused publisher keeps its connection')
    await w.client.endAsync()

    await viewer.publishAsync(GOOD, unsValue('while away'), { qos: 1 })
    const again = await errorWatcher('errors-watch-qos1')
    const queued = await again.box.next(`$hub/errors/${GOOD}`)
    assert.equal(JSON.parse(queued.payload.toString()).payloadBytes, Buffer.byteLength(unsValue('while away')))
    assert.equal(again.client.connected, true)
    await Promise.all([again.client.endAsync(), viewer.endAsync()])
  })

  for (const qos of [1, 2] as const) {
    it(`an admin's QoS ${qos} publish to the hub's STATE is acknowledged, reported and leaves STATE alone`, async function () {
      const w = await errorWatcher(`errors-watch-state-${qos}`)
      const admin = await connect(url)
      await admin.publishAsync(STATE, '{"online":false,"timestamp":1}', { qos, retain: true })
      const report = JSON.parse((await w.box.next(`$hub/errors/${STATE}`)).payload.toString())
      assert.equal(report.error, 'NOT_AUTHORIZED')
      assert.equal(admin.connected, true)
      const probe = await connect(url)
      const box = inbox(probe)
      await probe.subscribeAsync(STATE, { qos: 1 })
      assert.equal(JSON.parse((await box.next(STATE)).payload.toString()).online, true)
      await Promise.all([probe.endAsync(), admin.endAsync(), w.client.endAsync()])
    })

    it(`a QoS ${qos} publish to a topic of 101 levels is acknowledged and reported; the publisher keeps its connection`, async function () {
      const w = await errorWatcher(`errors-watch-deep-${qos}`)
      const publisher = await connect(url)
      const deep = 'acme/' + Array.from({ length: 100 }, (_, i) => `l${i}`).join('/')
      await publisher.publishAsync(deep, unsValue(1), { qos })
      const report = JSON.parse((await w.box.next('$hub/errors/acme/')).payload.toString())
      assert.equal(report.error, 'INVALID_TOPIC')
      assert.equal(report.topic, deep)
      await publisher.publishAsync(GOOD, unsValue(2), { qos })
      assert.equal(publisher.connected, true)
      await Promise.all([publisher.endAsync(), w.client.endAsync()])
    })
  }

  it('a client\'s retained QoS 1 publish to MES state is refused, while the MES\'s own in-process publish there is delivered and retained', async function () {
    const w = await errorWatcher('errors-watch-mes')
    const admin = await connect(url)
    const box = inbox(admin)
    await admin.subscribeAsync(WIP, { qos: 1 })
    await admin.publishAsync(WIP, unsValue({ forged: true }), { qos: 1, retain: true })
    assert.equal(JSON.parse((await w.box.next(`$hub/errors/${WIP}`)).payload.toString()).error, 'NOT_AUTHORIZED')
    await hub.broker.publish(WIP, unsValue({ queued: { count: 1 } }), { qos: 1, retain: true })
    assert.deepEqual(JSON.parse((await box.next(WIP)).payload.toString()).value, { queued: { count: 1 } })
    const late = await connect(url)
    const lateBox = inbox(late)
    await late.subscribeAsync(WIP, { qos: 1 })
    const retained = await lateBox.next(WIP)
    assert.equal(retained.retain, true)
    assert.deepEqual(JSON.parse(retained.payload.toString()).value, { queued: { count: 1 } })
    assert.equal(box.seen.length, 0, 'the forged value was never delivered')
    await Promise.all([late.endAsync(), admin.endAsync(), w.client.endAsync()])
  })

  it('a retained QoS 1 message reaches an offline persistent session once, and a new subscriber as retained', async function () {
    const sub = await connect(url, { clientId: 'retained-persistent', clean: false })
    await sub.subscribeAsync(GOOD, { qos: 1 })
    await sub.endAsync()
    const publisher = await connect(url)
    await publisher.publishAsync(GOOD, unsValue(42), { qos: 1, retain: true })
    const [again, box] = await connectAnd(url, { clientId: 'retained-persistent', clean: false }, inbox)
    const m = await box.next(GOOD)
    assert.equal(JSON.parse(m.payload.toString()).value, 42)
    await sleep(300)
    assert.equal(box.seen.filter((x) => x.topic === GOOD).length, 0, 'delivered once')
    const fresh = await connect(url)
    const freshBox = inbox(fresh)
    await fresh.subscribeAsync(GOOD, { qos: 1 })
    const r = await freshBox.next(GOOD)
    assert.equal(r.retain, true)
    assert.equal(JSON.parse(r.payload.toString()).value, 42)
    await Promise.all([fresh.endAsync(), again.endAsync(), publisher.endAsync()])
  })
})
