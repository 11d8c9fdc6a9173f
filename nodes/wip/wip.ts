// `wip`: applies a shop-floor job event (start, pause, resume, report, complete, hold, release, abort) in the
// hub's MES. Output 1: the job's new state; output 2: the event refused, with the reason (the job is unchanged).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { applyWipEvent } from '../mes-commands'
import { failed } from '../node-status'

interface WipDef extends NodeDef {
  who: string
}

type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function WipNode (this: Node, def: WipDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      applyWipEvent(mes, msg.payload, { who: def.who || undefined }).then((r) => {
        if (r.ok) {
          const j = r.result.job
          node.status({ fill: 'green', shape: 'dot', text: `${j.jobId} ${j.state}${r.result.duplicate ? ' (repeat)' : ''}` })
          msg.payload = r.result
          send([msg, null])
        } else {
          node.status({ fill: 'yellow', shape: 'ring', text: `refused: ${r.reason.slice(0, 50)}` })
          msg.payload = r.event
          msg.reason = r.reason
          msg.code = r.code
          send([null, msg])
        }
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('wip', WipNode)
}
