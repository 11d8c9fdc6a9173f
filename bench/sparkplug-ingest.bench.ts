// Sparkplug ingest: 10-metric DDATA from an edge node, through the hub (Sparkplug host decode, alias resolution,
// namespace update, UNS republish as JSON per metric) to a UNS subscriber, beside raw aedes relaying the same DDATA
// stream to a subscriber that decodes it with the bare library (sparkplug-payload). Metrics/s end to end, nothing
// lost, and latency (edge publish -> UNS subscriber) at a fixed 20,000 metrics/s, measured after the same stream has
// run for LATENCY_WARMUP_SECONDS unmeasured (for both brokers): the first second of a fresh stream measured the
// JIT warming up in the clients and the broker (p99 40-390 ms in the first second, 3-5 ms after it).
import { METRIC_NAMES, METRIC_TYPES, metricValue } from './ddata-metrics'
import type { MqttClient } from 'mqtt'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sparkplugPayload = require('sparkplug-payload') as { get (v: string): { decodePayload (b: Uint8Array): { metrics: unknown[] } } }
import { encodePayload } from '../sparkplug/codec'
import { DataType } from '../sparkplug/datatypes'
import type { Benchmark, BenchResult } from './bench-result'
import { median, percentile, secondsSince } from './stats'
import { benchClient, startBenchHub, startRawAedes, type BenchTarget } from './bench-targets'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

const METRICS_PER_MESSAGE = 10
const MESSAGES = 20_000 // 200,000 metrics
const LATENCY_METRICS_PER_S = 20_000
const LATENCY_SECONDS = 3
const LATENCY_WARMUP_SECONDS = 2
const GROUP = 'dallas'
const NODE = 'press-line-1'
const DEVICE = 'press-1'
const decoder = sparkplugPayload.get('spBv1.0')

/** A broker under test, and whether its subscriber reads UNS JSON (the hub) or raw DDATA (the baseline). */
interface Target extends BenchTarget { uns: boolean }

const rawAedes = async (): Promise<Target> => ({ ...await startRawAedes(), uns: false })
const hub = async (): Promise<Target> => ({ ...await startBenchHub(), uns: true })


class EdgeNode {
  seq = 0
  constructor (readonly c: MqttClient) {}
  static async start (url: string): Promise<EdgeNode> {
    const will = Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: 0n }] }))
    const c = await benchClient(url, { clientId: `bench-${NODE}`, will: { topic: `spBv1.0/${GROUP}/NDEATH/${NODE}`, payload: will, qos: 1, retain: false } })
    const e = new EdgeNode(c)
    await c.publishAsync(`spBv1.0/${GROUP}/NBIRTH/${NODE}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq: e.next(), metrics: [
      { name: 'bdSeq', datatype: DataType.Int64, value: 0n }, { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false }] })), { qos: 0 })
    await c.publishAsync(`spBv1.0/${GROUP}/DBIRTH/${NODE}/${DEVICE}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq: e.next(),
      metrics: METRIC_NAMES.map((name, k) => ({ name, alias: k + 1, datatype: METRIC_TYPES[k], value: metricValue(0, k) })) })), { qos: 0 })
    return e
  }

  next (): number { const s = this.seq; this.seq = (this.seq + 1) & 0xff; return s }

  ddata (i: number): Buffer {
    return Buffer.from(encodePayload({ timestamp: Date.now(), seq: this.next(), metrics: METRIC_NAMES.map((_n, k) => ({ alias: k + 1, value: metricValue(i, k), datatype: METRIC_TYPES[k] })) }))
  }
}

/** Counts metrics arriving at the subscriber: UNS JSON messages (hub) or metrics in decoded DDATA (raw aedes). */
async function subscriber (t: Target, onCounter?: (index: number) => void): Promise<{ c: MqttClient, metrics: () => number }> {
  const c = await benchClient(t.url)
  let metrics = 0
  if (t.uns) {
    await c.subscribeAsync(`acme/dallas/press-shop/line-1/${DEVICE}/measurements/#`, { qos: 0 })
    c.on('message', (topic, payload) => {
      metrics++
      if (onCounter && topic.endsWith('/counter')) onCounter(Number((JSON.parse(payload.toString()) as { value: string }).value))
    })
  } else {
    await c.subscribeAsync(`spBv1.0/${GROUP}/DDATA/#`, { qos: 0 })
    c.on('message', (_topic, payload) => {
      const p = decoder.decodePayload(payload) as { metrics: Array<{ alias?: { toNumber (): number }, value: { toNumber (): number } }> }
      metrics += p.metrics.length
      if (onCounter) onCounter(Number(p.metrics[7].value))
    })
  }
  return { c, metrics: () => metrics }
}

