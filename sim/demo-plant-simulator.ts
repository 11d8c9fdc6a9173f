// The demo plant (plant/demo-plant.yaml) as Sparkplug B edge nodes, group 'dallas':
//   press-line-1 with the devices press-1 (400 t) and press-2 (250 t), and warehouse with the device rack-1.
// Every tick each running press makes strokes (counter), its die warms up towards its working temperature, the
// tonnage of each stroke varies; the rack's stock goes down as parts are taken and up when replenished. Only the
// values that changed are published (report by exception). Writable metrics (DCMD/NCMD):
//   press-N: 'State' (String: RUNNING | STOPPED | SETUP), 'Stroke Rate Setpoint' (Int32, strokes/min)
//   rack-1: 'Replenish Request' (Boolean)
//   press-line-1: 'Line/Target Rate' (Float)
import { EdgeNode, type DeviceSpec, type EdgeNodeOptions, type MetricSpec } from './edge-node'
import { DataType } from '../sparkplug/index'
import type { DataSet, MetricValue } from '../sparkplug/index'

export const DEMO_GROUP = 'dallas'

export interface DemoPlantOptions {
  url: string
  /** Ticks per second (default 1). */
  rate?: number
  primaryHostId?: string
  reconnectDelayMs?: number
  mqtt?: EdgeNodeOptions['mqtt']
  log?: (line: string) => void
  /** Seed for the simulated values (default: from the clock). */
  seed?: number
}

interface Press {
  id: string
  capacityTons: number
  workingTemp: number
  temp: number
  strokes: bigint
}

