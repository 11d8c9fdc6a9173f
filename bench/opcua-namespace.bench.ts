// The hub's OPC UA server with 10,000 and 50,000 namespace variables beside a bare node-opcua server holding the same
// variables, in the same run: how long until the variables exist, the heap they take, and the value changes per
// second that reach ONE subscription with monitored items on all of them. Every server runs in a process of its own
// (bench/opcua/hub-process.ts, bare-process.ts), the measuring OPC UA client in another (client-process.ts), the
// hub's load (Sparkplug edge nodes: births, then DDATA at a paced rate) in a fourth (edge-process.ts); the bare
// server changes its variables from a timer in its own process at the same rate. Rounds alternate hub / bare, after
// one unmeasured round of each; each rate is the median of three, counted by the client over a window after a
// warm-up. A hub with its OPC UA server off gets the same births first: the heap its OPC UA variables take is the
// difference. Each round line also says how long after the source's last change the last one arrived, and the
// major collections of the server in that round.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { HUB_NAMESPACE_URI } from '../adapters/opcua/server/opcua-server'
import type { Benchmark, BenchResult } from './bench-result'
import { median } from './stats'
import type { BareReady } from './opcua/bare-process'
import type { ClientJob, CountResult, ReadyResult, SubscribeResult } from './opcua/client-process'
import type { BirthsSent, EdgeJob } from './opcua/edge-process'
import { forkProcess, sleep, type Child, type GcPauses, type Heap } from './opcua/ipc'
import { BARE_NAMESPACE_URI, plantModel } from './opcua/layout'
import type { Paced } from './opcua/pace'

const SIZES = [10_000, 50_000]
/** Value changes per second at the source, both servers: a quarter of what the hub's Sparkplug ingest does. */
const CHANGES_PER_SECOND = 50_000
const WARMUP_MS = 1000
const MEASURE_MS = 4000
/** The source runs past the counted window, so that the window sees the steady state only. */
const SOURCE_SECONDS = 5.5
const CHANGES = CHANGES_PER_SECOND * SOURCE_SECONDS
const ROUNDS = 3
const PUBLISHING_INTERVAL_MS = 100
const READY_TIMEOUT_MS = 120_000
const TARGET_RATIO = 0.8

type Name = 'hub' | 'bare'
interface Figures { rates: number[], sent: number, got: number, missingFinal: number, sourceRates: number[], lagMs: number[] }

const MB = 1024 * 1024
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
const mb = (x: number): string => (x / MB).toFixed(1)

