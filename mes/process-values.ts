// Process-value capture for the as-built record: the namespace metrics an operation names (work order, operation
// `processValues: [{ name, topic, unit? }]`) are followed through the UNS port while a job of that operation runs.
//
//   start              the value each metric has then (the namespace's last value, else its retained message) is
//                      stored as `atStart`, and counts as the first sample: Sparkplug and most UNS publishers report
//                      by exception, so a value that never changes during the job is its min, max and mean.
//   while Running      each numeric value that arrives (a UNS payload's `value`, or a bare number) updates the
//                      running min, max, sum and count, in memory (nothing per sample touches the store).
//   pause, hold        the aggregate is stored; values while the job does not run are not part of it (only the
//                      latest is kept). On resume / release the value then counts as a sample, like at start.
//   complete, abort    the value then is stored as `atComplete` with the aggregate; capture of the job ends.
//
// Across a hub restart: the aggregate is stored at start, pause, hold and complete, and every FLUSH_MS while a
// job runs. On start the recorder resumes every Running job from what is stored, so at most the samples of the last
// FLUSH_MS before a crash (or a stop) are lost, and the values published while the hub was down are missing.
// An ERP update that changes the operation's list (work-orders.ts, process-values-update.ts) is followed at once by
// its jobs here: an added metric from then on (its first sample the value then; no `atStart`, nobody heard it at the
// start), a removed one no longer, keeping what it captured (no `atComplete`).
// A topic is relative to the work unit's UNS path (`metrics/force`), or absolute with a leading slash; a unit the
// plant model does not place keeps its relative topics as written, with no samples (logged once).
import type { Logger } from '../core/logger'
import type { UnsMessage, UnsPort, UnsSubscription } from '../uns/uns-port'
import type { MesStore } from './store/store'
import { num, numOrNull, str, strOrNull } from './store/store'
import type { Mes } from './index'
import type { JobState, ProcessValueSpec, WipEvent } from './model/types'

/** How often a running job's aggregate is stored, in ms: what a crash can lose at most. */
export const PROCESS_VALUES_FLUSH_MS = 60_000

/** What the recorder needs of the UNS port. */
export type ProcessValueSource = Pick<UnsPort, 'subscribe' | 'lastValue' | 'retained'>

export interface ProcessValuesOptions {
  mes: Mes
  store: MesStore
  uns: ProcessValueSource
  /** The UNS path of a work unit (of a work center), or undefined when the plant model does not place it. */
  unitTopic: (workUnit: string, workCenter: string) => string | undefined
  log: Logger
  flushMs?: number
}

/** One metric of one running job, as it is kept in memory. */
export interface Capture {
  readonly name: string
  readonly topic: string
  readonly unit: string | null
  atStart: number | null
  /** The last sample. */
  last: number | null
  /** The latest value heard, also while the job does not run. */
  latest: number | null
  min: number | null
  max: number | null
  sum: number
  samples: number
}

interface JobCapture {
  captures: Capture[]
  /** Per metric name (a metric whose unit has no place in the plant model has none). */
  subscriptions: Map<string, UnsSubscription>
  running: boolean
}

const RUNNING: JobState = 'Running'

