// Sparkplug ingest against the peer a user would build without the hub: mosquitto (Debian's binary) plus a bridge
// process that decodes with sparkplug-payload and republishes each metric as UNS JSON (bench/peer/bridge.ts), beside
// the hub (startHub in a process of its own, a generated plant model binding every edge node and device) and raw
// aedes relaying the DDATA to a subscriber that decodes it (the baseline). Every broker, the bridge and the clients
// (edge nodes + subscriber, bench/peer/client-process.ts) run in processes of their own; rounds alternate between
// the three targets in one run, after one unmeasured warm-up round of each, and each rate is the median of three, as
// is each latency percentile (three rounds of each target per rate, alternating).
// A metric counts as lost when the subscriber has not seen it QUIET_MS after the last arrival. Beside each latency
// round an idle process measures how late its 1 ms timers fire (bench/peer/jitter-process.ts): the machine's floor.
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Benchmark, BenchResult } from './bench-result'
import { median } from './stats'
import { describeGc, type GcPauses } from './gc-pauses'
import type { BirthsResult, Job, LatencyResult, ThroughputResult } from './peer/client-process'
import type { Jitter } from './peer/jitter-process'
import { HUB_FILTER, METRICS_PER_MESSAGE, PEER_FILTER, RAW_FILTER, SHAPES, plantModel, type Shape } from './peer/load'
import { mosquittoBinary, mosquittoVersion, startMosquitto, type Mosquitto } from './peer/mosquitto'

const MESSAGES = 20_000 // DDATA per throughput round: 200,000 metrics
const ROUNDS = 3
const LATENCY_RATES = [100_000, 200_000]
const LATENCY_TARGET_P99_MS: Record<number, number> = { 100_000: 2, 200_000: 5 }
// 10 s measured: over 2 s (the first version) the p99 was "any pause over 20 ms", one old-generation collection of
// what the throughput rounds left behind made it 30 ms in one run of three; a production p99 spans longer than that.
const LATENCY_WARMUP_SECONDS = 2
const LATENCY_SECONDS = 10
/** New topics born for the memory measure: 5 edge nodes x 4 devices x 1,000 metrics. */
const MEMORY_BIRTHS = { nodes: 5, devicesPerNode: 4, metricsPerDevice: 1000 }
const READY_TIMEOUT_MS = 120_000

type Name = 'raw aedes' | 'peer' | 'hub'
interface Target { readonly name: Name, readonly url: string, readonly filter: string, readonly raw: boolean }

/** Forks a bench/peer module with this process's Node flags; resolves with its first message that has `key`. */
function forkModule (file: string, args: string[], extraFlags: string[] = []): ChildProcess {
  return fork(path.join(__dirname, 'peer', file), args, { execArgv: [...process.execArgv, ...extraFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

function reply<T> (child: ChildProcess, key: string, what: string, timeoutMs = READY_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`${what}: no answer within ${timeoutMs / 1000} s`)) }, timeoutMs)
    const onMessage = (m: Record<string, unknown>): void => {
      if ('error' in m) { cleanup(); reject(new Error(`${what}: ${String(m.error)}`)) } else if (key in m) { cleanup(); resolve(m[key] as T) }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`${what}: the process exited (code ${code})`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

function stopChild (child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    child.disconnect()
  })
}

interface Memory { heapUsed: number, rss: number, exactHeap: boolean }

const k = (n: number): string => `${Math.round(n / 1000)}k`
const ms = (n: number): string => n.toFixed(2)
const MB = 1024 * 1024

