// Logistics at the line (mes/logistics/types.ts): staging requests for a job's components, made in the dispatch
// transaction (stagingTrigger 'dispatch'), at order release for jobs already dispatched ('release'), or only when
// asked ('manual'); the WMS's confirmations and cancellations; put-away requests walked from the produced lots; and
// the change feed (requestsAfter) the WMS adapter's feeder walks with a durable cursor. Two things are caught up from
// durable rows rather than from an event that a crash could lose: the put-away of each produced lot, and the
// cancellation of the open requests of a job that has ended (aborted, or its order cancelled). Both are caught up
// after each event that may need them, and before every read of the feed, so the WMS hears of them in any case.
import type { MesStore, Tx } from '../store/store'
import { num } from '../store/store'
import { EventChannel, type MesEvents } from '../events'
import { loadJob } from '../repo'
import { NotFoundError } from '../errors'
import type { Materials } from '../service'
import { validateLogistics } from './validation'
import { loadPutAway, loadStaging, putAwayFromRow, putAwayIdOf, stagingOfJob } from './rows'
import { cancelRequestsOfEndedJobs, cancelStagingTx, confirmStagingTx, missingStaging, requestStagingTx } from './staging'
import { confirmPutAwayTx, feedPutAwaysTx, insertPutAway, lockPutAwayFeed, pendingPutAways } from './put-away'
import type {
  LogisticsChange, Logistics, LogisticsEvent, OpenWarehouseTaskRequest, PutAwayConfirmationInput, PutAwayRequest, StagingCancelInput, StagingConfirmationInput, StagingRequest
} from './types'

export type StagingTrigger = 'dispatch' | 'release' | 'manual'

export interface LogisticsOptions {
  now?: () => Date
  /** The work unit's supply location (plant model `supplyLocation`); a unit without one: its own code. */
  supplyLocationOf?: (workUnit: string) => string | undefined
  stagingTrigger?: StagingTrigger
  /** The MES's order and WIP channel: dispatch, release, abort and cancel are heard here. */
  mesEvents?: MesEvents
  /** Produced lots are heard here (their put-away is then made at once rather than at the next read of the feed). */
  materials?: Pick<Materials, 'onEvent'>
}

const MAX_CHANGES = 10_000

export class LogisticsService implements Logistics {
  private readonly now: () => Date
  private readonly events = new EventChannel<LogisticsEvent>()
  readonly trigger: StagingTrigger

  constructor (private readonly store: MesStore, private readonly opts: LogisticsOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.trigger = opts.stagingTrigger ?? 'dispatch'
    opts.mesEvents?.on((e) => {
      if (e.kind === 'order' && e.action === 'release' && this.trigger === 'release') this.quietly(this.requestForOrder(e.orderNumber))
      if ((e.kind === 'wip' && (e.job.state === 'Aborted' || e.job.state === 'Ended')) || (e.kind === 'order' && (e.action === 'cancel' || e.action === 'complete'))) {
        this.quietly(this.catchUp())
      }
    })
    opts.materials?.onEvent((e) => { if (e.kind === 'produced' && e.lot !== undefined) this.quietly(this.catchUp()) })
  }

  /** The supply location of a work unit: the plant model's, else the unit's own code. */
  locationOf (workUnit: string): string {
    return this.opts.supplyLocationOf?.(workUnit) ?? workUnit
  }

  /**
   * The dispatch transaction's hook (DispatchService `onJobCreated`): with the trigger 'dispatch', the job's requests
   * commit with the job. Returns what to announce after the commit.
   */
  async onJobDispatchedTx (tx: Tx, jobId: string, who: string, at: string): Promise<() => void> {
    if (this.trigger !== 'dispatch') return () => {}
    const job = (await loadJob(tx, jobId))!
    const { changed } = await requestStagingTx(tx, jobId, this.locationOf(job.workUnit), who, at)
    return () => { for (const r of changed) this.emit({ kind: 'staging-requested', staging: r, who, at }) }
  }

  async requestStaging (jobId: string, who: string): Promise<StagingRequest[]> {
    const at = this.at()
    const { requests, changed } = await this.store.transaction(async (tx) => {
      const job = await loadJob(tx, jobId)
      if (job === undefined) throw new NotFoundError('job', jobId)
      return await requestStagingTx(tx, jobId, this.locationOf(job.workUnit), who, at)
    })
    for (const r of changed) this.emit({ kind: 'staging-requested', staging: r, who, at })
    return requests
  }

