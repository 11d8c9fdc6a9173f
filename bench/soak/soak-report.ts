// What the soak prints: one line per kill cycle, and the targets with PASS/FAIL at the end. Pure functions of the
// figures, so the rules (what counts as lost, how RSS growth is measured) read in one place.
import { percentile } from '../stats'

export interface Cycle {
  n: number
  /** SIGKILL to 'hub ready' printed again, seconds. */
  serveS: number | undefined
  /** SIGKILL to the first Sparkplug metric at the subscriber again, seconds. */
  metricsFlowS: number | undefined
  /** SIGKILL to the first numbered message published after the restart at the subscriber, seconds. */
  numbersFlowS: number | undefined
  /** QoS 1 numbers PUBACKed before this kill and not received by the persistent subscriber SETTLE s after the
   *  restart (some may still come: the end of the run counts what was lost). */
  qos1Missing: number
  /** MES events answered 200 before this kill and missing from the job response after the restart. */
  mesLost: number | undefined
  duplicates: number
  outOfOrder: number
  sessionsLost: number
  /** RSS of the hub in the second half of the life this kill ended (median of its samples), bytes. */
  rssBeforeKill: number | undefined
  /** Ping round trips of the hub life that ended with this kill, ms, sorted. */
  ping: number[]
}

export interface Totals {
  minutes: number
  kills: number
  qos1: { sent: number, acked: number, received: number, lost: number, duplicates: number, outOfOrder: number }
  mes: { answered: number, lost: number | undefined, duplicates: number | undefined }
  metrics: { sent: number, received: number }
  sessionsLost: number
  pingsLost: number
  /** RSS by hub life (median of the second half of each life), bytes. */
  rssByLife: number[]
  /** Without kills: RSS a quarter into the run, the baseline of the growth. */
  rssEarly: number | undefined
  failures: string[]
}

/** Greatest share the hub's RSS at the end of a later life exceeds that of the first (or, without kills, the
 *  last reading exceeds the one a quarter into the run). */
export const RSS_GROWTH_LIMIT = 0.10

export const mb = (bytes: number | undefined): string => bytes === undefined ? '?' : `${(bytes / 1048576).toFixed(0)} MB`
const s = (x: number | undefined): string => x === undefined ? 'never' : `${x.toFixed(1)} s`
const ms = (x: number): string => Number.isNaN(x) ? '-' : `${x.toFixed(1)} ms`

export function cycleLine (c: Cycle): string {
  return `cycle ${c.n}: SIGKILL; serving again after ${s(c.serveS)}, metrics flowing after ${s(c.metricsFlowS)}, ` +
    `numbered messages after ${s(c.numbersFlowS)} | acknowledged before the kill, missing after it: QoS 1 ${c.qos1Missing}, ` +
    `MES ${c.mesLost ?? '? (job response not readable)'} | ` +
    `duplicates ${c.duplicates}, out of order ${c.outOfOrder}, sessions lost ${c.sessionsLost} | ` +
    `RSS ${mb(c.rssBeforeKill)} | ping p50 ${ms(percentile(c.ping, 0.5))} p99 ${ms(percentile(c.ping, 0.99))} (${c.ping.length})`
}

/** Growth of RSS as a share (0.05 = 5%), undefined when there are not two comparable readings. */
export function rssGrowth (t: Pick<Totals, 'rssByLife' | 'rssEarly' | 'kills'>): number | undefined {
  if (t.kills === 0) {
    const last = t.rssByLife[t.rssByLife.length - 1]
    return t.rssEarly !== undefined && last !== undefined ? last / t.rssEarly - 1 : undefined
  }
  // Lives that ended in a kill ran the same length; the one after the last kill only restarts and settles.
  const full = t.rssByLife.slice(0, t.kills)
  if (full.length < 2) return undefined
  return Math.max(...full.slice(1)) / full[0]! - 1
}

export interface Target { name: string, pass: boolean, detail: string }

export function targets (t: Totals): Target[] {
  const growth = rssGrowth(t)
  return [
    { name: 'QoS 1: every PUBACKed message reached the persistent subscriber', pass: t.qos1.lost === 0,
      detail: `${t.qos1.lost} of ${t.qos1.acked} lost` },
    { name: 'MES: every event answered 200 is in the job response', pass: t.mes.lost === 0,
      detail: t.mes.lost === undefined ? 'the job response could not be read' : `${t.mes.lost} of ${t.mes.answered} lost` },
    { name: `RSS growth under ${RSS_GROWTH_LIMIT * 100}%`, pass: growth !== undefined && growth < RSS_GROWTH_LIMIT,
      detail: growth === undefined ? 'not measured (needs 2 kills, or a run without kills)' : `${(growth * 100).toFixed(1)}% (${t.rssByLife.map(mb).join(', ')}${t.kills === 0 ? `; a quarter in ${mb(t.rssEarly)}` : ''})` },
    { name: 'the hub served again and data flowed after every kill', pass: t.failures.length === 0,
      detail: t.failures.length === 0 ? `${t.kills} kill(s)` : t.failures.join('; ') }
  ]
}

export function summary (t: Totals): string[] {
  return [
    `soak: ${t.minutes} min, ${t.kills} SIGKILL(s)`,
    `  QoS 1 numbered: ${t.qos1.sent} sent, ${t.qos1.acked} PUBACKed, ${t.qos1.received} received, ${t.qos1.lost} acknowledged but lost, ` +
      `${t.qos1.duplicates} duplicates, ${t.qos1.outOfOrder} out of order`,
    `  MES report events: ${t.mes.answered} answered 200, ${t.mes.lost ?? '?'} lost, ${t.mes.duplicates ?? '?'} in the job response twice`,
    `  Sparkplug metrics: ${t.metrics.sent} sent by the edge nodes, ${t.metrics.received} received as UNS JSON by the subscriber`,
    `  sessions lost at reconnect: ${t.sessionsLost}; pings lost: ${t.pingsLost}`
  ]
}