export const benchmark: Benchmark = {
  title: 'Sparkplug ingest, clients in their own process: hub vs mosquitto + sparkplug-payload bridge (the peer) vs raw aedes relay',
  async run (progress) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-peer-'))
    const plantFile = path.join(dir, 'plant.json')
    fs.writeFileSync(plantFile, JSON.stringify(plantModel(SHAPES[SHAPES.length - 1]!)))
    const binary = mosquittoBinary()
    if (binary === undefined) progress('MOSQUITTO IS NOT INSTALLED (apt-get install mosquitto): the peer rows fail; hub and raw aedes are measured')

    const children: ChildProcess[] = []
    let mosquitto: Mosquitto | undefined
    try {
      const hubProc = forkModule('target-process.js', ['hub', plantFile], ['--expose-gc'])
      const aedesProc = forkModule('target-process.js', ['aedes'])
      children.push(hubProc, aedesProc)
      const targets: Target[] = [{ name: 'raw aedes', url: await reply<string>(aedesProc, 'url', 'raw aedes'), filter: RAW_FILTER, raw: true }]
      if (binary !== undefined) {
        mosquitto = await startMosquitto(binary, dir)
        const bridge = forkModule('bridge.js', [mosquitto.url])
        children.push(bridge)
        await reply(bridge, 'ready', 'peer bridge')
        targets.push({ name: 'peer', url: mosquitto.url, filter: PEER_FILTER, raw: false })
        progress(`peer: mosquitto ${mosquittoVersion(binary)} (${binary}) + bridge process, on ${mosquitto.url}`)
      }
      targets.push({ name: 'hub', url: await reply<string>(hubProc, 'url', 'hub'), filter: HUB_FILTER, raw: false })
      const clients = forkModule('client-process.js', [], ['--expose-gc'])
      children.push(clients)
      const job = <R>(j: Job): Promise<R> => { clients.send(j); return reply<R>(clients, 'result', `clients (${j.kind})`, 300_000) }

      const rows: BenchResult[] = []
      let anyPeerLost = false
      for (const shape of SHAPES) {
        const rates: Record<Name, number[]> = { 'raw aedes': [], peer: [], hub: [] }
        const lost: Record<Name, number> = { 'raw aedes': 0, peer: 0, hub: 0 }
        const once = async (t: Target): Promise<ThroughputResult> => {
          const r = await job<ThroughputResult>({ kind: 'throughput', url: t.url, filter: t.filter, raw: t.raw, shape, messages: MESSAGES })
          lost[t.name] += r.expected - r.got
          return r
        }
        progress(`${shape.name}: ${MESSAGES.toLocaleString('en-US')} DDATA (${(MESSAGES * METRICS_PER_MESSAGE).toLocaleString('en-US')} metrics) per round, one warm-up round of each, then ${ROUNDS} rounds of ${targets.map((t) => t.name).join(', ')}`)
        for (const t of targets) await once(t)
        for (let round = 1; round <= ROUNDS; round++) {
          const line: string[] = []
          for (const t of targets) {
            const r = await once(t)
            rates[t.name].push(r.rate)
            line.push(`${t.name} ${k(r.rate)}/s${r.got < r.expected ? ` (LOST ${r.expected - r.got})` : ''}`)
          }
          progress(`  round ${round}: ${line.join(', ')}`)
        }
        if (lost.peer > 0) anyPeerLost = true
        rows.push(...ingestRows(shape, rates, lost, binary !== undefined))
      }

      // Beside each latency round, an idle process measures how late its 1 ms timers fire: the machine's floor.
      const jitterProc = forkModule('jitter-process.js', [])
      children.push(jitterProc)
      const jitters: Record<string, Jitter[]> = {}
      const latencies: Record<string, LatencyResult[]> = {}
      const hubGc: Record<number, GcPauses[]> = {}
      const latencyShape = SHAPES[0]!
      progress(`latency (${latencyShape.name}), edge publish -> UNS subscriber, ${LATENCY_SECONDS} s measured after ${LATENCY_WARMUP_SECONDS} s unmeasured, ` +
        `${ROUNDS} rounds of each alternating, medians`)
      for (const rate of LATENCY_RATES) {
        for (let round = 1; round <= ROUNDS; round++) {
          for (const t of targets.filter((x) => !x.raw)) {
            // The hub's collections are counted from the first measured message, as the clients count theirs.
            const isHub = t.name === 'hub'
            const onMark = (m: { mark?: string }): void => { if (isHub && m.mark === 'measuring') hubProc.send({ gc: 'reset' }) }
            clients.on('message', onMark)
            jitterProc.send({ start: true })
            const r = await job<LatencyResult>({ kind: 'latency', url: t.url, filter: t.filter, shape: latencyShape, metricsPerSecond: rate, warmupSeconds: LATENCY_WARMUP_SECONDS, seconds: LATENCY_SECONDS })
            jitterProc.send({ stop: true })
            clients.off('message', onMark)
            const j = await reply<Jitter>(jitterProc, 'jitter', 'jitter process')
            ;(latencies[`${t.name}@${rate}`] ??= []).push(r)
            ;(jitters[`${t.name}@${rate}`] ??= []).push(j)
            let gcLine = ''
            if (isHub) {
              hubProc.send({ gc: 'take' })
              const g = await reply<GcPauses>(hubProc, 'gc', 'hub GC pauses')
              ;(hubGc[rate] ??= []).push(g)
              gcLine = `hub ${describeGc(g)}; `
            }
            progress(`  round ${round}: ${t.name} @ ${k(rate)}/s (sent at ${k(r.achievedRate)}/s): p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, p99.9 ${ms(r.p999)} ms, ${r.expected - r.got} lost; ` +
              `an idle process's 1 ms timers meanwhile late by p99 ${ms(j.p99)} ms, p99.9 ${ms(j.p999)} ms, max ${ms(j.max)} ms`)
            progress(`    GC pauses while measured: ${gcLine}clients ${describeGc(r.gc)}`)
          }
        }
      }
      for (const rate of LATENCY_RATES) {
        const peer = latencies[`peer@${rate}`]
        rows.push(...latencyRows(rate, medianLatency(latencies[`hub@${rate}`]!), peer && medianLatency(peer), medianJitter(jitters[`hub@${rate}`]!), hubGc[rate]!, latencies[`hub@${rate}`]!.map((r) => r.gc)))
      }

      // Memory: heap after two full collections (the hub's process is forked with --expose-gc) and RSS, before and
      // after births of new topics, with the edge nodes still connected.
      const before = await memoryOf(hubProc)
      const births = await job<BirthsResult>({ kind: 'births', url: targets.find((t) => t.name === 'hub')!.url, ...MEMORY_BIRTHS })
      await new Promise((r) => setTimeout(r, 1000)) // the retained snapshot of the new topics is written
      const after = await memoryOf(hubProc)
      const per10k = 10_000 / births.topics
      const heap = (after.heapUsed - before.heapUsed) * per10k / MB
      const rss = (after.rss - before.rss) * per10k / MB
      progress(`memory: births of ${births.topics.toLocaleString('en-US')} new topics (${births.got} UNS messages seen): heap ${ms(before.heapUsed / MB)} -> ${ms(after.heapUsed / MB)} MB, RSS ${ms(before.rss / MB)} -> ${ms(after.rss / MB)} MB`)
      rows.push({ name: 'hub memory per 10,000 UNS topics (heap after GC; baseline column: RSS)', unit: 'MB', value: heap, baseline: rss, baselineName: 'RSS delta, same births', ratio: rss === 0 ? 1 : heap / rss, target: `${births.topics} births seen`, met: births.got >= births.topics && before.exactHeap })
      if (anyPeerLost) progress('the peer lost metrics: its rows fail')
      return rows
    } finally {
      for (const c of children.reverse()) await stopChild(c)
      await mosquitto?.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

function memoryOf (hub: ChildProcess): Promise<Memory> {
  hub.send({ memory: true })
  return reply<Memory>(hub, 'memory', 'hub memory')
}

function ingestRows (shape: Shape, rates: Record<Name, number[]>, lost: Record<Name, number>, peerRan: boolean): BenchResult[] {
  const hub = median(rates.hub)
  const raw = median(rates['raw aedes'])
  const peer = peerRan ? median(rates.peer) : NaN
  const lostNote = (n: Name): string => lost[n] > 0 ? `, ${lost[n]} lost` : ''
  const vsPeer = hub / peer
  const vsRaw = hub / raw
  return [
    { name: `Sparkplug ingest, ${shape.name}, median of ${ROUNDS}: hub vs peer${peerRan ? '' : ' (MOSQUITTO NOT INSTALLED)'}${lostNote('hub')}${lostNote('peer')}`, unit: 'metrics/s', value: hub, baseline: peer, baselineName: 'mosquitto + bridge', ratio: vsPeer, target: '>= 3x, none lost', met: peerRan && vsPeer >= 3 && lost.hub === 0 && lost.peer === 0 },
    { name: `Sparkplug ingest, ${shape.name}, median of ${ROUNDS}: hub vs raw aedes${lostNote('hub')}${lostNote('raw aedes')}`, unit: 'metrics/s', value: hub, baseline: raw, baselineName: 'raw aedes relay + decoding subscriber', ratio: vsRaw, target: '>= 0.40, none lost', met: vsRaw >= 0.4 && lost.hub === 0 && lost['raw aedes'] === 0 }
  ]
}

/** The rounds' medians of each percentile (each taken alone), every round's metrics counted for losses. */
function medianLatency (rs: readonly LatencyResult[]): LatencyResult {
  const of = (q: 'p50' | 'p99' | 'p999' | 'achievedRate'): number => median(rs.map((r) => r[q]))
  const sum = (q: 'samples' | 'measured' | 'got' | 'expected'): number => rs.reduce((a, r) => a + r[q], 0)
  return { p50: of('p50'), p99: of('p99'), p999: of('p999'), achievedRate: of('achievedRate'), samples: sum('samples'), measured: sum('measured'), got: sum('got'), expected: sum('expected'), gc: rs[0]!.gc }
}

function medianJitter (js: readonly Jitter[]): Jitter {
  return { p50: median(js.map((j) => j.p50)), p99: median(js.map((j) => j.p99)), p999: median(js.map((j) => j.p999)), max: Math.max(...js.map((j) => j.max)), samples: js.reduce((a, j) => a + j.samples, 0) }
}

function latencyRows (rate: number, hub: LatencyResult, peer: LatencyResult | undefined, jitter: Jitter, hubGc: readonly GcPauses[], hubRounds: readonly GcPauses[]): BenchResult[] {
  const bound = LATENCY_TARGET_P99_MS[rate]!
  const hubLost = hub.expected - hub.got
  const at = `@ ${rate.toLocaleString('en-US')} metrics/s${hubLost > 0 ? ` (hub lost ${hubLost})` : ''}`
  const row = (q: 'p50' | 'p99' | 'p999', label: string): BenchResult => ({
    name: `Sparkplug latency ${label} ${at}, median of ${ROUNDS} rounds`, unit: 'ms', value: hub[q], baseline: peer?.[q] ?? NaN, baselineName: peer ? 'mosquitto + bridge' : 'peer (MOSQUITTO NOT INSTALLED)', ratio: (peer?.[q] ?? NaN) / hub[q],
    ...(q === 'p99' ? { target: `p99 < ${bound} ms, none lost`, met: hub.p99 < bound && hubLost === 0 } : {})
  })
  // The floor: how late an idle process's timers were during the hub's round (no broker is run sooner than that).
  const floor = (q: 'p99' | 'p999', label: string): BenchResult => ({
    name: `Machine floor ${label} @ ${rate.toLocaleString('en-US')} metrics/s: an idle process's 1 ms timer late by, during the hub's rounds (median)`,
    unit: 'ms', value: jitter[q], baseline: hub[q], baselineName: `hub latency ${label}`, ratio: jitter[q] / hub[q]
  })
  // Whose collections: the longest pause of the hub's process and of the clients' in the hub's measured rounds.
  const longest = (gs: readonly GcPauses[]): number => Math.max(...gs.map((g) => Math.max(g.minor.maxMs, g.major.maxMs)))
  const gcRow: BenchResult = {
    name: `Longest GC pause @ ${rate.toLocaleString('en-US')} metrics/s, in the hub's process (baseline column: the clients' process), in the hub's measured rounds`,
    unit: 'ms', value: longest(hubGc), baseline: longest(hubRounds), baselineName: 'clients\' process', ratio: longest(hubRounds) / longest(hubGc)
  }
  return [row('p50', 'p50'), row('p99', 'p99'), row('p999', 'p99.9'), floor('p99', 'p99'), floor('p999', 'p99.9'), gcRow]
}
