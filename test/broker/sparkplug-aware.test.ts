// The hub's broker as a Sparkplug Aware MQTT Server (Sparkplug 3.0 chapter 10), against the real broker.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, inbox, mqttUrl, sleep, startTestHub, tempDir, testConfig } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { DataType, decodePayload, encodePayload } from '../../sparkplug/index'
import { attachSparkplugAwareness, certificateTopicFor, isNdeathTopic, type SparkplugAwareness } from '../../broker/sparkplug-aware'
import { withPayloadTimestamp } from '../../sparkplug/payload-timestamp'
import { installWillGuard } from '../../broker/will-guard'
import { silentLogger } from '../../core/logger'

const NBIRTH = 'spBv1.0/dallas/NBIRTH/press-line-1'
const DBIRTH = 'spBv1.0/dallas/DBIRTH/press-line-1/press-1'
const CERT_NBIRTH = '$sparkplug/certificates/spBv1.0/dallas/NBIRTH/press-line-1'
const CERT_DBIRTH = '$sparkplug/certificates/spBv1.0/dallas/DBIRTH/press-line-1/press-1'

function birth (seq: number, value: number): Buffer {
  return Buffer.from(encodePayload({
    timestamp: Date.now(),
    seq,
    metrics: [
      { name: 'bdSeq', datatype: DataType.Int64, value: 0n, timestamp: Date.now() },
      { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false, timestamp: Date.now() },
      { name: 'Die Temperature', alias: 1, datatype: DataType.Double, value, timestamp: Date.now() }
    ]
  }))
}

function ndeath (bdSeq: bigint, timestamp: number): Buffer {
  return Buffer.from(encodePayload({ timestamp, metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: bdSeq }] }))
}

/** What a client that subscribes now gets as retained messages for `filter`, once `done(payloads)` holds. */
async function retainedFor (hub: RunningHub, filter: string, done: (m: Array<{ topic: string, payload: Buffer, retain: boolean }>) => boolean) {
  for (let attempt = 0; ; attempt++) {
    const c = await connect(mqttUrl(hub))
    const box = inbox(c)
    await c.subscribeAsync(filter, { qos: 1 })
    await sleep(50) // retained messages follow the SUBACK; if `done` is not yet true, the next attempt looks again
    await c.endAsync()
    const got = box.seen.filter((m) => m.retain)
    if (done(got) || attempt > 100) return got
    await sleep(20)
  }
}

