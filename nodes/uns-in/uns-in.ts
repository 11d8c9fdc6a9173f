// `uns in`: subscribes, in-process, to a plant path filter and emits each message with its JSON payload.
import type { Node, NodeAPI, NodeDef } from 'node-red'
import type { AedesPublishPacket } from 'aedes'
import { hubServicesOf } from '../hub-services'

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
    const emit = (topic: string, raw: Buffer, retain: boolean, qos: number): void => {
      const text = raw.toString()
      let payload: unknown = text
      try {
        payload = JSON.parse(text)
      } catch {
        // not JSON (e.g. a raw device value): passed on as a string
      }
      node.send({ topic, payload, retain, qos } as never)
    }
    const handler = (packet: AedesPublishPacket, cb: () => void): void => {
      emit(packet.topic, packet.payload as Buffer, packet.retain, packet.qos)
      cb()
    }
    hub.broker.aedes.subscribe(filter, handler, () => {
      node.status({ fill: 'green', shape: 'dot', text: filter })
      // Like an MQTT subscription: the current retained values first, so a flow knows the state at once.
      void (async () => {
        for await (const m of hub.broker.retained(filter)) emit(m.topic, m.payload, true, 0)
      })().catch((err: Error) => node.warn(`could not read retained values for '${filter}': ${err.message}`))
    })
    node.on('close', (done: () => void) => hub.broker.aedes.unsubscribe(filter, handler, done))
  }
  RED.nodes.registerType('uns in', UnsInNode)
}
