// `uns in`: subscribes, in-process, to a plant path filter and emits each message with its JSON payload.
import type { Node, NodeAPI, NodeDef } from 'node-red'
import { hubServicesOf } from '../hub-services'
import type { UnsMessage, UnsSubscription } from '../../uns/uns-port'

interface UnsInDef extends NodeDef {
  topic: string
}

export = function (RED: NodeAPI): void {
  function UnsInNode (this: Node, def: UnsInDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    const hub = hubServicesOf(RED)
    if (!hub) {
      node.status({ fill: 'red', shape: 'ring', text: 'hub not running' })
      return
    }
    const filter = def.topic || '#'
    const emit = (m: UnsMessage): void => {
      const text = m.payload.toString()
      let payload: unknown = text
      try {
        payload = JSON.parse(text)
      } catch {
        // not JSON (e.g. a raw device value): passed on as a string
      }
      node.send({ topic: m.topic, payload, retain: m.retain, qos: m.qos } as never)
    }
    // Like an MQTT subscription: the current retained values first, so a flow knows the state at once.
    const subscribed: Promise<UnsSubscription | undefined> = hub.uns.subscribe(filter, emit, { retainedFirst: true }).then((s) => {
      node.status({ fill: 'green', shape: 'dot', text: filter })
      return s
    }, (err: Error) => {
      node.warn(`could not subscribe to '${filter}': ${err.message}`)
      node.status({ fill: 'red', shape: 'ring', text: 'not subscribed: see the debug log' })
      return undefined
    })
    node.on('close', (done: () => void) => {
      void subscribed.then((s) => s?.close()).then(() => done(), () => done())
    })
  }
  RED.nodes.registerType('uns in', UnsInNode)
}