describe('Sparkplug aware broker', function () {
  let hub: RunningHub
  let awareness: SparkplugAwareness
  let edge: MqttClient

  before(async function () {
    hub = await startTestHub()
    awareness = attachSparkplugAwareness(hub.broker, silentLogger)
    edge = await connect(mqttUrl(hub), { clientId: 'aware-edge' })
  })
  after(async function () {
    await edge.endAsync()
    await hub.stop()
  })

  it('tck-id-conformance-mqtt-aware-nbirth-mqtt-topic tck-id-conformance-mqtt-aware-nbirth-mqtt-retain gives a new subscriber the last NBIRTH, retained, on $sparkplug/certificates/spBv1.0/<group>/NBIRTH/<node>', async function () {
    const payload = birth(0, 180.5)
    await edge.publishAsync(NBIRTH, payload, { qos: 0, retain: false })
    const got = await retainedFor(hub, '$sparkplug/certificates/#', (m) => m.some((x) => x.topic === CERT_NBIRTH))
    const cert = got.find((x) => x.topic === CERT_NBIRTH)
    assert.ok(cert, `no retained ${CERT_NBIRTH}`)
    assert.equal(cert.retain, true)
    assert.ok(cert.payload.equals(payload), 'the certificate is the NBIRTH byte for byte')
  })

  it('tck-id-conformance-mqtt-aware-dbirth-mqtt-topic tck-id-conformance-mqtt-aware-dbirth-mqtt-retain gives a new subscriber the last DBIRTH, retained, on $sparkplug/certificates/spBv1.0/<group>/DBIRTH/<node>/<device>', async function () {
    const payload = birth(1, 99)
    await edge.publishAsync(DBIRTH, payload, { qos: 0, retain: false })
    const got = await retainedFor(hub, '$sparkplug/certificates/spBv1.0/dallas/DBIRTH/#', (m) => m.some((x) => x.topic === CERT_DBIRTH))
    const cert = got.find((x) => x.topic === CERT_DBIRTH)
    assert.ok(cert, `no retained ${CERT_DBIRTH}`)
    assert.equal(cert.retain, true)
    assert.ok(cert.payload.equals(payload), 'the certificate is the DBIRTH byte for byte')
  })

  it('tck-id-conformance-mqtt-aware-store keeps only the most recent birth: a new NBIRTH and DBIRTH replace the stored ones', async function () {
    const n2 = birth(0, 201.25)
    const d2 = birth(1, 202.5)
    await edge.publishAsync(NBIRTH, birth(0, 1), { qos: 0 })
    await edge.publishAsync(NBIRTH, n2, { qos: 0 })
    await edge.publishAsync(DBIRTH, d2, { qos: 0 })
    const got = await retainedFor(hub, '$sparkplug/certificates/#',
      (m) => m.some((x) => x.topic === CERT_NBIRTH && x.payload.equals(n2)) && m.some((x) => x.topic === CERT_DBIRTH && x.payload.equals(d2)))
    assert.deepEqual(got.filter((x) => x.topic === CERT_NBIRTH).map((x) => x.payload), [n2])
    assert.deepEqual(got.filter((x) => x.topic === CERT_DBIRTH).map((x) => x.payload), [d2])
    await awareness.idle()
    const stored: Buffer[] = []
    for await (const r of hub.broker.retained(CERT_NBIRTH)) stored.push(r.payload)
    assert.deepEqual(stored, [n2])
  })

  it('tck-id-conformance-mqtt-aware-basic still delivers the births themselves as published (retain false) and retains nothing on spBv1.0/#', async function () {
    const watcher = await connect(mqttUrl(hub))
    const box = inbox(watcher)
    await watcher.subscribeAsync('spBv1.0/dallas/+/press-line-1/#', { qos: 1 })
    const payload = birth(0, 150)
    await edge.publishAsync(NBIRTH, payload, { qos: 0 })
    const live = await box.next(NBIRTH)
    assert.equal(live.retain, false)
    assert.ok(live.payload.equals(payload))
    await watcher.endAsync()
    const retained: string[] = []
    for await (const r of hub.broker.retained('spBv1.0/#')) retained.push(r.topic)
    assert.deepEqual(retained, [])
  })

  it('stores no certificate for DDATA, NDATA, malformed birth topics or an empty birth', async function () {
    await edge.publishAsync('spBv1.0/dallas/DDATA/press-line-1/press-2', birth(2, 1), { qos: 0 })
    await edge.publishAsync('spBv1.0/dallas/NDATA/press-line-1', birth(3, 1), { qos: 0 })
    await edge.publishAsync('spBv1.0/dallas/DBIRTH/press-line-1', birth(4, 1), { qos: 0 }) // no device level
    await edge.publishAsync('spBv1.0/dallas/NBIRTH/press-line-1/extra', birth(5, 1), { qos: 0 })
    await edge.publishAsync('spBv1.0/dallas/NBIRTH/warehouse', Buffer.alloc(0), { qos: 0 }) // empty: not a birth
    // A later NBIRTH of another node: once it is stored, the earlier messages have been seen.
    const marker = birth(0, 7)
    await edge.publishAsync('spBv1.0/dallas/NBIRTH/marker-node', marker, { qos: 0 })
    const got = await retainedFor(hub, '$sparkplug/certificates/#', (m) => m.some((x) => x.topic.endsWith('/marker-node')))
    assert.deepEqual(got.map((x) => x.topic).sort(), [CERT_DBIRTH, CERT_NBIRTH, '$sparkplug/certificates/spBv1.0/dallas/NBIRTH/marker-node'].sort())
  })

  it('refuses a client publishing on $sparkplug/certificates itself (reserved topic): the stored certificate stays', async function () {
    const before: Buffer[] = []
    for await (const r of hub.broker.retained(CERT_NBIRTH)) before.push(r.payload)
    const errors = await connect(mqttUrl(hub))
    const box = inbox(errors)
    await errors.subscribeAsync('$hub/errors/#', { qos: 1 })
    await edge.publishAsync(CERT_NBIRTH, Buffer.from('forged'), { qos: 1, retain: true })
    const report = JSON.parse((await box.next(`$hub/errors/${CERT_NBIRTH}`)).payload.toString())
    assert.equal(report.error, 'RESERVED_TOPIC')
    await errors.endAsync()
    const after: Buffer[] = []
    for await (const r of hub.broker.retained(CERT_NBIRTH)) after.push(r.payload)
    assert.deepEqual(after, before)
  })

  it('tck-id-conformance-mqtt-aware-ndeath-timestamp sets the NDEATH Will timestamp to the time the broker delivers it, bdSeq untouched', async function () {
    const watcher = await connect(mqttUrl(hub))
    const box = inbox(watcher)
    await watcher.subscribeAsync('spBv1.0/dallas/NDEATH/+', { qos: 1 })
    const registered = Date.now() - 3600_000 // the Will was registered an hour ago, at CONNECT
    const node = await connect(mqttUrl(hub), { clientId: 'aware-ndeath', will: { topic: 'spBv1.0/dallas/NDEATH/aware-node', payload: ndeath(42n, registered), qos: 1, retain: false } })
    const cut = Date.now()
    node.stream.destroy()
    const got = decodePayload((await box.next('spBv1.0/dallas/NDEATH/aware-node')).payload)
    const received = Date.now()
    assert.ok(Number(got.timestamp) >= cut && Number(got.timestamp) <= received, `timestamp ${got.timestamp} is the delivery time, not ${registered}`)
    assert.deepEqual(got.metrics.map((m) => [m.name, m.value]), [['bdSeq', 42n]])
    assert.equal(got.seq, undefined)
    node.end(true)
    await watcher.endAsync()
  })

  it('tck-id-conformance-mqtt-aware-ndeath-timestamp also stamps the NDEATH Will published when the broker shuts down', async function () {
    const h = await startTestHub(testConfig(tempDir()))
    attachSparkplugAwareness(h.broker, silentLogger)
    installWillGuard(h.broker)
    const seen: Buffer[] = []
    await new Promise<void>((resolve) => h.broker.aedes.subscribe('spBv1.0/+/NDEATH/+', (p: { payload: Buffer | string }, cb: () => void) => { seen.push(Buffer.from(p.payload)); cb() }, resolve))
    const node = await connect(mqttUrl(h), { clientId: 'aware-shutdown', will: { topic: 'spBv1.0/dallas/NDEATH/aware-shutdown', payload: ndeath(5n, 1000), qos: 1, retain: false } })
    node.on('error', () => {})
    const cut = Date.now()
    await h.stop()
    node.end(true)
    assert.equal(seen.length, 1)
    const got = decodePayload(seen[0]!)
    assert.ok(Number(got.timestamp) >= cut)
    assert.deepEqual(got.metrics.map((m) => [m.name, m.value]), [['bdSeq', 5n]])
  })

  it('leaves an NDEATH that the edge node publishes itself (intentional disconnect) byte for byte', async function () {
    const watcher = await connect(mqttUrl(hub))
    const box = inbox(watcher)
    await watcher.subscribeAsync('spBv1.0/dallas/NDEATH/+', { qos: 1 })
    const payload = ndeath(43n, 1234)
    await edge.publishAsync('spBv1.0/dallas/NDEATH/aware-edge', payload, { qos: 1 })
    assert.ok((await box.next('spBv1.0/dallas/NDEATH/aware-edge')).payload.equals(payload))
    await watcher.endAsync()
  })

  it('returns the same handle when attached a second time (the hub hook and a test may both attach)', function () {
    assert.equal(attachSparkplugAwareness(hub.broker, silentLogger), awareness)
  })
})

