// What the live publish path (broker/live-publish.ts) must keep of aedes.publish beyond the pinned scenarios of
// live-publish.test.ts: a subscriber that stops reading is dropped after aedes' drainTimeout, a subscriber that
// publishes live from its own message handler does not stop later deliveries, nothing lost beside aedes.publish of
// the same topic, a WebSocket subscriber gets them.
import assert from 'node:assert/strict'
import net from 'node:net'
import mqttPacket from 'mqtt-packet'
import { MqttClient } from 'mqtt'
import type { AedesPublishPacket } from 'aedes'
import { connect, mqttUrl, startTestHub, testConfig, wsUrl } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { encode } from '../support/raw-mqtt'

const T = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'
type Publish = (topic: string, payload: Buffer) => void

describe('live publish path: slow subscribers, re-entry, WebSocket', function () {
  let hub: RunningHub
  let viaLive: Publish

  before(async function () {
    hub = await startTestHub(testConfig(undefined, (c) => { c.mqtt.anonymous = { local: 'admin', remote: 'none' } }))
    viaLive = (topic, payload) => hub.broker.publishLive(topic, payload)
  })
  after(async function () { await hub.stop() })

  // aedes.publish: write.js waits for 'drain' (client.waitForDrain) when the socket's buffer is full and destroys the
  // connection after drainTimeout (30 s in broker.ts; 200 ms here).
  {
    const name = 'publishLive'
    it(`drops a subscriber that stops reading after aedes' drainTimeout, as aedes.publish does`, async function () {
      const opts = (hub.broker.aedes as unknown as { opts: { drainTimeout: number } }).opts
      const before = opts.drainTimeout
      opts.drainTimeout = 200
      try {
        const { port } = new URL(mqttUrl(hub))
        const socket = net.connect({ host: '127.0.0.1', port: Number(port) })
        socket.on('error', () => {})
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
        await new Promise<void>((resolve) => socket.once('connect', resolve))
        const parser = mqttPacket.parser({ protocolVersion: 4 })
        const suback = new Promise<void>((resolve) => parser.on('packet', (p) => { if (p.cmd === 'suback') resolve() }))
        socket.on('data', (d) => parser.parse(d))
        socket.write(encode({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0, clientId: `stalled-${name}` }))
        socket.write(encode({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'acme/#', qos: 0 }] }))
        await suback
        socket.pause() // reads nothing more: the kernel buffers fill, then the broker's
        const payload = Buffer.alloc(16 * 1024, 1)
        // The broker's side is what counts: a paused socket does not see the close until it reads again.
        const clients = (hub.broker.aedes as unknown as { clients: Record<string, unknown> }).clients
        const id = `stalled-${name}`
        assert.ok(clients[id] !== undefined, 'the subscriber is connected')
        // Published until the broker drops the subscriber; 256 MB at most (a broker that never does fails here).
        for (let i = 0; i < 1000 && clients[id] !== undefined; i++) {
          for (let j = 0; j < 16; j++) viaLive(T, payload)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        const left = clients[id] === undefined
        socket.destroy()
        void closed
        assert.equal(left, true, 'the stalled subscriber was disconnected')
      } finally {
        opts.drainTimeout = before
      }
    })
  }

  it('keeps delivering when a subscriber publishes live from its own message handler (in-process connection)', async function () {
    const inner = new MqttClient(() => hub.broker.connectInternal(), { clientId: 'reentrant', reconnectPeriod: 0 })
    await new Promise<void>((resolve) => inner.once('connect', () => resolve()))
    await inner.subscribeAsync('acme/#', { qos: 0 })
    const outer = await connect(mqttUrl(hub))
    await outer.subscribeAsync('acme/#', { qos: 0 })
    const gotInner: string[] = []
    const gotOuter: string[] = []
    inner.on('message', (topic, payload) => {
      gotInner.push(payload.toString())
      if (payload.toString() === 'ping') hub.broker.publishLive(T, Buffer.from('pong'))
    })
    const done = new Promise<void>((resolve) => outer.on('message', (_t, p) => { gotOuter.push(p.toString()); if (p.toString() === 'last') resolve() }))
    hub.broker.publishLive(T, Buffer.from('ping'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    hub.broker.publishLive(T, Buffer.from('last'))
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 2000))])
    assert.deepEqual(gotOuter, ['ping', 'pong', 'last'])
    inner.end(true)
    await outer.endAsync()
  })

  // The stated limit (broker/live-publish.ts): against aedes.publish of the same topic in one turn, order is kept
  // within each path only; nothing is lost either way.
  for (const order of [['aedes', 'live'], ['live', 'aedes']] as const) {
    it(`delivers every message of ${order[0]} and ${order[1]} publishes of one topic in one turn, each path in its own order`, async function () {
      const sub = await connect(mqttUrl(hub))
      await sub.subscribeAsync(T, { qos: 0 })
      const got: string[] = []
      const all = new Promise<void>((resolve) => sub.on('message', (_t, p) => { got.push(p.toString()); if (got.length === 20) resolve() }))
      for (let i = 0; i < 10; i++) {
        for (const how of order) {
          const payload = Buffer.from(`${i}-${how}`)
          if (how === 'live') viaLive(T, payload)
          else hub.broker.aedes.publish({ cmd: 'publish', topic: T, payload, qos: 0, retain: false, dup: false } as AedesPublishPacket, () => {})
        }
      }
      await all
      for (const how of ['aedes', 'live']) {
        assert.deepEqual(got.filter((m) => m.endsWith(`-${how}`)), Array.from({ length: 10 }, (_, i) => `${i}-${how}`), `${how} messages in order`)
      }
      await sub.endAsync()
    })
  }

  it('delivers live messages to a WebSocket subscriber, large and small', async function () {
    const sub = await connect(wsUrl(hub))
    await sub.subscribeAsync('acme/#', { qos: 0 })
    const sizes = [0, 10, 20_000, 3_000_000, 5]
    const got: number[] = []
    const done = new Promise<void>((resolve) => sub.on('message', (_t, p) => { got.push(p.length); if (got.length === sizes.length) resolve() }))
    for (const s of sizes) viaLive(`acme/d\u00e4llas/\u6e29\u5ea6/${s}`, Buffer.alloc(s, 2))
    await done
    assert.deepEqual(got, sizes)
    await sub.endAsync()
  })
  it('writes a long turn\'s messages to the socket as they accumulate, not all at the end of the turn, in order', async function () {
    const sub = await connect(mqttUrl(hub), { clientId: 'long-turn' })
    await sub.subscribeAsync(T, { qos: 0 })
    const conn = (hub.broker.aedes as unknown as { clients: Record<string, { conn: net.Socket }> }).clients['long-turn']!.conn
    const count = 2000
    const got: number[] = []
    const done = new Promise<void>((resolve) => sub.on('message', (_t, p) => { if (got.push(Number(p.toString().slice(0, 8))) === count) resolve() }))
    const before = conn.bytesWritten
    let inTurn = 0
    // One synchronous loop: ~200 KB for one subscriber in one event-loop turn (a large read the hub caught up on).
    for (let i = 0; i < count; i++) {
      viaLive(T, Buffer.from(String(i).padStart(8, '0') + 'x'.repeat(92)))
      if (i === count - 1) inTurn = conn.bytesWritten - before
    }
    assert.ok(inTurn > 100_000, `${inTurn} bytes handed to the socket before the turn ended (expected most of ~230 KB)`)
    await done
    assert.deepEqual(got, Array.from({ length: count }, (_, i) => i), 'every message, in order')
    await sub.endAsync()
  })
})
