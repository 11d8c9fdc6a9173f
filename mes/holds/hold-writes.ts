// Placing and releasing a hold inside the caller's transaction, so that what places it (a nonconformance, a QMS
// message applied from the inbox) commits with it or not at all. A lot's status follows its holds: 'on-hold' while
// any is active, and at the release of the last one the status it had before the first (a lot consumed or blocked
// meanwhile keeps that). Each is an audit record of the target. The service (holds-service.ts) validates inputs,
// checks the target exists, and announces what committed.
import { randomUUID } from 'node:crypto'
import type { Tx } from '../store/store'
import { str, strOrNull } from '../store/store'
import { appendAudit } from '../audit-trail'
import { HoldStateError, NotFoundError } from '../errors'
import type { Hold, HoldInput, HoldReleaseInput, HoldTarget } from './types'

const AUDIT_ENTITY: Record<HoldTarget['kind'], string> = { lot: 'MaterialLot', order: 'WorkOrder', 'work-unit': 'WorkUnit' }

export function holdFromRow (r: Record<string, unknown>): Hold {
  return {
    holdId: str(r.hold_id),
    target: { kind: str(r.target_kind) as HoldTarget['kind'], id: str(r.target_id) },
    reason: str(r.reason),
    source: str(r.source) as Hold['source'],
    reference: strOrNull(r.reference),
    status: str(r.status) as Hold['status'],
    placedBy: str(r.placed_by),
    placedAt: str(r.placed_at),
    releasedBy: strOrNull(r.released_by),
    releasedAt: strOrNull(r.released_at),
    releaseWhy: strOrNull(r.release_why)
  }
}

export async function loadHold (tx: Tx, holdId: string, lock = false): Promise<Hold | undefined> {
  const r = await tx.get('SELECT * FROM holds WHERE hold_id = ?' + (lock ? tx.forUpdate : ''), [holdId])
  return r === undefined ? undefined : holdFromRow(r)
}

/**
 * A hold read with its row locked for a release, its lot's row locked before it: every writer of a lot and its holds
 * takes the lot first (placeHoldTx, releaseHoldTx, a status change that updates the lot's active holds), so a release
 * never holds the hold while it waits for the lot another writer holds, waiting for the hold.
 */
export async function loadHoldToRelease (tx: Tx, holdId: string): Promise<Hold | undefined> {
  const seen = await loadHold(tx, holdId)
  if (seen === undefined) return undefined
  if (seen.target.kind === 'lot') await tx.get('SELECT lot_id FROM material_lots WHERE lot_id = ?' + tx.forUpdate, [seen.target.id])
  return await loadHold(tx, holdId, true)
}

/** One line naming the holds, for refusals and the lot's status reason: `hold Q-1 by qa.quinn: crack at weld 3; ...`. */
export function describeHolds (holds: readonly Hold[]): string {
  return holds.map((h) => `hold ${h.holdId} by ${h.placedBy}: ${h.reason}`).join('; ')
}

export async function activeHoldsOn (tx: Tx, target: HoldTarget): Promise<Hold[]> {
  return (await tx.all(`SELECT * FROM holds WHERE target_kind = ? AND target_id = ? AND status = 'active' ORDER BY placed_at, hold_id`,
    [target.kind, target.id])).map(holdFromRow)
}

