// What a hub node with two outputs does with the outcome of its command: a result out of output 1 (its status
// green, or yellow when the result itself is bad news, e.g. an out-of-spec result), a refusal out of output 2 with
// its reason, code and rule (its status yellow: "refused: ..."), and done() on both paths. Not a node itself:
// Node-RED loads only .js files with an .html beside them.
import type { Node, NodeMessage } from 'node-red'
import { refusalMessage, type MaterialOutcome } from './material-commands'

type Msg = NodeMessage & Record<string, unknown>

export interface Shown {
  /** The node's status text (cut to 60 characters). */
  text: string
  /** yellow: a result that needs someone's attention. Default green. */
  fill?: 'green' | 'yellow'
  /** What goes into msg beside the payload (msg.outOfSpec, msg.ncId, ...). */
  extra?: Record<string, unknown>
}

export function sendOutcome<T> (node: Node, msg: Msg, send: (m: Array<NodeMessage | null>) => void, done: () => void,
  r: MaterialOutcome<T>, show: (result: T) => Shown & { payload: unknown }): void {
  if (r.ok) {
    const s = show(r.result)
    node.status({ fill: s.fill ?? 'green', shape: 'dot', text: s.text.slice(0, 60) })
    Object.assign(msg, s.extra ?? {}, { payload: s.payload })
    send([msg, null])
  } else {
    node.status({ fill: 'yellow', shape: 'ring', text: `refused: ${r.reason.slice(0, 50)}` })
    send([null, refusalMessage(msg, r)])
  }
  done()
}