describe('Sparkplug aware broker: part of every hub', function () {
  it('stores an NBIRTH as its certificate in a hub started as it is (its own Sparkplug host off, nothing attached by hand)', async function () {
    const hub = await startTestHub()
    try {
      const edge = await connect(mqttUrl(hub))
      const payload = birth(0, 12.5)
      await edge.publishAsync(NBIRTH, payload, { qos: 0 })
      await edge.endAsync()
      const got = await retainedFor(hub, '$sparkplug/certificates/#', (m) => m.some((x) => x.topic === CERT_NBIRTH))
      assert.ok(got.find((x) => x.topic === CERT_NBIRTH)?.payload.equals(payload), `no retained ${CERT_NBIRTH} byte for byte`)
    } finally {
      await hub.stop()
    }
  })
})

describe('Sparkplug aware broker: certificates across a restart', function () {
  it('tck-id-conformance-mqtt-aware-store keeps the stored certificates when the hub restarts', async function () {
    const config = testConfig(tempDir())
    let hub = await startTestHub(config)
    const awareness = attachSparkplugAwareness(hub.broker, silentLogger)
    const edge = await connect(mqttUrl(hub))
    const payload = birth(0, 77)
    await edge.publishAsync(NBIRTH, payload, { qos: 0 })
    await edge.endAsync()
    await retainedFor(hub, '$sparkplug/certificates/#', (m) => m.some((x) => x.topic === CERT_NBIRTH))
    await awareness.idle()
    await hub.stop()
    hub = await startTestHub(config)
    try {
      const got = await retainedFor(hub, '$sparkplug/certificates/#', (m) => m.some((x) => x.topic === CERT_NBIRTH))
      assert.ok(got.find((x) => x.topic === CERT_NBIRTH)?.payload.equals(payload))
    } finally {
      await hub.stop()
    }
  })
})

