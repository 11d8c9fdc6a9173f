// The live publish path (broker/live-publish.ts) skips aedes' pipeline for the hub's own QoS 0 messages: every
// scenario here is run twice on the same broker, once through aedes.publish and once through publishLive, and what
// each subscriber receives must be the same (and what the hub promises: order per topic, once per client, nothing
// where the ACL refused the subscription, nothing queued for an offline session, QoS 1 to it untouched).
import assert from 'node:assert/strict'
import { generate } from 'mqtt-packet'
import type { AedesPublishPacket } from 'aedes'
import type { MqttClient } from 'mqtt'
import { connect, connectAnd, inbox, mqttUrl, startTestHub, testConfig } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { frameBytes, writeFrame } from '../../broker/live-publish'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS_2 = 'acme/dallas/press-shop/line-1/press-2'
const T1 = `${PRESS_1}/measurements/die-temperature`
const T2 = `${PRESS_2}/measurements/strokes`
const MARK = `${PRESS_1}/measurements/marker`

type Got = Array<[string, string, number, boolean, boolean]>
type Publish = (topic: string, payload: Buffer) => void

describe('live publish path (pinned against aedes.publish)', function () {
  let hub: RunningHub
  let viaAedes: Publish
  let viaLive: Publish

  before(async function () {
    const accounts = [
      { username: 'press-1', passwordHash: await hashPassword('press-1-secret'), role: 'machine' as const, equipment: [PRESS_1], sparkplugNodes: ['dallas/press-line-1'] },
      { username: 'ops', passwordHash: await hashPassword('ops-secret'), role: 'admin' as const }
    ]
    hub = await startTestHub(testConfig(undefined, (c) => {
      c.mqtt.accounts = accounts
      c.mqtt.anonymous = { local: 'none', remote: 'none' }
    }))
    const aedes = hub.broker.aedes
    viaAedes = (topic, payload) => aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false } as AedesPublishPacket, () => {})
    viaLive = (topic, payload) => hub.broker.publishLive(topic, payload)
  })
  after(async function () { await hub.stop() })

  const ops = (opts: object = {}): Promise<MqttClient> => connect(mqttUrl(hub), { username: 'ops', password: 'ops-secret', ...opts })

  /** Collects what `c` receives until the marker `mark` arrives (`seen`: what has come so far). */
  function collect (c: MqttClient, mark: string): Promise<Got> & { seen: Got } {
    const got: Got = []
    return Object.assign(new Promise<Got>((resolve) => {
      const on = (topic: string, payload: Buffer, packet: { qos: number, retain: boolean, dup: boolean }): void => {
        if (topic === MARK && payload.toString() === mark) {
          c.off('message', on)
          return resolve(got)
        }
        got.push([topic, payload.toString(), packet.qos, packet.retain, packet.dup])
      }
      c.on('message', on)
    }), { seen: got })
  }

  it('delivers the same messages in the same order to each subscriber, once per client, none past a refused subscription', async function () {
    const overlapping = await ops()
    await overlapping.subscribeAsync(['acme/#', T1, 'acme/dallas/+/line-1/#'], { qos: 0 })
    const persistent = await ops({ clientId: 'live-persistent-1', clean: false })
    await persistent.subscribeAsync('acme/#', { qos: 1 })
    const machine = await connect(mqttUrl(hub), { username: 'press-1', password: 'press-1-secret' })
    await machine.subscribeAsync(`${PRESS_1}/#`, { qos: 1 })
    await assert.rejects(machine.subscribeAsync('acme/#', { qos: 1 }), /Subscribe error/, 'the machine may not subscribe to acme/#')
    const inProcess: Got = []
    const handler = (p: AedesPublishPacket, cb: () => void): void => { if (p.topic !== MARK) inProcess.push([p.topic, p.payload.toString(), p.qos, p.retain, p.dup]); cb() }
    await new Promise<void>((resolve) => hub.broker.aedes.subscribe('acme/dallas/#', handler, resolve))

    const run = async (publish: Publish, name: string): Promise<Got[]> => {
      inProcess.length = 0
      const mark = `${name}-${Math.random()}`
      const waits = [overlapping, persistent, machine].map((c) => collect(c, mark))
      for (let i = 0; i < 50; i++) publish(i % 2 === 0 ? T1 : T2, Buffer.from(`${name}-${i}`))
      publish(MARK, Buffer.from(mark))
      return [...await Promise.all(waits), [...inProcess]]
    }
    const plain = await run(viaAedes, 'x')
    const live = await run(viaLive, 'x')
    assert.deepEqual(live, plain, 'publishLive delivers what aedes.publish delivers')

    const [o, p, m, h] = live
    const expected = (topics: string[]): Got => Array.from({ length: 50 }, (_, i) => [i % 2 === 0 ? T1 : T2, `x-${i}`, 0, false, false] as [string, string, number, boolean, boolean])
      .filter((g) => topics.includes(g[0]))
    assert.deepEqual(o, expected([T1, T2]), 'in order, once although three subscriptions match')
    assert.deepEqual(p, expected([T1, T2]), 'QoS 0 to a QoS 1 subscription')
    assert.deepEqual(m, expected([T1]), 'nothing outside what the machine account may read')
    assert.deepEqual(h, expected([T1, T2]), 'in-process subscribers get them too')

    await new Promise<void>((resolve) => hub.broker.aedes.unsubscribe('acme/dallas/#', handler, resolve))
    await Promise.all([overlapping.endAsync(), persistent.endAsync(), machine.endAsync()])
  })

  it('queues nothing live for an offline persistent session, and leaves its QoS 1 messages as aedes has them', async function () {
    const run = async (publish: Publish, name: string): Promise<Got> => {
      const id = `live-persistent-${name}`
      const first = await ops({ clientId: id, clean: false })
      await first.subscribeAsync('acme/#', { qos: 1 })
      await first.endAsync()
      publish(T1, Buffer.from(`${name}-offline-live`))
      await hub.broker.publish(T2, `${name}-offline-qos1`, { qos: 1 })
      const mark = `${name}-mark`
      const [back, got] = await connectAnd(mqttUrl(hub), { username: 'ops', password: 'ops-secret', clientId: id, clean: false }, (c) => collect(c, mark))
      // aedes replays the offline queue after the CONNACK, and a QoS 1 message published meanwhile may overtake it
      // (aedes' own order, on either path; the likely cause of this test's failures under load); the online part starts after it.
      const replayEnd = Date.now() + 5000
      while (!got.seen.some((m) => m[1] === `${name}-offline-qos1`) && Date.now() < replayEnd) await new Promise((r) => setTimeout(r, 5))
      // Online again: live messages and QoS 1 ones interleaved; the session must keep all of them, in order.
      publish(T1, Buffer.from(`${name}-online-live-1`))
      await hub.broker.publish(T2, `${name}-online-qos1`, { qos: 1 })
      publish(T1, Buffer.from(`${name}-online-live-2`))
      await hub.broker.publish(MARK, mark, { qos: 1 })
      const all = await got
      await back.endAsync()
      return all.map(([t, p, q, r, d]) => [t, p.replace(`${name}-`, ''), q, r, d])
    }
    // Per topic: the replay of the offline queue and the live messages of another topic race in aedes too.
    const byTopic = (g: Got): Got[] => [g.filter((m) => m[0] === T1), g.filter((m) => m[0] === T2)]
    const plain = byTopic(await run(viaAedes, 'plain'))
    const live = byTopic(await run(viaLive, 'live'))
    assert.deepEqual(live, plain)
    assert.deepEqual(live, [
      [[T1, 'online-live-1', 0, false, false], [T1, 'online-live-2', 0, false, false]],
      [[T2, 'offline-qos1', 1, false, false], [T2, 'online-qos1', 1, false, false]]
    ])
  })

  it('sends nothing a subscriber cannot be sent (authorizeForward), and the subscriber stays connected', async function () {
    const sub = await ops()
    await sub.subscribeAsync('acme/#', { qos: 0 })
    const long = `${PRESS_1}/measurements/${'x'.repeat(70_000)}`
    for (const [name, publish] of [['plain', viaAedes], ['live', viaLive]] as const) {
      const mark = `${name}-mark`
      const got = collect(sub, mark)
      publish(long, Buffer.from('too long a topic'))
      publish(T1, Buffer.from(`${name}-after`))
      publish(MARK, Buffer.from(mark))
      assert.deepEqual(await got, [[T1, `${name}-after`, 0, false, false]], name)
    }
    assert.equal(sub.connected, true)
    await sub.endAsync()
  })

  it('a retained snapshot stored after live messages is what a new subscriber gets', async function () {
    const sub = await ops()
    await sub.subscribeAsync(T1, { qos: 0 })
    const box = inbox(sub)
    hub.broker.publishLive(T1, Buffer.from('{"value":1}'))
    hub.broker.publishLive(T1, Buffer.from('{"value":2}'))
    assert.deepEqual([(await box.next(T1)).payload.toString(), (await box.next(T1)).payload.toString()], ['{"value":1}', '{"value":2}'])
    await hub.broker.storeRetained(T1, Buffer.from('{"value":2}'))
    const late = await ops()
    const lateBox = inbox(late)
    await late.subscribeAsync(T1, { qos: 1 })
    const r = await lateBox.next(T1)
    assert.deepEqual([r.payload.toString(), r.retain], ['{"value":2}', true])
    await Promise.all([sub.endAsync(), late.endAsync()])
  })
})

describe('live publish frame', function () {
  it('is byte for byte what mqtt-packet generates, across the remaining-length boundaries', function () {
    const topics = ['a', 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature', 'acme/d\u00e4llas/\u6e29\u5ea6/\ud83d\ude00']
    for (const topic of topics) {
      const tb = Buffer.byteLength(topic)
      for (const remaining of [0, 1, 100, 127, 128, 129, 16383, 16384, 16385, 2097151, 2097152]) {
        const payload = Buffer.alloc(Math.max(0, remaining - 2 - tb), 7)
        const expected = generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false })
        const into = Buffer.alloc(frameBytes(tb, payload.length) + 3)
        const end = writeFrame(into, 3, topic, tb, payload)
        assert.equal(end - 3, expected.length, `length for ${topic} / ${payload.length}`)
        assert.ok(into.subarray(3, end).equals(expected), `bytes for ${topic} / ${payload.length}`)
      }
    }
  })
})