  /** 'release': the jobs of the order dispatched before its release (or while it was held) are requested now. */
  private async requestForOrder (orderNumber: string): Promise<void> {
    const jobs = await this.store.read(async (tx) => await tx.all(`SELECT job_id FROM job_orders WHERE order_number = ?
      AND state IN ('AllowedToStart', 'NotAllowedToStart') ORDER BY job_id`, [orderNumber]))
    for (const j of jobs) await this.requestStaging(String(j.job_id), 'mes')
  }

  async stagingOf (jobId: string): Promise<StagingRequest[]> {
    await this.catchUp(jobId)
    return await this.store.read(async (tx) => {
      if (await loadJob(tx, jobId) === undefined) throw new NotFoundError('job', jobId)
      return await stagingOfJob(tx, jobId)
    })
  }

  async stagingRequest (requestId: string): Promise<StagingRequest> {
    const r = await this.store.read(async (tx) => await loadStaging(tx, requestId))
    if (r === undefined) throw new NotFoundError('staging request', requestId)
    return r
  }

  async confirmStaging (input: unknown): Promise<{ request: StagingRequest, duplicate: boolean }> {
    const c = validateLogistics<StagingConfirmationInput>('stagingConfirmation', input, 'staging confirmation')
    const at = this.at()
    const done = await this.store.transaction(async (tx) => await confirmStagingTx(tx, c, at))
    if (!done.duplicate) this.emit({ kind: 'staging-confirmed', staging: done.request, who: c.who, at })
    return done
  }

  async confirmStagingAll (inputs: readonly unknown[]): Promise<Array<{ request: StagingRequest, duplicate: boolean }>> {
    const cs = inputs.map((input, i) => validateLogistics<StagingConfirmationInput>('stagingConfirmation', input, `staging confirmation ${i + 1} of ${inputs.length}`))
    const at = this.at()
    const done = await this.store.transaction(async (tx) => {
      const out: Array<{ request: StagingRequest, duplicate: boolean }> = []
      for (const c of cs) out.push(await confirmStagingTx(tx, c, at))
      return out
    })
    done.forEach((d, i) => { if (!d.duplicate) this.emit({ kind: 'staging-confirmed', staging: d.request, who: cs[i]!.who, at }) })
    return done
  }

  async cancelStaging (input: unknown): Promise<StagingRequest> {
    const c = validateLogistics<StagingCancelInput>('stagingCancel', input, 'staging cancellation')
    const at = this.at()
    const done = await this.store.transaction(async (tx) => await cancelStagingTx(tx, c, at))
    if (done.changed) this.emit({ kind: 'staging-cancelled', staging: done.request, who: c.who, at })
    return done.request
  }

  async isStaged (jobId: string): Promise<boolean> {
    return await this.store.read(async (tx) => {
      const job = await loadJob(tx, jobId)
      if (job === undefined) throw new NotFoundError('job', jobId)
      return (await missingStaging(tx, job)).length === 0
    })
  }

  async requestPutAway (lotId: string, who: string): Promise<PutAwayRequest> {
    const at = this.at()
    const { request, made } = await this.store.transaction(async (tx) => {
      const known = await loadPutAway(tx, putAwayIdOf(lotId), true)
      if (known !== undefined) return { request: known, made: false }
      const lot = await tx.get('SELECT l.*, (SELECT work_unit FROM material_actuals a WHERE a.node_kind = \'lot\' AND a.node_id = l.lot_id AND a.direction = \'produced\' ORDER BY a.id LIMIT 1) AS work_unit FROM material_lots l WHERE l.lot_id = ?', [lotId])
      if (lot === undefined) throw new NotFoundError('lot', lotId)
      const from = lot.work_unit === null || lot.work_unit === undefined ? String(lot.location ?? 'line') : this.locationOf(String(lot.work_unit))
      return { request: await insertPutAway(tx, lotId, String(lot.material), num(lot.quantity), String(lot.unit), from, who, at), made: true }
    })
    if (made) this.emit({ kind: 'put-away-requested', putAway: request, who, at })
    return request
  }

  async confirmPutAway (input: unknown): Promise<{ request: PutAwayRequest, duplicate: boolean }> {
    const c = validateLogistics<PutAwayConfirmationInput>('putAwayConfirmation', input, 'put-away confirmation')
    await this.catchUp()
    const at = this.at()
    const done = await this.store.transaction(async (tx) => await confirmPutAwayTx(tx, c, at))
    if (!done.duplicate) this.emit({ kind: 'put-away-confirmed', putAway: done.request, who: c.who, at })
    return done
  }

  async putAwayOf (lotId: string): Promise<PutAwayRequest | null> {
    await this.catchUp()
    return await this.store.read(async (tx) => await loadPutAway(tx, putAwayIdOf(lotId))) ?? null
  }

