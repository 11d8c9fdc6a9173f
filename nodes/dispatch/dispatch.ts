// `dispatch`: the dispatch list of a work center, or the next job for a work unit, from the hub's MES.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { actorOf, runDispatchCommand } from '../mes-commands'
import { failed } from '../node-status'

interface DispatchDef extends NodeDef {
  action: string
  workCenter: string
  workUnit: string
  rule: string
  limit: string
  who: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function DispatchNode (this: Node, def: DispatchDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      const settings = {
        action: def.action || undefined,
        workCenter: def.workCenter || undefined,
        workUnit: def.workUnit || undefined,
        rule: def.rule || undefined,
        limit: def.limit ? Number(def.limit) : undefined
      }
      runDispatchCommand(mes, settings, msg, actorOf(msg, def.who, `node-red:${def.name || node.id}`)).then((r) => {
        if (r.action === 'list') {
          node.status({ fill: 'green', shape: 'dot', text: `${r.workCenter}: ${r.items.length} ready (${r.rule})` })
          msg.payload = r.items
          msg.workCenter = r.workCenter
          msg.rule = r.rule
        } else {
          node.status(r.job ? { fill: 'green', shape: 'dot', text: `${r.job.jobId} → ${r.job.workUnit}` } : { fill: 'grey', shape: 'ring', text: 'nothing ready' })
          msg.payload = r.job
        }
        msg.action = r.action
        send(msg)
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('dispatch', DispatchNode)
}