/** Places a hold (the target is checked by the caller); a holdId already stored answers that hold, duplicate. */
export async function placeHoldTx (tx: Tx, input: HoldInput, at: string): Promise<{ hold: Hold, duplicate: boolean }> {
  const holdId = input.holdId ?? randomUUID()
  const known = await loadHold(tx, holdId)
  if (known !== undefined) return { hold: sameHoldOrRefuse(known, input), duplicate: true }
  let lotStatusBefore: string | null = null
  let lotStatusNow: string | null = null
  if (input.target.kind === 'order') {
    // The order's row lock, as every job event takes it first (mes/wip/event-writes.ts): an event either commits
    // before this hold or reads it.
    if (await tx.get('SELECT order_number FROM work_orders WHERE order_number = ?' + tx.forUpdate, [input.target.id]) === undefined) {
      throw new NotFoundError('work order', input.target.id)
    }
  }
  if (input.target.kind === 'lot') {
    const lot = await tx.get('SELECT status FROM material_lots WHERE lot_id = ?' + tx.forUpdate, [input.target.id])
    if (lot === undefined) throw new NotFoundError('lot', input.target.id)
    lotStatusNow = str(lot.status)
    // The status the lot goes back to at the last release: its own now, or, while other holds stand, the one they keep.
    const standing = await activeHoldsOn(tx, input.target)
    lotStatusBefore = standing.length > 0 && lotStatusNow === 'on-hold' ? await episodeStatus(tx, standing[0]!.holdId) ?? str(lot.status) : str(lot.status)
  }
  await tx.run(`INSERT INTO holds (hold_id, target_kind, target_id, reason, source, reference, status, placed_by, placed_at, lot_status_before)
    VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
  [holdId, input.target.kind, input.target.id, input.reason, input.source ?? 'person', input.reference ?? null, input.who, at, lotStatusBefore])
  const hold = (await loadHold(tx, holdId))!
  if (lotStatusNow === 'on-hold') {
    // Held already (by another hold, or by hand): the lot stays on-hold, its reason now names every hold on it.
    await tx.run('UPDATE material_lots SET status_reason = ?, updated_at = ? WHERE lot_id = ?', [describeHolds(await activeHoldsOn(tx, hold.target)), at, hold.target.id])
  } else if (lotStatusNow !== null && lotStatusNow !== 'consumed') {
    await tx.run(`UPDATE material_lots SET status = 'on-hold', status_reason = ?, status_by = ?, status_at = ?, updated_at = ? WHERE lot_id = ?`,
      [describeHolds([hold]), input.who, at, at, hold.target.id])
  }
  await appendAudit(tx, {
    who: input.who, at, entity: AUDIT_ENTITY[hold.target.kind], entityId: hold.target.id, action: 'hold', why: hold.reason,
    newValue: { holdId, source: hold.source, reference: hold.reference, ...(lotStatusBefore !== null ? { lotStatusBefore } : {}) }
  })
  return { hold, duplicate: false }
}

/**
 * A holdId placed again is the stored hold (a retry, its reason perhaps reworded); on another target it is refused:
 * answering the stored hold would leave the target named now silently free.
 */
export function sameHoldOrRefuse (known: Hold, input: HoldInput): Hold {
  if (known.target.kind === input.target.kind && known.target.id === input.target.id) return known
  throw new HoldStateError(known.holdId, 'place', known.status,
    `the id names a hold on ${known.target.kind} ${known.target.id} (placed by ${known.placedBy} at ${known.placedAt}), not on ${input.target.kind} ${input.target.id}`,
    `nothing was held; a holdId names one hold: place the hold on ${input.target.kind} ${input.target.id} under another id`)
}

/** Releases an active hold (the caller refuses a released one); the last release of a lot gives back its status. */
export async function releaseHoldTx (tx: Tx, hold: Hold, r: HoldReleaseInput, at: string): Promise<Hold> {
  // The lot first, as placeHoldTx locks it: a hold placed concurrently is then either seen as active here or waits.
  const lot = hold.target.kind === 'lot' ? await tx.get('SELECT status FROM material_lots WHERE lot_id = ?' + tx.forUpdate, [hold.target.id]) : undefined
  await tx.run(`UPDATE holds SET status = 'released', released_by = ?, released_at = ?, release_why = ? WHERE hold_id = ?`,
    [r.who, at, r.why, hold.holdId])
  let lotStatusAfter: string | undefined
  if (lot !== undefined && str(lot.status) === 'on-hold') {
    const left = await activeHoldsOn(tx, hold.target)
    if (left.length > 0) {
      // Still held by the others: the status reason names those that remain.
      await tx.run('UPDATE material_lots SET status_reason = ?, updated_at = ? WHERE lot_id = ?', [describeHolds(left), at, hold.target.id])
    } else {
      // The last one: the lot gets back the status it had before the first hold of this episode (a lot blocked or
      // consumed meanwhile is no longer on-hold, and keeps what it became).
      lotStatusAfter = await episodeStatus(tx, hold.holdId) ?? 'released'
      await tx.run('UPDATE material_lots SET status = ?, status_reason = ?, status_by = ?, status_at = ?, updated_at = ? WHERE lot_id = ?',
        [lotStatusAfter, `hold ${hold.holdId} released: ${r.why}`, r.who, at, at, hold.target.id])
    }
  }
  await appendAudit(tx, {
    who: r.who, at, entity: AUDIT_ENTITY[hold.target.kind], entityId: hold.target.id, action: 'release-hold', why: r.why,
    oldValue: { holdId: hold.holdId, status: 'active' },
    newValue: { holdId: hold.holdId, status: 'released', ...(lotStatusAfter !== undefined ? { lotStatus: lotStatusAfter } : {}) }
  })
  return (await loadHold(tx, hold.holdId))!
}

/**
 * A lot's status set while holds stand on it (blocked by a scrap decision, quarantined for rework, on-hold by hand)
 * is what the last of them gives back, whichever goes last: every active hold on the lot now keeps that status (a
 * hold placed later copies it from them), so a hold placed before the change cannot give back the older status.
 */
export async function statusSetWhileHeldTx (tx: Tx, lotId: string, status: string): Promise<void> {
  await tx.run(`UPDATE holds SET lot_status_before = ? WHERE target_kind = 'lot' AND target_id = ? AND status = 'active'`, [status, lotId])
}

/** The lot status a hold gives back when it is the last to go (placeHoldTx keeps one per episode of holds). */
async function episodeStatus (tx: Tx, holdId: string): Promise<string | null> {
  return strOrNull((await tx.get('SELECT lot_status_before FROM holds WHERE hold_id = ?', [holdId]))?.lot_status_before)
}
