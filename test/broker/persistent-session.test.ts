// Persistent sessions (clean: false) with QoS 1/2 subscriptions: live delivery on one connection, and what the
// broker owes a client that comes back (MQTT 3.1.1 4.4: unacknowledged PUBLISH and PUBREL sent again with their
// original packet identifiers, PUBLISH with DUP set; an inbound QoS 2 exchange completes across a reconnect).
import assert from 'node:assert/strict'
import type { IPublishPacket, IPubrelPacket, IPubcompPacket, IPubrecPacket } from 'mqtt-packet'
import { connect, inbox, mqttUrl, startTestHub, testConfig, tempDir, unsValue } from '../support/hub-fixture'
import { rawConnect } from '../support/raw-mqtt'

const TOPIC = 'acme/dallas/press-shop/line-1/press-1/measurements'
const OTHER = 'acme/dallas/press-shop/line-1/press-2/measurements'

describe('persistent sessions', function () {
  it('a connected persistent subscriber gets a live QoS 1 stream on one connection', async function () {
    const hub = await startTestHub()
    try {
      const sub = await connect(mqttUrl(hub), { clientId: 'persistent-live', clean: false })
      let closes = 0
      sub.on('close', () => { closes++ })
      await sub.subscribeAsync('acme/#', { qos: 1 })
      const box = inbox(sub)
      const pub = await connect(mqttUrl(hub))
      const N = 200
      await Promise.all(Array.from({ length: N }, (_, i) => pub.publishAsync(`${TOPIC}/live-${i}`, unsValue(i), { qos: 1 })))
      for (let i = 0; i < N; i++) await box.next(`${TOPIC}/live-`)
      assert.equal(closes, 0, 'the subscriber kept its connection')
      assert.equal(sub.connected, true)
      await Promise.all([pub.endAsync(), sub.endAsync()])
    } finally {
      await hub.stop()
    }
  })

  it('sends unacknowledged QoS 1 and QoS 2 messages again with DUP and their packet ids after a reconnect, and completes QoS 2 across reconnects', async function () {
    const hub = await startTestHub(testConfig(tempDir()))
    const url = mqttUrl(hub)
    try {
      const first = await rawConnect(url, { clientId: 'redelivery', clean: false })
      first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${TOPIC}/#`, qos: 2 }] })
      assert.deepEqual((await first.client.next('suback') as { granted: number[] }).granted, [2])
      const pub = await connect(url)
      await pub.publishAsync(`${TOPIC}/q1`, unsValue(1), { qos: 1 })
      await pub.publishAsync(`${TOPIC}/q2`, unsValue(2), { qos: 2 })
      const p1 = await first.client.next<IPublishPacket>('publish')
      const p2 = await first.client.next<IPublishPacket>('publish')
      assert.deepEqual([p1.topic, p1.qos, p1.dup, p2.topic, p2.qos, p2.dup], [`${TOPIC}/q1`, 1, false, `${TOPIC}/q2`, 2, false])
      await first.client.drop() // neither acknowledged

      const second = await rawConnect(url, { clientId: 'redelivery', clean: false })
      assert.equal(second.connack.sessionPresent, true)
      const r1 = await second.client.next<IPublishPacket>('publish')
      const r2 = await second.client.next<IPublishPacket>('publish')
      assert.deepEqual([r1.topic, r1.messageId, r1.dup, r2.topic, r2.messageId, r2.dup],
        [`${TOPIC}/q1`, p1.messageId, true, `${TOPIC}/q2`, p2.messageId, true])
      second.client.send({ cmd: 'puback', messageId: r1.messageId })
      second.client.send({ cmd: 'pubrec', messageId: r2.messageId })
      assert.equal((await second.client.next<IPubrelPacket>('pubrel')).messageId, r2.messageId)
      // Inbound QoS 2 (to a topic an observer watches), left after PUBREC.
      const observer = await connect(url)
      await observer.subscribeAsync(`${OTHER}/#`, { qos: 2 })
      const watched = inbox(observer)
      second.client.send({ cmd: 'publish', topic: `${OTHER}/inbound`, payload: Buffer.from(unsValue(3)), qos: 2, messageId: 77, dup: false, retain: false })
      assert.equal((await second.client.next<IPubrecPacket>('pubrec')).messageId, 77)
      await second.client.drop() // the outbound PUBREL not answered, the inbound PUBREL not sent

      const third = await rawConnect(url, { clientId: 'redelivery', clean: false })
      assert.equal((await third.client.next<IPubrelPacket>('pubrel')).messageId, r2.messageId, 'the unanswered PUBREL again, same id')
      third.client.send({ cmd: 'pubcomp', messageId: r2.messageId })
      third.client.send({ cmd: 'pubrel', messageId: 77 })
      assert.equal((await third.client.next<IPubcompPacket>('pubcomp')).messageId, 77)
      assert.equal((await watched.next(`${OTHER}/inbound`)).topic, `${OTHER}/inbound`)
      await third.client.drop()

      // Everything acknowledged: the next session starts with the next new message, nothing again.
      const fourth = await rawConnect(url, { clientId: 'redelivery', clean: false })
      await pub.publishAsync(`${TOPIC}/after`, unsValue(4), { qos: 1 })
      const next = await fourth.client.next<IPublishPacket>('publish')
      assert.deepEqual([next.topic, next.dup], [`${TOPIC}/after`, false])
      assert.deepEqual(fourth.client.received.filter((p) => p.cmd === 'pubrel'), [])
      await fourth.client.drop()
      assert.deepEqual(watched.seen, [], 'the inbound QoS 2 message was delivered once')
      await Promise.all([pub.endAsync(), observer.endAsync()])
    } finally {
      await hub.stop()
    }
  })
})
