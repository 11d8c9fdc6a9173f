// `npm run soak -- --minutes N [--kill-every-minutes M]`: the hub as a child process under Sparkplug load, with a
// persistent QoS 1 subscriber, a QoS 1 publisher of numbered messages, MES job events over the HTTP API and an MQTT
// ping; SIGKILL every M minutes, restart, and per cycle: time to serve again, time until data flows, what was
// acknowledged but lost, duplicates, out-of-order arrivals, RSS, ping p50/p99. PASS/FAIL per target at the end;
// exit 1 on a FAIL. Everything it starts stops by itself: each wait has a limit, and the run has an end.
import { fork } from 'node:child_process'
import path from 'node:path'
import { median, percentile } from '../stats'
import { MesEvents } from './mes-events'
import { NumberedPublisher, PersistentSubscriber, Ping, until } from './mqtt-streams'
import { SOAK_USER, SoakHub } from './soak-hub'
import { cycleLine, mb, summary, targets, type Cycle, type Totals } from './soak-report'
import type { LoadOptions, LoadReport } from './sparkplug-load'

const DEFAULTS = { minutes: 20, killEveryMinutes: 5, metricsPerSecond: 20_000, devices: 10 }
const EDGE_NODES = 2
const METRICS_PER_DEVICE = 10
const NUMBERED_PER_SECOND = 100
const PING_EVERY_MS = 200
const PROGRESS_EVERY_MS = 20_000
const RSS_EVERY_MS = 2_000
/** After a restart: how long data may take to flow again, and the acknowledged messages to arrive. */
const FLOW_TIMEOUT_MS = 60_000
const SETTLE_TIMEOUT_MS = 30_000
/** At the end, acknowledged messages still arriving are waited for until none came for QUIET ms (at most FINAL). */
const FINAL_QUIET_MS = 10_000
const FINAL_SETTLE_MAX_MS = 120_000
const HOST_ID = 'isa95-hub'
/** Starts of the hub tried after a kill before the soak gives up. */
const START_ATTEMPTS = 3

interface Options { minutes: number, killEveryMinutes: number, metricsPerSecond: number, devices: number }

function parseArgs (argv: string[]): Options {
  const o = { ...DEFAULTS }
  const names: Record<string, keyof Options> = { '--minutes': 'minutes', '--kill-every-minutes': 'killEveryMinutes', '--rate': 'metricsPerSecond', '--devices': 'devices' }
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]!]
    const value = Number(argv[i + 1])
    if (key === undefined || !Number.isFinite(value) || value < 0) {
      throw new Error(`soak: unknown or invalid option '${argv[i]} ${argv[i + 1] ?? ''}'; options: ${Object.keys(names).join(', ')} (each with a number)`)
    }
    o[key] = value
  }
  if (o.minutes <= 0) throw new Error('soak: --minutes must be more than 0')
  if (o.devices < 1) throw new Error('soak: --devices must be at least 1')
  return o
}

