// What a WMS event does in the MES, through its Logistics only: a staging task's confirmation becomes one
// confirmation per lot moved, all in one transaction (confirmStagingAll; the confirmation id `<eventId>/<n>`, so the
// same event applied again changes nothing), the last one `final` when the WMS closed the task (short by a difference quantity, or complete); a
// put-away's confirmation becomes confirmPutAway with the storage bin; a staging task cancelled by the warehouse
// becomes cancelStaging. A refusal of the MES (an unknown request, a lot of another material, a cancelled request)
// is the event's outcome, recorded in the inbox with its reason; a failure of the store is thrown (the WMS sends the
// event again, and it is applied then).
import { HubError } from '../../../core/errors'
import { ConcurrentUpdateError, StoreError } from '../../../mes/errors'
import type { Logistics } from '../../../mes/service'
import type { WmsEvent } from '../wms-schemas'

export type ApplyOutcome = { status: 'applied', results: unknown } | { status: 'error', reason: string }

export type WmsEventApply = (event: WmsEvent) => Promise<ApplyOutcome>

/** Errors that say the MES refused the event (for good), as opposed to a store that failed (try again). */
function isRefusal (err: unknown): err is HubError {
  return err instanceof HubError && !(err instanceof StoreError) && !(err instanceof ConcurrentUpdateError)
}

export function wmsEventApplier (logistics: Pick<Logistics, 'confirmStagingAll' | 'cancelStaging' | 'confirmPutAway'>): WmsEventApply {
  const apply = async (e: WmsEvent): Promise<unknown> => {
    const who = `wms:${e.warehouse}`
    const { task } = e
    if (e.type === 'task.cancelled') {
      if (task.type === 'put-away') {
        // The MES has no cancel of a put-away (the lot is where it was produced): a person decides what follows.
        throw new HubError('WMS_PUT_AWAY_CANCELLED', `the warehouse cancelled put-away task ${task.taskId} of ${task.requestId}${e.reason !== undefined ? ` (${e.reason})` : ''}: the lot stays at its source; request the put-away again or move it by hand`,
          { source: `WMS event ${e.eventId}` })
      }
      const request = await logistics.cancelStaging({ requestId: task.requestId, who, why: e.reason ?? `cancelled in warehouse ${e.warehouse}`, taskRef: task.taskId })
      return { requestId: request.requestId, status: request.status }
    }
    const c = e.confirmation!
    if (task.type === 'put-away') {
      const r = await logistics.confirmPutAway({ requestId: task.requestId, confirmationId: e.eventId, location: c.destinationBin!, taskRef: task.taskId, who })
      return { requestId: r.request.requestId, status: r.request.status, location: r.request.location, duplicate: r.duplicate }
    }
    // A final confirmation that moved nothing (everything short) still closes the task. The lots of one event are
    // applied in one transaction: a lot the MES refuses leaves the others unapplied too (the event changed nothing).
    const lots = c.lots.length > 0 ? c.lots : c.final ? [undefined] : []
    const last = (await logistics.confirmStagingAll(lots.map((lot, i) => ({
      requestId: task.requestId, confirmationId: `${e.eventId}/${i + 1}`, quantity: lot?.quantity ?? 0,
      ...(lot !== undefined ? { lotId: lot.lotId } : {}), final: c.final && i === lots.length - 1, taskRef: task.taskId, who
    })))).at(-1)
    return last === undefined ? { requestId: task.requestId } : { requestId: task.requestId, status: last.request.status, stagedQuantity: last.request.stagedQuantity }
  }
  return async (e) => {
    try {
      return { status: 'applied', results: await apply(e) }
    } catch (err) {
      if (isRefusal(err)) return { status: 'error', reason: err.message }
      throw err
    }
  }
}
