// UNS relay: JSON messages from one MQTT client to another through the hub (accounts, ACL, topic and payload
// checks, LevelDB persistence) beside raw aedes (no checks, in-memory persistence) in the same run.
import type { MqttClient } from 'mqtt'
import type { Benchmark, BenchResult } from './bench-result'
import { percentile, secondsSince } from './stats'
import { benchClient, startBenchHub, startRawAedes, type BenchTarget } from './bench-targets'

const TOPICS = Array.from({ length: 10 }, (_, i) =>
  `acme/dallas/press-shop/line-1/press-${1 + (i % 2)}/measurements/tag-${i}`)
const THROUGHPUT_MESSAGES = 100_000
const LATENCY_RATE = 2000 // msg/s
const LATENCY_SECONDS = 3

async function throughput (url: string): Promise<number> {
  const sub = await benchClient(url)
  const pub = await benchClient(url)
  await sub.subscribeAsync('acme/#', { qos: 0 })
  const payloads = TOPICS.map((_, i) => JSON.stringify({ value: 100 + i, timestamp: Date.now(), quality: 'GOOD', unit: 'CEL' }))
  let received = 0
  const done = new Promise<void>((resolve) => sub.on('message', (topic) => { if (TOPICS.includes(topic) && ++received === THROUGHPUT_MESSAGES) resolve() }))
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < THROUGHPUT_MESSAGES; i++) {
    pub.publish(TOPICS[i % TOPICS.length], payloads[i % payloads.length], { qos: 0 })
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r)) // let the socket drain
  }
  await done
  const seconds = secondsSince(t0)
  await pub.endAsync()
  await sub.endAsync()
  return THROUGHPUT_MESSAGES / seconds
}

async function latency (url: string): Promise<{ p50: number, p99: number }> {
  const sub = await benchClient(url)
  const pub = await benchClient(url)
  await sub.subscribeAsync('acme/#', { qos: 0 })
  const samples: number[] = []
  sub.on('message', (topic, payload) => {
    // Only the bench's own messages: the hub publishes its own under acme/ too (session health, MES state).
    if (!TOPICS.includes(topic)) return
    const sent = (JSON.parse(payload.toString()) as { properties?: { sentNs?: string } }).properties?.sentNs
    if (sent !== undefined) samples.push(Number(process.hrtime.bigint() - BigInt(sent)) / 1e6)
  })
  const total = LATENCY_RATE * LATENCY_SECONDS
  const interval = 1000 / LATENCY_RATE
  const start = performance.now()
  for (let i = 0; i < total; i++) {
    const due = start + i * interval
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    pub.publish(TOPICS[i % TOPICS.length], JSON.stringify({ value: i, timestamp: Date.now(), properties: { sentNs: String(process.hrtime.bigint()) } }), { qos: 0 })
  }
  await new Promise((r) => setTimeout(r, 500))
  await pub.endAsync()
  await sub.endAsync()
  samples.sort((a, b) => a - b)
  if (samples.length < total) throw new Error(`latency run lost messages: ${samples.length} of ${total}`)
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) }
}

export const benchmark: Benchmark = {
  title: 'UNS relay through the hub vs raw aedes (QoS 0, JSON payloads, 10 topics)',
  async run (progress) {
    const measure = async (name: string, make: () => Promise<BenchTarget>): Promise<{ rate: number, p50: number, p99: number }> => {
      const t = await make()
      try {
        progress(`${name}: throughput, ${THROUGHPUT_MESSAGES.toLocaleString('en-US')} messages`)
        const rate = await throughput(t.url)
        progress(`${name}: ${Math.round(rate).toLocaleString('en-US')} msg/s; latency at ${LATENCY_RATE} msg/s for ${LATENCY_SECONDS} s`)
        const l = await latency(t.url)
        progress(`${name}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms`)
        return { rate, ...l }
      } finally {
        await t.stop()
      }
    }
    // One unmeasured throughput run on each first: the process is fresh (bench/run.ts), and whichever broker ran
    // first would otherwise run on code the JIT has not optimized yet (aedes, mqtt-packet and mqtt.js are shared).
    progress('warm-up: one unmeasured throughput run on each')
    for (const make of [startRawAedes, startBenchHub]) {
      const t = await make()
      try { await throughput(t.url) } finally { await t.stop() }
    }
    const raw = await measure('raw aedes', startRawAedes)
    const ours = await measure('hub', startBenchHub)
    const results: BenchResult[] = [
      { name: 'UNS relay throughput', unit: 'msg/s', value: ours.rate, baseline: raw.rate, baselineName: 'raw aedes', ratio: ours.rate / raw.rate, target: 'ratio >= 0.5', met: ours.rate / raw.rate >= 0.5 },
      { name: `UNS relay latency p50 @ ${LATENCY_RATE}/s`, unit: 'ms', value: ours.p50, baseline: raw.p50, baselineName: 'raw aedes', ratio: raw.p50 / ours.p50 },
      { name: `UNS relay latency p99 @ ${LATENCY_RATE}/s`, unit: 'ms', value: ours.p99, baseline: raw.p99, baselineName: 'raw aedes', ratio: raw.p99 / ours.p99, target: 'p99 < 20 ms', met: ours.p99 < 20 }
    ]
    return results
  }
}
