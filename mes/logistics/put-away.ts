// Put-away of produced lots (SAP EWM: a put-away warehouse task from the production supply area into stock). The
// produced lot rows (material_actuals, direction 'produced', a lot) are the feed: each is walked once, by id, with a
// durable cursor, into one put-away request, in one transaction with the cursor; so a crash between the production's
// commit and its request loses nothing (the next walk makes it). The WMS's confirmation stores the bin with the lot
// (material_lots.location), applied once by confirmationId.
import type { Tx } from '../store/store'
import { num, str } from '../store/store'
import { appendAudit } from '../audit-trail'
import { MaterialRefusedError, NotFoundError } from '../errors'
import { loadPutAway, nextChangeSeq, putAwayIdOf } from './rows'
import type { PutAwayConfirmationInput, PutAwayRequest } from './types'

/**
 * On PostgreSQL the ids of concurrent transactions may commit out of order: the walk re-reads this many ids below
 * its cursor (a lot's request is made once: its id is the lot's). SQLite's write transactions are serialized.
 */
export const PUT_AWAY_TRAILING_IDS = 1000
const PUT_AWAY_BATCH = 500

/** Lots produced since the cursor that have no put-away request yet. */
export async function pendingPutAways (tx: Tx): Promise<Array<Record<string, unknown>>> {
  const after = num((await tx.get('SELECT after_id FROM put_away_cursor WHERE id = 1'))?.after_id)
  return await tx.all(`SELECT a.id, a.node_id, a.work_unit, l.material, l.quantity, l.unit FROM material_actuals a
    JOIN material_lots l ON l.lot_id = a.node_id
    WHERE a.id > ? AND a.direction = 'produced' AND a.node_kind = 'lot'
      AND NOT EXISTS (SELECT 1 FROM put_away_requests p WHERE p.lot_id = a.node_id)
    ORDER BY a.id LIMIT ?`, [Math.max(0, after - (tx.dialect === 'postgres' ? PUT_AWAY_TRAILING_IDS : 0)), PUT_AWAY_BATCH])
}

/**
 * Serializes the catch-ups (a row lock on PostgreSQL), taken first in theirs: every logistics writer takes the change
 * sequence last, so a catch-up that locks requests to cancel them and then takes the sequence cannot deadlock.
 */
export async function lockPutAwayFeed (tx: Tx): Promise<void> {
  await tx.run('UPDATE put_away_cursor SET after_id = after_id WHERE id = 1')
}

/** Makes the pending put-away requests and moves the cursor (the caller holds lockPutAwayFeed); returns those made. */
export async function feedPutAwaysTx (tx: Tx, fromLocationOf: (workUnit: string) => string, at: string): Promise<PutAwayRequest[]> {
  const made: PutAwayRequest[] = []
  let last = 0
  const pending = await pendingPutAways(tx)
  for (const r of pending) {
    last = Math.max(last, num(r.id))
    const lotId = str(r.node_id)
    if (await loadPutAway(tx, putAwayIdOf(lotId)) !== undefined) continue
    made.push(await insertPutAway(tx, lotId, str(r.material), num(r.quantity), str(r.unit), fromLocationOf(str(r.work_unit)), 'mes', at))
  }
  // A short batch read everything there was: the cursor moves to the newest id, else to the last one read.
  const next = pending.length < PUT_AWAY_BATCH ? num((await tx.get('SELECT MAX(id) AS m FROM material_actuals'))?.m) : last
  await tx.run('UPDATE put_away_cursor SET after_id = ? WHERE id = 1 AND after_id < ?', [next, next])
  return made
}

export async function insertPutAway (tx: Tx, lotId: string, material: string, quantity: number, unit: string, fromLocation: string,
  who: string, at: string): Promise<PutAwayRequest> {
  const requestId = putAwayIdOf(lotId)
  await tx.run(`INSERT INTO put_away_requests (request_id, lot_id, material, quantity, unit, from_location, status, change_seq, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?)`, [requestId, lotId, material, quantity, unit, fromLocation, await nextChangeSeq(tx), at, at])
  await appendAudit(tx, { who, at, entity: 'PutAwayRequest', entityId: requestId, action: 'request', newValue: { lotId, material, quantity, unit, fromLocation } })
  return (await loadPutAway(tx, requestId))!
}

/** The bin the WMS confirmed, kept with the lot; the same confirmationId again is applied once. */
export async function confirmPutAwayTx (tx: Tx, c: PutAwayConfirmationInput, at: string): Promise<{ request: PutAwayRequest, duplicate: boolean }> {
  const subject = `put-away confirmation ${c.confirmationId} of request ${c.requestId}`
  const request = await loadPutAway(tx, c.requestId, true)
  if (request === undefined) throw new NotFoundError('put-away request', c.requestId)
  const applied = str((await tx.get('SELECT confirmation_id FROM put_away_requests WHERE request_id = ?', [c.requestId]))?.confirmation_id)
  if (applied === c.confirmationId) return { request, duplicate: true }
  if (request.status === 'cancelled') throw new MaterialRefusedError('request-cancelled', subject, `put-away request ${c.requestId} is cancelled`)
  if (request.status === 'confirmed') {
    throw new MaterialRefusedError('already-confirmed', subject,
      `put-away request ${c.requestId} was confirmed by ${applied} to ${request.location ?? '?'}; a move of the lot is a new task`)
  }
  await tx.run(`UPDATE put_away_requests SET status = 'confirmed', location = ?, confirmation_id = ?, task_ref = COALESCE(?, task_ref),
    change_seq = ?, updated_at = ? WHERE request_id = ?`, [c.location, c.confirmationId, c.taskRef ?? null, await nextChangeSeq(tx), at, c.requestId])
  await tx.run('UPDATE material_lots SET location = ?, updated_at = ? WHERE lot_id = ?', [c.location, at, request.lotId])
  await appendAudit(tx, {
    who: c.who, at, entity: 'MaterialLot', entityId: request.lotId, action: 'put-away',
    oldValue: { location: request.fromLocation }, newValue: { requestId: c.requestId, confirmationId: c.confirmationId, location: c.location }
  })
  return { request: (await loadPutAway(tx, c.requestId))!, duplicate: false }
}
