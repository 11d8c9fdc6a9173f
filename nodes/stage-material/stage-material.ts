// `stage material`: the staging of a job's components at its work unit's supply location in the hub's MES
// (mes.logistics): request it now, read it (each component's request, and whether all are staged), or confirm or
// cancel a request by hand (a site without a WMS; with one, the WMS adapter applies its answers). Output 1: the
// staging; output 2: a refusal with its reason and rule (a lot of another material, a cancelled request, an unknown
// job or request, a missing input): nothing was changed.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { runStaging, type StagingSettings } from '../logistics-commands'
import { failed } from '../node-status'
import { sendOutcome } from '../outcome-node'

type StagingDef = NodeDef & Required<StagingSettings>
type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function StageMaterialNode (this: Node, def: StagingDef): void {
    const node = this
    const settings: StagingSettings = { action: def.action || undefined, who: def.who || undefined }
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      runStaging(mes, msg, settings, `node-red:${def.name || node.id}`).then((r) => {
        sendOutcome(node, msg, send, done, r, (o) => {
          if ('requests' in o) {
            const { action: _a, ...payload } = o
            const open = o.requests.filter((q) => q.status !== 'staged').length
            return { text: `${o.jobId}: ${o.staged ? 'staged' : `${open} of ${o.requests.length} to stage`}`, fill: o.staged ? 'green' : 'yellow', payload, extra: { staged: o.staged } }
          }
          const q = o.request
          return {
            text: `${q.requestId}: ${q.stagedQuantity} of ${q.quantity} ${q.unit} ${q.status}${o.action === 'confirm' && o.duplicate ? ' (repeat)' : ''}`,
            payload: q,
            extra: 'duplicate' in o ? { duplicate: o.duplicate } : {}
          }
        })
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('stage material', StageMaterialNode)
}
