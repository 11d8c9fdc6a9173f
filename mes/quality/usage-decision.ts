// The usage decision of an inspection lot (SAP QM: A_InspLotUsageDecision), taken once: accept releases the lot it
// inspects, reject blocks it, restricted use releases it with the restriction as its status reason. Accepting a lot
// (or releasing it for restricted use) is refused while a hold stands on it: a nonconformance or the QMS still
// stops it, and a usage decision does not overrule a hold (release the hold first). A second decision is refused as
// SAP refuses it.
import type { Tx } from '../store/store'
import { appendAudit } from '../audit-trail'
import { NotFoundError, QualityRefusedError } from '../errors'
import { activeHoldsOn } from '../holds/hold-writes'
import { changeLotStatus } from '../materials/lots'
import { loadLot } from '../materials/rows'
import { mayBecome } from './inspection-lot-status'
import { loadInspectionLot } from './rows'
import type { InspectionLot, UsageDecisionCode } from './types'
import type { UsageDecisionInput } from './validation'

/**
 * SAP QM answers a usage decision for a lot that has one with message QA 501 ("usage decision already made"): the
 * first decision stands; changing it is a separate, authorized function, not a second decision.
 */
export const SAP_UD_ALREADY_MADE = 'QA 501'

const LOT_STATUS: Record<UsageDecisionCode, 'released' | 'blocked'> = { accept: 'released', reject: 'blocked', restricted: 'released' }

export async function usageDecisionTx (tx: Tx, inspectionLot: string, d: UsageDecisionInput, at: string): Promise<InspectionLot> {
  const lot = await loadInspectionLot(tx, inspectionLot, true)
  if (lot === undefined) throw new NotFoundError('inspection lot', inspectionLot)
  if (!mayBecome(lot.status, 'decided') || lot.usageDecision !== null) {
    const ud = lot.usageDecision!
    throw new QualityRefusedError('usage-decision-made', `inspection lot ${inspectionLot}`,
      `inspection lot ${inspectionLot} has its usage decision already: ${ud.code} by ${ud.who} at ${ud.at}`,
      `nothing was changed; SAP QM refuses a second usage decision the same way (message ${SAP_UD_ALREADY_MADE}, usage decision already made): the first decision stands`)
  }
  const why = d.code === 'restricted' ? `restricted use: ${d.why!}` : `usage decision ${d.code} of inspection lot ${inspectionLot}${d.why !== undefined ? `: ${d.why}` : ''}`
  let lotStatus: string | undefined
  if (lot.lotId !== null) {
    const material = await loadLot(tx, lot.lotId, true)
    if (material === undefined) throw new NotFoundError('lot', lot.lotId)
    if (d.code !== 'reject') {
      const holds = await activeHoldsOn(tx, { kind: 'lot', id: lot.lotId })
      if (holds.length > 0) {
        throw new QualityRefusedError('lot-held', `inspection lot ${inspectionLot}`,
          `lot ${lot.lotId} of inspection lot ${inspectionLot} is held by ${holds.map((h) => `${h.holdId} (${h.reason})`).join(', ')}; it cannot be released by a usage decision`,
          'nothing was changed; settle the holds first (a nonconformance by its disposition, a hold by its release), then decide')
      }
    }
    // A consumed lot keeps its status: the decision is recorded, there is nothing left to release or block.
    if (material.status !== 'consumed') {
      lotStatus = LOT_STATUS[d.code]
      await changeLotStatus(tx, lot.lotId, { status: LOT_STATUS[d.code], who: d.who, why }, at)
    }
  }
  await tx.run(`UPDATE inspection_lots SET status = 'decided', ud_code = ?, ud_by = ?, ud_at = ?, ud_why = ?, updated_at = ? WHERE inspection_lot = ?`,
    [d.code, d.who, at, d.why ?? null, at, inspectionLot])
  await appendAudit(tx, {
    who: d.who, at, entity: 'InspectionLot', entityId: inspectionLot, action: 'usage-decision', why: d.why ?? null,
    oldValue: { status: lot.status }, newValue: { status: 'decided', code: d.code, ...(lotStatus !== undefined ? { lotId: lot.lotId, lotStatus } : {}) }
  })
  return (await loadInspectionLot(tx, inspectionLot))!
}
