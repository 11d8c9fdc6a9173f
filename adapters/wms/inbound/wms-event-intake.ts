// The one way a WMS event enters the MES, whoever brought it (the webhook, wms-webhook.ts, or the SAP EWM task
// poller the hub runs, since EWM has no webhook): stored raw in the MES inbox first, keyed by its eventId per
// warehouse (inbox ARCKEY), then applied through Logistics (wms-event-applier.ts) and its outcome recorded. An event
// already applied or refused is found there and answered as it was, not applied again; one stored but not applied (the
// store failed, the hub stopped) is applied when it comes again, or at the next start (`applyPending`).
import type { Inbox, InboxMessage } from '../../../mes/service'
import { perKeyQueue } from '../../../core/per-key-queue'
import { checkEvent, type WmsEvent } from '../wms-schemas'
import type { ApplyOutcome, WmsEventApply } from './wms-event-applier'

/** The inbox channel of WMS events (the name is the webhook's; events polled from EWM say so in their meta `via`). */
export const WMS_CHANNEL = 'wms-webhook'

/** The sender key of the inbox: event ids are unique per warehouse. */
export function senderOf (warehouse: string): string {
  return `wms/${warehouse}`
}

export interface WmsIntakeResult {
  /** The inbox message. */
  id: number
  /** The event was stored before (this is a resend). */
  duplicate: boolean
  /** The event id was stored with other content: this one is not applied, the stored event stands. */
  reused: boolean
  outcome: ApplyOutcome
}

/** Where an event came from: the body as it came (default: the event as JSON), more meta to keep, and who to tell once it is stored. */
export interface IntakeFrom {
  raw?: string
  meta?: Record<string, unknown>
  /** Called when the event is in the inbox, before it is applied (the webhook logs it: an apply may wait on locks). */
  stored?: (id: number, duplicate: boolean) => void
}

export interface WmsEventIntake {
  /**
   * Stores the event (once), then applies it unless it was applied or refused before. `raw`: the body as it came
   * (default: the event as JSON); `meta`: more to keep with it (where it came from). A failure of the store throws.
   */
  take: (event: WmsEvent, from?: IntakeFrom) => Promise<WmsIntakeResult>
  /** The events stored but not applied (status 'received'), applied in the order received; how many. */
  applyPending: () => Promise<number>
}

function sameJson (a: string, b: string): boolean {
  try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)) } catch { return false }
}

export function wmsEventIntake (opts: { inbox: Inbox, apply: WmsEventApply }): WmsEventIntake {
  const { inbox } = opts
  // One event at a time per event id: a resend crossing the first delivery (or the start's applyPending) waits and
  // then finds it applied, never applying it twice.
  const queue = perKeyQueue()

  /** Applies a stored event and records its outcome; a failure of the store throws (the message stays 'received'). */
  const applyStored = async (id: number, event: WmsEvent): Promise<ApplyOutcome> => {
    const outcome = await opts.apply(event)
    const who = `wms:${event.warehouse}`
    if (outcome.status === 'applied') await inbox.setStatus(id, 'applied', { results: outcome.results, who })
    else await inbox.setStatus(id, 'error', { reason: outcome.reason.slice(0, 4000), who })
    return outcome
  }

  const take = async (event: WmsEvent, from: IntakeFrom = {}): Promise<WmsIntakeResult> =>
    await queue(`${event.warehouse}/${event.eventId}`, async () => await takeNow(event, from))

  const takeNow = async (event: WmsEvent, from: IntakeFrom): Promise<WmsIntakeResult> => {
    const raw = from.raw ?? JSON.stringify(event)
    const receipt = await inbox.receive({
      channel: WMS_CHANNEL, raw, keys: { sender: senderOf(event.warehouse), arckey: event.eventId },
      meta: { eventType: event.type, taskId: event.task.taskId, requestId: event.task.requestId, taskType: event.task.type, ...from.meta },
      who: `wms:${event.warehouse}`
    })
    from.stored?.(receipt.id, receipt.duplicate)
    if (receipt.duplicate) {
      // A repeat must be the same event: one id with other content is refused and the stored event stands (the WMS
      // would otherwise be told its other confirmation was applied).
      const stored = await inbox.get(receipt.id, { raw: true })
      if (stored.raw !== raw && !sameJson(stored.raw ?? '', raw)) {
        return { id: receipt.id, duplicate: true, reused: true, outcome: { status: 'error', reason: `event ${event.eventId} of warehouse ${event.warehouse} was stored with other content (inbox ${receipt.id})` } }
      }
    }
    if (receipt.duplicate && receipt.status !== 'received') {
      const stored: InboxMessage = await inbox.get(receipt.id)
      const outcome: ApplyOutcome = stored.status === 'applied' ? { status: 'applied', results: stored.results } : { status: 'error', reason: stored.reason ?? 'refused' }
      return { id: receipt.id, duplicate: true, reused: false, outcome }
    }
    return { id: receipt.id, duplicate: receipt.duplicate, reused: false, outcome: await applyStored(receipt.id, event) }
  }

  const applyPending = async (): Promise<number> => {
    let n = 0
    for (let after = 0; ;) {
      const page = await inbox.list({ status: 'received', channel: WMS_CHANNEL, after, limit: 100 })
      if (page.length === 0) return n
      for (const m of page) {
        const full = await inbox.get(m.id, { raw: true })
        const event = checkEvent(JSON.parse(full.raw ?? '') as unknown, `inbound message ${m.id}`)
        await queue(`${event.warehouse}/${event.eventId}`, async () => {
          if ((await inbox.get(m.id)).status !== 'received') return
          await applyStored(m.id, event)
          n++
        })
      }
      after = page[page.length - 1]!.id
    }
  }

  return { take, applyPending }
}
