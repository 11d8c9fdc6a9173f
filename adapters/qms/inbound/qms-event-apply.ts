// What a QMS callback does in the MES, through its service interface only: a disposition decides the
// nonconformance (Quality.disposition: use-as-is releases its hold, rework / scrap / return keep the lot from use), a
// hold is placed or released on a lot, an order or a work unit (Holds, source 'qms', so the hold carries the QMS's
// id and a release names it), a usage decision decides the inspection lot (Quality.usageDecision: a second one is
// refused as SAP refuses it), an inspection plan replaces the order's plan. Who is recorded as 'qms:<person>'; the
// feeders do not send such changes back (qms-feeders.ts fromQms). Then the inbox is told what became of it
// (applyStored), and at start what was stored but never applied is read again from the inbox and applied.
import type { Holds, Inbox, InboxMessage, Quality } from '../../../mes/service'
import { HubError } from '../../../core/errors'
import { QualityRefusedError } from '../../../mes/errors'
import { clientText } from '../../../core/client-text'
import type { Logger } from '../../../core/logger'
import { dispositionInput, holdInput, holdReleaseInput, planInput, readQmsEvent, type QmsEvent } from '../generic/contract'

/** The inbox's channel and sender of the QMS's callbacks (the event id is the message's ARCKEY). */
export const QMS_WEBHOOK_CHANNEL = 'qms-webhook'
export const QMS_SENDER = 'qms'

/** What applying needs of the MES (mes.quality and mes.holds once they are merged). */
export interface QmsEventTargets {
  /** With nonconformance and inspectionLot, a decision sent again is told from another decision (applyQmsEvent). */
  readonly quality: Pick<Quality, 'disposition' | 'usageDecision' | 'setInspectionPlan'> & Partial<Pick<Quality, 'nonconformance' | 'inspectionLot'>>
  readonly holds: Pick<Holds, 'place' | 'release'>
}

/** A refusal of the MES by its rule (QualityRefusedError's `rule`). */
function isRefusal (err: unknown, rule: string): boolean {
  return err instanceof QualityRefusedError && err.rule === rule
}

/** Applies one callback; resolves with a summary for the inbox's results, throws what the MES refused. */
export async function applyQmsEvent (targets: QmsEventTargets, e: QmsEvent): Promise<Record<string, unknown>> {
  switch (e.type) {
    case 'nonconformance.dispositioned': {
      try {
        const nc = await targets.quality.disposition(e.data.ncId, dispositionInput(e.data))
        return { ncId: nc.ncId, status: nc.status, disposition: nc.disposition, holdId: nc.holdId }
      } catch (err) {
        // The same disposition again (under a new event id): what the QMS asks for holds, so it is no refusal for
        // it to retry (as a release of a released hold); nothing changed. Another disposition stays refused.
        const nc = isRefusal(err, 'disposition-applied') ? await targets.quality.nonconformance?.(e.data.ncId) : undefined
        if (nc?.disposition === e.data.disposition) return { ncId: nc.ncId, status: nc.status, disposition: nc.disposition, holdId: nc.holdId, unchanged: true }
        throw err
      }
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
      try {
        const lot = await targets.quality.usageDecision(e.data.inspectionLot, { code: e.data.code, who: `qms:${e.data.decidedBy}`, ...(e.data.why !== undefined ? { why: e.data.why } : {}) })
        return { inspectionLot: lot.inspectionLot, status: lot.status, lotId: lot.lotId, code: lot.usageDecision?.code ?? null }
      } catch (err) {
        // The same usage decision again: as above, 200 and nothing changed; another code stays refused (QA 501).
        const lot = isRefusal(err, 'usage-decision-made') ? await targets.quality.inspectionLot?.(e.data.inspectionLot) : undefined
        if (lot?.usageDecision?.code === e.data.code) return { inspectionLot: lot.inspectionLot, status: lot.status, lotId: lot.lotId, code: lot.usageDecision.code, unchanged: true }
        throw err
      }
    }
    case 'inspection-plan.published': {
      const lot = await targets.quality.setInspectionPlan(planInput(e.data, 'qms'))
      return { inspectionLot: lot.inspectionLot, orderNumber: lot.orderNumber, status: lot.status }
    }
  }
}

export type StoredOutcome =
  | { kind: 'applied', results: Record<string, unknown> }
  /** The MES refused it (a HubError): recorded 'error' with the reason. */
  | { kind: 'refused', error: HubError }
  /** Something else failed (the store): the message stays 'received', applied at a retry or the next start. */
  | { kind: 'failed', error: unknown }

/** Applies a stored callback and records in the inbox what became of it. */
export async function applyStored (inbox: Inbox, targets: QmsEventTargets, event: QmsEvent, inboxId: number, log: Logger): Promise<StoredOutcome> {
  let results: Record<string, unknown>
  try {
    results = await applyQmsEvent(targets, event)
  } catch (err) {
    if (!(err instanceof HubError)) {
      log.error(`QMS ${event.type} ${clientText(event.id)} (inbox ${inboxId}) stored but not applied: ${(err as Error)?.stack ?? String(err)}`)
      return { kind: 'failed', error: err }
    }
    await inbox.setStatus(inboxId, 'error', { reason: `${err.code}: ${err.message}`, who: QMS_SENDER })
    log.warn(`QMS ${event.type} ${clientText(event.id)} (inbox ${inboxId}) refused by the MES: ${clientText(err.message, 1000)}`)
    return { kind: 'refused', error: err }
  }
  await inbox.setStatus(inboxId, 'applied', { results, who: QMS_SENDER })
  log.info(`QMS ${event.type} ${clientText(event.id)} -> inbox ${inboxId}, applied`)
  return { kind: 'applied', results }
}

/** The callbacks stored but not applied (the hub stopped between storing and applying, or the store failed then), oldest first. */
export async function recoverable (inbox: Inbox): Promise<InboxMessage[]> {
  const out: InboxMessage[] = []
  for (let after = 0; ;) {
    const page = await inbox.list({ status: 'received', channel: QMS_WEBHOOK_CHANNEL, after, limit: 100 })
    if (page.length === 0) return out
    out.push(...page)
    after = page[page.length - 1]!.id
  }
}

/** One stored callback read again and applied; one that cannot be read again is recorded 'error'. */
export async function recoverOne (inbox: Inbox, targets: QmsEventTargets, id: number, log: Logger): Promise<StoredOutcome | undefined> {
  let event: QmsEvent
  try {
    event = readQmsEvent(JSON.parse((await inbox.get(id, { raw: true })).raw ?? ''), `inbox message ${id}`)
  } catch (err) {
    await inbox.setStatus(id, 'error', { reason: `the stored callback cannot be read again: ${(err as Error).message}`, who: QMS_SENDER })
    return undefined
  }
  return await applyStored(inbox, targets, event, id, log)
}
