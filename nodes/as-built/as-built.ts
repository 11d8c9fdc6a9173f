// `as-built`: the as-built / device history record of a finished lot or serial from the hub's MES, as the JSON
// record, as B2MML V7 (validated against MESA's schema) or as B2MML XML. A refusal (unknown lot or serial, a
// genealogy over the record's size limit, a malformed query) goes to a catch node with the reason.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { subjectOf } from '../material-commands'
import { failed } from '../node-status'
import type { Mes } from '../../mes/service'

type Format = 'json' | 'b2mml' | 'xml'

interface AsBuiltDef extends NodeDef {
  format: Format
}

type Msg = NodeMessage & Record<string, unknown>

async function recordOf (mes: Mes, format: Format, query: unknown): Promise<unknown> {
  if (format === 'xml') return await mes.materials.asBuiltB2mmlXml(query)
  if (format === 'b2mml') return await mes.materials.asBuiltB2mml(query)
  return await mes.materials.asBuilt(query)
}

export = function (RED: NodeAPI): void {
  function AsBuiltNode (this: Node, def: AsBuiltDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      const format: Format = msg.format === 'json' || msg.format === 'b2mml' || msg.format === 'xml' ? msg.format : def.format || 'json'
      const query = typeof msg.payload === 'string' ? subjectOf(msg.payload) : msg.payload
      recordOf(mes, format, query).then((r) => {
        const subject = typeof msg.payload === 'string' ? msg.payload : JSON.stringify(msg.payload)
        node.status({ fill: 'green', shape: 'dot', text: `${subject} (${format})` })
        msg.payload = r
        msg.format = format
        send(msg)
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('as-built', AsBuiltNode)
}
