// Change notifications for the hub (UNS publishing). Emitted only after the change has committed; a listener
// that throws is isolated (reported on the 'listenerError' channel) and never undoes the change.
import type { MesEvent } from './model/types'

/** One channel of committed changes; the MES has one for orders and WIP, the materials one of their own. */
export class EventChannel<E> {
  private readonly listeners = new Set<(e: E) => void>()
  private readonly errorListeners = new Set<(err: unknown, e: E) => void>()

  /** Subscribes; returns the function that unsubscribes. */
  on (listener: (e: E) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  onListenerError (fn: (err: unknown, e: E) => void): () => void {
    this.errorListeners.add(fn)
    return () => { this.errorListeners.delete(fn) }
  }

  emit (e: E): void {
    for (const l of this.listeners) {
      try { l(e) } catch (err) { for (const h of this.errorListeners) h(err, e) }
    }
  }
}

/** The orders and WIP channel (Mes.onEvent). */
export class MesEvents extends EventChannel<MesEvent> {}
