// The Holds of mes/service.ts over one store: each command validated (schemas/mes/hold.schema.json), its target
// checked, then placed or released in one transaction (hold-writes.ts); what committed goes to the listeners of
// onEvent afterwards, as the materials do (a place answered as a duplicate announces nothing: it changed nothing).
// Holds are SAP QM's blocks as the shop floor sees them: a quality notification blocks a batch (a lot), an order or
// a resource (work unit), and the block stays until someone with the right releases it, with who and why.
import Ajv from 'ajv'
import holdSchema from '../../schemas/mes/hold.schema.json'
import { check, type SchemaCheck } from '../../core/schema-check'
import type { MesStore, Tx } from '../store/store'
import { str } from '../store/store'
import { EventChannel } from '../events'
import { DuplicateError, HoldStateError, HoldTargetError, NotFoundError } from '../errors'
import { HOLD } from '../store/keys'
import { activeHoldsOn, holdFromRow, loadHold, loadHoldToRelease, placeHoldTx, releaseHoldTx, sameHoldOrRefuse } from './hold-writes'
import type { Hold, HoldEvent, HoldFilter, HoldInput, HoldReleaseInput, HoldTarget, Holds } from './types'

export interface HoldsServiceOptions {
  now?: () => Date
  /**
   * Whether the MES knows a work unit code (the hub answers from the plant model). A code it does not know is still
   * known when a job was ever dispatched to it. Without this option every code is accepted, as dispatch does.
   */
  isWorkUnit?: (code: string) => boolean
}

type Command = keyof typeof holdSchema.definitions

const checks = new Map<Command, SchemaCheck>()
const firstProblem = new Ajv({ strict: true, strictRequired: false })
const everyProblem = new Ajv({ strict: true, strictRequired: false, allErrors: true })
firstProblem.addSchema(holdSchema)
everyProblem.addSchema(holdSchema)

function validate<T> (name: Command, input: unknown, source: string): T {
  let c = checks.get(name)
  if (c === undefined) {
    const id = `${holdSchema.$id}#/definitions/${name}`
    checks.set(name, c = { first: firstProblem.getSchema(id)!, every: everyProblem.getSchema(id)! })
  }
  return check<T>(c, source, input)
}

/** Most holds one list answers. */
export const MAX_HOLDS_PER_PAGE = 1000

export class HoldsService implements Holds {
  private readonly now: () => Date
  private readonly events = new EventChannel<HoldEvent>()

  constructor (private readonly store: MesStore, private readonly opts: HoldsServiceOptions = {}) {
    this.now = opts.now ?? (() => new Date())
  }

  onEvent (listener: (e: HoldEvent) => void): () => void { return this.events.on(listener) }

  onListenerError (fn: (err: unknown, e: HoldEvent) => void): () => void { return this.events.onListenerError(fn) }

  /** A hold placed or released inside another module's committed transaction (a nonconformance's), told to the listeners. */
  announce (e: HoldEvent): void { this.events.emit(e) }

  async place (input: unknown): ReturnType<Holds['place']> {
    const h = validate<HoldInput>('place', input, 'hold')
    const at = this.now().toISOString()
    const run = async (): Promise<{ hold: Hold, duplicate: boolean }> => await this.store.transaction(async (tx) => {
      if (h.holdId !== undefined) {
        const known = await loadHold(tx, h.holdId)
        if (known !== undefined) return { hold: sameHoldOrRefuse(known, h), duplicate: true }
      }
      await this.checkTarget(tx, h.target)
      return await placeHoldTx(tx, h, at)
    })
    let r: { hold: Hold, duplicate: boolean }
    try {
      r = await run()
    } catch (err) {
      // The same holdId placed at the same time (the QMS retrying): the key refused the second; it now finds the first.
      if (err instanceof DuplicateError && err.entity === HOLD) r = await run()
      else throw err
    }
    if (!r.duplicate) this.events.emit({ kind: 'hold-placed', hold: r.hold, who: h.who, at })
    return r
  }

