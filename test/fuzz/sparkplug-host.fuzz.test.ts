// Fuzz target: the hub's Sparkplug host application and its UNS bridge, driven as an edge node drives them: a real
// hub in this process (Sparkplug on), a real mqtt.js client publishing sequences of births, data and deaths with
// random payloads on random edge nodes and devices. After each sequence a probe birth on a node of its own must come
// out in the namespace (the host is alive and in order), nothing may have been thrown past the host, and every UNS
// message the bridge made must be a valid UNS message within the hub's own limits (mqtt.maxPayloadBytes, MQTT's
// 65,535-byte topic).
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import { validateUnsPayload } from '../../plant/uns-payload'
import { connect, inbox, mqttUrl, startTestHub, testConfig } from '../support/hub-fixture'
import { specEncode } from '../sparkplug/host/edge-node'
import { UncaughtWatch, fuzzAsync, seed, suiteTimeout } from './support/fuzz'
import { SEED_DATASET_AS_INT32, SEED_DATASET_BIRTH, SEED_REBIRTH_ALIAS, birthThenInt32, booleanArrayBirth, longNameBirth, manyMetricsBirth, payloadBytes } from './sparkplug/payloads'

const TARGET = 'sparkplug-host'
const MAX_MQTT_TOPIC_BYTES = 65535

type Step = [type: string, node: string, device: string | null, payload: Buffer]

const step: fc.Arbitrary<Step> = fc.tuple(
  fc.constantFrom('NBIRTH', 'NDATA', 'DBIRTH', 'DDATA', 'NDEATH', 'DDEATH', 'NCMD', 'STATE'),
  fc.constantFrom('press-line-1', 'warehouse', 'boiler-7', 'fuzz-node'),
  fc.option(fc.constantFrom('press-1', 'press-2', 'rack-1', 'dev'), { nil: null }),
  payloadBytes
)

