import assert from 'node:assert/strict'
import mqtt from 'mqtt'
import { connect, inbox, mqttUrl, startTestHub, tempDir, testConfig, unsValue, wsUrl, sleep } from '../support/hub-fixture'

const TOPIC = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'

describe('broker messaging', function () {
  it('delivers a message from an MQTT TCP publisher to a WebSocket subscriber and back', async function () {
    const hub = await startTestHub()
    try {
      const tcp = await connect(mqttUrl(hub))
      const ws = await connect(wsUrl(hub))
      const tcpIn = inbox(tcp)
      const wsIn = inbox(ws)
      await ws.subscribeAsync('acme/#', { qos: 1 })
      await tcp.subscribeAsync('acme/#', { qos: 1 })
      await tcp.publishAsync(TOPIC, unsValue(181.5, { unit: 'CEL' }), { qos: 1 })
      const overWs = await wsIn.next(TOPIC)
      assert.equal(JSON.parse(overWs.payload.toString()).value, 181.5)
      await ws.publishAsync(TOPIC, unsValue(182), { qos: 1 })
      let m = await tcpIn.next(TOPIC)
      if (JSON.parse(m.payload.toString()).value === 181.5) m = await tcpIn.next(TOPIC) // its own first message
      assert.equal(JSON.parse(m.payload.toString()).value, 182)
      await tcp.endAsync()
      await ws.endAsync()
    } finally {
      await hub.stop()
    }
  })

  it('keeps a retained message and a QoS 1 message queued for an offline persistent client across a restart', async function () {
    const dataDir = tempDir()
    let hub = await startTestHub(testConfig(dataDir))
    const url1 = mqttUrl(hub)

    // A persistent session subscribes, then goes offline.
    const sleeper = await connect(url1, { clientId: 'mes-terminal-7', clean: false })
    await sleeper.subscribeAsync('acme/dallas/assembly/#', { qos: 1 })
    await sleeper.endAsync()

    const pub = await connect(url1)
    await pub.publishAsync(TOPIC, unsValue(179.9), { qos: 1, retain: true })
    await pub.publishAsync('acme/dallas/assembly/line-a/station-10/events/order-started', unsValue({ order: '1000123' }), { qos: 1 })
    await pub.endAsync()

    await hub.stop()
    hub = await startTestHub(testConfig(dataDir))
    try {
      const url2 = mqttUrl(hub)
      const viewer = await connect(url2)
      const v = inbox(viewer)
      await viewer.subscribeAsync(TOPIC, { qos: 1 })
      const retained = await v.next(TOPIC)
      assert.equal(retained.retain, true)
      assert.equal(JSON.parse(retained.payload.toString()).value, 179.9)

      const back = mqtt.connect(url2, { clientId: 'mes-terminal-7', clean: false, reconnectPeriod: 0 })
      const b = inbox(back)
      const queued = await b.next('acme/dallas/assembly/line-a/station-10/events/order-started', 5000)
      assert.deepEqual(JSON.parse(queued.payload.toString()).value, { order: '1000123' })
      await back.endAsync()
      await viewer.endAsync()
    } finally {
      await hub.stop()
    }
  })

  it('refuses an MQTT 5 client at CONNECT with "unsupported protocol version" instead of hanging', async function () {
    const hub = await startTestHub()
    try {
      await assert.rejects(connect(mqttUrl(hub), { protocolVersion: 5 }), /protocol|version|Unacceptable/i)
    } finally {
      await hub.stop()
    }
  })

  it('stops within a second and releases its ports and data directory for the next start', async function () {
    const dataDir = tempDir()
    const hub = await startTestHub(testConfig(dataDir))
    const client = await connect(mqttUrl(hub))
    const started = Date.now()
    await hub.stop()
    assert.ok(Date.now() - started < 1000, `stop took ${Date.now() - started} ms`)
    await sleep(50)
    assert.equal(client.connected, false)
    client.end(true)
    const again = await startTestHub(testConfig(dataDir))
    await again.stop()
  })

  it('refuses to start a second hub on a data directory in use, saying so', async function () {
    const dataDir = tempDir()
    const first = await startTestHub(testConfig(dataDir))
    try {
      await assert.rejects(startTestHub(testConfig(dataDir)), /in use by another isa95-hub process/)
    } finally {
      await first.stop()
    }
  })
})
