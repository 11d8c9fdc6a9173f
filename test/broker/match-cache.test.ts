// The topic-match cache (broker/match-cache.ts) must never deliver by a stale answer: a subscription added after
// messages were sent on a topic receives the next ones, one removed (or gone with its client) receives no more.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { Aedes } from 'aedes'
import { connect, mqttUrl, startTestHub } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { cacheTopicMatches, MAX_CHARS, MAX_TOPIC_LENGTH, MAX_TOPICS } from '../../broker/match-cache'

const TOPIC = 'acme/dallas/press-shop/line-1/press-1/measurements/die-temperature'
const MARK = 'acme/dallas/press-shop/line-1/press-1/measurements/marker'

describe('topic-match cache', function () {
  let hub: RunningHub
  let pub: MqttClient
  before(async function () {
    hub = await startTestHub()
    pub = await connect(mqttUrl(hub))
  })
  after(async function () {
    await pub.endAsync()
    await hub.stop()
  })

  const payload = (value: number): string => JSON.stringify({ value, timestamp: Date.now() })

  /** Publishes `value` on TOPIC, then a marker; resolves with the TOPIC values `sub` got before the marker arrived. */
  async function sendAndCollect (sub: MqttClient, value: number): Promise<number[]> {
    const got: number[] = []
    const mark = Math.random()
    return await new Promise((resolve) => {
      const onMessage = (topic: string, p: Buffer): void => {
        const v = (JSON.parse(p.toString()) as { value: number }).value
        if (topic === TOPIC) got.push(v)
        if (topic === MARK && v === mark) {
          sub.off('message', onMessage)
          resolve(got)
        }
      }
      sub.on('message', onMessage)
      pub.publish(TOPIC, payload(value), { qos: 0 })
      pub.publish(MARK, payload(mark), { qos: 0 })
    })
  }

  it('follows subscriptions added and removed after the topic was matched', async function () {
    const sub = await connect(mqttUrl(hub))
    await sub.subscribeAsync(MARK, { qos: 0 })
    // Matched (and remembered) while only the marker has a subscriber.
    assert.deepEqual(await sendAndCollect(sub, 1), [])
    assert.deepEqual(await sendAndCollect(sub, 2), [])
    // A wildcard subscription that covers the topic: the next message reaches it.
    await sub.subscribeAsync('acme/dallas/+/line-1/#', { qos: 0 })
    assert.deepEqual(await sendAndCollect(sub, 3), [3])
    // A second, overlapping subscription of the same client: still once.
    await sub.subscribeAsync(TOPIC, { qos: 0 })
    assert.deepEqual(await sendAndCollect(sub, 4), [4])
    await sub.unsubscribeAsync('acme/dallas/+/line-1/#')
    assert.deepEqual(await sendAndCollect(sub, 5), [5])
    await sub.unsubscribeAsync(TOPIC)
    assert.deepEqual(await sendAndCollect(sub, 6), [])
    await sub.endAsync()
  })

  it('stops delivering to a client that disconnected, and delivers to one that connects later', async function () {
    const watcher = await connect(mqttUrl(hub))
    await watcher.subscribeAsync(MARK, { qos: 0 })
    const gone = await connect(mqttUrl(hub))
    await gone.subscribeAsync(TOPIC, { qos: 0 })
    let goneGot = 0
    gone.on('message', () => { goneGot++ })
    await sendAndCollect(watcher, 7)
    // Let the message reach `gone` before it goes.
    for (let i = 0; i < 50 && goneGot === 0; i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(goneGot, 1)
    await gone.endAsync()
    // aedes removes a departed client's subscriptions asynchronously; the next messages must not fail or go astray.
    await new Promise((r) => setTimeout(r, 50))
    await sendAndCollect(watcher, 8)
    const late = await connect(mqttUrl(hub))
    await late.subscribeAsync([TOPIC, MARK], { qos: 0 })
    assert.deepEqual(await sendAndCollect(late, 9), [9])
    await Promise.all([late.endAsync(), watcher.endAsync()])
  })

  it('stays bounded: long topics are not kept, and it empties itself at its limits', async function () {
    const aedes = await Aedes.createBroker()
    try {
      const stats = cacheTopicMatches(aedes)
      const matcher = (aedes as unknown as { mq: { _matcher: { match (t: string): unknown[] } } }).mq._matcher
      matcher.match('x'.repeat(MAX_TOPIC_LENGTH + 1))
      assert.equal(stats.topics, 0, 'a 64 KB topic (e.g. a refused publish) is matched but not kept')
      for (let i = 0; i < MAX_TOPICS + 5; i++) matcher.match(`t/${i}`)
      assert.ok(stats.topics <= MAX_TOPICS && stats.topics > 0, String(stats.topics))
      const long = 'y'.repeat(MAX_TOPIC_LENGTH - 10)
      for (let i = 0; i < MAX_CHARS / (MAX_TOPIC_LENGTH - 10) + 10; i++) matcher.match(`${long}${i}`)
      assert.ok(stats.chars <= MAX_CHARS, String(stats.chars))
    } finally {
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
    }
  })
})
