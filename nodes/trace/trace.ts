// `trace`: backward (what went into a lot or serial, through all levels) or forward (everything a lot went into,
// down to finished lots and serials) in the hub's MES; the answer as a graph (nodes and edges) and as a flat list.
// The query is mes/materials/trace.ts; a refusal (unknown lot, a trace over its limit, a malformed query) goes to a
// catch node with the reason.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { onMesInput } from '../mes-node'
import { failed } from '../node-status'

interface TraceDef extends NodeDef {
  direction: 'backward' | 'forward'
}

type Msg = NodeMessage & Record<string, unknown>

/** The query from the message: an object as the service takes it, or a lot id (or `serial:<id>`) as text. */
function queryOf (payload: unknown, direction: TraceDef['direction']): unknown {
  if (typeof payload === 'string') {
    return payload.startsWith('serial:') ? { direction, serial: payload.slice('serial:'.length) } : { direction, lotId: payload }
  }
  if (typeof payload === 'object' && payload !== null && !('direction' in payload)) return { direction, ...payload }
  return payload
}

export = function (RED: NodeAPI): void {
  function TraceNode (this: Node, def: TraceDef): void {
    const node = this
    onMesInput<Msg>(RED, node, def, (mes, msg, send, done) => {
      mes.materials.trace(queryOf(msg.payload, def.direction || 'backward')).then((r) => {
        node.status({ fill: 'green', shape: 'dot', text: `${r.direction} from ${r.start.id}: ${r.nodes.length} nodes, ${r.edges.length} links` })
        msg.payload = r
        send(msg)
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('trace', TraceNode)
}
