// The hub's load: the benchmark's Sparkplug edge nodes in a process of their own. `births` connects the edge nodes of
// N variables and publishes their NBIRTH and DBIRTHs (they stay connected, so that the hub keeps the topics live);
// `changes` publishes DDATA at the paced rate, CHANGES_PER_DDATA consecutive variables per message.
import type { MqttClient } from 'mqtt'
import { benchClient } from '../bench-targets'
import { serve } from './ipc'
import { CHANGES_PER_DDATA, DEVICES_PER_NODE, GROUP, dbirth, ddata, deviceName, nbirth, nodeName, nodesFor, placeOf } from './layout'
import { paced, type Paced } from './pace'

export type EdgeJob =
  | { kind: 'births', url: string, n: number }
  | { kind: 'changes', perSecond: number, changes: number, base: number }
  | { kind: 'close' }
/** When the first birth was handed to the socket (epoch ms: the client process reads the same clock). */
export interface BirthsSent { at: number, nodes: number }

class Edge {
  private seq = 0
  constructor (readonly c: MqttClient, readonly node: string) {}
  next (): number { const s = this.seq; this.seq = (this.seq + 1) & 0xff; return s }
  topic (type: 'NBIRTH' | 'DBIRTH' | 'DDATA', device?: string): string {
    return device === undefined ? `spBv1.0/${GROUP}/${type}/${this.node}` : `spBv1.0/${GROUP}/${type}/${this.node}/${device}`
  }
}

let edges: Edge[] = []
let n = 0

async function births (url: string, count: number): Promise<BirthsSent> {
  n = count
  edges = await Promise.all(Array.from({ length: nodesFor(count) }, async (_, i) =>
    new Edge(await benchClient(url, { clientId: `uabench-${nodeName(i)}-${process.pid}` }), nodeName(i))))
  const at = Date.now()
  for (const e of edges) {
    e.c.publish(e.topic('NBIRTH'), nbirth(e.next()), { qos: 0 })
    for (let d = 0; d < DEVICES_PER_NODE; d++) e.c.publish(e.topic('DBIRTH', deviceName(d)), dbirth(e.next(), d), { qos: 0 })
  }
  return { at, nodes: edges.length }
}

function changes (perSecond: number, total: number, base: number): Promise<Paced> {
  return paced(perSecond, total, CHANGES_PER_DDATA, (first) => {
    const p = placeOf(first % n)
    const e = edges[p.node]!
    e.c.publish(e.topic('DDATA', deviceName(p.device)), ddata(e.next(), p.device, p.metric, base + first), { qos: 0 })
  })
}

async function close (): Promise<void> {
  await Promise.all(edges.map((e) => e.c.endAsync()))
  edges = []
}

serve<EdgeJob>(async (job) => {
  if (job.kind === 'births') return births(job.url, job.n)
  if (job.kind === 'changes') return changes(job.perSecond, job.changes, job.base)
  return close()
}, close)
