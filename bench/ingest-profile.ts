// Where the hub's time goes under Sparkplug ingest: the hub in this process (run it with `--cpu-prof` to get a
// .cpuprofile of the hub alone), the edge node and a UNS subscriber in a child process, as in production. Prints the
// metrics/s the subscriber saw and the hub's event-loop delay histogram (perf_hooks.monitorEventLoopDelay).
//
//   node --max-semi-space-size=32 --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/ingest-profile.js [rounds] [subscribers]
//
// Not a benchmark (no baseline, not run by `npm run bench`): a tool for reading a profile.
import { METRIC_NAMES, METRIC_TYPES, metricValue } from './ddata-metrics'
import { fork } from 'node:child_process'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { MqttClient } from 'mqtt'
import { encodePayload } from '../sparkplug/codec'
import { DataType } from '../sparkplug/datatypes'
import { benchClient, startBenchHub } from './bench-targets'
import { secondsSince } from './stats'

const METRICS_PER_MESSAGE = 10
const MESSAGES = 20_000
const GROUP = 'dallas'
const NODE = 'press-line-1'
const DEVICE = 'press-1'

async function clients (url: string, rounds: number, subscribers: number): Promise<void> {
  const subs: MqttClient[] = []
  let metrics = 0
  for (let s = 0; s < subscribers; s++) {
    const c = await benchClient(url)
    await c.subscribeAsync(`acme/dallas/press-shop/line-1/${DEVICE}/measurements/#`, { qos: 0 })
    c.on('message', () => { metrics++ })
    subs.push(c)
  }
  const c = await benchClient(url, { clientId: `profile-${NODE}` })
  let seq = 0
  const next = (): number => { const x = seq; seq = (seq + 1) & 0xff; return x }
  await c.publishAsync(`spBv1.0/${GROUP}/NBIRTH/${NODE}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq: next(), metrics: [
    { name: 'bdSeq', datatype: DataType.Int64, value: 0n }, { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false }] })), { qos: 0 })
  await c.publishAsync(`spBv1.0/${GROUP}/DBIRTH/${NODE}/${DEVICE}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq: next(),
    metrics: METRIC_NAMES.map((name, k) => ({ name, alias: k + 1, datatype: METRIC_TYPES[k], value: metricValue(0, k) })) })), { qos: 0 })
  await new Promise((r) => setTimeout(r, 300))
  for (let round = 0; round < rounds; round++) {
    const payloads = Array.from({ length: MESSAGES }, (_, i) => Buffer.from(encodePayload({ timestamp: Date.now(), seq: next(),
      metrics: METRIC_NAMES.map((_n, k) => ({ alias: k + 1, value: metricValue(i, k), datatype: METRIC_TYPES[k] })) })))
    const base = metrics
    const expected = MESSAGES * METRICS_PER_MESSAGE * subscribers
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < MESSAGES; i++) {
      c.publish(`spBv1.0/${GROUP}/DDATA/${NODE}/${DEVICE}`, payloads[i]!, { qos: 0 })
      if (i % 200 === 199) await new Promise((r) => setImmediate(r))
    }
    let last = -1
    let idleSince = Date.now()
    while (metrics - base < expected) {
      await new Promise((r) => setTimeout(r, 20))
      if (metrics !== last) { last = metrics; idleSince = Date.now() } else if (Date.now() - idleSince > 3000) break
    }
    const got = metrics - base
    process.send!({ round, rate: got / subscribers / secondsSince(t0), lost: expected - got })
  }
  await c.endAsync()
  await Promise.all(subs.map((s) => s.endAsync()))
  process.send!({ done: true })
}

async function main (): Promise<void> {
  if (process.argv[2] === '--clients') return await clients(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]))
  const rounds = Number(process.argv[2] ?? 4)
  const subscribers = Number(process.argv[3] ?? 1)
  const hub = await startBenchHub()
  const delay = monitorEventLoopDelay({ resolution: 1 })
  let windowStart = 0n
  const child = fork(__filename, ['--clients', hub.url, String(rounds), String(subscribers)], { execArgv: ['--max-semi-space-size=32'] })
  await new Promise<void>((resolve) => {
    child.on('message', (m: { round?: number, rate?: number, lost?: number, done?: boolean }) => {
      if (m.done) return resolve()
      // Round 0 warms the JIT; the histogram covers the rounds after it.
      if (m.round === 0) {
        delay.enable()
        windowStart = process.hrtime.bigint()
      }
      process.stdout.write(`round ${m.round}: ${Math.round(m.rate! / 1000)}k metrics/s per subscriber, lost ${m.lost}\n`)
    })
  })
  delay.disable()
  // The measured rounds on the profile's clock (microseconds, monotonic), to cut start-up and warm-up out of it.
  process.stdout.write(`profile window (us): ${windowStart / 1000n} ${process.hrtime.bigint() / 1000n}\n`)
  const ms = (ns: number): string => (ns / 1e6).toFixed(2)
  process.stdout.write(`event-loop delay (rounds 1..): p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, ` +
    `max ${ms(delay.max)} ms, mean ${ms(delay.mean)} ms\n`)
  await hub.stop()
  process.exit(0)
}

void main()
