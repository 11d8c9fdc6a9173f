import assert from 'node:assert/strict'
import { connect, mqttUrl, startTestHub, sleep } from '../support/hub-fixture'

describe('delivery order across clients', function () {
  it('delivers retained and QoS 1 messages that wait for the store even when QoS 0 messages from another client overtake them', async function () {
    const hub = await startTestHub()
    try {
      const sub = await connect(mqttUrl(hub))
      await sub.subscribeAsync(['acme/#', 'acme/dallas/press-shop/#'], { qos: 1 }) // overlapping: each message once
      const got: string[] = []
      sub.on('message', (t) => got.push(t))
      const a = await connect(mqttUrl(hub))
      const b = await connect(mqttUrl(hub))
      const v = (): string => JSON.stringify({ value: 1, timestamp: Date.now() })
      for (let i = 0; i < 50; i++) {
        a.publish(`acme/dallas/press-shop/line-1/press-1/measurements/retained-${i}`, v(), { qos: 0, retain: true })
        a.publish(`acme/dallas/press-shop/line-1/press-1/measurements/qos1-${i}`, v(), { qos: 1 })
        b.publish(`acme/dallas/press-shop/line-1/press-2/measurements/live-${i}`, v(), { qos: 0 })
      }
      for (let i = 0; i < 100 && got.length < 150; i++) await sleep(50)
      const count = (part: string): number => got.filter((t) => t.includes(part)).length
      assert.deepEqual({ retained: count('retained-'), qos1: count('qos1-'), live: count('live-') }, { retained: 50, qos1: 50, live: 50 })
      assert.equal(new Set(got).size, got.length, 'overlapping subscriptions still deliver each message once')
      await Promise.all([a.endAsync(), b.endAsync(), sub.endAsync()])
    } finally {
      await hub.stop()
    }
  })
})
