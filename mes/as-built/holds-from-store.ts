// The holds (mes/holds) placed on the record's lots and on the orders of its operations, from the holds table: who
// placed each, when and why, from where (a person, the QMS, a nonconformance, with its reference), and who released
// it, when and why. Beside the lot status changes and job holds that operations-from-store.ts reads from the audit
// trail: a hold sets its lot on-hold without a status record, so this is where a hold of the record is seen.
import type { Tx } from '../store/store'
import { allIn } from './genealogy-from-store'
import { holdFromRow } from '../holds/hold-writes'
import type { HoldRecord } from './as-built-record'

export async function recordedHolds (tx: Tx, lotIds: readonly string[], orderNumbers: readonly string[]): Promise<HoldRecord[]> {
  const rows = [
    ...await allIn(tx, `SELECT * FROM holds WHERE target_kind = ? AND target_id IN (%s)`, lotIds, ['lot']),
    ...await allIn(tx, `SELECT * FROM holds WHERE target_kind = ? AND target_id IN (%s)`, orderNumbers, ['order'])
  ]
  return rows.map(holdFromRow)
    .sort((a, b) => a.placedAt.localeCompare(b.placedAt) || a.holdId.localeCompare(b.holdId))
    .map((h) => ({
      target: { kind: h.target.kind === 'lot' ? 'lot' : 'order', id: h.target.id },
      status: h.status === 'active' ? 'on-hold' : 'released',
      reason: h.reason,
      by: h.placedBy,
      at: h.placedAt,
      holdId: h.holdId,
      source: h.source,
      ...(h.reference !== null ? { reference: h.reference } : {}),
      ...(h.releasedBy !== null ? { releasedBy: h.releasedBy } : {}),
      ...(h.releasedAt !== null ? { releasedAt: h.releasedAt } : {}),
      ...(h.releaseWhy !== null ? { releaseWhy: h.releaseWhy } : {})
    }))
}