const log = (line: string): void => { process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`) }
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)))
const clock = (ms: number): string => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`

function startLoad (opts: LoadOptions): { sent: () => number, stop: () => Promise<void> } {
  const child = fork(path.join(__dirname, 'sparkplug-load.js'), [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let sent = 0
  child.on('message', (m) => { sent = (m as LoadReport).sent })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    sent: () => sent,
    stop: async () => {
      if (child.connected) child.send('stop')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

async function main (): Promise<number> {
  const opts = parseArgs(process.argv.slice(2))
  const runMs = opts.minutes * 60_000
  const killEveryMs = opts.killEveryMinutes * 60_000
  const killTimes: number[] = []
  for (let k = 1; killEveryMs > 0 && k * killEveryMs <= runMs + 1; k++) killTimes.push(k * killEveryMs)
  log(`${opts.minutes} min, SIGKILL ${killTimes.length ? `every ${opts.killEveryMinutes} min (${killTimes.length} kills)` : 'never'}; ` +
    `${opts.metricsPerSecond} Sparkplug metrics/s from ${opts.devices} devices, ${NUMBERED_PER_SECOND} numbered QoS 1 messages/s, MES report events, ping every ${PING_EVERY_MS} ms`)

  const hub = await SoakHub.create()
  // Whatever ends this process (an error, Ctrl-C) ends the hub it started; the load process follows its IPC channel.
  process.once('exit', () => hub.killNow())
  process.once('SIGINT', () => { log('SIGINT: stopping'); process.exit(130) })
  log(`hub data and config in ${hub.dir}; MQTT ${hub.mqttUrl}, editor and MES API ${hub.httpBase}`)
  let life = hub.start()
  await life.ready
  log(`hub ready after ${((Date.now() - life.startedAt) / 1000).toFixed(1)} s (pid ${hub.pid})`)

  const subscriber = new PersistentSubscriber(hub.mqttUrl)
  if (!await subscriber.ready(FLOW_TIMEOUT_MS)) throw new Error('soak: the subscriber could not connect to the hub')
  const publisher = new NumberedPublisher(hub.mqttUrl, NUMBERED_PER_SECOND)
  const ping = new Ping(hub.mqttUrl, PING_EVERY_MS)
  const mes = new MesEvents(hub.httpBase, SOAK_USER, hub.password)
  await mes.setUp()
  mes.start()
  const load = startLoad({ url: hub.mqttUrl, metricsPerSecond: opts.metricsPerSecond, devices: opts.devices, edgeNodes: Math.min(EDGE_NODES, opts.devices), metricsPerDevice: METRICS_PER_DEVICE, hostId: HOST_ID })
  if (!await until(() => subscriber.metrics > 0, FLOW_TIMEOUT_MS)) throw new Error('soak: no Sparkplug metric reached the subscriber')
  log('data flowing: Sparkplug metrics, numbered messages, MES events, pings')

  const t0 = Date.now()
  let rss: number | undefined
  let rssEarly: number | undefined
  // RSS swings by a third with the garbage collector, so a life's figure is the median of its second half's samples.
  let lifeSamples: Array<{ at: number, rss: number }> = []
  let lifeStart = Date.now()
  const lifeRss = (): number | undefined => {
    const half = lifeSamples.filter((x) => x.at >= lifeStart + (Date.now() - lifeStart) / 2).map((x) => x.rss)
    return half.length ? median(half) : rss
  }
  const rssTimer = setInterval(() => {
    rss = hub.rss() ?? rss
    if (rss !== undefined) lifeSamples.push({ at: Date.now(), rss })
    if (rssEarly === undefined && Date.now() - t0 >= runMs / 4) rssEarly = lifeRss()
  }, RSS_EVERY_MS)
  let lastProgress = { at: Date.now(), metrics: 0 }
  // One reader of the ping's round trips, for the progress line and for the cycle line.
  let progressPing: number[] = []
  let cyclePing: number[] = []
  const takePing = (): void => { const p = ping.take(); progressPing.push(...p); cyclePing.push(...p) }
  const pingTimer = setInterval(takePing, 500)
  const progressTimer = setInterval(() => {
    const now = Date.now()
    const rate = (subscriber.metrics - lastProgress.metrics) / ((now - lastProgress.at) / 1000)
    lastProgress = { at: now, metrics: subscriber.metrics }
    const p = progressPing.sort((a, b) => a - b)
    progressPing = []
    const nextKill = killTimes.find((k) => k > now - t0)
    log(`${clock(now - t0)}/${clock(runMs)} | hub pid ${hub.pid ?? '-'} RSS ${mb(rss)} | metrics ${(rate / 1000).toFixed(1)}k/s at the subscriber ` +
      `(${load.sent()} sent in all) | QoS 1 ${publisher.sent} sent, ${publisher.acked.size} acked, ${subscriber.received.size} received | ` +
      `MES ${mes.answered.size} answered | ping p50 ${percentile(p, 0.5).toFixed(1)} ms (${p.length})${nextKill ? ` | next kill in ${clock(nextKill - (now - t0))}` : ''}`)
  }, PROGRESS_EVERY_MS)

  const failures: string[] = []
  const cycles: Cycle[] = []
  const rssByLife: number[] = []
  let before = { duplicates: 0, outOfOrder: 0, sessionsLost: 0 }
  for (const [i, at] of killTimes.entries()) {
    await sleep(t0 + at - Date.now())
    const rssBeforeKill = lifeRss()
    if (rssBeforeKill !== undefined) rssByLife.push(rssBeforeKill)
    lifeSamples = []
    const ackedBefore = [...publisher.acked]
    const highestBefore = publisher.last
    const mesBefore = [...mes.answered]
    takePing()
    const lifePing = cyclePing.sort((a, b) => a - b)
    cyclePing = []
    const killedAt = await hub.kill()
    lifeStart = killedAt
    life = hub.start()
    let serveS: number | undefined
    // A start that fails is a FAIL; the soak starts the hub again (as systemd would), to go on measuring losses.
    for (let attempt = 1; serveS === undefined && attempt <= START_ATTEMPTS; attempt++) {
      try {
        serveS = (await life.ready - killedAt) / 1000
      } catch (err) {
        failures.push(`cycle ${i + 1}: start ${attempt}: ${(err as Error).message}`)
        log(`cycle ${i + 1}: start ${attempt} of ${START_ATTEMPTS}: ${(err as Error).message}; the hub's last output:\n${hub.tail().slice(-3000)}`)
        if (attempt < START_ATTEMPTS) life = hub.start()
      }
    }
    if (serveS === undefined) break
    const metricsMark = subscriber.metrics
    const metricsFlowing = until(() => subscriber.metrics > metricsMark && subscriber.lastMetricAt > killedAt, FLOW_TIMEOUT_MS).then((ok) => ok ? (Date.now() - killedAt) / 1000 : undefined)
    const numbersFlowing = until(() => subscriber.highest > highestBefore, FLOW_TIMEOUT_MS).then((ok) => ok ? (Date.now() - killedAt) / 1000 : undefined)
    const [metricsFlowS, numbersFlowS] = await Promise.all([metricsFlowing, numbersFlowing])
    if (metricsFlowS === undefined) failures.push(`cycle ${i + 1}: no Sparkplug metric within ${FLOW_TIMEOUT_MS / 1000} s of the restart`)
    if (numbersFlowS === undefined) failures.push(`cycle ${i + 1}: no new numbered message within ${FLOW_TIMEOUT_MS / 1000} s of the restart`)
    await until(() => ackedBefore.every((n) => subscriber.received.has(n)), SETTLE_TIMEOUT_MS, 250)
    const mesCheck = await mes.check()
    const lostNow = new Set(mesCheck?.missing ?? [])
    const cycle: Cycle = {
      n: i + 1,
      serveS,
      metricsFlowS,
      numbersFlowS,
      qos1Missing: ackedBefore.filter((n) => !subscriber.received.has(n)).length,
      mesLost: mesCheck === undefined ? undefined : mesBefore.filter((n) => lostNow.has(n)).length,
      duplicates: subscriber.duplicates - before.duplicates,
      outOfOrder: subscriber.outOfOrder - before.outOfOrder,
      sessionsLost: subscriber.sessionsLost - before.sessionsLost,
      rssBeforeKill,
      ping: lifePing
    }
    before = { duplicates: subscriber.duplicates, outOfOrder: subscriber.outOfOrder, sessionsLost: subscriber.sessionsLost }
    cycles.push(cycle)
    log(cycleLine(cycle))
  }
  if (failures.length === 0) await sleep(t0 + runMs - Date.now())

  // The end: the load and the streams stop, what was acknowledged has time to arrive, the hub stops cleanly.
  log('stopping the load and the streams; waiting for acknowledged messages to arrive')
  await load.stop()
  await mes.stop()
  await publisher.close()
  let seen = { count: subscriber.received.size, at: Date.now() }
  await until(() => {
    if (subscriber.received.size !== seen.count) seen = { count: subscriber.received.size, at: Date.now() }
    return [...publisher.acked].every((n) => subscriber.received.has(n)) || Date.now() - seen.at > FINAL_QUIET_MS
  }, hub.running ? FINAL_SETTLE_MAX_MS : 0, 250)
  const finalMes = hub.running ? await mes.check() : undefined
  const lastRss = lifeRss()
  // A life that began at the last kill and ends with the run has no readings of its own (it printed 0 MB).
  if (lastRss !== undefined && lastRss > 0 && lifeSamples.length > 0) rssByLife.push(lastRss)
  clearInterval(rssTimer)
  clearInterval(progressTimer)
  clearInterval(pingTimer)
  await Promise.all([subscriber.close(), ping.close()])
  await hub.stop()

  const acked = [...publisher.acked]
  const t: Totals = {
    minutes: opts.minutes,
    kills: cycles.length,
    qos1: {
      sent: publisher.sent, acked: acked.length, received: subscriber.received.size,
      lost: acked.filter((n) => !subscriber.received.has(n)).length, duplicates: subscriber.duplicates, outOfOrder: subscriber.outOfOrder
    },
    mes: { answered: mes.answered.size, lost: finalMes?.missing.length, duplicates: finalMes?.duplicates },
    metrics: { sent: load.sent(), received: subscriber.metrics },
    sessionsLost: subscriber.sessionsLost,
    pingsLost: ping.lost,
    rssByLife,
    rssEarly,
    failures
  }
  for (const line of summary(t)) log(line)
  const results = targets(t)
  for (const r of results) log(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`)
  const pass = results.every((r) => r.pass)
  if (pass) hub.remove()
  else log(`the hub's data dir, config and log (hub.log) are kept for a look: ${hub.dir}`)
  return pass ? 0 : 1
}

main().then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
})
