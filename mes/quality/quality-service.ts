// The Quality of mes/service.ts over one store: each command validated, then run in one transaction (a rejected
// result with its nonconformance and hold, a disposition with the release of its hold and the lot's new status).
// After a command commits, its QualityEvent goes to the listeners of onEvent (a retry already applied announces
// nothing: it changed nothing).
import type { MesStore } from '../store/store'
import { NotFoundError } from '../errors'
import { ValidationError } from '../../core/errors'
import { EventChannel } from '../events'
import { loadJob } from '../repo'
import { loadLot, loadSerial } from '../materials/rows'
import { setInspectionPlanTx } from './inspection-plan'
import { recordResultTx } from './inspection-results'
import { dispositionTx, openNonconformanceTx, RaceLost, setQmsReferenceTx } from './nonconformances'
import { usageDecisionTx } from './usage-decision'
import { characteristicFromRow, inspectionLotFromRow, loadInspectionLot, loadNonconformance, nonconformanceFromRow, resultFromRow } from './rows'
import {
  validateDisposition, validateNonconformance, validatePlan, validateQmsReference, validateResult, validateUsageDecision
} from './validation'
import type { Quality, QualityEvent } from './types'
import type { SqlValue } from '../store/store'
import { announce, changesAt, statusBefore, type Announcements, type QualityAnnouncer } from './announcements'

export interface QualityServiceOptions {
  now?: () => Date
  /** Where the holds and lot statuses a quality command changes are announced (createMes: the holds' and materials' listeners). */
  announcer?: QualityAnnouncer
}

const pageSize = (limit: number | undefined, max = 10_000, dflt = 1000): number => Math.max(1, Math.min(max, Math.floor(limit ?? dflt)))

export class QualityService implements Quality {
  private readonly now: () => Date
  private readonly events = new EventChannel<QualityEvent>()

  private readonly announcer: QualityAnnouncer | undefined

  constructor (private readonly store: MesStore, opts: QualityServiceOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.announcer = opts.announcer
  }

  private at (): string { return this.now().toISOString() }

  onEvent (listener: (e: QualityEvent) => void): () => void { return this.events.on(listener) }

  onListenerError (fn: (err: unknown, e: QualityEvent) => void): () => void { return this.events.onListenerError(fn) }

