// What every SAP node does before its own work: it is created, shows "SAP adapter not running" (red) while the hub
// runs none in this process (sap.enabled false, or outside a hub), and hands each input message to its handler with
// the adapter and the MES, or fails it. Not a node itself: Node-RED loads only .js files with an .html beside them.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { Mes } from '../mes/service'
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
