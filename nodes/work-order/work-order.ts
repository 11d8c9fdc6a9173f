// `work order`: creates, updates, releases, holds or cancels a work order in the hub's MES; outputs the order.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { actorOf, runWorkOrderCommand } from '../mes-commands'
import { failed } from '../node-status'

interface WorkOrderDef extends NodeDef {
  action: string
  who: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function WorkOrderNode (this: Node, def: WorkOrderDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      const action = def.action || (typeof msg.action === 'string' ? msg.action : undefined) || (typeof msg.topic === 'string' && msg.topic ? msg.topic : undefined)
      runWorkOrderCommand(mes, action, msg, actorOf(msg, def.who, `node-red:${def.name || node.id}`)).then((r) => {
        node.status({ fill: 'green', shape: 'dot', text: `${r.order.orderNumber} ${r.order.status}` })
        msg.payload = r.order
        msg.action = r.action
        if (r.changes !== undefined) msg.changes = r.changes
        send(msg)
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('work order', WorkOrderNode)
}
