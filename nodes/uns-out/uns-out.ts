// `uns out`: publishes msg.payload into the Unified Namespace, in-process, under a plant path.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { hubServicesOf } from '../hub-services'
import { toUnsPayload, type Quality } from '../../uns/uns-publish'
import { failed } from '../node-status'

interface UnsOutDef extends NodeDef {
  topic: string
  unit: string
  retain: boolean
  qos: string
}

interface UnsOutMessage extends NodeMessage {
  unit?: string
  quality?: Quality
  retain?: boolean
}

export = function (RED: NodeAPI): void {
  function UnsOutNode (this: Node, def: UnsOutDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    if (!hubServicesOf(RED)) node.status({ fill: 'red', shape: 'ring', text: 'hub not running' })

    node.on('input', (msg: UnsOutMessage, send, done) => {
      const hub = hubServicesOf(RED)
      if (!hub) return done(new Error('the isa95-hub runtime is not running in this process'))
      const topic = def.topic || (typeof msg.topic === 'string' ? msg.topic : '')
      if (!topic) return done(new Error('no topic: set one on the node or in msg.topic'))
      const payload = toUnsPayload(msg.payload, { unit: msg.unit ?? (def.unit || undefined), quality: msg.quality })
      hub.uns.publish({ kind: 'flow', id: node.id }, topic, payload, { retain: msg.retain ?? def.retain, qos: def.qos === '0' ? 0 : 1 }).then(() => {
        node.status({ fill: 'green', shape: 'dot', text: topic.split('/').slice(-2).join('/') })
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('uns out', UnsOutNode)
}
