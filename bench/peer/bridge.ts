// The peer a user would build instead of the hub: a small process beside mosquitto that subscribes spBv1.0/#,
// decodes with sparkplug-payload, keeps each edge node's alias map from its NBIRTH and DBIRTHs, and republishes every
// metric of a DDATA/NDATA as UNS JSON ({value, timestamp, quality, properties: {datatype}}) at QoS 0 on
// acme/<group>/<node>[/<device>]/measurements/<tag>. Run as a process of its own: `node bridge.js <mqtt url>`.
import mqtt, { type MqttClient } from 'mqtt'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sparkplugPayload = require('sparkplug-payload') as { get (v: string): { decodePayload (b: Uint8Array): DecodedPayload } }

interface Long { toNumber (): number, toString (): string }
interface DecodedMetric { name?: string, alias?: Long | number, type?: string, value?: unknown, timestamp?: Long | number }
interface DecodedPayload { timestamp?: Long | number, metrics?: DecodedMetric[] }

/** What a birth declared about a metric, with its UNS topic built once. */
interface Declared { readonly topic: string, readonly datatype: string }

const decoder = sparkplugPayload.get('spBv1.0')

const tagOf = (name: string): string => name.toLowerCase().replace(/\s+/g, '-').replace(/[+#]/g, '')
const num = (v: Long | number | undefined): number | undefined => v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber()

/** Int64 values arrive as Long objects: a safe integer as a number, else its decimal text (JSON has no 64-bit int). */
function jsonValue (v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'toNumber' in v) {
    const n = (v as Long).toNumber()
    return Number.isSafeInteger(n) ? n : (v as Long).toString()
  }
  return v
}

export interface PeerBridge {
  readonly client: MqttClient
  /** Metrics republished, and metrics dropped because their alias was never born. */
  readonly stats: { published: number, unknownAlias: number }
  stop (): Promise<void>
}

export async function startBridge (url: string): Promise<PeerBridge> {
  const client = await mqtt.connectAsync(url, { clientId: `peer-bridge-${process.pid}`, reconnectPeriod: 0 })
  ;(client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  const stats = { published: 0, unknownAlias: 0 }
  // Per edge node (group/node): alias -> what its birth declared; and name -> the same, for metrics sent by name.
  const byAlias = new Map<string, Map<number, Declared>>()
  const byName = new Map<string, Map<string, Declared>>()

  const onBirth = (nodeKey: string, prefix: string, metrics: DecodedMetric[], node: boolean): void => {
    let aliases = byAlias.get(nodeKey)
    // An NBIRTH starts the node's session over: the aliases of its devices are born again after it.
    if (aliases === undefined || node) { aliases = new Map(); byAlias.set(nodeKey, aliases) }
    let names = byName.get(prefix)
    if (names === undefined || node) { names = new Map(); byName.set(prefix, names) }
    for (const m of metrics) {
      if (m.name === undefined) continue
      const d: Declared = { topic: `${prefix}/measurements/${tagOf(m.name)}`, datatype: m.type ?? 'Unknown' }
      names.set(m.name, d)
      const alias = num(m.alias)
      if (alias !== undefined) aliases.set(alias, d)
    }
  }

  const republish = (d: Declared, m: DecodedMetric, fallbackTs: number): void => {
    const payload = JSON.stringify({ value: jsonValue(m.value), timestamp: num(m.timestamp) ?? fallbackTs, quality: 'GOOD', properties: { datatype: d.datatype } })
    client.publish(d.topic, payload, { qos: 0 })
    stats.published++
  }

  client.on('message', (topic, payload) => {
    // spBv1.0/<group>/<type>/<node>[/<device>]
    const parts = topic.split('/')
    if (parts.length < 4 || parts[0] !== 'spBv1.0') return
    const [, group, type, node, device] = parts as [string, string, string, string, string | undefined]
    const nodeKey = `${group}/${node}`
    const prefix = device === undefined ? `acme/${nodeKey}` : `acme/${nodeKey}/${device}`
    let p: DecodedPayload
    try { p = decoder.decodePayload(payload) } catch { return }
    const metrics = p.metrics ?? []
    if (type === 'NBIRTH' || type === 'DBIRTH') {
      onBirth(nodeKey, prefix, metrics, type === 'NBIRTH')
      const ts = num(p.timestamp) ?? Date.now()
      const names = byName.get(prefix)!
      for (const m of metrics) if (m.name !== undefined) republish(names.get(m.name)!, m, ts)
    } else if (type === 'NDATA' || type === 'DDATA') {
      const aliases = byAlias.get(nodeKey)
      const names = byName.get(prefix)
      const ts = num(p.timestamp) ?? Date.now()
      for (const m of metrics) {
        const alias = num(m.alias)
        const d = m.name !== undefined ? names?.get(m.name) : alias !== undefined ? aliases?.get(alias) : undefined
        if (d === undefined) stats.unknownAlias++
        else republish(d, m, ts)
      }
    }
  })
  await client.subscribeAsync('spBv1.0/#', { qos: 0 })
  return { client, stats, stop: async () => { await client.endAsync() } }
}

if (require.main === module) {
  const url = process.argv[2]
  if (url === undefined) {
    process.stderr.write('usage: node bridge.js <mqtt url>\n')
    process.exit(2)
  }
  startBridge(url).then((b) => {
    process.send?.({ ready: true })
    process.on('message', (m: { stats?: boolean }) => { if (m.stats) process.send?.({ stats: b.stats }) })
    process.on('disconnect', () => { void b.stop().finally(() => process.exit(0)) })
  }).catch((err: Error) => {
    process.stderr.write(`peer bridge: cannot connect to ${url}: ${err.message}\n`)
    process.exit(1)
  })
}
