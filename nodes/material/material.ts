// `material`: the warehouse's and the ERP's material commands in the hub's MES: a material definition, a lot
// received, a lot's status (released, quarantined, on-hold, blocked, expired), a split into sublots, a merge.
// Outputs the result; a refusal (a duplicate lot, an unknown material, a malformed command) goes to a catch node.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { runMaterialCommand } from '../material-commands'
import { failed } from '../node-status'

interface MaterialDef extends NodeDef {
  action: string
  who: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function MaterialNode (this: Node, def: MaterialDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      const action = def.action || (typeof msg.action === 'string' ? msg.action : undefined) || (typeof msg.topic === 'string' && msg.topic ? msg.topic : undefined)
      runMaterialCommand(mes, action, msg, def.who || undefined, `node-red:${def.name || node.id}`).then((r) => {
        const { action: performed, ...result } = r
        node.status({ fill: 'green', shape: 'dot', text: r.action === 'define' ? `${r.definition.material} defined` : `${r.action}: ${r.lot.lotId} ${r.lot.quantity} ${r.lot.unit} ${r.lot.status}` })
        msg.payload = result
        msg.action = performed
        send(msg)
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('material', MaterialNode)
}