/** A numeric value of a UNS payload ({ value } JSON) or a bare number; null for anything else. */
export function numericValue (payload: Buffer): number | null {
  if (payload.length === 0 || payload.length > 65_536) return null
  let v: unknown
  try { v = JSON.parse(payload.toString('utf8')) } catch { return null }
  if (v !== null && typeof v === 'object' && 'value' in v) v = (v as { value: unknown }).value
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

function sample (c: Capture, v: number): void {
  c.last = v
  c.min = c.min === null || v < c.min ? v : c.min
  c.max = c.max === null || v > c.max ? v : c.max
  c.sum += v
  c.samples++
}

export class ProcessValueRecorder {
  private readonly jobs = new Map<string, JobCapture>()
  /** Work per job, in event order (a start's subscriptions are up before its pause closes them). */
  private readonly queues = new Map<string, Promise<void>>()
  private readonly warned = new Set<string>()
  private readonly unsubscribe: () => void
  private readonly unsubscribeOrders: () => void
  private readonly timer: NodeJS.Timeout
  private stopped = false

  constructor (private readonly opts: ProcessValuesOptions) {
    this.unsubscribe = opts.mes.wip.onEvent((e) => { this.enqueue(e.jobId, async () => await this.onEvent(e)) })
    this.unsubscribeOrders = opts.mes.onEvent((e) => {
      if (e.kind !== 'order' || e.action !== 'update') return
      this.followUpdate(e.orderNumber).catch((err: unknown) => {
        this.opts.log.warn(`process values of order ${e.orderNumber} after its update: ${(err as Error).message}`)
      })
    })
    this.timer = setInterval(() => { for (const jobId of this.jobs.keys()) this.enqueue(jobId, async () => await this.persist(jobId)) },
      opts.flushMs ?? PROCESS_VALUES_FLUSH_MS)
    this.timer.unref()
  }

  /** Resumes capture of every job Running now (after a hub start) from what is stored. */
  async resume (): Promise<void> {
    for (const job of await this.opts.mes.wip.listJobs({ states: [RUNNING] })) {
      this.enqueue(job.jobId, async () => await this.begin(job.jobId, job.workUnit, job.workCenter, false))
    }
    await this.idle()
  }

  /** What is captured in memory for a running job (empty when it is not captured). */
  captured (jobId: string): readonly Capture[] {
    return this.jobs.get(jobId)?.captures ?? []
  }

  /** Resolves when every queued piece of work has been done. */
  async idle (): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()])
  }

  /** Stores every running job's aggregate and closes the subscriptions (capture resumes on the next start). */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.unsubscribe()
    this.unsubscribeOrders()
    clearInterval(this.timer)
    await this.idle()
    for (const jobId of [...this.jobs.keys()]) await this.end(jobId, false)
  }

  private enqueue (jobId: string, work: () => Promise<void>): void {
    const run = (this.queues.get(jobId) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      this.opts.log.warn(`process values of job ${jobId}: ${(err as Error).message}`)
    })
    this.queues.set(jobId, run)
    void run.then(() => { if (this.queues.get(jobId) === run) this.queues.delete(jobId) })
  }

  private async onEvent (e: WipEvent): Promise<void> {
    if (this.stopped) return
    if (e.to === RUNNING && e.from !== RUNNING) await this.begin(e.jobId, e.workUnit, e.workCenter, e.event === 'start')
    else if (e.to === 'Ended' || e.to === 'Aborted') await this.end(e.jobId, true)
    else if (e.from === RUNNING) await this.interrupt(e.jobId)
  }

  private async specsOf (jobId: string): Promise<ProcessValueSpec[]> {
    const r = await this.opts.store.read(async (tx) => await tx.get(`SELECT o.process_values FROM job_orders j
      JOIN operations o ON o.order_number = j.order_number AND o.sequence = j.sequence WHERE j.job_id = ?`, [jobId]))
    const json = strOrNull(r?.process_values)
    return json === null ? [] : JSON.parse(json) as ProcessValueSpec[]
  }

  private topicOf (spec: ProcessValueSpec, workUnit: string, workCenter: string): { topic: string, placed: boolean } {
    if (spec.topic.startsWith('/')) return { topic: spec.topic.slice(1), placed: true }
    const base = this.opts.unitTopic(workUnit, workCenter)
    if (base === undefined) {
      if (!this.warned.has(workUnit)) {
        this.warned.add(workUnit)
        this.opts.log.warn(`work unit ${workUnit} has no place in the plant model: its process values with relative topics ` +
          `(${spec.topic}) are not captured; bind it with sap: { workCenter: ${workUnit} } or give absolute topics (/...)`)
      }
      return { topic: spec.topic, placed: false }
    }
    return { topic: `${base}/${spec.topic}`, placed: true }
  }

  private async current (topic: string): Promise<number | null> {
    const entry = this.opts.uns.lastValue(topic)
    if (entry !== undefined) return typeof entry.value === 'number' && Number.isFinite(entry.value) ? entry.value : null
    const retained = await this.opts.uns.retained(topic)
    return retained === undefined ? null : numericValue(retained)
  }

  private async begin (jobId: string, workUnit: string, workCenter: string, first: boolean): Promise<void> {
    const known = this.jobs.get(jobId)
    if (known !== undefined) {
      known.running = true
      for (const c of known.captures) {
        const v = c.latest ?? await this.current(c.topic)
        if (v !== null) sample(c, v)
      }
      return
    }
    const specs = await this.specsOf(jobId)
    if (specs.length === 0) return
    const stored = await this.storedOf(jobId)
    const job: JobCapture = { captures: [], subscriptions: new Map(), running: true }
    this.jobs.set(jobId, job)
    for (const spec of specs) await this.follow(job, spec, workUnit, workCenter, stored.get(spec.name), first)
    await this.persist(jobId)
  }

  private async storedOf (jobId: string): Promise<Map<string, Record<string, unknown>>> {
    return new Map((await this.opts.store.read(async (tx) =>
      await tx.all('SELECT * FROM job_process_values WHERE job_id = ?', [jobId]))).map((r) => [str(r.name), r]))
  }

  /** Starts following one metric of a job, carrying on from what is stored of it; `first`: the job's start. */
  private async follow (job: JobCapture, spec: ProcessValueSpec, workUnit: string, workCenter: string,
    s: Record<string, unknown> | undefined, first: boolean): Promise<void> {
    const { topic, placed } = this.topicOf(spec, workUnit, workCenter)
    const c: Capture = {
      name: spec.name, topic, unit: spec.unit ?? null,
      atStart: s === undefined ? null : numOrNull(s.at_start),
      last: null,
      latest: null,
      min: s === undefined ? null : numOrNull(s.min_value),
      max: s === undefined ? null : numOrNull(s.max_value),
      sum: s === undefined ? 0 : num(s.sum_value),
      samples: s === undefined ? 0 : num(s.samples)
    }
    job.captures.push(c)
    if (!placed) return
    // Subscribed before the value is read, so that nothing published in between is missed.
    job.subscriptions.set(spec.name, await this.opts.uns.subscribe(topic, (m: UnsMessage) => {
      const v = numericValue(m.payload)
      if (v === null) return
      c.latest = v
      if (job.running) sample(c, v)
    }))
    const now = c.latest ?? await this.current(topic)
    if (first) c.atStart = now
    if (now !== null && c.last === null && job.running) sample(c, now)
  }

  /**
   * An ERP update of the order may have changed its operations' process values (work-orders.ts): each job of it
   * followed here, or Running, follows its operation's list as stored now.
   */
  private async followUpdate (orderNumber: string): Promise<void> {
    if (this.stopped) return
    for (const j of await this.opts.mes.wip.listJobs({ orderNumber })) {
      if (j.state === RUNNING || this.jobs.has(j.jobId)) this.enqueue(j.jobId, async () => await this.refollow(j.jobId, j.workUnit, j.workCenter))
    }
  }

  /**
   * Added metrics are followed from now on: their first sample is the value now (while the job runs), and they have
   * no `atStart`, as nobody heard them at the start. Removed ones are stored as they are and no longer followed:
   * they keep what they captured, without a value at complete.
   */
  private async refollow (jobId: string, workUnit: string, workCenter: string): Promise<void> {
    if (this.stopped) return
    const job = this.jobs.get(jobId)
    if (job === undefined) {
      // Running with no process values until now (nothing followed): followed as from a resume, if it still runs.
      if ((await this.opts.mes.wip.getJob(jobId)).state === RUNNING) await this.begin(jobId, workUnit, workCenter, false)
      return
    }
    const specs = await this.specsOf(jobId)
    const wanted = new Set(specs.map((x) => x.name))
    const gone = job.captures.filter((c) => !wanted.has(c.name))
    if (gone.length > 0) {
      await this.write(jobId, gone)
      for (const c of gone) {
        await job.subscriptions.get(c.name)?.close()
        job.subscriptions.delete(c.name)
      }
      job.captures = job.captures.filter((c) => wanted.has(c.name))
    }
    const have = new Set(job.captures.map((c) => c.name))
    const added = specs.filter((x) => !have.has(x.name))
    if (added.length === 0) return
    const stored = await this.storedOf(jobId)
    for (const spec of added) await this.follow(job, spec, workUnit, workCenter, stored.get(spec.name), false)
    await this.persist(jobId)
  }

  /** Paused or held: the aggregate is stored, values heard from now on only update the latest. */
  private async interrupt (jobId: string): Promise<void> {
    const job = this.jobs.get(jobId)
    if (job === undefined) return
    job.running = false
    await this.write(jobId, job.captures)
  }

  private async end (jobId: string, final: boolean): Promise<void> {
    const job = this.jobs.get(jobId)
    if (job === undefined) {
      // Ended while not followed here (paused or held when this hub started): the stored aggregate gets its end value.
      if (final) await this.completeStored(jobId)
      return
    }
    this.jobs.delete(jobId)
    await Promise.all([...job.subscriptions.values()].map(async (s) => await s.close()))
    await this.write(jobId, job.captures, final ? await Promise.all(job.captures.map(async (c) => c.latest ?? await this.current(c.topic))) : undefined)
  }

  private async completeStored (jobId: string): Promise<void> {
    const rows = await this.opts.store.read(async (tx) => await tx.all('SELECT name, topic FROM job_process_values WHERE job_id = ?', [jobId]))
    if (rows.length === 0) return
    const values = await Promise.all(rows.map(async (r) => await this.current(str(r.topic))))
    await this.opts.store.transaction(async (tx) => {
      for (const [i, r] of rows.entries()) {
        await tx.run('UPDATE job_process_values SET at_complete = ?, updated_at = ? WHERE job_id = ? AND name = ?',
          [values[i] ?? null, new Date().toISOString(), jobId, str(r.name)])
      }
    })
  }

  private async persist (jobId: string): Promise<void> {
    const job = this.jobs.get(jobId)
    if (job !== undefined) await this.write(jobId, job.captures)
  }

  private async write (jobId: string, captures: readonly Capture[], atComplete?: Array<number | null>): Promise<void> {
    const at = new Date().toISOString()
    await this.opts.store.transaction(async (tx) => {
      for (const [i, c] of captures.entries()) {
        await tx.run(`INSERT INTO job_process_values (job_id, name, topic, unit, at_start, at_complete, min_value, max_value,
          sum_value, samples, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (job_id, name) DO UPDATE SET topic = excluded.topic, unit = excluded.unit, at_start = excluded.at_start,
            at_complete = excluded.at_complete, min_value = excluded.min_value, max_value = excluded.max_value,
            sum_value = excluded.sum_value, samples = excluded.samples, updated_at = excluded.updated_at`,
        [jobId, c.name, c.topic, c.unit, c.atStart, atComplete?.[i] ?? null, c.min, c.max, c.sum, c.samples, at])
      }
    })
  }
}

export function startProcessValues (opts: ProcessValuesOptions): ProcessValueRecorder {
  return new ProcessValueRecorder(opts)
}
