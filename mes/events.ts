// Change notifications for the hub (UNS publishing). Emitted only after the change has committed; a listener
// that throws is isolated (reported on the 'listenerError' channel) and never undoes the change.
import type { JobEventType, JobOrder, JobState, WorkOrderStatus } from './model/types'

export interface WipEvent {
  kind: 'wip'
  jobId: string
  orderNumber: string
  sequence: number
  workCenter: string
  workUnit: string
  event: JobEventType
  from: JobState
  to: JobState
  eventSeq: number
  who: string
  at: string
  good: number
  scrap: number
  rework: number
  job: JobOrder
  /** Idempotency key of the ERP confirmation this event queued (report, complete), else null. */
  confirmationKey: string | null
}

export interface OrderEvent {
  kind: 'order'
  orderNumber: string
  action: 'create' | 'update' | 'release' | 'hold' | 'cancel' | 'dispatch'
  status: WorkOrderStatus
  who: string
  at: string
  /** For action 'dispatch': the job order that was created. */
  job?: JobOrder
}

export type MesEvent = WipEvent | OrderEvent
export type MesListener = (e: MesEvent) => void

export class MesEvents {
  private readonly listeners = new Set<MesListener>()
  private readonly errorListeners = new Set<(err: unknown, e: MesEvent) => void>()

  /** Subscribes; returns the function that unsubscribes. */
  on (listener: MesListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  onListenerError (fn: (err: unknown, e: MesEvent) => void): () => void {
    this.errorListeners.add(fn)
    return () => { this.errorListeners.delete(fn) }
  }

  emit (e: MesEvent): void {
    for (const l of this.listeners) {
      try { l(e) } catch (err) { for (const h of this.errorListeners) h(err, e) }
    }
  }
}
