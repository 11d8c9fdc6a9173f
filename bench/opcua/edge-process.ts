// The hub's load: the benchmark's Sparkplug edge nodes in a process of their own. `births` connects the edge nodes of
// N variables and publishes their NBIRTH and DBIRTHs (they stay connected, so that the hub keeps the topics live);
// `changes` publishes DDATA at the paced rate, CHANGES_PER_DDATA consecutive variables per message.
import type { MqttClient } from 'mqtt'
import { benchClient } from '../bench-targets'
import { serve, sleep } from './ipc'
import { CHANGES_PER_DDATA, DEVICES_PER_NODE, GROUP, METRICS_FILTER, dbirth, ddata, deviceName, nbirth, nodeName, nodesFor, placeOf } from './layout'
import { paced, type Paced } from './pace'

export type EdgeJob =
  | { kind: 'births', url: string, n: number, awaitUns?: boolean }
  | { kind: 'changes', perSecond: number, changes: number, base: number }
  | { kind: 'close' }
/**
 * `at`: when the first birth was handed to the socket (epoch ms: the client process reads the same clock); `uns`:
 * with awaitUns, the UNS messages of the births' metrics an MQTT subscriber saw (it waits for all n, or 3 s quiet).
 */
export interface BirthsSent { at: number, nodes: number, uns?: number }

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

async function births (url: string, count: number, awaitUns: boolean): Promise<BirthsSent> {
  n = count
  let seen = 0
  const sub = awaitUns ? await benchClient(url, { clientId: `uabench-sub-${process.pid}` }) : undefined
  sub?.on('message', () => { seen++ })
  await sub?.subscribeAsync(METRICS_FILTER, { qos: 0 })
  edges = await Promise.all(Array.from({ length: nodesFor(count) }, async (_, i) =>
    new Edge(await benchClient(url, { clientId: `uabench-${nodeName(i)}-${process.pid}` }), nodeName(i))))
  const at = Date.now()
  for (const e of edges) {
    e.c.publish(e.topic('NBIRTH'), nbirth(e.next()), { qos: 0 })
    for (let d = 0; d < DEVICES_PER_NODE; d++) e.c.publish(e.topic('DBIRTH', deviceName(d)), dbirth(e.next(), d), { qos: 0 })
  }
  if (sub === undefined) return { at, nodes: edges.length }
  let last = -1
  let since = Date.now()
  while (seen < count && Date.now() - since < 3000) {
    await sleep(20)
    if (seen !== last) { last = seen; since = Date.now() }
  }
  await sub.endAsync()
  return { at, nodes: edges.length, uns: seen }
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
  if (job.kind === 'births') return births(job.url, job.n, job.awaitUns === true)
  if (job.kind === 'changes') return changes(job.perSecond, job.changes, job.base)
  return close()
}, close)
