// `inspection result`: a measured value or an attribute of a characteristic recorded in the hub's MES
// (mes.quality.recordResult), evaluated against the inspection plan's limits. Output 1: the result (an out-of-spec
// one says so, msg.outOfSpec, and carries the nonconformance it opened, which holds the lot); output 2: a refusal
// with its reason and rule (an unknown characteristic, another unit, a decided inspection lot): nothing was stored.
// Its `plan` action sets an order's inspection plan, for a site whose plans come from no QMS.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { runInspection, type InspectionSettings } from '../quality-commands'
import { failed } from '../node-status'
import { sendOutcome } from '../outcome-node'

type InspectionDef = NodeDef & Required<InspectionSettings>
type Msg = NodeMessage & Record<string, unknown>

export = function (RED: NodeAPI): void {
  function InspectionResultNode (this: Node, def: InspectionDef): void {
    const node = this
    const settings: InspectionSettings = { action: def.action || undefined, characteristic: def.characteristic || undefined, unit: def.unit || undefined, who: def.who || undefined }
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      runInspection(mes, msg, settings, `node-red:${def.name || node.id}`).then((r) => {
        sendOutcome(node, msg, send, done, r, (o) => {
          if (o.action === 'plan') {
            return { text: `plan ${o.inspectionLot.inspectionLot} of order ${o.inspectionLot.orderNumber}`, payload: o.inspectionLot }
          }
          const { action: _a, ...payload } = o
          const res = o.result
          const what = `${res.characteristic} ${res.value !== null ? `${res.value} ${res.unit ?? ''}`.trim() : String(res.attribute)}`
          const outOfSpec = res.evaluation === 'rejected'
          const nc = o.nonconformance
          return {
            text: outOfSpec ? `out of spec: ${what}${nc !== null ? `, nc ${nc.ncId.slice(0, 8)} holds ${nc.lotId ?? nc.orderNumber ?? ''}` : ''}` : `${what} accepted${o.duplicate ? ' (repeat)' : ''}`,
            fill: outOfSpec ? 'yellow' : 'green',
            payload,
            extra: { outOfSpec, ...(nc !== null ? { ncId: nc.ncId } : {}) }
          }
        })
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('inspection result', InspectionResultNode)
}