  /** Runs a command again when a concurrent one under the same id committed first: the second run finds it. */
  private async once<T> (run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (err instanceof RaceLost) return await run()
      throw err
    }
  }

  async setInspectionPlan (input: unknown): ReturnType<Quality['setInspectionPlan']> {
    const p = validatePlan(input)
    const at = this.at()
    const lot = await this.store.transaction(async (tx) => await setInspectionPlanTx(tx, p, at))
    this.events.emit({ kind: 'inspection-plan', inspectionLot: lot, who: p.who, at })
    return lot
  }

  async inspectionLot (inspectionLot: string): ReturnType<Quality['inspectionLot']> {
    const lot = await this.store.read(async (tx) => await loadInspectionLot(tx, inspectionLot))
    if (lot === undefined) throw new NotFoundError('inspection lot', inspectionLot)
    return lot
  }

  async inspectionLotsOf (orderNumber: string): ReturnType<Quality['inspectionLotsOf']> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM inspection_lots WHERE order_number = ? ORDER BY created_at, inspection_lot', [orderNumber])).map(inspectionLotFromRow))
  }

  async characteristics (orderNumber: string, sequence: number): ReturnType<Quality['characteristics']> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM inspection_characteristics WHERE order_number = ? AND sequence = ? ORDER BY inspection_lot, characteristic',
        [orderNumber, sequence])).map(characteristicFromRow))
  }

  async recordResult (input: unknown): ReturnType<Quality['recordResult']> {
    const r = validateResult(input)
    const at = this.at()
    let changed: Announcements = { holds: [], lots: [] }
    const recorded = await this.once(async () => await this.store.transaction(async (tx) => {
      const done = await recordResultTx(tx, r, at)
      if (!done.duplicate) changed = await changesAt(tx, { holdId: done.nonconformance?.holdId ?? null, lotId: null, who: r.who, at })
      return done
    }))
    if (!recorded.duplicate) {
      announce(this.announcer, changed)
      this.events.emit({ kind: 'result', result: recorded.result, who: r.who, at })
      if (recorded.nonconformance !== null) this.events.emit({ kind: 'nonconformance', nonconformance: recorded.nonconformance, who: r.who, at })
    }
    return recorded
  }

  async resultsOf (filter: Parameters<Quality['resultsOf']>[0]): ReturnType<Quality['resultsOf']> {
    const where: string[] = []
    const params: SqlValue[] = []
    for (const [column, value] of [['order_number', filter.orderNumber], ['lot_id', filter.lotId], ['serial', filter.serial], ['inspection_lot', filter.inspectionLot]] as const) {
      if (value !== undefined) { where.push(`${column} = ?`); params.push(value) }
    }
    if (where.length === 0) {
      throw new ValidationError('results query', [{ path: '/', message: 'name an order, a lot, a serial or an inspection lot' }])
    }
    return await this.store.read(async (tx) =>
      (await tx.all(`SELECT * FROM inspection_results WHERE ${where.join(' AND ')} ORDER BY id LIMIT 10000`, params)).map(resultFromRow))
  }

  async resultsAfter (afterId: number, limit?: number): ReturnType<Quality['resultsAfter']> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM inspection_results WHERE id > ? ORDER BY id LIMIT ?', [afterId, pageSize(limit)])).map(resultFromRow))
  }

  async reportNonconformance (input: unknown): ReturnType<Quality['reportNonconformance']> {
    const n = validateNonconformance(input)
    const at = this.at()
    let changed: Announcements = { holds: [], lots: [] }
    const r = await this.once(async () => await this.store.transaction(async (tx) => {
      let orderNumber = n.orderNumber ?? null
      let sequence = n.sequence ?? null
      if (n.jobId !== undefined) {
        const job = await loadJob(tx, n.jobId)
        if (job === undefined) throw new NotFoundError('job', n.jobId)
        if (orderNumber !== null && orderNumber !== job.orderNumber) {
          throw new ValidationError('nonconformance', [{ path: '/orderNumber', message: `job ${job.jobId} is of order ${job.orderNumber}, not ${orderNumber}` }])
        }
        orderNumber = job.orderNumber
        sequence ??= job.sequence
      }
      if (orderNumber !== null && await tx.get('SELECT 1 AS x FROM work_orders WHERE order_number = ?', [orderNumber]) === undefined) {
        throw new NotFoundError('work order', orderNumber)
      }
      if (n.lotId !== undefined && await loadLot(tx, n.lotId) === undefined) throw new NotFoundError('lot', n.lotId)
      if (n.serial !== undefined && await loadSerial(tx, n.serial) === undefined) throw new NotFoundError('serial', n.serial)
      const opened = await openNonconformanceTx(tx, {
        ...(n.ncId !== undefined ? { ncId: n.ncId } : {}),
        source: 'operator', resultId: null, lotId: n.lotId ?? null, serial: n.serial ?? null, orderNumber, sequence, jobId: n.jobId ?? null,
        quantity: n.quantity, unit: n.unit ?? null, defectCode: n.defectCode, description: n.description, who: n.who
      }, at)
      if (!opened.duplicate) changed = await changesAt(tx, { holdId: opened.nonconformance.holdId, lotId: null, who: n.who, at })
      return opened
    }))
    announce(this.announcer, changed)
    if (!r.duplicate) this.events.emit({ kind: 'nonconformance', nonconformance: r.nonconformance, who: n.who, at })
    return r
  }

  async disposition (ncId: string, input: unknown): ReturnType<Quality['disposition']> {
    const d = validateDisposition(input, ncId)
    const at = this.at()
    let changed: Announcements = { holds: [], lots: [] }
    const nc = await this.store.transaction(async (tx) => {
      const lotId = (await loadNonconformance(tx, ncId))?.lotId ?? null
      const lotBefore = await statusBefore(tx, lotId)
      const done = await dispositionTx(tx, ncId, d, at)
      changed = await changesAt(tx, { holdId: done.holdId, lotId, ...(lotBefore !== undefined ? { lotBefore } : {}), who: d.who, at })
      return done
    })
    announce(this.announcer, changed)
    this.events.emit({ kind: 'disposition', nonconformance: nc, who: d.who, at })
    return nc
  }

  async nonconformance (ncId: string): ReturnType<Quality['nonconformance']> {
    const nc = await this.store.read(async (tx) => await loadNonconformance(tx, ncId))
    if (nc === undefined) throw new NotFoundError('nonconformance', ncId)
    return nc
  }

  async listNonconformances (filter: Parameters<Quality['listNonconformances']>[0] = {}): ReturnType<Quality['listNonconformances']> {
    const where: string[] = []
    const params: SqlValue[] = []
    for (const [column, value] of [['status', filter.status], ['lot_id', filter.lotId], ['order_number', filter.orderNumber]] as const) {
      if (value !== undefined) { where.push(`${column} = ?`); params.push(value) }
    }
    return await this.store.read(async (tx) => {
      if (filter.after !== undefined) {
        const after = await loadNonconformance(tx, filter.after)
        if (after === undefined) throw new NotFoundError('nonconformance', filter.after)
        where.push('(reported_at > ? OR (reported_at = ? AND nc_id > ?))')
        params.push(after.reportedAt, after.reportedAt, after.ncId)
      }
      params.push(pageSize(filter.limit))
      return (await tx.all(`SELECT * FROM nonconformances ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY reported_at, nc_id LIMIT ?`, params)).map(nonconformanceFromRow)
    })
  }

  async nonconformancesAfter (afterSeq: number, limit?: number): ReturnType<Quality['nonconformancesAfter']> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM nonconformances WHERE change_seq > ? ORDER BY change_seq LIMIT ?', [afterSeq, pageSize(limit)]))
        .map((r) => ({ seq: Number(r.change_seq), nonconformance: nonconformanceFromRow(r) })))
  }

  async setQmsReference (ncId: string, reference: string): ReturnType<Quality['setQmsReference']> {
    const ref = validateQmsReference(reference, ncId)
    return await this.store.transaction(async (tx) => await setQmsReferenceTx(tx, ncId, ref, this.at()))
  }

  async usageDecision (inspectionLot: string, input: unknown): ReturnType<Quality['usageDecision']> {
    const d = validateUsageDecision(input, inspectionLot)
    const at = this.at()
    let changed: Announcements = { holds: [], lots: [] }
    const lot = await this.store.transaction(async (tx) => {
      const lotId = (await loadInspectionLot(tx, inspectionLot))?.lotId ?? null
      const lotBefore = await statusBefore(tx, lotId)
      const done = await usageDecisionTx(tx, inspectionLot, d, at)
      changed = await changesAt(tx, { holdId: null, lotId, ...(lotBefore !== undefined ? { lotBefore } : {}), who: d.who, at })
      return done
    })
    announce(this.announcer, changed)
    this.events.emit({ kind: 'usage-decision', inspectionLot: lot, who: d.who, at })
    return lot
  }
}
