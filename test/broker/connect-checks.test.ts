// What a CONNECT must satisfy, and what the log says about it (issue #8, item 12): MQTT-3.1.3-8, MQTT-1.5.3, the
// client id length setting, escaped client text in the log, and the address each listener is bound to.
import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { connect, mqttUrl, testConfig } from '../support/hub-fixture'
import { startLoggedHub } from './log-lines'
import { connackCode, connectPacket, persistentConnectWithoutId, rawClient } from '../support/raw-mqtt'

describe('CONNECT checks', function () {
  let hub: RunningHub
  let lines: string[]
  let port: number
  before(async function () {
    const passwordHash = await hashPassword('ops-secret')
    ;({ hub, lines } = await startLoggedHub(testConfig(undefined, (c) => {
      c.mqtt.maxClientIdLength = 32
      c.mqtt.accounts = [{ username: 'ops', passwordHash, role: 'admin' }]
    })))
    port = hub.broker.listeners.find((l) => l.name === 'mqtt')!.port
  })
  after(async function () { await hub.stop() })

  it('an empty client id with a persistent session gets CONNACK 2 (MQTT-3.1.3-8); with a clean session it is accepted', async function () {
    assert.equal(await connackCode(port, persistentConnectWithoutId()), 2)
    assert.equal(await connackCode(port, connectPacket({ clientId: '', clean: true })), 0)
  })

  it('a client id longer than mqtt.maxClientIdLength gets CONNACK 2, in MQTT 3.1.1 too', async function () {
    await assert.rejects(connect(mqttUrl(hub), { clientId: 'x'.repeat(33) }), (err: Error & { code?: number }) => err.code === 2)
    const ok = await connect(mqttUrl(hub), { clientId: 'x'.repeat(32) })
    await ok.endAsync()
  })

  it('control characters and ill-formed UTF-8 in a client id get CONNACK 2, in a username CONNACK 4; the log shows them escaped', async function () {
    // From an address of its own, so that this refusal is the first of its burst, the one that is logged.
    const forged = 'press-1\n2026-01-01T00:00:00.000Z INFO  [hub] forged'
    assert.equal(await connackCode(port, connectPacket({ clientId: forged.slice(0, 32) }), undefined, '127.0.0.7'), 2)
    assert.equal(await connackCode(port, connectPacket({ clientId: 'bad-AA' }), { placeholder: 'AA', bytes: Buffer.from([0xc3, 0x28]) }), 2)
    assert.equal(await connackCode(port, connectPacket({ clientId: 'nul-\u0000' })), 2)
    assert.equal(await connackCode(port, connectPacket({ clientId: 'bell-user', username: 'ops\u0007', password: Buffer.from('ops-secret') })), 4)
    const all = lines.join('\u2063')
    assert.ok(!lines.some((l) => l.includes('\n')), 'no log line carries a raw newline')
    assert.match(all, /press-1\\n2026/)
  })

  it('a subscription filter with a NUL gets SUBACK 0x80; the client stays connected', async function () {
    const c = await rawClient(port)
    c.send(connectPacket({ clientId: 'sub-nul' }))
    assert.equal((await c.next('connack') as { returnCode: number }).returnCode, 0)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'acme/\u0000/#', qos: 0 }, { topic: 'acme/#', qos: 0 }] })
    const suback = await c.next('suback') as { granted: number[] }
    assert.deepEqual(suback.granted, [128, 0])
    assert.equal(c.isClosed(), false)
    c.end()
  })

  it('logs the address each listener is bound to beside the URL to connect to', function () {
    assert.ok(lines.some((l) => new RegExp(`mqtt\\s+listening on mqtt://127\\.0\\.0\\.1:${port} \\(bound to 127\\.0\\.0\\.1:${port}\\)`).test(l)), lines.join('\n'))
  })
})
