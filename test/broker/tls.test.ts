import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { connect, inbox, startTestHub, testConfig, unsValue } from '../support/hub-fixture'
import { PROJECT_ROOT } from '../support/child-hub'

// A self-signed certificate for CN=localhost / 127.0.0.1, made for these tests only (openssl req -x509, 20 years).
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'broker', 'fixtures')
const CERT = path.join(FIXTURES, 'test-tls.crt')
const KEY = path.join(FIXTURES, 'test-tls.key')

describe('MQTT over TLS', function () {
  it('serves MQTT over TLS when a certificate and key are configured, and refuses an untrusted server cert on the client side', async function () {
    const hub = await startTestHub(testConfig(undefined, (c) => {
      c.mqtt.tls = { host: '127.0.0.1', port: 0, cert: CERT, key: KEY }
    }))
    try {
      const tls = hub.broker.listeners.find((l) => l.name === 'mqtts')
      assert.ok(tls, 'a TLS listener is started')
      const client = await connect(tls.url, { ca: fs.readFileSync(CERT), servername: 'localhost' })
      const box = inbox(client)
      const topic = 'acme/dallas/press-shop/line-1/press-2/measurements/tonnage'
      await client.subscribeAsync(topic, { qos: 1 })
      await client.publishAsync(topic, unsValue(212), { qos: 1 })
      assert.equal(JSON.parse((await box.next(topic)).payload.toString()).value, 212)
      await client.endAsync()
      await assert.rejects(connect(tls.url, { rejectUnauthorized: true }), /self-signed|certificate/i)
    } finally {
      await hub.stop()
    }
  })
})
