// What every SAP node does before its own work: it is created, shows "SAP adapter not running" (red) while the hub
// runs none in this process (sap.enabled false, or outside a hub), and hands each input message to its handler with
// the adapter and the MES, or fails it; and waits for what it queued in the outbox. Not a node itself: Node-RED
// loads only .js files with an .html beside them.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { Mes, OutboxMessage } from '../mes/service'
import type { SapAdapter } from '../adapters/sap/sap-adapter'
import { hubServicesOf } from './hub-services'

type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void
type Done = (err?: Error) => void

export function sapNotRunning (): Error {
  return new Error('the SAP adapter of the isa95-hub runtime is not running in this process (sap.enabled, and the MES)')
}

/** The adapter and MES of this runtime's hub, or undefined (and the red status) when there are none. */
export function sapOf (RED: NodeAPI, node: Node): { sap: SapAdapter, mes: Mes } | undefined {
  const s = hubServicesOf(RED)
  if (s?.sap === undefined || s.mes === undefined) {
    node.status({ fill: 'red', shape: 'ring', text: 'SAP adapter not running' })
    return undefined
  }
  return { sap: s.sap, mes: s.mes }
}

export function onSapInput<M extends NodeMessage> (RED: NodeAPI, node: Node, def: NodeDef,
  handle: (ctx: { sap: SapAdapter, mes: Mes }, msg: M, send: Send, done: Done) => void): void {
  RED.nodes.createNode(node, def)
  sapOf(RED, node)
  node.on('input', (msg, send, done) => {
    const ctx = sapOf(RED, node)
    if (ctx === undefined) return done(sapNotRunning())
    handle(ctx, msg as M, send, done)
  })
}

/**
 * Tells a node when the outbox messages it queued are finished (sent or dead), also when that happened while it was
 * still queueing them (the worker may send a message the adapter's feeder queued first before enqueue() answers).
 */
export class OutboxWaiter<T> {
  private readonly waiting = new Map<number, T>()
  /** Messages finished that no one waited for yet, the last few only. */
  private readonly finished = new Map<number, OutboxMessage>()
  private off: (() => void) | undefined

  constructor (private readonly onFinished: (m: OutboxMessage, ctx: T) => void) {}

  /** Listens to the outbox of this MES (once; call it before queueing). */
  attach (mes: Mes): void {
    this.off ??= mes.outbox.onChange((c) => {
      if (c.kind !== 'sent' && c.kind !== 'dead') return
      const ctx = this.waiting.get(c.message.id)
      if (ctx !== undefined) {
        this.waiting.delete(c.message.id)
        this.onFinished(c.message, ctx)
        return
      }
      this.finished.set(c.message.id, c.message)
      if (this.finished.size > 256) this.finished.delete(this.finished.keys().next().value!)
    })
  }

  /** A message just queued: finished already (now or while queueing) is reported at once, else when it is. */
  track (m: OutboxMessage, ctx: T): void {
    const done = m.status === 'sent' || m.status === 'dead' ? m : this.finished.get(m.id)
    this.finished.delete(m.id)
    if (done !== undefined) this.onFinished(done, ctx)
    else this.waiting.set(m.id, ctx)
  }

  close (): void {
    this.off?.()
    this.waiting.clear()
    this.finished.clear()
  }
}
