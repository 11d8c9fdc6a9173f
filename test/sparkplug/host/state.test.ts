// The host application's own STATE birth and death certificates (specification 3.0 chapters 4, 5 and 6), against
// the real broker: the hub's aedes with the host connected in-process, observers as real mqtt.js clients.
import assert from 'node:assert/strict'
import type { Client, PublishPacket, Subscription } from 'aedes'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, startTestHub } from '../../support/hub-fixture'
import type { RunningHub } from '../../../hub/hub'
import { SparkplugHostApplication, type HostStateChange } from '../../../sparkplug/host/index'
import { nextEvent, uniqueId } from './edge-node'

interface Seen { topic: string, payload: Buffer, retain: boolean, qos: number }

/** A subscriber that records every message on a filter, with retain and QoS as delivered. */
async function observer (url: string, filter: string) {
  const client: MqttClient = await connect(url, { clientId: uniqueId('observer') })
  const seen: Seen[] = []
  const waiters: Array<{ match: (m: Seen) => boolean, resolve: (m: Seen) => void }> = []
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload, retain: packet.retain, qos: packet.qos }
    const i = waiters.findIndex((w) => w.match(m))
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m)
    else seen.push(m)
  })
  await client.subscribeAsync(filter, { qos: 1 })
  return {
    client,
    next (match: (m: Seen) => boolean, timeoutMs = 5000): Promise<Seen> {
      const i = seen.findIndex(match)
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message on '${filter}' within ${timeoutMs} ms`)), timeoutMs)
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m) } })
      })
    }
  }
}

const json = (b: Buffer): Record<string, unknown> => JSON.parse(b.toString('utf8')) as Record<string, unknown>
const isState = (online: boolean) => (m: Seen): boolean => json(m.payload).online === online

describe('Sparkplug host application: STATE birth and death', function () {
  let hub: RunningHub
  let hosts: SparkplugHostApplication[] = []

  before(async () => { hub = await startTestHub() })
  after(async () => { await hub.stop() })
  afterEach(async () => {
    await Promise.all(hosts.map((h) => h.stop()))
    hosts = []
  })

  function newHost (hostId = uniqueId('host')): SparkplugHostApplication {
    const h = new SparkplugHostApplication({ hostId, broker: { handle: (s) => hub.broker.aedes.handle(s) }, reconnectPeriodMs: 50 })
    hosts.push(h)
    return h
  }

  /** Records, for one MQTT client id, the broker-side sequence of CONNECT (with its Will), SUBSCRIBE and PUBLISH. */
  function brokerTrace (clientId: string) {
    const aedes = hub.broker.aedes
    // The Will as the broker holds it for the connected client (set from the CONNECT packet).
    const events: Array<{ kind: 'connect', client: Client, readonly will: PublishPacket | null, clean: boolean } | { kind: 'subscribe', topics: string[] } | { kind: 'publish', packet: PublishPacket }> = []
    const onReady = (c: Client): void => {
      if (c.id === clientId) {
        events.push({ kind: 'connect', client: c, get will () { return (c as unknown as { will: PublishPacket | null }).will }, clean: c.clean })
      }
    }
    const onSubscribe = (subs: Subscription[], c: Client): void => {
      if (c?.id === clientId) events.push({ kind: 'subscribe', topics: subs.map((s) => s.topic) })
    }
    const onPublish = (p: PublishPacket, c: Client | null): void => {
      if (c?.id === clientId) events.push({ kind: 'publish', packet: p })
    }
    aedes.on('client', onReady)
    aedes.on('subscribe', onSubscribe)
    aedes.on('publish', onPublish)
    return {
      events,
      stop: () => {
        aedes.off('client', onReady)
        aedes.off('subscribe', onSubscribe)
        aedes.off('publish', onPublish)
      }
    }
  }

  it('tck-id-host-topic-phid-death-required: the CONNECT carries a Will on spBv1.0/STATE/<host id>, QoS 1, retained, ' +
    'JSON {"online":false,"timestamp":T} with T the time of the CONNECT, clean session', async () => {
    // Also: tck-id-host-topic-phid-death-topic, -death-qos, -death-retain, -death-payload,
    // -death-payload-timestamp-connect, tck-id-payloads-state-will-message(-qos/-retain/-payload),
    // tck-id-operational-behavior-host-application-connect-will(-topic/-payload/-qos/-retained),
    // tck-id-message-flow-phid-sparkplug-clean-session-311.
    const host = newHost()
    const trace = brokerTrace(`sparkplug-host-${host.hostId}`)
    const before = Date.now()
    await host.start()
    const after = Date.now()
    trace.stop()
    const connectEvent = trace.events.find((e) => e.kind === 'connect')
    assert.ok(connectEvent && connectEvent.kind === 'connect', 'the broker saw the CONNECT')
    assert.equal(connectEvent.clean, true)
    const will = connectEvent.will
    assert.ok(will, 'a Will is registered')
    assert.equal(will.topic, `spBv1.0/STATE/${host.hostId}`)
    assert.equal(will.qos, 1)
    assert.equal(will.retain, true)
    const payload = json(Buffer.from(will.payload))
    assert.deepEqual(Object.keys(payload).sort(), ['online', 'timestamp'])
    assert.equal(payload.online, false)
    assert.equal(typeof payload.timestamp, 'number')
    assert.ok((payload.timestamp as number) >= before && (payload.timestamp as number) <= after, 'T is the UTC ms time of the CONNECT')
    assert.equal(payload.timestamp, host.stateTimestamp)
  })

  it('tck-id-message-flow-phid-sparkplug-subscription: the host subscribes to its own STATE topic and spBv1.0/# ' +
    'before it publishes anything, and its first publish is the STATE birth', async () => {
    // Also: tck-id-host-topic-phid-birth-sub-required, tck-id-payloads-state-subscribe,
    // tck-id-host-topic-phid-birth-required, tck-id-host-topic-phid-birth-message, tck-id-principles-birth-certificates-order,
    // tck-id-message-flow-phid-sparkplug-state-publish, tck-id-operational-behavior-host-application-connect-birth.
    const host = newHost()
    const trace = brokerTrace(`sparkplug-host-${host.hostId}`)
    await host.start()
    // The birth is acknowledged before start() resolves only in the client; wait for it on the broker side too.
    const o = await observer(mqttUrl(hub), `spBv1.0/STATE/${host.hostId}`)
    await o.next(isState(true))
    trace.stop()
    await o.client.endAsync()
    const kinds = trace.events.map((e) => e.kind)
    assert.equal(kinds[0], 'connect')
    const firstPublish = kinds.indexOf('publish')
    const subscribes = trace.events.slice(0, firstPublish).filter((e) => e.kind === 'subscribe')
    const topics = subscribes.flatMap((e) => e.kind === 'subscribe' ? e.topics : [])
    assert.ok(topics.includes(`spBv1.0/STATE/${host.hostId}`), 'subscribed to its own STATE topic before publishing')
    assert.ok(topics.includes('spBv1.0/#'), 'subscribed to the Sparkplug namespace before publishing')
    const first = trace.events[firstPublish]
    assert.ok(first && first.kind === 'publish')
    assert.equal(first.packet.topic, `spBv1.0/STATE/${host.hostId}`)
    assert.equal(json(Buffer.from(first.packet.payload)).online, true)
  })

  it('tck-id-payloads-state-birth-payload: the STATE birth is QoS 1, retained, JSON {"online":true,"timestamp":T} ' +
    'with the same T as the CONNECT Will', async () => {
    // Also: tck-id-host-topic-phid-birth-qos, -birth-retain, -birth-topic, -birth-payload, -birth-payload-timestamp,
    // tck-id-payloads-state-birth, tck-id-message-flow-phid-sparkplug-state-publish-payload(-timestamp),
    // tck-id-operational-behavior-host-application-connect-birth-topic/-payload/-qos/-retained,
    // tck-id-conformance-primary-host, tck-id-intro-sparkplug-host-state, tck-id-components-ph-state.
    const host = newHost()
    const trace = brokerTrace(`sparkplug-host-${host.hostId}`)
    await host.start()
    const o = await observer(mqttUrl(hub), `spBv1.0/STATE/${host.hostId}`)
    const retained = await o.next(isState(true))
    trace.stop()
    await o.client.endAsync()
    assert.equal(retained.retain, true, 'a new subscriber receives the birth as a retained message')
    assert.equal(retained.qos, 1)
    const birth = trace.events.find((e) => e.kind === 'publish')
    assert.ok(birth && birth.kind === 'publish')
    assert.equal(birth.packet.qos, 1)
    assert.equal(birth.packet.retain, true)
    const payload = json(retained.payload)
    assert.deepEqual(Object.keys(payload).sort(), ['online', 'timestamp'])
    assert.equal(payload.online, true)
    const will = trace.events.find((e) => e.kind === 'connect')
    assert.ok(will && will.kind === 'connect' && will.will)
    assert.equal(payload.timestamp, json(Buffer.from(will.will.payload)).timestamp)
  })

  it('tck-id-message-flow-hid-sparkplug-state-message-delivered: an offline STATE delivered for its own host id ' +
    'makes the host republish its birth with the CONNECT timestamp', async () => {
    const host = newHost()
    await host.start()
    const T = host.stateTimestamp
    const o = await observer(mqttUrl(hub), `spBv1.0/STATE/${host.hostId}`)
    await o.next(isState(true)) // the retained birth
    await o.client.publishAsync(`spBv1.0/STATE/${host.hostId}`, JSON.stringify({ online: false, timestamp: Date.now() }), { qos: 1, retain: true })
    await o.next(isState(false)) // our own publish, delivered back
    const again = await o.next(isState(true))
    assert.equal(json(again.payload).timestamp, T)
    await o.client.endAsync()
    // And what stays retained is the birth.
    const late = await observer(mqttUrl(hub), `spBv1.0/STATE/${host.hostId}`)
    const retained = await late.next(() => true)
    await late.client.endAsync()
    assert.equal(retained.retain, true)
    assert.deepEqual(json(retained.payload), { online: true, timestamp: T })
  })

  it('tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean: stop() publishes the STATE death ' +
    '(QoS 1, retained, online false, current time) before DISCONNECT, so the Will is not needed', async () => {
    // Also: tck-id-operational-behavior-host-application-termination, -death-topic, -death-payload, -death-qos,
    // -death-retained, -disconnect-intentional.
    const host = newHost()
    await host.start()
    const T = host.stateTimestamp!
    const clientId = `sparkplug-host-${host.hostId}`
    const trace = brokerTrace(clientId)
    // The order in which the broker received the packets: a PUBLISH is seen at its authorization, on arrival.
    // (Seen on arrival, which is the order in which the client sent them.)
    const order: string[] = []
    const aedes = hub.broker.aedes as unknown as { authorizePublish: (c: Client | null, p: PublishPacket, cb: (err?: Error | null) => void) => void }
    const authorize = aedes.authorizePublish
    aedes.authorizePublish = (c, p, cb) => {
      // The STATE death (the birth may still be arriving when start() has resolved).
      if (c?.id === clientId && p.payload.toString().includes('"online":false')) order.push(`publish ${p.topic}`)
      authorize.call(aedes, c, p, cb)
    }
    // The broker handles the DISCONNECT after the client has sent it, so wait for it rather than assume it.
    let disconnected!: () => void
    const gone = new Promise<void>((resolve) => { disconnected = resolve })
    const onDisconnect = (c: Client): void => { if (c.id === clientId) { order.push('disconnect'); disconnected() } }
    hub.broker.aedes.on('clientDisconnect', onDisconnect)
    const o = await observer(mqttUrl(hub), `spBv1.0/STATE/${host.hostId}`)
    await o.next(isState(true))
    const before = Date.now()
    await host.stop()
    const death = await o.next(isState(false))
    await gone
    hub.broker.aedes.off('clientDisconnect', onDisconnect)
    aedes.authorizePublish = authorize
    trace.stop()
    await o.client.endAsync()
    const payload = json(death.payload)
    assert.deepEqual(Object.keys(payload).sort(), ['online', 'timestamp'])
    assert.ok((payload.timestamp as number) >= before && (payload.timestamp as number) >= T, 'the death carries the time of the disconnect')
    const p = trace.events.find((e) => e.kind === 'publish')
    assert.ok(p && p.kind === 'publish')
    assert.equal(p.packet.qos, 1)
    assert.equal(p.packet.retain, true)
    assert.deepEqual(order, [`publish spBv1.0/STATE/${host.hostId}`, 'disconnect'], 'death first, then DISCONNECT')
    assert.equal(host.status, 'STOPPED')
  })

  it('tck-id-operational-behavior-host-application-connect-will-payload: when the connection is lost the broker ' +
    'delivers the Will {"online":false,"timestamp":T}; the host reconnects with a new T and publishes its birth again', async () => {
    const host = newHost()
    await host.start()
    const T = host.stateTimestamp!
    const o = await observer(mqttUrl(hub), `spBv1.0/STATE/${host.hostId}`)
    await o.next(isState(true))
    const online = nextEvent<HostStateChange>(host, 'status', (c) => c.status === 'ONLINE')
    // Drop the host's connection from the broker side (no DISCONNECT): the broker publishes the Will.
    const clients = (hub.broker.aedes as unknown as { clients: Record<string, Client> }).clients
    clients[`sparkplug-host-${host.hostId}`]!.conn.destroy()
    const will = await o.next(isState(false))
    assert.deepEqual(json(will.payload), { online: false, timestamp: T })
    const change = await online
    const birth = await o.next(isState(true))
    await o.client.endAsync()
    assert.ok(change.stateTimestamp! >= T)
    assert.deepEqual(json(birth.payload), { online: true, timestamp: change.stateTimestamp })
  })

  it('tck-id-operational-behavior-host-application-host-id: a host id that is not one topic level is refused', () => {
    for (const bad of ['a/b', 'a+', '#', '']) {
      assert.throws(() => new SparkplugHostApplication({ hostId: bad, broker: { handle: (s) => hub.broker.aedes.handle(s) } }),
        (e: Error & { code?: string }) => e.code === 'SPARKPLUG_HOST_CONFIG')
    }
  })
})
