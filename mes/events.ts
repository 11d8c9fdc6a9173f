// Change notifications for the hub (UNS publishing). Emitted only after the change has committed; a listener
// that throws is isolated (reported on the 'listenerError' channel) and never undoes the change.
import type { MesEvent, MesListener } from './model/types'

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
