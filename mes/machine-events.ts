// Job events from machines: the Sparkplug metrics a work unit's plant model entry maps (`mes:` on a work unit), as
// the UNS updates of the Sparkplug side's stream (uns/uns-update.ts), become WIP events of the job on that unit,
// recorded with who 'machine:<group>/<node>[/<device>]'.
//
//   goodCounter / scrapCounter   the increase of the counter since the last value heard is a `report` (good, or
//                                scrap with reason code MACHINE) on the job Running on the unit. The first value
//                                heard (hub start) and a lower value (counter reset) only set the base. A birth
//                                counts like any other value: its increase is what was made while the host could
//                                not hear the node (a sequence gap, a reconnect), and a rebirth with the same value
//                                reports nothing. Each report's eventId is derived from the counter (unit, metric,
//                                base, value), so the same count can never be applied twice to a job.
//   state                        when the value CHANGES (or is first heard) to one listed under `stopped` the
//                                Running job is paused; under `running`, a job that this machine paused is resumed
//                                (a job a person paused is left alone); under `held`, the Running job (else the one
//                                paused job) is held and only a supervisor's release lifts it.
//
// Ignored: STALE and BAD values, historical values, values of other types. Counts with no job Running are not
// reported (nobody could say which job made them): the first such count is logged as a warning, and when a job
// runs again (or the hub stops) the total of that job-less stretch is logged. A transition the job state machine
// refuses (pause a job that is not Running, ...) is logged at debug and ignored; nothing here ever throws into the
// Sparkplug host. Work is queued per work unit, so counts and states of one unit are applied in arrival order.
// The job Running on a unit is remembered between counts (a counter may change with every DDATA, thousands of
// times a second): forgotten on every MES change of that unit's jobs, on any order change, on a refused event, and
// after RUNNING_JOB_TTL_MS at the latest (another hub on the same PostgreSQL database may have changed it).
import type { Equipment, MachineEventsMapping, PlantModel } from '../plant/plant-model'
import { sparkplugKey } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import type { UnsUpdate, UnsUpdateSource } from '../uns/uns-update'
import type { Mes } from './index'
import type { JobOrder, JobState } from './model/types'
import { IllegalTransitionError, NotFoundError, WipRuleError } from './errors'
import { boundedId, countOf } from './machine-values'
import { OrderedWork, flushAll } from './ordered-work'

/** Scrap counted by a machine has no reason a person chose; this is its reason code. */
export const MACHINE_SCRAP_REASON = 'MACHINE'

export interface MachineEventsOptions {
  mes: Mes
  model: PlantModel
  /** The machines' metrics as UNS updates (the Sparkplug side's stream fits). */
  updates: UnsUpdateSource
  log: Logger
}

export interface MachineEvents {
  /** The work units whose metrics are watched. */
  readonly units: readonly Equipment[]
  /** Resolves when everything heard so far has been applied. */
  flush (): Promise<void>
  /** Stops listening; resolves when queued work is done. */
  stop (): Promise<void>
}

type CounterKind = 'good' | 'scrap'

interface Counter {
  readonly kind: CounterKind
  /** Last value heard (GOOD, not historical); undefined until the first one. */
  last: bigint | undefined
  /** Timestamp of the value that set the base (first value, or a reset): keeps eventIds apart across resets. */
  epoch: number
  /** Values of an unusable type are logged once. */
  warnedType: boolean
}

interface Watch {
  readonly unit: Equipment
  /** The unit's SAP work center: how the MES names the work unit. */
  readonly code: string
  readonly who: string
  readonly mapping: MachineEventsMapping
  readonly counters: Map<string, Counter>
  lastState: string | undefined
  readonly work: OrderedWork
  /** Parts counted with no job Running since the stretch began (undefined: not in such a stretch). */
  jobless: { good: number, scrap: number } | undefined
  /** The job Running on the unit as last read, and when (performance.now()); undefined when it must be read again. */
  running: { job: JobOrder | undefined, at: number } | undefined
  /** Counts the times `running` was forgotten, so that a query answered across a change is not remembered. */
  generation: number
}

/** Longest time a remembered Running job is trusted without a change seen by this process. */
export const RUNNING_JOB_TTL_MS = 1000

const ACTION_EVENT = { stopped: 'pause', running: 'resume', held: 'hold' } as const