describe('fuzz: Sparkplug host application and UNS bridge', function () {
  this.timeout(suiteTimeout())
  let hub: RunningHub
  let edge: MqttClient
  let watcher: MqttClient
  let box: ReturnType<typeof inbox>
  let probes = 0
  /** What the bridge published since the last check: problems found in it. */
  const outputProblems: string[] = []
  let maxPayload = 0
  const uncaught = new UncaughtWatch()

  async function startHub (): Promise<void> {
    hub = await startTestHub(testConfig(undefined, (c) => {
      c.sparkplug.enabled = true
      c.sparkplug.rebirthMinIntervalMs = 0
      c.sparkplug.reorderTimeoutMs = 200
    }))
    maxPayload = hub.config.mqtt.maxPayloadBytes
    edge = await connect(mqttUrl(hub), { clientId: 'fuzz-edge' })
    watcher = await connect(mqttUrl(hub), { clientId: 'fuzz-watcher' })
    watcher.on('message', (topic, payload) => {
      if (topic.includes('/fuzz-probe/')) return
      if (Buffer.byteLength(topic) > MAX_MQTT_TOPIC_BYTES) outputProblems.push(`topic of ${Buffer.byteLength(topic)} bytes`)
      if (payload.length > maxPayload) outputProblems.push(`${topic.slice(0, 120)}: UNS message of ${payload.length} bytes, over mqtt.maxPayloadBytes (${maxPayload})`)
      const checked = validateUnsPayload(payload)
      if (!checked.ok) outputProblems.push(`${topic.slice(0, 120)}: not a valid UNS payload: ${checked.reason}`)
    })
    box = inbox(watcher)
    await watcher.subscribeAsync(['acme/#'], { qos: 0 })
  }

  async function stopHub (): Promise<void> {
    await edge?.endAsync(true)
    await watcher?.endAsync(true)
    // After a finding the host may be broken: stopping it must not hang the suite, nor hide the finding.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([hub?.stop().catch(() => {}), new Promise((resolve) => { timer = setTimeout(resolve, 2000) })])
    clearTimeout(timer)
  }

  before(async function () {
    uncaught.start()
    await startHub()
  })
  after(async function () {
    await stopHub()
    uncaught.stop()
  })
  // A finding leaves the host in an unknown state (in production the process would have died): a fresh hub.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return
    await stopHub()
    uncaught.seen.length = 0
    await startHub()
  })

  /** Publishes the steps in order, then a probe birth; resolves when the probe's value is in the namespace. */
  async function drive (steps: Step[]): Promise<void> {
    outputProblems.length = 0
    for (const [type, node, device, payload] of steps) {
      const topic = type === 'STATE' ? `spBv1.0/STATE/${node}` : `spBv1.0/dallas/${type}/${node}${device !== null && type.startsWith('D') ? '/' + device : ''}`
      await edge.publishAsync(topic, payload, { qos: 1 })
    }
    const n = ++probes
    const probe = box.next('acme/dallas/measurements/fuzz-probe/probe', 5000)
    await edge.publishAsync('spBv1.0/dallas/NBIRTH/fuzz-probe', specEncode({ seq: 0, metrics: [{ name: 'Probe', datatype: 3, intValue: n }] }), { qos: 1 })
    const crashed = uncaught.next()
    crashed.catch(() => {})
    const m = await Promise.race([probe.catch((err: Error) => { throw new Error(`the host no longer answers: ${err.message}`) }), crashed])
      .catch((err: Error) => { uncaught.throwIfAny(); throw err })
    assert.equal(JSON.parse(m.payload.toString()).value, n, 'the probe birth comes out in order')
    uncaught.throwIfAny()
    assert.deepEqual(outputProblems, [], 'every UNS message the bridge made is valid and within the limits')
  }

  const seeds: Array<[string, Step[]]> = [
    ["NBIRTH 'R' DataSet is_null, then NDATA 'R' as Int32 5", [['NBIRTH', 'press-line-1', null, SEED_DATASET_BIRTH], ['NDATA', 'press-line-1', null, SEED_DATASET_AS_INT32]]],
    ...([[19, 'Template'], [21, 'PropertySetList'], [34, 'DateTimeArray']] as const).map(([t, name]): [string, Step[]] => {
      const [birth, data] = birthThenInt32(t)
      return [`NBIRTH 'R' ${name} is_null, then NDATA 'R' as Int32 5`, [['NBIRTH', 'press-line-1', null, birth], ['NDATA', 'press-line-1', null, data]]]
    }),
    ['an NBIRTH with a BooleanArray of 1 MiB (less 64 bytes, so the birth is under mqtt.maxPayloadBytes)', [['NBIRTH', 'boiler-7', null, booleanArrayBirth(1024 * 1024 - 64)]]],
    ['an NBIRTH with 27,000 metrics', [['NBIRTH', 'boiler-7', null, manyMetricsBirth(27000)]]],
    ['an NBIRTH with a metric name of 65,500 characters', [['NBIRTH', 'boiler-7', null, longNameBirth(65500)]]],
    ["an NBIRTH with an alias on 'Node Control/Rebirth', then NDATA by that alias", [['NBIRTH', 'press-line-1', null, SEED_REBIRTH_ALIAS], ['NDATA', 'press-line-1', null, specEncode({ seq: 1, metrics: [{ alias: 7, datatype: 11, booleanValue: true }] })]]]
  ]

  for (const [finding, steps] of seeds) {
    it(`seed of issue #8: ${finding}`, async () => { await seed(TARGET, finding, () => drive(steps), { maxMs: 10000 }) })
  }

  it('any sequence of Sparkplug messages: the host stays up and in order, the bridge publishes valid UNS messages within limits', async () => {
    await fuzzAsync<[Step[]]>(TARGET, 'message sequences', 25, [fc.array(step, { minLength: 1, maxLength: 6 })], drive, seeds.map(([, steps]) => [steps]), { maxMs: 10000 })
  })
})