describe('Sparkplug certificate topics and NDEATH timestamps (units)', function () {
  it('maps NBIRTH and DBIRTH topics to their certificate topics and nothing else', function () {
    assert.equal(certificateTopicFor('spBv1.0/G1/NBIRTH/E1'), '$sparkplug/certificates/spBv1.0/G1/NBIRTH/E1')
    assert.equal(certificateTopicFor('spBv1.0/G1/DBIRTH/E1/D1'), '$sparkplug/certificates/spBv1.0/G1/DBIRTH/E1/D1')
    for (const t of ['spBv1.0/G1/DDATA/E1/D1', 'spBv1.0/G1/NBIRTH', 'spBv1.0/G1/NBIRTH/', 'spBv1.0//NBIRTH/E1',
      'spBv1.0/G1/DBIRTH/E1', 'spBv1.0/G1/DBIRTH/E1/D1/x', 'spBv1.0/STATE/host', 'spAv1.0/G1/NBIRTH/E1', 'acme/NBIRTH/x/y']) {
      assert.equal(certificateTopicFor(t), undefined, t)
    }
    assert.equal(isNdeathTopic('spBv1.0/G1/NDEATH/E1'), true)
    assert.equal(isNdeathTopic('spBv1.0/G1/DDEATH/E1/D1'), false)
  })

  it('replaces only the payload timestamp and keeps every other field byte for byte', function () {
    const original = Buffer.from(encodePayload({ timestamp: 1, uuid: 'u-1', body: Buffer.from([1, 2, 3]), metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: 255n }] }))
    const stamped = withPayloadTimestamp(original, 1795320607283)!
    const d = decodePayload(stamped)
    assert.equal(d.timestamp, 1795320607283)
    assert.equal(d.uuid, 'u-1')
    assert.deepEqual(d.metrics.map((m) => [m.name, m.value]), [['bdSeq', 255n]])
    const noTimestamp = Buffer.from(encodePayload({ metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: 1n }] }))
    assert.equal(decodePayload(withPayloadTimestamp(noTimestamp, 5)!).timestamp, 5)
    assert.equal(withPayloadTimestamp(Buffer.from([0x0a, 0x05, 0x01]), 5), undefined, 'truncated length-delimited field')
  })
})
