// Fuzz target: the UNS topic and payload rules, alone and in the real broker. parseUnsTopic and validateUnsPayload
// answer every input with a result (never an exception); the broker, given any topic bytes a client can put in a
// PUBLISH (NUL, control characters, invalid UTF-8, 65 KB, hundreds of levels) and any payload, stays up, keeps its
// other clients connected, and every report it makes is a topic MQTT can carry (at most 65,535 bytes).
import assert from 'node:assert/strict'
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import { loadPlantModel } from '../../plant/load-plant-model'
import { parseUnsTopic } from '../../plant/uns-topic'
import { validateUnsPayload } from '../../plant/uns-payload'
import { DEMO_PLANT_MODEL } from '../../hub/own-config'
import { connect, inbox, mqttUrl, startTestHub, unsValue } from '../support/hub-fixture'
import { rawConnect, type RawClient } from '../support/raw-mqtt'
import { UncaughtWatch, fuzz, fuzzAsync, nastyString, seed, suiteTimeout } from './support/fuzz'

const TARGET = 'uns'
const MAX_MQTT_TOPIC_BYTES = 65535
const model = loadPlantModel(DEMO_PLANT_MODEL)
const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'

/** Topics near the valid ones: real equipment paths, data kinds and tags, with odd levels mixed in. */
const level = fc.oneof(fc.constantFrom('acme', 'dallas', 'press-shop', 'line-1', 'press-1', 'measurements', 'state', 'commands', '', '+', '#', '$hub', 'spBv1.0', 'a'),
  fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }))
const topicText = fc.oneof(
  fc.array(level, { maxLength: 10 }).map((l) => l.join('/')),
  nastyString(300),
  fc.constantFrom(`${PRESS_1}/measurements/${'x'.repeat(65000)}`, `${PRESS_1}/measurements/${Array(150).fill('t').join('/')}`)
)
const payloadText = fc.oneof(fc.json(), fc.jsonValue().map((value) => JSON.stringify({ value, timestamp: Date.now() })), nastyString(200))

/**
 * Topic bytes a client can send: the UTF-8 of a string, or any bytes (invalid UTF-8 included). A PUBLISH carries at
 * most 65,535 topic bytes (a 2-byte length): a longer one cannot be sent at all (mqtt-packet then writes only the
 * fixed header, and the broker waits for the rest for ever), so such strings are cut to the limit.
 */
const topicBytes: fc.Arbitrary<Buffer> = fc.oneof(
  topicText.map((t) => Buffer.from(t)),
  fc.tuple(fc.constantFrom(`${PRESS_1}/measurements/`, 'acme/', ''), fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([p, b]) => Buffer.concat([Buffer.from(p), b]))
).map((b) => b.subarray(0, MAX_MQTT_TOPIC_BYTES))

const SEED_TOPICS: Array<[string, Buffer]> = [
  ['a refused topic of about 65 KB (its error report topic is over 65,535 bytes)', Buffer.from(`acme/dallas/nowhere/${'x'.repeat(65510)}`)],
  ['a topic of more than 100 levels', Buffer.from(`${PRESS_1}/measurements/${Array(120).fill('t').join('/')}`)],
  ['a topic with NUL', Buffer.from(`${PRESS_1}/measurements/a\u0000b`)],
  ['a topic with control characters', Buffer.from(`${PRESS_1}/measurements/a\u0001\u001f\u007fb`)],
  ['a topic of invalid UTF-8', Buffer.concat([Buffer.from(`${PRESS_1}/measurements/`), Buffer.from([0xc3, 0x28, 0xff, 0xfe])])]
]

