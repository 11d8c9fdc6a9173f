// Nonconformances: opened by a rejected result or reported by an operator, each holding what it is about (its lot,
// or the order when it names no lot) in the same transaction, so that nothing suspect is consumed between the
// report and the hold; and their disposition, applied once, which settles the hold. Every change takes the next
// change sequence (rows.ts) for the QMS feeder, and is an audit record of the nonconformance.
import { randomUUID } from 'node:crypto'
import type { Tx } from '../store/store'
import { appendAudit } from '../audit-trail'
import { NotFoundError, QualityRefusedError } from '../errors'
import { loadHoldToRelease, placeHoldTx, releaseHoldTx } from '../holds/hold-writes'
import { changeLotStatus } from '../materials/lots'
import { loadLot } from '../materials/rows'
import { loadNonconformance, nextNonconformanceChange } from './rows'
import type { Disposition, DispositionInput, Nonconformance } from './types'

export interface NonconformanceOpen {
  ncId?: string
  source: Nonconformance['source']
  resultId: number | null
  lotId: string | null
  serial: string | null
  orderNumber: string | null
  sequence: number | null
  jobId: string | null
  quantity: number
  unit: string | null
  defectCode: string
  description: string
  who: string
}

/** The fields that make a report the same report (a retry under its ncId sends them again). */
const SAME_REPORT: ReadonlyArray<keyof NonconformanceOpen & keyof Nonconformance> =
  ['lotId', 'serial', 'orderNumber', 'sequence', 'jobId', 'quantity', 'unit', 'defectCode', 'description']

/**
 * Opens a nonconformance and holds its lot (or its order); an ncId already stored answers that one, duplicate,
 * when the report is the same, and is refused when it is another (an id names one report).
 */
export async function openNonconformanceTx (tx: Tx, o: NonconformanceOpen, at: string): Promise<{ nonconformance: Nonconformance, duplicate: boolean }> {
  const ncId = o.ncId ?? randomUUID()
  const known = await loadNonconformance(tx, ncId)
  if (known !== undefined) return { nonconformance: sameReportOrRefuse(known, o), duplicate: true }
  const seq = await nextNonconformanceChange(tx)
  // ON CONFLICT: a concurrent report under the same ncId committed after this transaction read; the caller runs it again.
  const inserted = await tx.get(`INSERT INTO nonconformances (nc_id, status, source, result_id, lot_id, serial, order_number, sequence, job_id,
    quantity, unit, defect_code, description, reported_by, reported_at, change_seq)
    VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (nc_id) DO NOTHING RETURNING nc_id`,
  [ncId, o.source, o.resultId, o.lotId, o.serial, o.orderNumber, o.sequence, o.jobId, o.quantity, o.unit, o.defectCode, o.description, o.who, at, seq])
  if (inserted === undefined) throw new RaceLost()
  const target = o.lotId !== null ? { kind: 'lot' as const, id: o.lotId } : o.orderNumber !== null ? { kind: 'order' as const, id: o.orderNumber } : null
  if (target !== null) {
    const { hold } = await placeHoldTx(tx, {
      holdId: `nc-${ncId}`, target, source: 'nonconformance', reference: ncId, who: o.who,
      reason: `nonconformance ${ncId} (${o.defectCode}): ${o.description}`
    }, at)
    await tx.run('UPDATE nonconformances SET hold_id = ? WHERE nc_id = ?', [hold.holdId, ncId])
  }
  const nc = (await loadNonconformance(tx, ncId))!
  await appendAudit(tx, {
    who: o.who, at, entity: 'Nonconformance', entityId: ncId, action: 'open', why: o.description,
    newValue: { source: nc.source, lotId: nc.lotId, serial: nc.serial, orderNumber: nc.orderNumber, sequence: nc.sequence, quantity: nc.quantity, defectCode: nc.defectCode, holdId: nc.holdId }
  })
  return { nonconformance: nc, duplicate: false }
}

function sameReportOrRefuse (known: Nonconformance, o: NonconformanceOpen): Nonconformance {
  const differs = SAME_REPORT.filter((k) => known[k] !== o[k])
  if (differs.length === 0) return known
  throw new QualityRefusedError('nc-id', `nonconformance ${known.ncId}`,
    `nonconformance ${known.ncId} was reported already with other ${differs.join(', ')} (${differs.map((k) => `${k} ${JSON.stringify(known[k])}`).join(', ')})`,
    'an ncId names one report: send a new ncId for another nonconformance')
}

