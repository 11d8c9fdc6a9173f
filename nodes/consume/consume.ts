// `consume`: a lot (whole or part) or a serial consumed at a running job, checked against the order's BOM in the
// hub's MES (mes/materials/consumption.ts). Output 1: the consumption; output 2: a refusal with its reason and
// rule (nothing was consumed), so a flow can show it to the operator or ask for a signed override.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { consume, consumeCommand, refusalMessage } from '../material-commands'
import { failed } from '../node-status'

interface ConsumeDef extends NodeDef {
  who: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function ConsumeNode (this: Node, def: ConsumeDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      consume(mes, consumeCommand(msg, def.who || undefined, `node-red:${def.name || node.id}`)).then((r) => {
        if (r.ok) {
          const a = r.result.actual
          node.status({ fill: 'green', shape: 'dot', text: `${a.node.id}: ${a.quantity} ${a.unit} into ${a.jobId}${r.result.duplicate ? ' (repeat)' : ''}` })
          msg.payload = r.result
          send([msg, null])
        } else {
          node.status({ fill: 'yellow', shape: 'ring', text: `refused: ${r.reason.slice(0, 50)}` })
          send([null, refusalMessage(msg, r)])
        }
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('consume', ConsumeNode)
}
