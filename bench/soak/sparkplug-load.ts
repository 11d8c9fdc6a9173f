// The soak's Sparkplug load, in a process of its own (forked by the soak, so the metrics are published by real MQTT
// clients that do not share an event loop with what measures): edge nodes of the project's simulator (sim/edge-node)
// with devices under group 'dallas', each device reporting all its metrics at a fixed total rate. The edge nodes
// wait for the hub's STATE online, and after every kill of the hub reconnect with a new bdSeq and birth again.
// Reports the metrics sent once a second over IPC; ends when told to, or when the soak that forked it is gone.
import { DataType } from '../../sparkplug/index'
import { EdgeNode, type MetricSpec } from '../../sim/edge-node'

export interface LoadOptions {
  url: string
  /** Metrics per second over all devices. */
  metricsPerSecond: number
  devices: number
  edgeNodes: number
  metricsPerDevice: number
  hostId: string
}

export interface LoadReport { sent: number }

export const LOAD_GROUP = 'dallas'
export const LOAD_EDGE_PREFIX = 'soak-edge-'
const TICK_MS = 20
const RECONNECT_DELAY_MS = 500
/** At most this much time is caught up after a stall (a GC pause, the box busy): the rate, not a burst. */
const MAX_CATCH_UP_MS = 200

function metricSpecs (count: number): MetricSpec[] {
  return Array.from({ length: count }, (_v, k) => ({ name: `Metric ${k + 1}`, datatype: DataType.Double, value: 0 }))
}

async function run (opts: LoadOptions): Promise<() => Promise<void>> {
  const perNode = Math.ceil(opts.devices / opts.edgeNodes)
  const nodes: Array<{ node: EdgeNode, devices: string[] }> = []
  for (let n = 0; n < opts.edgeNodes; n++) {
    const devices = Array.from({ length: Math.min(perNode, opts.devices - n * perNode) }, (_v, d) => `dev-${n * perNode + d + 1}`)
    const node = new EdgeNode({
      url: opts.url,
      groupId: LOAD_GROUP,
      edgeNodeId: `${LOAD_EDGE_PREFIX}${n + 1}`,
      devices: devices.map((id) => ({ id, metrics: metricSpecs(opts.metricsPerDevice) })),
      primaryHostId: opts.hostId,
      reconnectDelayMs: RECONNECT_DELAY_MS,
      // Data published while the hub is down is dropped, not queued for a burst at reconnect.
      mqtt: { queueQoSZero: false }
    })
    nodes.push({ node, devices })
  }
  await Promise.all(nodes.map((n) => n.node.start()))

  const updatesPerSecond = opts.metricsPerSecond / opts.metricsPerDevice // DDATA per second, all devices
  const names = metricSpecs(opts.metricsPerDevice).map((m) => m.name)
  let sent = 0
  let due = 0
  let last = performance.now()
  let i = 0
  const tick = setInterval(() => {
    const now = performance.now()
    due += Math.min(now - last, MAX_CATCH_UP_MS) / 1000 * updatesPerSecond
    last = now
    while (due >= opts.devices) {
      due -= opts.devices
      i++
      for (const { node, devices } of nodes) {
        for (const d of devices) {
          const values: Record<string, number> = {}
          for (let k = 0; k < names.length; k++) values[names[k]!] = i + k / 100
          sent += node.update(d, values).length
        }
      }
    }
  }, TICK_MS)
  const report = setInterval(() => process.send?.({ sent } satisfies LoadReport), 1000)
  return async () => {
    clearInterval(tick)
    clearInterval(report)
    await Promise.all(nodes.map((n) => n.node.stop().catch(() => {})))
  }
}

if (require.main === module) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions
  // Bounded: the soak forked this process over IPC; when it goes away (or says stop), so does the load.
  process.on('disconnect', () => process.exit(0))
  run(opts).then((stop) => {
    process.on('message', (m) => {
      if (m === 'stop') stop().finally(() => process.exit(0))
    })
  }, (err: Error) => {
    process.stderr.write(`soak load: cannot start the edge nodes: ${err.message}\n`)
    process.exit(1)
  })
}
