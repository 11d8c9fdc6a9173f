// The edge nodes and the UNS subscriber of the peer benchmark, in a process of their own (forked once and kept for
// the whole benchmark, so that its JIT is warm for every target alike): the broker under test has its cores as in
// production. The parent sends one job at a time and gets one result back.
import type { MqttClient } from 'mqtt'
import { benchClient } from '../bench-targets'
import { percentile } from '../stats'
import { watchGcPauses, type GcPauses } from '../gc-pauses'
import { COUNTER_TAG, GROUP, METRICS_PER_MESSAGE, dbirth, ddata, deviceId, nbirth, nodeId, wideBirth, type Shape } from './load'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sparkplugPayload = require('sparkplug-payload') as { get (v: string): { decodePayload (b: Uint8Array): { metrics: Array<{ value: unknown }> } } }

export type Job =
  | { kind: 'throughput', url: string, filter: string, raw: boolean, shape: Shape, messages: number }
  | { kind: 'latency', url: string, filter: string, shape: Shape, metricsPerSecond: number, warmupSeconds: number, seconds: number }
  | { kind: 'births', url: string, nodes: number, devicesPerNode: number, metricsPerDevice: number }
export interface ThroughputResult { rate: number, got: number, expected: number, seconds: number }
/** `gc`: this process's collections while the measured messages were sent (it sends {mark: 'measuring'} as they start). */
export interface LatencyResult { p50: number, p99: number, p999: number, samples: number, measured: number, got: number, expected: number, achievedRate: number, gc: GcPauses }
export interface BirthsResult { topics: number, got: number }

const decoder = sparkplugPayload.get('spBv1.0')
const QUIET_MS = 3000
const tick = (): Promise<void> => new Promise((r) => setImmediate(r))
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** One edge node's connection and its Sparkplug sequence number (one counter for NBIRTH, DBIRTHs and data). */
class Edge {
  private seq = 0
  constructor (readonly c: MqttClient, readonly node: string) {}
  next (): number { const s = this.seq; this.seq = (this.seq + 1) & 0xff; return s }
  static async connect (url: string, node: string): Promise<Edge> {
    const c = await benchClient(url, { clientId: `bench-${node}-${process.pid}` })
    return new Edge(c, node)
  }
  topic (type: 'NBIRTH' | 'DBIRTH' | 'DDATA', device?: string): string {
    return device === undefined ? `spBv1.0/${GROUP}/${type}/${this.node}` : `spBv1.0/${GROUP}/${type}/${this.node}/${device}`
  }
}

/** Counts what arrives: UNS messages (one per metric) or the metrics of relayed DDATA; `onCounter` gets counter values. */
async function subscriber (url: string, filter: string, raw: boolean, onCounter?: (v: number, at: bigint) => void): Promise<{ c: MqttClient, got: () => number, lastAt: () => bigint }> {
  const c = await benchClient(url, { clientId: `bench-sub-${process.pid}-${Date.now()}` })
  let got = 0
  let lastAt = 0n
  const suffix = `/${COUNTER_TAG}`
  c.on('message', (topic, payload) => {
    if (raw) {
      got += decoder.decodePayload(payload).metrics.length
    } else {
      got++
      if (onCounter && topic.endsWith(suffix)) onCounter(Number((JSON.parse(payload.toString()) as { value: unknown }).value), process.hrtime.bigint())
    }
    lastAt = process.hrtime.bigint()
  })
  await c.subscribeAsync(filter, { qos: 0 })
  return { c, got: () => got, lastAt: () => lastAt }
}

/** Resolves once `got()` reaches `target`, or nothing more has arrived for QUIET_MS (the rest is lost). */
async function until (got: () => number, target: number): Promise<void> {
  let last = -1
  let since = Date.now()
  while (got() < target) {
    await sleep(10)
    if (got() !== last) { last = got(); since = Date.now() } else if (Date.now() - since > QUIET_MS) return
  }
}

/** Connects the shape's edge nodes, publishes their births, and waits until the births' UNS messages have settled. */
async function birth (url: string, shape: Shape, got: () => number): Promise<Edge[]> {
  const edges = await Promise.all(Array.from({ length: shape.nodes }, (_, i) => Edge.connect(url, nodeId(i))))
  for (const e of edges) {
    e.c.publish(e.topic('NBIRTH'), nbirth(e.next()), { qos: 0 })
    for (let d = 0; d < shape.devicesPerNode; d++) e.c.publish(e.topic('DBIRTH', deviceId(d)), dbirth(e.next(), d), { qos: 0 })
  }
  let last = -1
  while (got() !== last) { last = got(); await sleep(300) }
  return edges
}

/** Message m goes to device m mod (all devices), node by node: births first, then data round robin. */
function placeOf (shape: Shape, m: number): { node: number, device: number } {
  const d = m % (shape.nodes * shape.devicesPerNode)
  return { node: d % shape.nodes, device: Math.floor(d / shape.nodes) }
}

