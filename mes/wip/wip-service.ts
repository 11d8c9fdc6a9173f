// Work in progress: applies shop-floor job events. Each event is checked (state machine table, then WIP rules:
// event-rules.ts) and stored in ONE transaction with the job's new state, the operation/order totals, the job event,
// its audit record and its ERP confirmation (event-writes.ts). Listeners (`onEvent`) hear about it only after the
// commit. The summaries of what is in progress are in summaries.ts.
import type { MesStore } from '../store/store'
import type { CredentialCheck, JobOrder, JobResponse, MesListener, OrderWipSummary, WipEvent, WipResult, WipSummary } from '../model/types'
import type { JobEventsPage, JobFilter, Wip } from '../service'
import { validateWipEvent } from '../validation'
import { DuplicateError, NotFoundError, WipRuleError } from '../errors'
import { Signatures } from '../signatures'
import { jobFromRow, loadJob, publicJob } from '../repo'
import { RUNNING_JOB_OF_WORK_UNIT } from '../store/keys'
import { MesEvents } from '../events'
import { writeEvent, type WrittenEvent } from './event-writes'
import { jobResponseOf, wipOfOrder, wipOfWorkCenter, wipOfWorkUnit } from './summaries'

export interface WipOptions {
  now?: () => Date
  events?: MesEvents
  /** How far (percent of the operation quantity) reported quantity may exceed it; default 0. */
  overReportTolerancePct?: number
  /** Verifies electronic signatures; without it, critical operations cannot be completed. */
  verifyCredentials?: CredentialCheck
  /** A job starts only when its material is staged (mes/logistics); default false. */
  startRequiresStaging?: boolean
}

export class WipService implements Wip {
  private readonly now: () => Date
  private readonly signatures: Signatures
  readonly events: MesEvents
  private readonly tolerance: number
  private readonly startRequiresStaging: boolean

  constructor (private readonly store: MesStore, opts: WipOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.events = opts.events ?? new MesEvents()
    this.tolerance = opts.overReportTolerancePct ?? 0
    this.startRequiresStaging = opts.startRequiresStaging ?? false
    this.signatures = new Signatures(store, opts.verifyCredentials, this.now)
  }

  /** Subscribes to committed WIP events; returns the unsubscribe function. */
  onEvent (listener: (e: WipEvent) => void): () => void {
    const l: MesListener = (e) => { if (e.kind === 'wip') listener(e) }
    return this.events.on(l)
  }

  /** Validates (JSON Schema, JSON paths in errors), checks and applies one job event. */
  async apply (input: unknown): Promise<WipResult> {
    const e = validateWipEvent(input)
    // `at` is when it happened (a machine or a late report may say); the audit trail and a signature carry when the
    // hub recorded it, which a caller cannot set (21 CFR Part 11: computer-generated time stamps).
    const recordedAt = this.now().toISOString()
    const at = e.at ?? recordedAt
    const signature = await this.signatures.verify(e, recordedAt)
    let written: WrittenEvent
    try {
      written = await this.store.transaction(async (tx) => await writeEvent(tx, e, at, recordedAt, signature, this.tolerance, this.startRequiresStaging))
    } catch (err) {
      // The rules saw the work unit free, but another job started on it concurrently: the store's key refused the second.
      if (err instanceof DuplicateError && err.entity === RUNNING_JOB_OF_WORK_UNIT) {
        const job = await this.store.read((tx) => loadJob(tx, e.jobId))
        throw new WipRuleError('work-unit-busy', e.jobId, job?.orderNumber ?? '?', job?.sequence, e.event,
          `work unit ${job?.workUnit ?? '?'} is running another job (started concurrently)`)
      }
      throw err
    }
    if (written.emit !== null) this.events.emit(written.emit)
    return written.result
  }

  async getJob (jobId: string): Promise<JobOrder> {
    const j = await this.store.read((tx) => loadJob(tx, jobId))
    if (j === undefined) throw new NotFoundError('job', jobId)
    return publicJob(j)
  }

  /**
   * Job orders, oldest first (created_at, job_id). `limit` caps the list; `after` (a job id) pages on: the jobs
   * that come after that one in this order.
   */
  async listJobs (filter: JobFilter = {}): Promise<JobOrder[]> {
    const where: string[] = []
    const params: Array<string | number> = []
    if (filter.orderNumber !== undefined) { where.push('order_number = ?'); params.push(filter.orderNumber) }
    if (filter.workCenter !== undefined) { where.push('work_center = ?'); params.push(filter.workCenter) }
    if (filter.workUnit !== undefined) { where.push('work_unit = ?'); params.push(filter.workUnit) }
    if (filter.states?.length) { where.push(`state IN (${filter.states.map(() => '?').join(', ')})`); params.push(...filter.states) }
    return await this.store.read(async (tx) => {
      if (filter.after !== undefined) {
        const cursor = await tx.get<{ created_at: string }>('SELECT created_at FROM job_orders WHERE job_id = ?', [filter.after])
        if (cursor === undefined) throw new NotFoundError('job', filter.after)
        where.push('(created_at > ? OR (created_at = ? AND job_id > ?))')
        params.push(cursor.created_at, cursor.created_at, filter.after)
      }
      if (filter.limit !== undefined) params.push(filter.limit)
      return (await tx.all(`SELECT * FROM job_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, job_id` +
        (filter.limit !== undefined ? ' LIMIT ?' : ''), params)).map((r) => publicJob(jobFromRow(r)))
    })
  }

  async jobResponse (jobId: string, page: JobEventsPage = {}): Promise<JobResponse> {
    return await this.store.read(async (tx) => await jobResponseOf(tx, jobId, page, this.now().toISOString()))
  }

  async wipByWorkCenter (workCenter: string): Promise<WipSummary> {
    return await this.store.read(async (tx) => await wipOfWorkCenter(tx, workCenter))
  }

  async wipByWorkUnit (workUnit: string): Promise<WipSummary> {
    return await this.store.read(async (tx) => await wipOfWorkUnit(tx, workUnit))
  }

  async wipByOrder (orderNumber: string): Promise<OrderWipSummary> {
    return await this.store.read(async (tx) => await wipOfOrder(tx, orderNumber))
  }
}
