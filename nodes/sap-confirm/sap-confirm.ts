// `sap confirm`: a confirmation of the MES to SAP now, through the outbox (the adapter also sends every confirmation
// by itself within sap.outbound.pollMs; this node puts one forward and tells the flow when SAP has it). Input: the
// confirmation's key, as a string, msg.confirmationKey, or the output of the `wip` node. Output 1: SAP took it (its
// reference); output 2: refused for good (a dead letter, with SAP's reason).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { OutboxWaiter, onSapInput } from '../sap-node'
import { failed } from '../node-status'

type Msg = NodeMessage & Record<string, unknown>

function keyOf (msg: Msg): string | undefined {
  if (typeof msg.confirmationKey === 'string' && msg.confirmationKey !== '') return msg.confirmationKey
  if (typeof msg.payload === 'string' && msg.payload !== '') return msg.payload
  const p = msg.payload as { confirmationKey?: unknown, idempotencyKey?: unknown } | undefined
  if (typeof p?.confirmationKey === 'string') return p.confirmationKey
  if (typeof p?.idempotencyKey === 'string') return p.idempotencyKey
  return undefined
}

export = function (RED: NodeAPI): void {
  function SapConfirmNode (this: Node, def: NodeDef): void {
    const node = this
    const waiter = new OutboxWaiter<Msg>((m, original) => {
      const sent = m.status === 'sent'
      node.status({ fill: sent ? 'green' : 'red', shape: 'dot', text: sent ? `SAP ${m.reference ?? ''}` : `refused: ${(m.lastError ?? '').slice(0, 40)}` })
      node.send(sent ? [{ ...original, payload: m }, null] : [null, { ...original, payload: m, reason: m.lastError }])
    })
    onSapInput<Msg>(RED, node, def, ({ sap, mes }, msg, send, done) => {
      waiter.attach(mes)
      const key = keyOf(msg)
      if (key === undefined) {
        // A job event that produced no confirmation (a start, a pause) passes by quietly.
        if (msg.payload !== null && typeof msg.payload === 'object' && 'confirmationKey' in msg.payload) return done()
        return done(new Error('sap confirm needs a confirmation key: msg.payload (a string), msg.confirmationKey, or the output of the wip node'))
      }
      sap.confirm(key, typeof msg.who === 'string' ? msg.who : `node-red:${def.name || node.id}`).then((m) => {
        if (m.status !== 'sent' && m.status !== 'dead') node.status({ fill: 'blue', shape: 'ring', text: `to SAP: #${m.id} ${m.status}` })
        waiter.track(m, msg)
        done()
      }, failed(node, done))
    })
    node.on('close', () => waiter.close())
  }
  RED.nodes.registerType('sap confirm', SapConfirmNode)
}
