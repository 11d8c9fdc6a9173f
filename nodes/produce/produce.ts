// `produce`: a lot or serials produced at a running job in the hub's MES, linked in the genealogy to what the job
// has consumed (mes/materials/consumption.ts). Output 1: the production; output 2: a refusal with its reason
// (nothing was produced).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { produce, produceCommand, refusalMessage } from '../material-commands'
import { failed } from '../node-status'

interface ProduceDef extends NodeDef {
  material: string
  who: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function ProduceNode (this: Node, def: ProduceDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      produce(mes, produceCommand(msg, def.material || undefined, def.who || undefined, `node-red:${def.name || node.id}`)).then((r) => {
        if (r.ok) {
          const { lot, serials } = r.result
          const made = lot !== undefined && serials.length === 0 ? `lot ${lot.lotId}` : serials.length === 1 ? serials[0]!.serial : `${serials.length} serials`
          node.status({ fill: 'green', shape: 'dot', text: `${made}, ${r.result.links.length} links` })
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
  RED.nodes.registerType('produce', ProduceNode)
}