describe('fuzz: UNS topic and payload rules', function () {
  this.timeout(suiteTimeout())

  it('parseUnsTopic of any text: a result with a reason, never an exception', () => {
    fuzz(TARGET, 'parseUnsTopic', 500, [topicText], (topic) => {
      const r = parseUnsTopic(model, topic)
      if (!r.ok) assert.equal(typeof r.reason, 'string')
    }, SEED_TOPICS.map(([, b]) => [b.toString()]))
  })

  it('validateUnsPayload of any bytes: a result with a reason, never an exception', () => {
    fuzz(TARGET, 'validateUnsPayload', 500, [fc.oneof(payloadText.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)))], (buf) => {
      const r = validateUnsPayload(buf)
      if (!r.ok) assert.equal(typeof r.reason, 'string')
    })
  })

  describe('in the broker', function () {
    let hub: RunningHub
    let watcher: MqttClient
    let box: ReturnType<typeof inbox>
    let raw: RawClient | undefined
    let messageIds = 0
    let probes = 0
    const badReports: string[] = []
    const uncaught = new UncaughtWatch()

    async function startHub (): Promise<void> {
      hub = await startTestHub()
      watcher = await connect(mqttUrl(hub), { clientId: 'fuzz-uns-watcher' })
      watcher.on('message', (topic) => {
        if (Buffer.byteLength(topic) > MAX_MQTT_TOPIC_BYTES) badReports.push(`report topic of ${Buffer.byteLength(topic)} bytes`)
      })
      box = inbox(watcher)
      await watcher.subscribeAsync(['$hub/errors/#', 'acme/#'], { qos: 0 })
    }
    async function stopHub (): Promise<void> {
      raw?.end()
      raw = undefined
      await watcher?.endAsync(true)
      await hub?.stop()
    }
    before(async () => {
      uncaught.start()
      await startHub()
    })
    after(async () => {
      await stopHub()
      uncaught.stop()
    })
    // After a finding the broker's other clients may be gone (the watcher, dropped by a report it cannot be sent).
    afterEach(async function () {
      if (this.currentTest?.state !== 'failed') return
      await stopHub()
      uncaught.seen.length = 0
      await startHub()
    })

    /** Publishes the topic bytes on a raw connection (reopened when the broker closed it), then a probe. */
    async function publishThenProbe (topic: Buffer, payload: string): Promise<void> {
      badReports.length = 0
      if (raw === undefined || raw.isClosed()) {
        raw = (await rawConnect(hub.broker.listeners.find((l) => l.name === 'mqtt')!.url, { clientId: `fuzz-raw-${Date.now()}`, clean: true })).client
      }
      await publishRaw(raw, topic, payload, (messageIds++ % 65535) + 1)
      const n = ++probes
      const probe = box.next(`${PRESS_1}/measurements/fuzz-probe`, 3000)
      const crashed = uncaught.next()
      crashed.catch(() => {})
      await hub.broker.publish(`${PRESS_1}/measurements/fuzz-probe`, unsValue(n))
      const m = await Promise.race([probe.catch((err: Error) => {
        throw new Error(`${err.message}: the watcher ${watcher.connected ? 'is connected' : 'was disconnected by the broker'}`)
      }), crashed])
      assert.equal(JSON.parse(m.payload.toString()).value, n, 'the probe arrives: the broker and its other clients are fine')
      assert.ok(watcher.connected, 'the watcher is still connected')
      uncaught.throwIfAny()
      assert.deepEqual(badReports, [])
      const seen = box.seen.splice(0)
      // MQTT 1.5.3 (no U+0000, well-formed UTF-8, 65,535 bytes at most) and the levels a UNS topic may have: a topic
      // outside them never reaches a subscriber.
      const text = topic.toString()
      const why = notDeliverable(topic)
      if (why !== undefined) {
        assert.ok(!seen.some((r) => r.topic === text), `a topic with ${why} was delivered to a subscriber`)
      }
      // The README's promise: a refused publish leaves the client connected. MQTT makes the broker close the
      // connection on a malformed topic (MQTT-1.5.3-1, -1.5.3-2, -3.3.2-1, -3.3.2-2); nothing else is a reason.
      if (raw.isClosed()) {
        const malformed = malformedTopic(topic)
        assert.ok(malformed !== undefined, `the broker closed the connection after a publish to '${text.slice(0, 80)}' (${topic.length} bytes, ${text.split('/').length} levels), which MQTT does not call malformed`)
      }
      // The README's promise: a publish the rules refuse, from a client that is still connected, is reported.
      const reports = seen.filter((r) => r.topic.startsWith('$hub/errors/'))
      if (!raw.isClosed() && refused(topic, payload)) {
        assert.ok(reports.length > 0, `a refused publish to '${text.slice(0, 80)}' (${topic.length} bytes) is reported on $hub/errors/...`)
      }
    }

    for (const [finding, topic] of SEED_TOPICS) {
      it(`seed of issue #8: ${finding}`, async () => { await seed(TARGET, finding, () => publishThenProbe(topic, unsValue(1)), { maxMs: 6000 }) })
    }

    it('any topic bytes and payload in a PUBLISH: the broker stays up, reports are valid MQTT topics', async () => {
      await fuzzAsync<[Buffer, string]>(TARGET, 'broker publish', 60, [topicBytes, payloadText], publishThenProbe,
        SEED_TOPICS.map(([, t]) => [t, unsValue(1)]), { maxMs: 6000 })
    })
  })
})

/** More levels than any plant model needs: the seed of issue #8 has 127. */
const MAX_TOPIC_LEVELS = 100

/** Why MQTT calls a PUBLISH topic malformed (the broker closes the connection), or undefined. */
function malformedTopic (topic: Buffer): string | undefined {
  const text = topic.toString()
  if (!Buffer.from(text).equals(topic)) return 'invalid UTF-8'
  if (text.includes('\u0000')) return 'U+0000'
  if (text.length === 0) return 'empty'
  if (text.includes('+') || text.includes('#')) return 'a wildcard'
  return undefined
}

/** Why a topic may not be delivered to subscribers, or undefined. */
function notDeliverable (topic: Buffer): string | undefined {
  const text = topic.toString()
  if (!Buffer.from(text).equals(topic)) return 'invalid UTF-8'
  if (text.includes('\u0000')) return 'U+0000'
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f-\u009f]/.test(text)) return 'a control character'
  if (topic.length > MAX_MQTT_TOPIC_BYTES) return 'over 65,535 bytes'
  if (text.split('/').length > MAX_TOPIC_LEVELS) return `more than ${MAX_TOPIC_LEVELS} levels`
  return undefined
}

/** Whether the hub's rules refuse a publish (Sparkplug passes; '$' topics, UNS violations and bad payloads do not). */
function refused (topic: Buffer, payload: string): boolean {
  const text = topic.toString()
  if (text.startsWith('$')) return true
  const t = parseUnsTopic(model, text)
  if (!t.ok) return !t.notUns
  return !validateUnsPayload(payload).ok
}

/**
 * QoS 1 on a raw connection (mqtt.js writes topics as strings only, so a topic can be any bytes here): resolves on
 * the PUBACK, or when the broker closes the connection (its answer to a malformed topic).
 */
async function publishRaw (raw: RawClient, topic: Buffer, payload: string, messageId: number): Promise<void> {
  const packet = mqttPacket.generate({ cmd: 'publish', topic: topic as unknown as string, payload, qos: 1, messageId, retain: false, dup: false })
  if (packet.length < topic.length) throw new Error(`mqtt-packet could not encode a PUBLISH with a topic of ${topic.length} bytes`)
  raw.sendBytes(packet)
  const ack = raw.next('puback', 60000)
  ack.catch(() => {}) // the connection may close instead
  await Promise.race([ack, raw.closed])
}
