// Shelf-life expiry: a released lot whose `expiresAt` has passed becomes `expired`, through the same status change as
// any other (Materials.setLotStatus: audited, who = mes:expiry, why naming the expiry time), so its lot-status event
// goes out and the retained lot state in the UNS follows. Consumption refuses a lot past its expiry by time already
// (bom-compliance.ts, rule lot-expired); this makes the store, the API and the UNS say so too.
//
//   start        expires what expired while the hub was down, then plans the next run
//   planned run  a timer set for the next expiry (from the index of migration 011), never longer than maxWaitMs (a
//                clock that jumps, or a lot whose expiry the recorder did not hear of, is caught at the latest then)
//   re-plan      a lot received, split, merged or released (also by the release of its last hold) with an
//                expiry earlier than the planned run
//   each run     the released lots expired by `now` (the MES clock), oldest first, in batches of batchSize
//
// Only released lots expire. A quarantined, on-hold or blocked lot keeps its stricter status and who set it and why:
// 'expired' would hide the QMS's hold behind a shelf life, and releasing the lot must stay the QMS's decision. When
// such a lot is released later past its expiry, consumption still refuses it by time, and the release re-plans the
// sweeper, which then expires it.
import type { Logger } from '../../core/logger'
import type { MesStore, Tx } from '../store/store'
import { num, str } from '../store/store'
import type { Mes } from '../service'
import type { Lot } from './types'
import type { MaterialEvent } from './material-events'
import { MaterialRefusedError } from '../errors'

/** Who expires a lot, in its status and audit record. */
export const EXPIRY_ACTOR = 'mes:expiry'
/** The longest the sweeper sleeps, in ms, whatever the next expiry. */
export const EXPIRY_MAX_WAIT_MS = 60_000
/** Lots expired per read of the index. */
export const EXPIRY_BATCH = 100

export interface LotExpiryOptions {
  /** The materials' events re-plan the sweeper; the holds' too (the last release of a lot gives it back its status). */
  mes: Pick<Mes, 'materials'> & Partial<Pick<Mes, 'holds'>>
  store: MesStore
  log: Logger
  /** The MES clock (MesOptions.now). */
  now?: () => Date
  maxWaitMs?: number
  batchSize?: number
}

/**
 * The instant of `expires_at` as the index of migration 011 holds it (the same expression, or the planner would not
 * use it), and the same applied to a parameter.
 */
function instant (tx: Tx, expr: string): string {
  return tx.dialect === 'sqlite' ? `julianday(${expr})` : `mes_instant(${expr})`
}

const RELEASED_WITH_EXPIRY = "status = 'released' AND expires_at IS NOT NULL"

export class LotExpiry {
  private readonly now: () => Date
  private readonly maxWaitMs: number
  private readonly batchSize: number
  private timer: NodeJS.Timeout | undefined
  /** When the planned run is due (ms of the MES clock); Infinity when none is planned. */
  private plannedAt = Infinity
  private running: Promise<void> | undefined
  private again = false
  /** The earliest expiry heard of while a run was under way (its plan may have read the store before it). */
  private heardDuringRun = Infinity
  private stopped = false
  private readonly unsubscribe: () => void
  private readonly unsubscribeHolds: () => void

  constructor (private readonly opts: LotExpiryOptions) {
    this.now = opts.now ?? (() => new Date())
    this.maxWaitMs = opts.maxWaitMs ?? EXPIRY_MAX_WAIT_MS
    this.batchSize = opts.batchSize ?? EXPIRY_BATCH
    this.unsubscribe = opts.mes.materials.onEvent((e) => { this.heard(e) })
    // A lot's last hold released gives it back its status (mes/holds), which no material event tells: read it then.
    this.unsubscribeHolds = opts.mes.holds?.onEvent((e) => {
      if (e.kind !== 'hold-released' || e.hold.target.kind !== 'lot') return
      opts.mes.materials.lot(e.hold.target.id).then((lot) => { this.heardOf([lot]) },
        (err: unknown) => { opts.log.warn(`lot expiry: lot ${e.hold.target.id} not read after the release of hold ${e.hold.holdId}: ${(err as Error).message}`) })
    }) ?? (() => {})
  }

  /** Expires what expired while the hub was down, then plans the next run. */
  async start (): Promise<void> {
    await this.run()
  }

