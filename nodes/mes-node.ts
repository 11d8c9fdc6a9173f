// What every MES node does before its own work: it is created, shows "MES not running" (red) while the hub runs no
// MES in this process, and hands each input message to its handler with the MES, or fails it with mesNotRunning().
// Not a node itself: Node-RED loads only .js files with an .html beside them.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { Mes } from '../mes/service'
import { hubServicesOf } from './hub-services'
import { mesNotRunning } from './node-status'

type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void
type Done = (err?: Error) => void

export function onMesInput<M extends NodeMessage> (RED: NodeAPI, node: Node, def: NodeDef,
  handle: (mes: Mes, msg: M, send: Send, done: Done) => void): void {
  RED.nodes.createNode(node, def)
  if (!hubServicesOf(RED)?.mes) node.status({ fill: 'red', shape: 'ring', text: 'MES not running' })
  node.on('input', (msg, send, done) => {
    const mes = hubServicesOf(RED)?.mes
    if (!mes) return done(mesNotRunning())
    handle(mes, msg as M, send, done)
  })
}
