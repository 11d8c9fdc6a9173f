// What a QMS callback does in the MES, through its service interface only: a disposition decides the
// nonconformance (Quality.disposition: use-as-is releases its hold, rework / scrap / return keep the lot from use), a
// hold is placed or released on a lot, an order or a work unit (Holds, source 'qms', so the hold carries the QMS's
// id and a release names it), a usage decision decides the inspection lot (Quality.usageDecision: a second one is
// refused as SAP refuses it), an inspection plan replaces the order's plan. Who is recorded as 'qms:<person>'; the
// feeders do not send such changes back (qms-feeders.ts fromQms).
import type { Holds, Quality } from '../../../mes/service'
import { dispositionInput, holdInput, holdReleaseInput, planInput, type QmsEvent } from '../generic/contract'

/** What applying needs of the MES (mes.quality and mes.holds once they are merged). */
export interface QmsEventTargets {
  readonly quality: Pick<Quality, 'disposition' | 'usageDecision' | 'setInspectionPlan'>
  readonly holds: Pick<Holds, 'place' | 'release'>
}

/** Applies one callback; resolves with a summary for the inbox's results, throws what the MES refused. */
export async function applyQmsEvent (targets: QmsEventTargets, e: QmsEvent): Promise<Record<string, unknown>> {
  switch (e.type) {
    case 'nonconformance.dispositioned': {
      const nc = await targets.quality.disposition(e.data.ncId, dispositionInput(e.data))
      return { ncId: nc.ncId, status: nc.status, disposition: nc.disposition, holdId: nc.holdId }
    }
    case 'hold.placed': {
      const { hold, duplicate } = await targets.holds.place(holdInput(e.data))
      return { holdId: hold.holdId, target: hold.target, status: hold.status, duplicate }
    }
    case 'hold.released': {
      try {
        const hold = await targets.holds.release(e.data.holdId, holdReleaseInput(e.data))
        return { holdId: hold.holdId, target: hold.target, status: hold.status }
      } catch (err) {
        // Released already (by a person in the MES, or an earlier event of the QMS): what the QMS asks for holds,
        // so it is no refusal to retry; nothing changed.
        if ((err as { code?: unknown }).code === 'MES_HOLD_RELEASED') return { holdId: e.data.holdId, status: 'released', unchanged: true }
        throw err
      }
    }
    case 'usage-decision.made': {
      const lot = await targets.quality.usageDecision(e.data.inspectionLot, { code: e.data.code, who: `qms:${e.data.decidedBy}`, ...(e.data.why !== undefined ? { why: e.data.why } : {}) })
      return { inspectionLot: lot.inspectionLot, status: lot.status, lotId: lot.lotId, code: lot.usageDecision?.code ?? null }
    }
    case 'inspection-plan.published': {
      const lot = await targets.quality.setInspectionPlan(planInput(e.data, 'qms'))
      return { inspectionLot: lot.inspectionLot, orderNumber: lot.orderNumber, status: lot.status }
    }
  }
}
