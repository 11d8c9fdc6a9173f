// What every hub node does when its work fails: the reason on the node (its first 60 characters) and the error
// to Node-RED, where a catch node gets it. Not a node itself: Node-RED loads only .js files with an .html beside them.
import type { Node } from 'node-red'

export function failed (node: Node, done: (err?: Error) => void): (err: Error) => void {
  return (err) => {
    node.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 60) })
    done(err)
  }
}

/** The error of an MES node in a process where the hub's MES is not running. */
export function mesNotRunning (): Error {
  return new Error('the MES of the isa95-hub runtime is not running in this process')
}