export const benchmark: Benchmark = {
  title: `OPC UA server, 10,000 and 50,000 namespace variables: hub vs a bare node-opcua server (start, memory, changes/s to one subscription)`,
  async run (progress) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-opcua-'))
    const children: Child[] = []
    const spawn = (file: string, what: string, args: string[] = [], flags: string[] = []): Child => {
      const c = forkProcess(file, what, args, flags)
      children.push(c)
      return c
    }
    try {
      const client = spawn('client-process.js', 'OPC UA client', [path.join(dir, 'client-pki')])
      const edges = spawn('edge-process.js', 'edge nodes')
      const clientJob = <R>(job: ClientJob, timeoutMs?: number): Promise<R> => client.ask<R>(job, timeoutMs)
      const edgeJob = <R>(job: EdgeJob): Promise<R> => edges.ask<R>(job)
      const rows: BenchResult[] = []
      let base = 0
      for (const n of SIZES) {
        const plantFile = path.join(dir, `plant-${n}.json`)
        fs.writeFileSync(plantFile, JSON.stringify(plantModel(n)))

        // What the same births cost a hub without its OPC UA server: the heap the OPC UA variables add is the difference.
        progress(`${fmt(n)} variables: a hub with its OPC UA server off, for the heap of the same topics without it ...`)
        const plain = spawn('hub-process.js', 'hub (OPC UA off)', [plantFile, 'opcua-off'], ['--expose-gc'])
        const plainAt = await plain.next<{ url: string }>('ready', READY_TIMEOUT_MS)
        const plainBefore = await plain.ask<Heap>({ kind: 'memory' })
        const plainBirths = await edgeJob<BirthsSent>({ kind: 'births', url: plainAt.url, n, awaitUns: true })
        await sleep(1000) // the retained snapshot of the new topics is written
        const plainAfter = await plain.ask<Heap>({ kind: 'memory' })
        await edgeJob({ kind: 'close' })
        await plain.stop()
        children.splice(children.indexOf(plain), 1)
        progress(`  hub without OPC UA: ${fmt(plainBirths.uns ?? 0)} of ${fmt(n)} UNS messages of the births seen; heap ${mb(plainBefore.heapUsed)} -> ${mb(plainAfter.heapUsed)} MB`)

        // The hub: births of n new topics; start = births sent -> the client reads all n Good.
        progress(`${fmt(n)} variables: the hub as shipped (OPC UA server on a free loopback port) ...`)
        const hub = spawn('hub-process.js', 'hub', [plantFile], ['--expose-gc'])
        const hubAt = await hub.next<{ url: string, opcuaUrl: string }>('ready', READY_TIMEOUT_MS)
        await clientJob({ kind: 'connect', name: 'hub', url: hubAt.opcuaUrl, namespaceUri: HUB_NAMESPACE_URI })
        const hubBefore = await hub.ask<Heap>({ kind: 'memory' })
        const births = await edgeJob<BirthsSent>({ kind: 'births', url: hubAt.url, n })
        const hubReady = await clientJob<ReadyResult>({ kind: 'ready', name: 'hub', n, timeoutMs: READY_TIMEOUT_MS })
        const hubStartMs = hubReady.at - births.at
        await sleep(1000) // the retained snapshot of the new topics is written
        const hubAfter = await hub.ask<Heap>({ kind: 'memory' })
        progress(`  hub: births of ${fmt(n)} metrics from ${births.nodes} edge nodes -> all ${fmt(n)} variables read Good in ${fmt(hubStartMs)} ms (${hubReady.polls} polls); heap ${mb(hubBefore.heapUsed)} -> ${mb(hubAfter.heapUsed)} MB`)

        // The bare server: creating the n variables and starting it, timed in its process.
        const bare = spawn('bare-process.js', 'bare node-opcua server', [String(n), path.join(dir, `bare-pki-${n}`)], ['--expose-gc'])
        const bareAt = await bare.next<BareReady>('ready', READY_TIMEOUT_MS)
        await clientJob({ kind: 'connect', name: 'bare', url: bareAt.opcuaUrl, namespaceUri: BARE_NAMESPACE_URI })
        await clientJob<ReadyResult>({ kind: 'ready', name: 'bare', n, timeoutMs: READY_TIMEOUT_MS })
        progress(`  bare node-opcua: ${fmt(n)} variables created in ${fmt(bareAt.createMs)} ms, server started at ${fmt(bareAt.startMs)} ms; heap ${mb(bareAt.heapBefore.heapUsed)} -> ${mb(bareAt.heapAfter.heapUsed)} MB`)

        const subs: Record<Name, SubscribeResult> = {
          hub: await clientJob<SubscribeResult>({ kind: 'subscribe', name: 'hub', n, publishingIntervalMs: PUBLISHING_INTERVAL_MS }),
          bare: await clientJob<SubscribeResult>({ kind: 'subscribe', name: 'bare', n, publishingIntervalMs: PUBLISHING_INTERVAL_MS })
        }
        for (const name of ['hub', 'bare'] as const) {
          const s = subs[name]
          progress(`  ${name}: one subscription, ${fmt(s.items)} monitored items in batches of ${fmt(s.batch)} in ${fmt(s.ms)} ms (sampling interval revised to ${s.revisedSamplingInterval} ms${s.bad > 0 ? `, ${s.bad} REFUSED` : ''})`)
        }

        progress(`  one unmeasured round of each, then ${ROUNDS} rounds of hub, bare: ${fmt(CHANGES)} changes at ${fmt(CHANGES_PER_SECOND)}/s each, counted over ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s`)
        const figures: Record<Name, Figures> = { hub: blank(), bare: blank() }
        const source: Record<Name, (b: number) => Promise<Paced>> = {
          hub: (b) => edgeJob<Paced>({ kind: 'changes', perSecond: CHANGES_PER_SECOND, changes: CHANGES, base: b }),
          bare: (b) => bare.ask<Paced>({ kind: 'changes', perSecond: CHANGES_PER_SECOND, changes: CHANGES, base: b })
        }
        const server: Record<Name, Child> = { hub, bare }
        const once = async (name: Name): Promise<{ sent: Paced, r: CountResult, gc: GcPauses }> => {
          base += 1_000_000
          await server[name].ask<GcPauses>({ kind: 'gc' })
          const counting = clientJob<CountResult>({ kind: 'count', name, base, changes: CHANGES, warmupMs: WARMUP_MS, measureMs: MEASURE_MS }, 60_000)
          await client.next('armed')
          const sent = await source[name](base)
          const r = await counting
          return { sent, r, gc: await server[name].ask<GcPauses>({ kind: 'gc' }) }
        }
        for (const name of ['hub', 'bare'] as const) await once(name)
        for (let round = 1; round <= ROUNDS; round++) {
          const line: string[] = []
          for (const name of ['hub', 'bare'] as const) {
            const { sent, r, gc } = await once(name)
            const f = figures[name]
            const lag = r.lastAt - sent.endedAt
            f.rates.push(r.rate)
            f.sourceRates.push(sent.rate)
            f.lagMs.push(lag)
            f.sent += sent.sent
            f.got += r.got
            f.missingFinal += r.missingFinal
            line.push(`${name} ${fmt(r.rate)}/s (source ${fmt(sent.rate)}/s, last change ${fmt(lag)} ms after the source's, ${gc.count} major GC ${fmt(gc.ms)} ms (longest ${fmt(gc.maxMs)})${r.got < sent.sent ? `, ${fmt(sent.sent - r.got)} of ${fmt(sent.sent)} changes not delivered (folded by queue size 1, or lost)` : ''}${r.missingFinal > 0 ? `, ${r.missingFinal} variables without their last value` : ''})`)
          }
          progress(`    round ${round}: ${line.join(', ')}`)
        }

        rows.push(...sizeRows(n, { hubStartMs, bareStartMs: bareAt.startMs, hubHeap: hubAfter.heapUsed - hubBefore.heapUsed, plainHeap: plainAfter.heapUsed - plainBefore.heapUsed, plainComplete: plainBirths.uns === n, bareHeap: bareAt.heapAfter.heapUsed - bareAt.heapBefore.heapUsed, exactHeap: hubBefore.exactHeap && bareAt.heapBefore.exactHeap }, figures))

        await clientJob({ kind: 'close', name: 'hub' })
        await clientJob({ kind: 'close', name: 'bare' })
        await edgeJob({ kind: 'close' })
        for (const c of [hub, bare]) { await c.stop(); children.splice(children.indexOf(c), 1) }
      }
      return rows
    } finally {
      for (const c of children.reverse()) await c.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

function blank (): Figures {
  return { rates: [], sent: 0, got: 0, missingFinal: 0, sourceRates: [], lagMs: [] }
}

interface Once { hubStartMs: number, bareStartMs: number, hubHeap: number, plainHeap: number, plainComplete: boolean, bareHeap: number, exactHeap: boolean }

function sizeRows (n: number, o: Once, f: Record<Name, Figures>): BenchResult[] {
  const size = `${fmt(n)} variables`
  const per10k = 10_000 / n
  const hubRate = median(f.hub.rates)
  const bareRate = median(f.bare.rates)
  const ratio = hubRate / bareRate
  const opcuaShare = o.hubHeap - o.plainHeap
  const heapCheck = o.exactHeap && o.plainComplete ? {} : { target: 'GC exposed, every birth seen', met: false }
  const lost = (name: Name): string => {
    const x = f[name]
    const notes = [x.got < x.sent ? `${fmt(x.sent - x.got)} of ${fmt(x.sent)} changes not delivered (folded by queue size 1, or lost)` : '', x.missingFinal > 0 ? `${x.missingFinal} variables without their last value` : ''].filter((s) => s !== '')
    return notes.length > 0 ? ` (${name}: ${notes.join(', ')})` : ''
  }
  return [
    { name: `OPC UA start, ${size}: births sent -> all readable Good (hub) vs create + start (bare)`, unit: 'ms', value: o.hubStartMs, baseline: o.bareStartMs, baselineName: 'bare node-opcua', ratio: o.bareStartMs / o.hubStartMs },
    { name: `OPC UA memory per 10,000 variables, ${size} (heap after GC; hub: all the topics cost, OPC UA on)`, unit: 'MB', value: o.hubHeap * per10k / MB, baseline: o.bareHeap * per10k / MB, baselineName: 'bare node-opcua', ratio: o.bareHeap / o.hubHeap, ...heapCheck },
    { name: `OPC UA memory per 10,000 variables, ${size}: the hub's OPC UA share (heap with its OPC UA server on minus off)`, unit: 'MB', value: opcuaShare * per10k / MB, baseline: o.bareHeap * per10k / MB, baselineName: 'bare node-opcua', ratio: o.bareHeap / opcuaShare, ...heapCheck },
    { name: `OPC UA value changes to one subscription, ${size}, source ${fmt(CHANGES_PER_SECOND)} changes/s (publishing ${PUBLISHING_INTERVAL_MS} ms, queue 1), median of ${ROUNDS}${lost('hub')}${lost('bare')}`,
      unit: 'changes/s', value: hubRate, baseline: bareRate, baselineName: 'bare node-opcua', ratio, target: `>= ${TARGET_RATIO}, every last value arrives`, met: ratio >= TARGET_RATIO && f.hub.missingFinal === 0 }
  ]
}
