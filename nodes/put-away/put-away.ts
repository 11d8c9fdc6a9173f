// `put away`: the put-away of a produced lot in the hub's MES (mes.logistics): read it (requested, or confirmed
// with the storage bin), or confirm it by hand (a site without a WMS; with one, the WMS adapter applies the WMS's
// confirmation). The bin is kept with the lot, so a forward trace shows where it is. Output 1: the put-away;
// output 2: a refusal with its reason and rule (an unknown lot or request, a second bin, a missing input).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { runPutAway, type PutAwaySettings } from '../logistics-commands'
import { failed } from '../node-status'
import { sendOutcome } from '../outcome-node'

type PutAwayDef = NodeDef & Required<PutAwaySettings>
type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function PutAwayNode (this: Node, def: PutAwayDef): void {
    const node = this
    const settings: PutAwaySettings = { action: def.action || undefined, location: def.location || undefined, who: def.who || undefined }
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      runPutAway(mes, msg, settings, `node-red:${def.name || node.id}`).then((r) => {
        sendOutcome(node, msg, send, done, r, (o) => {
          if (o.action === 'read') {
            const q = o.request
            return {
              text: q === null ? `${o.lotId}: no put-away` : `${o.lotId}: ${q.status}${q.location !== null ? ` in ${q.location}` : ''}`,
              fill: q !== null && q.status === 'confirmed' ? 'green' : 'yellow',
              payload: q,
              extra: { lotId: o.lotId }
            }
          }
          return { text: `${o.request.lotId} in ${o.request.location ?? '?'}${o.duplicate ? ' (repeat)' : ''}`, payload: o.request, extra: { duplicate: o.duplicate } }
        })
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('put away', PutAwayNode)
}
