// `hold`: places or releases a hold on a lot, an order or a work unit in the hub's MES (mes.holds), or lists the
// active holds on one; the target and the reason from the node's settings or the message, a release's why always
// from the message. Output 1: the hold (or the list); output 2: a refusal with its reason (an unknown target, a hold
// already released, a release without why): nothing was changed.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { runHold, type HoldSettings } from '../quality-commands'
import { failed } from '../node-status'
import { sendOutcome } from '../outcome-node'

type HoldDef = NodeDef & Required<HoldSettings>
type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function HoldNode (this: Node, def: HoldDef): void {
    const node = this
    const settings: HoldSettings = { action: def.action || undefined, targetKind: def.targetKind || undefined, targetId: def.targetId || undefined, reason: def.reason || undefined, who: def.who || undefined }
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      runHold(mes, msg, settings, `node-red:${def.name || node.id}`).then((r) => {
        sendOutcome(node, msg, send, done, r, (o) => {
          if (o.action === 'list') {
            return { text: `${o.target.kind} ${o.target.id}: ${o.holds.length === 0 ? 'not held' : `${o.holds.length} active hold${o.holds.length > 1 ? 's' : ''}`}`, payload: o.holds }
          }
          const h = o.hold
          return {
            text: `${o.action === 'place' ? 'held' : 'released'}: ${h.target.kind} ${h.target.id}${o.action === 'place' && o.duplicate ? ' (repeat)' : ''}`,
            fill: o.action === 'place' ? 'yellow' : 'green',
            payload: h,
            extra: { holdId: h.holdId, ...(o.action === 'place' ? { duplicate: o.duplicate } : {}) }
          }
        })
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('hold', HoldNode)
}
