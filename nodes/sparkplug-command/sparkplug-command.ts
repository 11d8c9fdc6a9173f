// `sparkplug command`: writes msg.payload to the Sparkplug metric behind a UNS path, as NCMD/DCMD through the hub's
// host application. The logic is in ./command.ts; this file wires it to Node-RED (input, output, status, errors).
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { hubServicesOf } from '../hub-services'
import { commandValue, sendCommand } from './command'
import { failed } from '../node-status'

interface SparkplugCommandDef extends NodeDef {
  topic: string
}

type Msg = NodeMessage & Record<string, unknown>

function show (v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? x.toString() : x) ?? String(v)
  return s.length > 24 ? s.slice(0, 24) + '…' : s
}

export = function (RED: NodeAPI): void {
  function SparkplugCommandNode (this: Node, def: SparkplugCommandDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    const hub = hubServicesOf(RED)
    if (!hub) node.status({ fill: 'red', shape: 'ring', text: 'hub not running' })
    else if (!hub.sparkplug) node.status({ fill: 'red', shape: 'ring', text: 'Sparkplug host not running' })

    node.on('input', (msg: Msg, send, done) => {
      const services = hubServicesOf(RED)
      if (!services) return done(new Error('the isa95-hub runtime is not running in this process'))
      if (!services.sparkplug) return done(new Error('the Sparkplug host of the isa95-hub runtime is not running (sparkplug.enabled)'))
      const topic = def.topic || (typeof msg.topic === 'string' ? msg.topic : '')
      if (!topic) return done(new Error('no topic: set a UNS path (<equipment>/commands/<tag>) on the node or in msg.topic'))
      sendCommand({ model: services.model, host: services.sparkplug.host, stream: services.sparkplug.stream, uns: services.uns }, topic, msg.payload).then((sent) => {
        node.status({ fill: 'green', shape: 'dot', text: `${sent.metric} = ${show(commandValue(msg.payload))}` })
        msg.sparkplug = sent
        send(msg)
        done()
      }, failed(node, done))
    })
  }
  RED.nodes.registerType('sparkplug command', SparkplugCommandNode)
}