export function startMachineEvents (opts: MachineEventsOptions): MachineEvents {
  const { mes, updates, log } = opts
  const watches = new Map<string, Watch>()
  for (const unit of opts.model.machineEventUnits()) {
    const sp = unit.bindings.sparkplug
    const code = unit.bindings.sap?.workCenter
    const mapping = unit.mes
    // The loader refuses `mes` without both bindings; a model built by hand is only skipped.
    if (sp === undefined || code === undefined || mapping === undefined) {
      log.warn(`${unit.topic}: mes needs a Sparkplug binding and an SAP work center on the unit; its machine events are ignored`)
      continue
    }
    const counters = new Map<string, Counter>()
    if (mapping.goodCounter !== undefined) counters.set(mapping.goodCounter, { kind: 'good', last: undefined, epoch: 0, warnedType: false })
    if (mapping.scrapCounter !== undefined) counters.set(mapping.scrapCounter, { kind: 'scrap', last: undefined, epoch: 0, warnedType: false })
    watches.set(sparkplugKey(sp.groupId, sp.edgeNodeId, sp.deviceId), {
      unit,
      code,
      who: boundedId(`machine:${sparkplugKey(sp.groupId, sp.edgeNodeId, sp.deviceId)}`),
      mapping,
      counters,
      lastState: undefined,
      work: new OrderedWork((err: unknown) => { log.warn(`${code}: machine event failed: ${(err as Error).message}`) }),
      jobless: undefined,
      running: undefined,
      generation: 0
    })
  }
  let stopped = false


  const runningJob = async (w: Watch): Promise<JobOrder | undefined> => {
    const now = performance.now()
    if (w.running !== undefined && now - w.running.at < RUNNING_JOB_TTL_MS) return w.running.job
    // A change heard while the query runs makes its answer old: it is used this once, not remembered.
    const generation = w.generation
    const job = (await mes.wip.listJobs({ workUnit: w.code, states: ['Running'] }))[0]
    if (w.generation === generation) w.running = { job, at: now }
    return job
  }
  const forget = (w: Watch): void => {
    w.running = undefined
    w.generation++
  }
  // Work-unit codes are SAP work centers, unique only within a plant: a code may name units on two sites.
  const byCode = new Map<string, Watch[]>()
  for (const w of watches.values()) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w])
  const forgetRunning = mes.onEvent((e) => {
    if (e.kind === 'wip') {
      for (const w of byCode.get(e.workUnit) ?? []) forget(w)
    } else {
      for (const w of watches.values()) forget(w)
    }
  })

  /** Applies one job event; a refusal by the state machine or the WIP rules is returned, anything else thrown. */
  async function apply (w: Watch, event: Record<string, unknown>): Promise<{ ok: true } | { ok: false, reason: string }> {
    try {
      await mes.wip.apply({ ...event, who: w.who })
      return { ok: true }
    } catch (err) {
      forget(w)
      if (err instanceof IllegalTransitionError || err instanceof WipRuleError || err instanceof NotFoundError) {
        return { ok: false, reason: err.message }
      }
      throw err
    }
  }

  function endJoblessStretch (w: Watch): void {
    const j = w.jobless
    if (j === undefined) return
    w.jobless = undefined
    log.warn(`${w.code} (${w.unit.topic}): ${describeCount(j.good, j.scrap)} counted while no job was Running ` +
      'were not reported to any job')
  }

  // ---- Counters ---------------------------------------------------------------------------------------------------

  function onCounter (w: Watch, metric: string, c: Counter, u: UnsUpdate): void {
    const value = countOf(u.value, u.datatype)
    if (value === undefined) {
      if (!c.warnedType) log.warn(`${w.code}: counter '${metric}' of ${w.who} has a value that is not a whole number (${String(u.value)}); ignored`)
      c.warnedType = true
      return
    }
    const last = c.last
    c.last = value
    if (last === undefined || value < last) {
      // First value heard, or the counter was reset: a new base, nothing to report.
      c.epoch = u.timestamp
      if (last !== undefined) log.info(`${w.code}: counter '${metric}' went from ${last} down to ${value}: taken as a reset, counting from there`)
      return
    }
    if (value === last) return
    const quantity = Number(value - last)
    const eventId = boundedId(`${w.code}:${metric}:${value}@${c.epoch}`)
    const why = `machine counter '${metric}' ${last} -> ${value}`
    w.work.add(async () => {
      const job = await runningJob(w)
      if (job === undefined) {
        if (w.jobless === undefined) {
          w.jobless = { good: 0, scrap: 0 }
          log.warn(`${w.code} (${w.unit.topic}): ${describeCount(c.kind === 'good' ? quantity : 0, c.kind === 'scrap' ? quantity : 0)} ` +
            `counted by '${metric}' with no job Running: not reported; counts are summed up until a job runs`)
        }
        w.jobless[c.kind] += quantity
        return
      }
      endJoblessStretch(w)
      const amounts = c.kind === 'good' ? { good: quantity } : { scrap: quantity, scrapReason: MACHINE_SCRAP_REASON }
      const r = await apply(w, { jobId: job.jobId, event: 'report', eventId, why, ...amounts })
      if (!r.ok) log.warn(`${w.code}: ${quantity} ${c.kind} counted by '${metric}' not reported to job ${job.jobId}: ${r.reason}`)
    })
  }

  // ---- State ------------------------------------------------------------------------------------------------------

  function onState (w: Watch, u: UnsUpdate): void {
    const state = w.mapping.state!
    const value = stateText(u.value)
    if (value === undefined) return
    const previous = w.lastState
    w.lastState = value
    if (value === previous) return // a rebirth or a repeat: the machine did not change state
    const action: 'stopped' | 'running' | 'held' | undefined =
      state.stopped?.includes(value) === true ? 'stopped'
        : state.running?.includes(value) === true ? 'running'
          : state.held?.includes(value) === true ? 'held'
            : undefined
    if (action === undefined) {
      log.debug(`${w.code}: machine state '${state.metric}' = '${value}' is not mapped; ignored`)
      return
    }
    const eventId = boundedId(`${w.code}:${state.metric}:${value}@${u.timestamp}`)
    const why = `machine state '${state.metric}' = '${value}'`
    w.work.add(async () => {
      const event = ACTION_EVENT[action]
      const job = action === 'stopped' ? await runningJob(w)
        : action === 'running' ? await pausedByThisMachine(w)
          : (await runningJob(w)) ?? await onlyJob(w, 'Interrupted.Paused')
      if (job === undefined) {
        log.debug(`${w.code}: ${why}: no job to ${event}`)
        return
      }
      const r = await apply(w, { jobId: job.jobId, event, eventId, why })
      if (r.ok) log.info(`${w.code}: ${why}: job ${job.jobId} ${event === 'pause' ? 'paused' : event === 'resume' ? 'resumed' : 'held'}`)
      else log.debug(`${w.code}: ${why}: ${event} of job ${job.jobId} refused: ${r.reason}`)
    })
  }

  async function onlyJob (w: Watch, state: JobState): Promise<JobOrder | undefined> {
    const jobs = await mes.wip.listJobs({ workUnit: w.code, states: [state] })
    return jobs.length === 1 ? jobs[0] : undefined
  }

  /** The one paused job on the unit that this machine paused, if no job is Running there. */
  async function pausedByThisMachine (w: Watch): Promise<JobOrder | undefined> {
    if (await runningJob(w) !== undefined) return undefined
    const mine: JobOrder[] = []
    for (const job of await mes.wip.listJobs({ workUnit: w.code, states: ['Interrupted.Paused'] })) {
      const events = (await mes.wip.jobResponse(job.jobId)).events
      const pausedBy = [...events].reverse().find((e) => e.to === 'Interrupted.Paused')
      if (pausedBy?.who === w.who) mine.push(job)
    }
    return mine.length === 1 ? mine[0] : undefined
  }

  // ---- Metrics ----------------------------------------------------------------------------------------------------

  // Every metric of every node passes here: most are not watched, which the name alone tells without building a key.
  const watchedNames = new Set([...watches.values()].flatMap((w) => [...w.counters.keys(), ...(w.mapping.state !== undefined ? [w.mapping.state.metric] : [])]))

  function onMetric (u: UnsUpdate): void {
    const name = u.source.name
    if (stopped || u.historical || u.quality !== 'GOOD' || !watchedNames.has(name)) return
    const w = watches.get(sparkplugKey(u.source.groupId, u.source.edgeNodeId, u.source.deviceId))
    if (w === undefined) return
    try {
      const c = w.counters.get(name)
      if (c !== undefined) return onCounter(w, name, c, u)
      if (name === w.mapping.state?.metric) return onState(w, u)
    } catch (err) {
      log.warn(`${w.code}: metric '${name}' of ${w.who} not handled: ${(err as Error).message}`)
    }
  }

  updates.onUpdate(onMetric)
  // What the host already knows (births heard before the MES started) is the starting point.
  for (const w of watches.values()) {
    const sp = w.unit.bindings.sparkplug!
    const names = [...w.counters.keys(), ...(w.mapping.state !== undefined ? [w.mapping.state.metric] : [])]
    for (const name of names) {
      const current = updates.current?.({ groupId: sp.groupId, edgeNodeId: sp.edgeNodeId, deviceId: sp.deviceId, name })
      if (current !== undefined) onMetric(current)
    }
  }
  if (watches.size > 0) log.info(`machine events from ${[...watches.values()].map((w) => `${w.code} (${w.who})`).join(', ')}`)

  const flush = async (): Promise<void> => await flushAll([...watches.values()].map((w) => w.work))

  return {
    units: [...watches.values()].map((w) => w.unit),
    flush,
    async stop () {
      if (stopped) return await flush()
      stopped = true
      updates.offUpdate(onMetric)
      forgetRunning()
      await flush()
      for (const w of watches.values()) endJoblessStretch(w)
    }
  }
}

/** A state value as text: strings as they are, numbers and booleans written out (so '3' matches Int32 3). */
function stateText (v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  return undefined
}

function describeCount (good: number, scrap: number): string {
  const parts = [good > 0 ? `${good} good` : '', scrap > 0 ? `${scrap} scrap` : ''].filter((s) => s !== '')
  return `${parts.join(' and ') || '0'} part${good + scrap === 1 ? '' : 's'}`
}