  async setTaskReference (requestId: string, taskRef: string): Promise<void> {
    const changes = await this.store.transaction(async (tx) => {
      // The task reference is the WMS's bookkeeping, not a change the WMS needs to hear of: no new change sequence.
      const a = await tx.run('UPDATE staging_requests SET task_ref = ? WHERE request_id = ?', [taskRef, requestId])
      const b = await tx.run('UPDATE put_away_requests SET task_ref = ? WHERE request_id = ?', [taskRef, requestId])
      return a.changes + b.changes
    })
    if (changes === 0) throw new NotFoundError('logistics request', requestId)
  }

  async openTasks (limit = 1000): Promise<OpenWarehouseTaskRequest[]> {
    // The cancellations of ended jobs first: their tasks are no longer the MES's to wait for.
    await this.catchUp()
    const n = Math.max(1, Math.min(MAX_CHANGES, Math.floor(limit)))
    return await this.store.read(async (tx) => {
      const rows = await tx.all(`SELECT request_id, 'staging' AS kind, task_ref, created_at FROM staging_requests
        WHERE status IN ('requested', 'partial') AND task_ref IS NOT NULL
        UNION ALL SELECT request_id, 'put-away' AS kind, task_ref, created_at FROM put_away_requests
        WHERE status = 'requested' AND task_ref IS NOT NULL
        ORDER BY created_at, request_id LIMIT ?`, [n])
      return rows.map((r) => ({ requestId: String(r.request_id), type: String(r.kind) as OpenWarehouseTaskRequest['type'], taskRef: String(r.task_ref) }))
    })
  }

  async requestsAfter (afterSeq: number, limit = 1000): Promise<LogisticsChange[]> {
    await this.catchUp()
    const n = Math.max(1, Math.min(MAX_CHANGES, Math.floor(limit)))
    return await this.store.read(async (tx) => {
      const staging = await tx.all('SELECT * FROM staging_requests WHERE change_seq > ? ORDER BY change_seq LIMIT ?', [afterSeq, n])
      const putAway = await tx.all('SELECT * FROM put_away_requests WHERE change_seq > ? ORDER BY change_seq LIMIT ?', [afterSeq, n])
      const changes: LogisticsChange[] = []
      for (const r of staging) {
        changes.push({ seq: num(r.change_seq), kind: 'staging', request: (await loadStaging(tx, String(r.request_id)))! })
      }
      for (const r of putAway) changes.push({ seq: num(r.change_seq), kind: 'put-away', request: putAwayFromRow(r) })
      return changes.sort((a, b) => a.seq - b.seq).slice(0, n)
    })
  }

  onEvent (listener: (e: LogisticsEvent) => void): () => void {
    return this.events.on(listener)
  }

  onListenerError (fn: (err: unknown, e: LogisticsEvent) => void): () => void {
    return this.events.onListenerError(fn)
  }

  /**
   * Makes the put-away requests of lots produced since the last walk, and cancels the open requests of jobs that
   * have ended (of one job, when given). Writes only when there is something to do.
   */
  async catchUp (jobId?: string): Promise<void> {
    const needed = await this.store.read(async (tx) => {
      if ((await pendingPutAways(tx)).length > 0) return true
      return (await tx.get(`SELECT 1 AS x FROM staging_requests r JOIN job_orders j ON j.job_id = r.job_id
        WHERE r.status IN ('requested', 'partial') AND j.state IN ('Ended', 'Aborted')` + (jobId !== undefined ? ' AND r.job_id = ?' : '') + ' LIMIT 1',
      jobId !== undefined ? [jobId] : [])) !== undefined
    })
    if (!needed) return
    const at = this.at()
    const { putAways, cancelled } = await this.store.transaction(async (tx) => {
      await lockPutAwayFeed(tx)
      const cancelled = await cancelRequestsOfEndedJobs(tx, at, jobId)
      return { cancelled, putAways: await feedPutAwaysTx(tx, (u) => this.locationOf(u), at) }
    })
    for (const p of putAways) this.emit({ kind: 'put-away-requested', putAway: p, who: 'mes', at })
    for (const s of cancelled) this.emit({ kind: 'staging-cancelled', staging: s, who: 'mes', at })
  }

  private readonly inFlight = new Set<Promise<void>>()

  /** Work started by an event (a catch-up, the requests of a release) done: before the store closes, or in a test. */
  async idle (): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  private quietly (p: Promise<void>): void {
    // A catch-up after an event that fails (a store closing) is made again by the next one or the next read.
    const run = p.catch(() => undefined).finally(() => { this.inFlight.delete(run) })
    this.inFlight.add(run)
  }

  private emit (e: LogisticsEvent): void {
    this.events.emit(e)
  }

  private at (): string {
    return this.now().toISOString()
  }
}

