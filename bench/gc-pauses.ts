// Garbage-collection pauses of this process, by kind, since the last take(): the latency benches report them per
// process, so that a percentile spoiled by a collection says whose collection it was (the broker's or the clients').
import { PerformanceObserver, constants } from 'node:perf_hooks'

/** Pauses of one kind: how many, their sum, the longest, and how many were over 5 ms. */
export interface Pauses { count: number, ms: number, maxMs: number, over5ms: number }
/** Scavenges (young generation) and mark-sweep-compacts (old generation). */
export interface GcPauses { minor: Pauses, major: Pauses }

const none = (): Pauses => ({ count: 0, ms: 0, maxMs: 0, over5ms: 0 })

export function watchGcPauses (): { take (): GcPauses, stop (): void } {
  let p: GcPauses = { minor: none(), major: none() }
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind
      const into = kind === constants.NODE_PERFORMANCE_GC_MAJOR ? p.major : kind === constants.NODE_PERFORMANCE_GC_MINOR ? p.minor : undefined
      if (into === undefined) continue
      into.count++
      into.ms += e.duration
      into.maxMs = Math.max(into.maxMs, e.duration)
      if (e.duration > 5) into.over5ms++
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  return { take: () => { const r = p; p = { minor: none(), major: none() }; return r }, stop: () => observer.disconnect() }
}

/** "minor 12 (max 3.1 ms, 0 over 5 ms), major 1 (max 8.0 ms)". */
export function describeGc (g: GcPauses): string {
  const one = (name: string, x: Pauses): string => `${name} ${x.count} (max ${x.maxMs.toFixed(1)} ms, ${x.over5ms} over 5 ms)`
  return `${one('scavenges', g.minor)}, ${one('major', g.major)}`
}