/** Thrown when a concurrent transaction took the same id first: the service runs the command again, which then finds it. */
export class RaceLost extends Error {}

/** What each disposition leaves the lot as, after the nonconformance's hold is released (undefined: as the holds leave it). */
const LOT_STATUS_AFTER: Record<Disposition, 'quarantined' | 'blocked' | undefined> = {
  'use-as-is': undefined,
  // Rework: the nonconformance is settled, but the lot is not fit for use as it is: it waits, quarantined, until it is
  // reworked and inspected again (SAP QM posts such stock to quality inspection, not to unrestricted use).
  rework: 'quarantined',
  // Scrap and return to the supplier: the lot must never be used; blocked is final unless a person with rights changes it.
  scrap: 'blocked',
  return: 'blocked'
}

export async function dispositionTx (tx: Tx, ncId: string, d: DispositionInput, at: string): Promise<Nonconformance> {
  const nc = await loadNonconformance(tx, ncId, true)
  if (nc === undefined) throw new NotFoundError('nonconformance', ncId)
  if (nc.status === 'dispositioned') {
    throw new QualityRefusedError('disposition-applied', `nonconformance ${ncId}`,
      `nonconformance ${ncId} has its disposition already: ${nc.disposition!} by ${nc.dispositionBy!} at ${nc.dispositionAt!}`,
      'a disposition is applied once; nothing was changed (a different decision needs a new nonconformance)')
  }
  const seq = await nextNonconformanceChange(tx)
  await tx.run(`UPDATE nonconformances SET status = 'dispositioned', disposition = ?, disposition_by = ?, disposition_at = ?, disposition_why = ?,
    disposition_ref = ?, change_seq = ? WHERE nc_id = ?`, [d.disposition, d.who, at, d.why ?? null, d.reference ?? null, seq, ncId])
  const why = `nonconformance ${ncId} dispositioned ${d.disposition}${d.why !== undefined ? `: ${d.why}` : ''}`
  if (nc.holdId !== null) {
    const hold = await loadHoldToRelease(tx, nc.holdId)
    // The hold may have been released by a person with rights meanwhile: then there is nothing left to release.
    if (hold !== undefined && hold.status === 'active') await releaseHoldTx(tx, hold, { who: d.who, why }, at)
  }
  const status = LOT_STATUS_AFTER[d.disposition]
  if (status !== undefined && nc.lotId !== null) {
    const lot = await loadLot(tx, nc.lotId, true)
    if (lot !== undefined && lot.status !== 'consumed') await changeLotStatus(tx, nc.lotId, { status, who: d.who, why }, at)
  }
  await appendAudit(tx, {
    who: d.who, at, entity: 'Nonconformance', entityId: ncId, action: 'disposition', why: d.why ?? null,
    oldValue: { status: 'open' },
    newValue: { status: 'dispositioned', disposition: d.disposition, reference: d.reference ?? null, ...(status !== undefined && nc.lotId !== null ? { lotStatus: status } : {}) }
  })
  return (await loadNonconformance(tx, ncId))!
}

export async function setQmsReferenceTx (tx: Tx, ncId: string, reference: string, at: string): Promise<Nonconformance> {
  const nc = await loadNonconformance(tx, ncId, true)
  if (nc === undefined) throw new NotFoundError('nonconformance', ncId)
  if (nc.qmsReference === reference) return nc
  if (nc.qmsReference !== null) {
    throw new QualityRefusedError('qms-reference', `nonconformance ${ncId}`,
      `nonconformance ${ncId} has QMS reference ${nc.qmsReference} already, not ${reference}`, 'one nonconformance is one record in the QMS')
  }
  // Not a change the QMS feeder sends again (it is the QMS's own answer): the change sequence stays.
  await tx.run('UPDATE nonconformances SET qms_reference = ? WHERE nc_id = ?', [reference, ncId])
  await appendAudit(tx, { who: 'qms', at, entity: 'Nonconformance', entityId: ncId, action: 'qms-reference', newValue: { qmsReference: reference } })
  return (await loadNonconformance(tx, ncId))!
}