async function throughput (t: Target): Promise<{ rate: number, lost: number }> {
  const sub = await subscriber(t)
  const edge = await EdgeNode.start(t.url)
  await new Promise((r) => setTimeout(r, 300)) // births settle
  const base = sub.metrics()
  const expected = MESSAGES * METRICS_PER_MESSAGE
  // Encoded before the clock starts: encoding is the machine's work, not the broker's, and it shares the clients' core.
  const payloads = Array.from({ length: MESSAGES }, (_, i) => edge.ddata(i + 1))
  const t0 = process.hrtime.bigint()
  for (let i = 1; i <= MESSAGES; i++) {
    edge.c.publish(`spBv1.0/${GROUP}/DDATA/${NODE}/${DEVICE}`, payloads[i - 1]!, { qos: 0 })
    if (i % 200 === 0) await new Promise((r) => setImmediate(r))
  }
  let last = -1
  let idleSince = Date.now()
  while (sub.metrics() - base < expected) {
    await new Promise((r) => setTimeout(r, 20))
    if (sub.metrics() !== last) { last = sub.metrics(); idleSince = Date.now() } else if (Date.now() - idleSince > 3000) break
  }
  const seconds = secondsSince(t0)
  const got = sub.metrics() - base
  await edge.c.endAsync()
  await sub.c.endAsync()
  return { rate: got / seconds, lost: expected - got }
}

async function latency (t: Target): Promise<{ p50: number, p99: number, lost: number }> {
  const sent = new Map<number, bigint>()
  const samples: number[] = []
  const sub = await subscriber(t, (i) => {
    const s = sent.get(i)
    if (s !== undefined) samples.push(Number(process.hrtime.bigint() - s) / 1e6)
  })
  const edge = await EdgeNode.start(t.url)
  await new Promise((r) => setTimeout(r, 300))
  const perSecond = LATENCY_METRICS_PER_S / METRICS_PER_MESSAGE
  const total = perSecond * LATENCY_SECONDS
  const warmup = perSecond * LATENCY_WARMUP_SECONDS
  const start = performance.now()
  // Messages 1..warmup are the unmeasured warm-up; the counter values of the measured ones start at 1,000,001.
  for (let i = 1; i <= warmup + total; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const counter = i > warmup ? 1_000_000 + i - warmup : i
    const payload = edge.ddata(counter)
    if (i > warmup) sent.set(counter, process.hrtime.bigint())
    edge.c.publish(`spBv1.0/${GROUP}/DDATA/${NODE}/${DEVICE}`, payload, { qos: 0 })
  }
  await new Promise((r) => setTimeout(r, 500))
  await edge.c.endAsync()
  await sub.c.endAsync()
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), lost: total - samples.length }
}

// The edge node and the subscriber run in a worker thread, so that the broker under test has the main thread (one
// of the two cores) to itself, as it would in production where clients are other processes.
type Mode = 'throughput' | 'latency'
interface ClientRun { url: string, uns: boolean, mode: Mode }
type ClientResult = { rate: number, lost: number } | { p50: number, p99: number, lost: number }

if (!isMainThread && (workerData as { sparkplugIngestClients?: boolean })?.sparkplugIngestClients) {
  const { url, uns, mode } = workerData as ClientRun
  const t: Target = { url, uns, stop: async () => {} }
  void (async () => {
    parentPort!.postMessage({ result: mode === 'throughput' ? await throughput(t) : await latency(t) })
  })()
}

async function runClients<R extends ClientResult> (make: () => Promise<Target>, mode: Mode): Promise<R> {
  const t = await make()
  try {
    return await new Promise<R>((resolve, reject) => {
      const w = new Worker(__filename, { workerData: { sparkplugIngestClients: true, url: t.url, uns: t.uns, mode } })
      w.on('message', (m: { result?: R }) => {
        if (m.result) { resolve(m.result); void w.terminate() }
      })
      w.on('error', reject)
    })
  } finally {
    await t.stop()
  }
}

