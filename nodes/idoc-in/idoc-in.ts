// `idoc in`: every IDoc SAP sent to the hub (/sap/bc/idoc_xml, /sap/bc/srt/idoc), once the hub has applied it or
// recorded why not, filtered by message type and outcome. An IDoc type the hub does not map comes out with status
// error and its segments, for a flow to handle.
import type { Node, NodeAPI, NodeDef } from 'node-red'
import { sapOf } from '../sap-node'

interface IdocInDef extends NodeDef {
  messageType: string
  outcome: 'all' | 'applied' | 'error'
}

export = function (RED: NodeAPI): void {
  function IdocInNode (this: Node, def: IdocInDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    const ctx = sapOf(RED, node)
    if (ctx === undefined) return
    const wanted = (def.messageType ?? '').trim().toUpperCase()
    let seen = 0
    node.status({ fill: 'grey', shape: 'ring', text: 'waiting for IDocs' })
    const off = ctx.sap.onIdoc((o) => {
      // The message type, else the basic type without its version (LOIPRO05 -> LOIPRO), as the applier reads it.
      const type = o.idoc.messageType !== '' ? o.idoc.messageType : o.idoc.idocType.replace(/\d+$/, '')
      if (wanted !== '' && type !== wanted && o.idoc.idocType !== wanted) return
      if (def.outcome !== undefined && def.outcome !== 'all' && o.status !== def.outcome) return
      seen++
      node.status({ fill: o.status === 'applied' ? 'green' : 'yellow', shape: 'dot', text: `${seen}: ${type} ${o.idoc.control.DOCNUM ?? ''} ${o.status}`.replace(/\s+/g, ' ') })
      node.send({ topic: type, payload: { inboxId: o.id, status: o.status, reason: o.reason, results: o.results }, idoc: o.idoc })
    })
    node.on('close', () => off())
  }
  RED.nodes.registerType('idoc in', IdocInNode)
}