/** A small deterministic random generator (mulberry32), so that a seeded run repeats. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10

function pressMetrics (p: Press): MetricSpec[] {
  return [
    { name: 'Strokes', datatype: DataType.Int64, value: p.strokes },
    { name: 'Die Temperature', datatype: DataType.Double, value: p.temp },
    { name: 'Tonnage', datatype: DataType.Float, value: 0 },
    { name: 'State', datatype: DataType.String, value: 'RUNNING', writable: true },
    { name: 'Stroke Rate Setpoint', datatype: DataType.Int32, value: 30, writable: true },
    { name: 'Capacity', datatype: DataType.Int32, value: p.capacityTons },
    { name: 'Die Changed At', datatype: DataType.DateTime, value: BigInt(Date.now() - 3_600_000) },
    { name: 'Fault', datatype: DataType.Boolean, value: false }
  ]
}

function inventory (parts: Array<[string, number]>): DataSet {
  return { columns: ['Part', 'Quantity'], types: [DataType.String, DataType.Int32], rows: parts.map(([p, q]) => [p, q]) }
}

export class DemoPlantSimulator {
  readonly pressLine: EdgeNode
  readonly warehouse: EdgeNode
  private readonly presses: Press[]
  private readonly rand: () => number
  private readonly log: (line: string) => void
  private timer: NodeJS.Timeout | undefined
  private ticks = 0
  private stock = new Map<string, number>([['BRKT-100', 120], ['PANEL-200', 60], ['SCREW-M6', 900]])

  constructor (private readonly opts: DemoPlantOptions) {
    this.log = opts.log ?? (() => {})
    this.rand = random(opts.seed ?? Date.now())
    this.presses = [
      { id: 'press-1', capacityTons: 400, workingTemp: 180, temp: 20, strokes: 0n },
      { id: 'press-2', capacityTons: 250, workingTemp: 165, temp: 20, strokes: 0n }
    ]
    const common = { url: opts.url, groupId: DEMO_GROUP, primaryHostId: opts.primaryHostId, reconnectDelayMs: opts.reconnectDelayMs, mqtt: opts.mqtt, log: this.log }
    this.pressLine = new EdgeNode({
      ...common,
      edgeNodeId: 'press-line-1',
      nodeMetrics: [
        { name: 'Node Info/Software', datatype: DataType.String, value: 'isa95-hub demo plant simulator' },
        { name: 'Node Info/Started', datatype: DataType.DateTime, value: BigInt(Date.now()) },
        { name: 'Line/Target Rate', datatype: DataType.Float, value: 30, writable: true },
        { name: 'Line/Parts Made', datatype: DataType.Int64, value: 0n }
      ],
      devices: this.presses.map((p): DeviceSpec => ({ id: p.id, metrics: pressMetrics(p) }))
    })
    this.warehouse = new EdgeNode({
      ...common,
      edgeNodeId: 'warehouse',
      nodeMetrics: [{ name: 'Node Info/Software', datatype: DataType.String, value: 'isa95-hub demo plant simulator' }],
      devices: [{
        id: 'rack-1',
        metrics: [
          { name: 'Slots Total', datatype: DataType.Int32, value: 48 },
          { name: 'Slots Occupied', datatype: DataType.Int32, value: this.slotsOccupied() },
          { name: 'Temperature', datatype: DataType.Float, value: 19.5 },
          { name: 'Inventory', datatype: DataType.DataSet, value: inventory([...this.stock]) },
          { name: 'Replenish Request', datatype: DataType.Boolean, value: false, writable: true }
        ]
      }]
    })
    this.warehouse.on('command', (c: { name: string, value: MetricValue }) => {
      if (c.name === 'Replenish Request' && c.value === true) this.replenish()
    })
  }

  get nodes (): EdgeNode[] { return [this.pressLine, this.warehouse] }

  /** Connects both edge nodes (births published) and starts ticking. */
  async start (): Promise<void> {
    try {
      await Promise.all(this.nodes.map((n) => n.start()))
    } catch (err) {
      await this.stop()
      throw err
    }
    const rate = this.opts.rate ?? 1
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.round(1000 / rate)))
    this.log(`simulating the demo plant at ${rate} tick(s)/s: ${this.nodes.map((n) => n.edgeNodeId).join(', ')} in group '${DEMO_GROUP}'`)
  }

  /** One step of the plant; publishes what changed. */
  tick (): void {
    this.ticks++
    let made = 0n
    for (const p of this.presses) {
      const running = this.pressLine.value(p.id, 'State') === 'RUNNING'
      const setpoint = Number(this.pressLine.value(p.id, 'Stroke Rate Setpoint') ?? 30)
      const strokes = running ? BigInt(Math.max(0, Math.round(setpoint / 60 * (0.8 + this.rand() * 0.4)))) : 0n
      p.strokes += strokes
      made += strokes
      const target = running ? p.workingTemp : 20
      p.temp = round1(p.temp + (target - p.temp) * 0.05 + (this.rand() - 0.5) * 0.4)
      const values: Record<string, MetricValue> = { 'Strokes': p.strokes, 'Die Temperature': p.temp }
      if (strokes > 0n) values['Tonnage'] = Math.round(p.capacityTons * (0.7 + this.rand() * 0.2))
      this.pressLine.update(p.id, values)
    }
    if (made > 0n) this.pressLine.update(undefined, { 'Line/Parts Made': (this.pressLine.value(undefined, 'Line/Parts Made') as bigint) + made })

    // Every few ticks somebody takes parts from the rack.
    if (this.ticks % 3 === 0) {
      const parts = [...this.stock.keys()]
      const part = parts[Math.floor(this.rand() * parts.length)]!
      this.stock.set(part, Math.max(0, this.stock.get(part)! - (1 + Math.floor(this.rand() * 5))))
    }
    this.warehouse.update('rack-1', {
      'Inventory': inventory([...this.stock]),
      'Slots Occupied': this.slotsOccupied(),
      'Temperature': round1(19.5 + Math.sin(this.ticks / 60) * 1.5)
    })
  }

  private slotsOccupied (): number {
    return Math.min(48, [...this.stock.values()].reduce((n, q) => n + Math.ceil(q / 25), 0))
  }

  private replenish (): void {
    for (const k of this.stock.keys()) this.stock.set(k, k === 'SCREW-M6' ? 900 : 120)
    this.log('warehouse/rack-1: replenished')
    this.warehouse.update('rack-1', { 'Inventory': inventory([...this.stock]), 'Slots Occupied': this.slotsOccupied(), 'Replenish Request': false })
  }

  /** NDEATH and DISCONNECT for both edge nodes. */
  async stop (): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await Promise.all(this.nodes.map((n) => n.stop()))
  }
}
