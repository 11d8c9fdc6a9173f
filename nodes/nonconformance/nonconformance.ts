// `nonconformance`: an operator's report of a nonconformance (lot, operation, quantity, defect code, description) in
// the hub's MES, which holds its lot (or its order); or the disposition of one (use as is, rework, scrap, return),
// chosen in the node or by msg, applied once (mes.quality.disposition). Output 1: the nonconformance as it is now;
// output 2: a refusal with its reason (a second disposition, an unknown nonconformance, a missing input).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { runNonconformance, type NonconformanceSettings } from '../quality-commands'
import { failed } from '../node-status'
import { sendOutcome } from '../outcome-node'

type NonconformanceDef = NodeDef & Required<NonconformanceSettings>
type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function NonconformanceNode (this: Node, def: NonconformanceDef): void {
    const node = this
    const settings: NonconformanceSettings = { action: def.action || undefined, disposition: def.disposition || undefined, defectCode: def.defectCode || undefined, who: def.who || undefined }
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      runNonconformance(mes, msg, settings, `node-red:${def.name || node.id}`).then((r) => {
        sendOutcome(node, msg, send, done, r, (o) => {
          const nc = o.nonconformance
          const on = nc.lotId ?? nc.serial ?? nc.orderNumber ?? ''
          return {
            text: o.action === 'report' ? `${nc.defectCode} on ${on}${o.duplicate ? ' (repeat)' : ', held'}` : `${nc.disposition ?? ''}: ${nc.defectCode} on ${on}`,
            fill: o.action === 'report' ? 'yellow' : 'green',
            payload: nc,
            extra: { ncId: nc.ncId, duplicate: o.duplicate }
          }
        })
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('nonconformance', NonconformanceNode)
}