  async release (holdId: string, input: unknown): ReturnType<Holds['release']> {
    const r = validate<HoldReleaseInput>('release', input, `release of hold ${holdId}`)
    const at = this.now().toISOString()
    const hold = await this.store.transaction(async (tx) => {
      const h = await loadHoldToRelease(tx, holdId)
      if (h === undefined) throw new NotFoundError('hold', holdId)
      if (h.status === 'released') {
        throw new HoldStateError(holdId, 'release', h.status, `it was released by ${h.releasedBy ?? '?'} at ${h.releasedAt ?? '?'} (${h.releaseWhy ?? ''})`,
          `nothing was changed; the ${h.target.kind} ${h.target.id} is free of this hold already` +
          ' (list its active holds: GET /mes/v1/holds?targetKind=&targetId=&status=active)')
      }
      return await releaseHoldTx(tx, h, r, at)
    })
    this.events.emit({ kind: 'hold-released', hold, who: r.who, at })
    return hold
  }

  async get (holdId: string): ReturnType<Holds['get']> {
    const h = await this.store.read(async (tx) => await loadHold(tx, holdId))
    if (h === undefined) throw new NotFoundError('hold', holdId)
    return h
  }

  /** Holds by placement (placed_at, hold_id), at most `limit` (default 100, at most MAX_HOLDS_PER_PAGE). */
  async list (filter: HoldFilter = {}): ReturnType<Holds['list']> {
    const where: string[] = []
    const params: Array<string | number> = []
    if (filter.target !== undefined) { where.push('target_kind = ? AND target_id = ?'); params.push(filter.target.kind, filter.target.id) }
    if (filter.status !== undefined) { where.push('status = ?'); params.push(filter.status) }
    const limit = Math.max(1, Math.min(MAX_HOLDS_PER_PAGE, Math.floor(filter.limit ?? 100)))
    return await this.store.read(async (tx) => {
      if (filter.after !== undefined) {
        const cursor = await tx.get('SELECT placed_at FROM holds WHERE hold_id = ?', [filter.after])
        if (cursor === undefined) throw new NotFoundError('hold', filter.after)
        where.push('(placed_at > ? OR (placed_at = ? AND hold_id > ?))')
        params.push(str(cursor.placed_at), str(cursor.placed_at), filter.after)
      }
      params.push(limit)
      return (await tx.all(`SELECT * FROM holds ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY placed_at, hold_id LIMIT ?`, params)).map(holdFromRow)
    })
  }

  async activeOn (target: HoldTarget): ReturnType<Holds['activeOn']> {
    return await this.store.read(async (tx) => await activeHoldsOn(tx, target))
  }

  /** A lot or order the store has; a work unit the plant model (or a job dispatched to it) names. */
  private async checkTarget (tx: Tx, t: HoldTarget): Promise<void> {
    switch (t.kind) {
      case 'lot':
        if (await tx.get('SELECT 1 AS x FROM material_lots WHERE lot_id = ?', [t.id]) === undefined) {
          throw new HoldTargetError('lot', t.id, `no lot ${t.id}`, 'nothing was held; hold a lot the MES has received or produced')
        }
        return
      case 'order':
        if (await tx.get('SELECT 1 AS x FROM work_orders WHERE order_number = ?', [t.id]) === undefined) {
          throw new HoldTargetError('order', t.id, `no work order ${t.id}`, 'nothing was held; hold an order the MES has')
        }
        return
      case 'work-unit': {
        const known = this.opts.isWorkUnit === undefined || this.opts.isWorkUnit(t.id) ||
          await tx.get('SELECT 1 AS x FROM job_orders WHERE work_unit = ? LIMIT 1', [t.id]) !== undefined
        if (!known) {
          throw new HoldTargetError('work-unit', t.id, `work unit ${t.id} is not in the plant model and has had no job`,
            'nothing was held; name a work unit by its SAP work center code (plant model sap: { workCenter })')
        }
      }
    }
  }
}
