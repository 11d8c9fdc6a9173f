// `sparkplug in`: decoded Sparkplug metric updates of the hub's host application, by their UNS topic. The logic
// is in ./metric-feed.ts; this file wires it to Node-RED (config, output, status, close).
import type { Node, NodeAPI, NodeDef } from 'node-red'
import { hubServicesOf } from '../hub-services'
import { SparkplugMetricFeed, type MetricFeedStatus } from './metric-feed'

interface SparkplugInDef extends NodeDef {
  topic: string
  includeStale?: boolean
  includeHistorical?: boolean
  onlyChanges?: boolean
}

function statusText (s: MetricFeedStatus): { fill: 'green' | 'yellow' | 'grey', shape: 'dot' | 'ring', text: string } {
  const metrics = `${s.metrics} metric${s.metrics === 1 ? '' : 's'}`
  if (s.nodes === 0) return { fill: 'grey', shape: 'ring', text: `${metrics}, no edge node yet` }
  const text = `${metrics}, ${s.nodesOnline}/${s.nodes} node${s.nodes === 1 ? '' : 's'} online`
  return s.nodesOnline === s.nodes ? { fill: 'green', shape: 'dot', text } : { fill: 'yellow', shape: 'ring', text }
}

export = function (RED: NodeAPI): void {
  function SparkplugInNode (this: Node, def: SparkplugInDef): void {
    RED.nodes.createNode(this, def)
    const node = this
    const hub = hubServicesOf(RED)
    const sparkplug = hub?.sparkplug
    if (!hub || !sparkplug) {
      node.status({ fill: 'red', shape: 'ring', text: hub ? 'Sparkplug host not running' : 'hub not running' })
      return
    }
    let feed: SparkplugMetricFeed
    try {
      feed = new SparkplugMetricFeed({ stream: sparkplug.stream, host: sparkplug.host, namespace: hub.uns.namespace }, {
        filter: def.topic || '#',
        includeStale: def.includeStale ?? true,
        includeHistorical: def.includeHistorical ?? false,
        onlyChanges: def.onlyChanges ?? true
      }, (m) => node.send({ topic: m.topic, payload: m.payload } as never), (s) => node.status(statusText(s)))
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: (err as Error).message.slice(0, 60) })
      node.error(`invalid topic filter: ${(err as Error).message}`)
      return
    }
    // The current values go out once the whole flow runs: sent from the constructor, they could reach nodes that do
    // not exist yet. Every deploy (full or partial) that creates this node ends with 'flows:started'.
    const start = (): void => feed.start()
    RED.events.once('flows:started', start)
    node.on('close', (done: () => void) => {
      RED.events.off('flows:started', start)
      feed.stop()
      done()
    })
  }
  RED.nodes.registerType('sparkplug in', SparkplugInNode)
}