const kRate = (r: number): string => `${Math.round(r / 1000)}k`

/** Throughput rounds alternate between the two brokers, so that a slow moment of the machine weighs on both. */
const THROUGHPUT_ROUNDS = 3

export const benchmark: Benchmark = {
  title: 'Sparkplug ingest: 10-metric DDATA -> hub (decode, aliases, namespace, UNS JSON) vs raw aedes relay to a decoding subscriber',
  async run (progress) {
    const raws: Array<{ rate: number, lost: number }> = []
    const ours: Array<{ rate: number, lost: number }> = []
    progress(`${THROUGHPUT_ROUNDS} rounds of ${MESSAGES.toLocaleString('en-US')} DDATA (${(MESSAGES * METRICS_PER_MESSAGE).toLocaleString('en-US')} metrics) as fast as possible, raw aedes then hub, after one unmeasured round of each`)
    // The first round of a process runs code the JIT has not optimized yet; it warms both brokers and is not counted.
    await runClients(rawAedes, 'throughput')
    await runClients(hub, 'throughput')
    for (let round = 1; round <= THROUGHPUT_ROUNDS; round++) {
      const raw = await runClients<{ rate: number, lost: number }>(rawAedes, 'throughput')
      const hubRate = await runClients<{ rate: number, lost: number }>(hub, 'throughput')
      raws.push(raw)
      ours.push(hubRate)
      progress(`  round ${round}: raw aedes ${kRate(raw.rate)} metrics/s, hub ${kRate(hubRate.rate)} metrics/s (lost ${hubRate.lost}), ratio ${(hubRate.rate / raw.rate).toFixed(2)}`)
    }
    progress(`latency at ${LATENCY_METRICS_PER_S.toLocaleString('en-US')} metrics/s for ${LATENCY_SECONDS} s after ${LATENCY_WARMUP_SECONDS} s of warm-up`)
    const rawLatency = await runClients<{ p50: number, p99: number, lost: number }>(rawAedes, 'latency')
    progress(`  raw aedes: p50 ${rawLatency.p50.toFixed(2)} ms, p99 ${rawLatency.p99.toFixed(2)} ms, lost ${rawLatency.lost}`)
    const ourLatency = await runClients<{ p50: number, p99: number, lost: number }>(hub, 'latency')
    progress(`  hub: p50 ${ourLatency.p50.toFixed(2)} ms, p99 ${ourLatency.p99.toFixed(2)} ms, lost ${ourLatency.lost}`)
    const rawRate = median(raws.map((r) => r.rate))
    const ourRate = median(ours.map((r) => r.rate))
    const ourLost = ours.reduce((n, r) => n + r.lost, 0)
    const rawLost = raws.reduce((n, r) => n + r.lost, 0)
    const ratio = ourRate / rawRate
    const results: BenchResult[] = [
      { name: `Sparkplug ingest end to end (median of ${THROUGHPUT_ROUNDS})`, unit: 'metrics/s', value: ourRate, baseline: rawRate, baselineName: 'raw aedes + sparkplug-payload', ratio, target: 'ratio >= 0.15, none lost', met: ratio >= 0.15 && ourLost === 0 },
      { name: 'Sparkplug metrics lost (throughput runs)', unit: 'metrics', value: ourLost, baseline: rawLost, baselineName: 'raw aedes', ratio: ourLost === 0 ? 1 : 0, target: '0', met: ourLost === 0 },
      { name: `Sparkplug latency p50 @ ${LATENCY_METRICS_PER_S}/s`, unit: 'ms', value: ourLatency.p50, baseline: rawLatency.p50, baselineName: 'raw aedes', ratio: rawLatency.p50 / ourLatency.p50 },
      { name: `Sparkplug latency p99 @ ${LATENCY_METRICS_PER_S}/s`, unit: 'ms', value: ourLatency.p99, baseline: rawLatency.p99, baselineName: 'raw aedes', ratio: rawLatency.p99 / ourLatency.p99, target: 'p99 < 20 ms', met: ourLatency.p99 < 20 && ourLatency.lost === 0 }
    ]
    return results
  }
}