async function throughput (job: Extract<Job, { kind: 'throughput' }>): Promise<ThroughputResult> {
  const sub = await subscriber(job.url, job.filter, job.raw)
  const edges = await birth(job.url, job.shape, sub.got)
  const base = sub.got()
  const expected = job.messages * METRICS_PER_MESSAGE
  // Encoded before the clock starts: encoding is the machine's work, not the broker's, and it shares this process.
  const out = Array.from({ length: job.messages }, (_, m) => {
    const { node, device } = placeOf(job.shape, m)
    const e = edges[node]!
    return { e, topic: e.topic('DDATA', deviceId(device)), payload: ddata(e.next(), device, m + 1) }
  })
  const t0 = process.hrtime.bigint()
  for (let m = 0; m < out.length; m++) {
    const o = out[m]!
    o.e.c.publish(o.topic, o.payload, { qos: 0 })
    if (m % 200 === 199) await tick()
  }
  await until(() => sub.got() - base, expected)
  const got = sub.got() - base
  const seconds = Number(sub.lastAt() - t0) / 1e9
  await Promise.all([...edges.map((e) => e.c.endAsync()), sub.c.endAsync()])
  return { rate: got / seconds, got, expected, seconds }
}

async function latency (job: Extract<Job, { kind: 'latency' }>): Promise<LatencyResult> {
  const perSecond = job.metricsPerSecond / METRICS_PER_MESSAGE
  const warmup = Math.round(perSecond * job.warmupSeconds)
  const total = warmup + Math.round(perSecond * job.seconds)
  // Publish time of message m (1-based), read by the counter metric's value when its UNS message arrives.
  const sentAt = new BigInt64Array(total + 1)
  // Allocated once, so that collecting the samples makes no garbage of its own; and this process's leftovers of the
  // rounds before are collected first (forked with --expose-gc): a major collection of the measuring process during
  // the round would be counted against the broker measured.
  const measured = new Float64Array(total - warmup)
  let n = 0
  ;(globalThis as { gc?: () => void }).gc?.()
  const sub = await subscriber(job.url, job.filter, false, (v, at) => {
    if (v > warmup && v <= total && sentAt[v] !== 0n && n < measured.length) measured[n++] = Number(at - sentAt[v]!) / 1e6
  })
  const edges = await birth(job.url, job.shape, sub.got)
  const base = sub.got()
  const start = performance.now()
  const gc = watchGcPauses()
  let measuring = false
  let m = 0
  // Each turn publishes what is due by now: a steady rate without a timer per message.
  while (m < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond))
    if (!measuring && m >= warmup) {
      measuring = true
      gc.take()
      process.send!({ mark: 'measuring' })
    }
    while (m < due) {
      const { node, device } = placeOf(job.shape, m)
      const e = edges[node]!
      const payload = ddata(e.next(), device, m + 1)
      sentAt[m + 1] = process.hrtime.bigint()
      e.c.publish(e.topic('DDATA', deviceId(device)), payload, { qos: 0 })
      m++
    }
    await sleep(1)
  }
  const achievedRate = (total * METRICS_PER_MESSAGE) / ((performance.now() - start) / 1000)
  const gcPauses = gc.take()
  gc.stop()
  const expected = total * METRICS_PER_MESSAGE
  await until(() => sub.got() - base, expected)
  const got = sub.got() - base
  await Promise.all([...edges.map((e) => e.c.endAsync()), sub.c.endAsync()])
  const samples = measured.subarray(0, n).sort()
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), p999: percentile(samples, 0.999), samples: n, measured: total - warmup, got, expected, achievedRate, gc: gcPauses }
}

/** Births of nodes x devices x metrics new topics (group mem, unbound: the default rule places them); the edge nodes
 * stay connected afterwards, so that the hub keeps them as live topics while the parent measures its memory. */
const held: MqttClient[] = []
async function births (job: Extract<Job, { kind: 'births' }>): Promise<BirthsResult> {
  const topics = job.nodes * job.devicesPerNode * job.metricsPerDevice
  const sub = await subscriber(job.url, 'acme/#', false)
  let before = -1
  while (sub.got() !== before) { before = sub.got(); await sleep(200) } // retained messages of earlier rounds
  const base = sub.got()
  for (let i = 0; i < job.nodes; i++) {
    const c = await benchClient(job.url, { clientId: `bench-mem-${i}-${process.pid}` })
    held.push(c)
    let seq = 0
    c.publish(`spBv1.0/mem/NBIRTH/mem-node-${i}`, nbirth(seq++), { qos: 0 })
    for (let d = 0; d < job.devicesPerNode; d++) c.publish(`spBv1.0/mem/DBIRTH/mem-node-${i}/${deviceId(d)}`, wideBirth(seq++, job.metricsPerDevice), { qos: 0 })
  }
  await until(() => sub.got() - base, topics)
  const got = sub.got() - base
  await sub.c.endAsync()
  return { topics, got }
}

process.on('message', (job: Job) => {
  const run = job.kind === 'throughput' ? throughput(job) : job.kind === 'latency' ? latency(job) : births(job)
  run.then((result) => process.send!({ result }), (err: Error) => process.send!({ error: err.stack ?? err.message }))
})
process.on('disconnect', () => process.exit(0))
