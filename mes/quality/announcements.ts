// What a quality command changed beside its own records: the hold a nonconformance placed or its disposition
// released, and the lot status a disposition or usage decision set. These are written inside the quality command's
// transaction (mes/holds/hold-writes.ts, mes/materials/lots.ts), so the holds' and the materials' own services never
// saw them; read here in the same transaction, they are announced after the commit to the same listeners (the UNS
// publishers among them) as a hold placed or a status set through those services.
import type { Tx } from '../store/store'
import type { HoldEvent } from '../holds/types'
import type { LotStatus } from '../materials/types'
import type { LotStatusEvent } from '../materials/material-events'
import { loadHold } from '../holds/hold-writes'
import { loadLot } from '../materials/rows'

export interface QualityAnnouncer {
  hold: (e: HoldEvent) => void
  lotStatus: (e: LotStatusEvent) => void
}

export interface Announcements {
  holds: HoldEvent[]
  lots: LotStatusEvent[]
}

/** The status of a lot before the command, to tell afterwards whether the command changed it. */
export async function statusBefore (tx: Tx, lotId: string | null): Promise<LotStatus | undefined> {
  return lotId === null ? undefined : (await loadLot(tx, lotId))?.status
}

/** The hold placed or released and the lot status set at `at` by the command that ran in this transaction. */
export async function changesAt (tx: Tx, c: { holdId: string | null, lotId: string | null, lotBefore?: LotStatus, who: string, at: string }): Promise<Announcements> {
  const out: Announcements = { holds: [], lots: [] }
  const hold = c.holdId === null ? undefined : await loadHold(tx, c.holdId)
  if (hold !== undefined && hold.placedAt === c.at && hold.placedBy === c.who) out.holds.push({ kind: 'hold-placed', hold, who: c.who, at: c.at })
  if (hold !== undefined && hold.releasedAt === c.at && hold.releasedBy === c.who) out.holds.push({ kind: 'hold-released', hold, who: c.who, at: c.at })
  if (c.lotBefore !== undefined && c.lotId !== null) {
    const lot = await loadLot(tx, c.lotId)
    if (lot !== undefined && lot.status !== c.lotBefore) {
      out.lots.push({ kind: 'lot-status', lot, from: c.lotBefore, why: lot.statusReason ?? '', who: c.who, at: c.at })
    }
  }
  return out
}

export function announce (to: QualityAnnouncer | undefined, a: Announcements): void {
  if (to === undefined) return
  for (const e of a.holds) to.hold(e)
  for (const e of a.lots) to.lotStatus(e)
}