  /** Expires every released lot past its expiry now, and plans the next run; resolves when done. */
  async run (): Promise<void> {
    if (this.stopped) return
    if (this.running !== undefined) {
      this.again = true
      return await this.running
    }
    this.running = (async () => {
      let setAside = 0
      do {
        this.again = false
        setAside = await this.sweep().catch((err: unknown) => {
          this.opts.log.warn(`lot expiry: ${(err as Error).message}; retried within ${this.maxWaitMs} ms`)
          return 1
        })
      } while (this.again && !this.stopped)
      await this.plan(setAside > 0).catch((err: unknown) => {
        this.opts.log.warn(`lot expiry: next expiry not read: ${(err as Error).message}`)
        this.schedule(this.now().getTime() + this.maxWaitMs)
      })
      if (this.heardDuringRun < this.plannedAt) this.schedule(this.heardDuringRun)
      this.heardDuringRun = Infinity
    })()
    try { await this.running } finally { this.running = undefined }
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.unsubscribe()
    this.unsubscribeHolds()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  /** The released lots expired at `at`, oldest expiry first. */
  private async due (at: string): Promise<Array<{ lotId: string, expiresAt: string }>> {
    return await this.opts.store.read(async (tx) => (await tx.all(`SELECT lot_id, expires_at FROM material_lots
      WHERE ${RELEASED_WITH_EXPIRY} AND ${instant(tx, 'expires_at')} <= ${instant(tx, '?')}
      ORDER BY ${instant(tx, 'expires_at')}, lot_id LIMIT ?`, [at, this.batchSize]))
      .map((r) => ({ lotId: str(r.lot_id), expiresAt: str(r.expires_at) })))
  }

  /** Expires the lots due; returns how many due lots it set aside. */
  private async sweep (): Promise<number> {
    // A lot not changed (held meanwhile, or refused) is skipped for this run, so that every round either expires a
    // lot or sets one aside, and the run ends.
    const skip = new Set<string>()
    for (;;) {
      const batch = (await this.due(this.now().toISOString())).filter((l) => !skip.has(l.lotId))
      if (batch.length === 0) return skip.size
      for (const l of batch) {
        if (this.stopped) return skip.size
        try {
          if (!await this.expire(l.lotId, l.expiresAt)) skip.add(l.lotId)
        } catch (err) {
          skip.add(l.lotId)
          this.opts.log.warn(`lot ${l.lotId} past its expiry (${l.expiresAt}) not set expired: ${(err as Error).message}`)
        }
      }
    }
  }

  /** Whether the lot was set expired. */
  private async expire (lotId: string, expiresAt: string): Promise<boolean> {
    // Read again just before the change, and changed only if still released (ifStatus, checked under the lot's row
    // lock): a hold placed since the index was read is kept, also one placed between this read and the write.
    const lot = await this.opts.mes.materials.lot(lotId)
    if (lot.status !== 'released' || lot.expiresAt === null || Date.parse(lot.expiresAt) > this.now().getTime()) return false
    try {
      await this.opts.mes.materials.setLotStatus(lotId, {
        status: 'expired', who: EXPIRY_ACTOR, why: `shelf life ended: expired at ${expiresAt}`, ifStatus: 'released'
      })
    } catch (err) {
      if (err instanceof MaterialRefusedError && err.rule === 'lot-status') return false
      throw err
    }
    return true
  }

  /**
   * Sets the timer for the next expiry among the released lots (at most maxWaitMs ahead). One already due was set
   * aside by the run just ended (`setAside`: it is tried again at the longest wait, not at once in a loop), or came
   * in during the run (run again at once).
   */
  private async plan (setAside: boolean): Promise<void> {
    if (this.stopped) return
    const next = await this.opts.store.read(async (tx) => {
      const r = await tx.get(tx.dialect === 'sqlite'
        ? `SELECT MIN(julianday(expires_at)) AS next FROM material_lots WHERE ${RELEASED_WITH_EXPIRY}`
        : `SELECT EXTRACT(EPOCH FROM MIN(mes_instant(expires_at))) * 1000 AS next FROM material_lots WHERE ${RELEASED_WITH_EXPIRY}`)
      if (r?.next === null || r?.next === undefined) return Infinity
      // julianday: days since noon, November 24, 4714 BC; the Unix epoch is day 2440587.5.
      return tx.dialect === 'sqlite' ? Math.round((num(r.next) - 2440587.5) * 86_400_000) : num(r.next)
    })
    this.schedule(setAside && next <= this.now().getTime() ? this.now().getTime() + this.maxWaitMs : next)
  }

  private schedule (atMs: number): void {
    if (this.stopped) return
    const nowMs = this.now().getTime()
    const due = Math.min(atMs, nowMs + this.maxWaitMs)
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.plannedAt = due
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.plannedAt = Infinity
      void this.run()
    }, Math.max(0, due - nowMs))
    this.timer.unref()
  }

  /** A lot with an expiry earlier than the planned run re-plans it. */
  private heard (e: MaterialEvent): void {
    this.heardOf(e.kind === 'lot-received' || e.kind === 'lot-status' ? [e.lot]
      : e.kind === 'lot-split' ? e.sublots : e.kind === 'lot-merged' ? [e.lot] : [])
  }

  private heardOf (lots: readonly Lot[]): void {
    if (this.stopped) return
    for (const l of lots) {
      if (l.status !== 'released' || l.expiresAt === null) continue
      const at = Date.parse(l.expiresAt)
      if (this.running !== undefined) this.heardDuringRun = Math.min(this.heardDuringRun, at)
      else if (at < this.plannedAt) this.schedule(at)
    }
  }
}

export function startLotExpiry (opts: LotExpiryOptions): LotExpiry {
  return new LotExpiry(opts)
}
