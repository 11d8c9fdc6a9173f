// A Sparkplug B 3.0 edge node for simulation and tests, following the specification's edge node rules:
//   - CONNECT carries the NDEATH Will (QoS 1, retain false) with bdSeq (Int64); the NBIRTH repeats that bdSeq; every
//     new MQTT connection increments it (255 -> 0); a rebirth in the same connection keeps it.
//   - subscribes to NCMD (and DCMD of its devices) at QoS 1 before publishing births; optionally waits for the
//     primary host application's STATE online (spBv1.0/STATE/<host id>), and on a newer offline STATE publishes
//     NDEATH, disconnects and starts over.
//   - NBIRTH (seq 0, 'Node Control/Rebirth' Boolean false without alias, bdSeq), then one DBIRTH per device; births
//     carry name, alias, datatype and timestamp of every metric; aliases are unique across the whole node.
//   - NDATA/DDATA carry aliases only (no name, no datatype), only the metrics that changed (report by exception),
//     each with a timestamp; seq increases by one with every message of the node (NBIRTH, DBIRTH, DATA, DDEATH) and
//     wraps from 255 to 0. NDEATH has no seq.
//   - NCMD 'Node Control/Rebirth' = true: a complete new birth sequence. NCMD/DCMD writes to metrics declared
//     writable are applied and echoed in NDATA/DDATA; writes to other metrics are refused (logged, event 'refused').
//   - stop(): NDEATH, then DISCONNECT (an intentional disconnect).
// Payloads are encoded and decoded with the project codec (sparkplug/).
import { EventEmitter } from 'node:events'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { DataType, decodePayload, encodePayload } from '../sparkplug/index'
import type { MetricValue, SparkplugMetric, SparkplugPayload } from '../sparkplug/index'
import {
  NAMESPACE, REBIRTH_METRIC, BDSEQ_METRIC, type CommandEvent, type DeviceState, type EdgeNodeOptions, type MetricSpec, type MetricState
} from './edge-node-types'
import { sameValue, show } from './metric-values'

export { NAMESPACE, REBIRTH_METRIC, BDSEQ_METRIC, type CommandEvent, type DeviceSpec, type EdgeNodeOptions, type MetricSpec } from './edge-node-types'

/** Events: 'connected', 'birth' (bdSeq), 'command' (CommandEvent, applied), 'refused' (CommandEvent & { reason }),
 *  'rebirth', 'offline' (connection lost), 'stopped'. */
export class EdgeNode extends EventEmitter {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly clientId: string
  private readonly opts: EdgeNodeOptions
  private readonly node = new Map<string, MetricState>()
  private readonly devices = new Map<string, DeviceState>()
  private readonly byAlias = new Map<number, { device?: DeviceState, metric: MetricState }>()
  private client: MqttClient | undefined
  private _bdSeq: number
  private connections = 0
  private seq = -1
  private born = false
  private stopping = false
  private reconnectTimer: NodeJS.Timeout | undefined
  private hostOnlineTimestamp: number | undefined
  private readonly log: (line: string) => void

  constructor (opts: EdgeNodeOptions) {
    super()
    this.opts = opts
    this.groupId = opts.groupId
    this.edgeNodeId = opts.edgeNodeId
    this.clientId = opts.clientId ?? `${opts.groupId}-${opts.edgeNodeId}`
    this.log = opts.log ?? (() => {})
    this._bdSeq = opts.bdSeq ?? 0
    let alias = 1
    // bdSeq and the node's metrics; 'Node Control/Rebirth' has no alias (tck-id-operational-behavior-data-commands-rebirth-name-aliases).
    for (const spec of [{ name: BDSEQ_METRIC, datatype: DataType.Int64, value: 0n }, ...(opts.nodeMetrics ?? [])]) {
      const m = this.metricState(spec, alias++)
      this.node.set(m.name, m)
      this.byAlias.set(m.alias, { metric: m })
    }
    for (const d of opts.devices ?? []) {
      const device: DeviceState = { id: d.id, metrics: new Map(), online: true }
      for (const spec of d.metrics) {
        const m = this.metricState(spec, alias++)
        device.metrics.set(m.name, m)
        this.byAlias.set(m.alias, { device, metric: m })
      }
      this.devices.set(d.id, device)
    }
  }

  private metricState (spec: MetricSpec, alias: number): MetricState {
    return { name: spec.name, alias, datatype: spec.datatype, value: spec.value, timestamp: Date.now(), writable: spec.writable === true }
  }

  /** The bdSeq of the current (or next) connection: in its Will and its NBIRTH. */
  get bdSeq (): number { return this._bdSeq }
  /** The seq of the last message published (-1 before the first NBIRTH). */
  get lastSeq (): number { return this.seq }
  get connected (): boolean { return this.client?.connected === true }
  /** Births published in the current connection (and no rebirth pending). */
  get online (): boolean { return this.born && this.connected }
  /** The MQTT client of the current connection (tests destroy its socket). */
  get mqttClient (): MqttClient | undefined { return this.client }

  topic (type: string, deviceId?: string): string {
    return `${NAMESPACE}/${this.groupId}/${type}/${this.edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`
  }

  /** The current value of a node metric (deviceId undefined) or device metric. */
  value (deviceId: string | undefined, name: string): MetricValue | undefined {
    return this.metricsOf(deviceId)?.get(name)?.value
  }

  /** Alias of a metric as published in the births. */
  aliasOf (deviceId: string | undefined, name: string): number | undefined {
    return this.metricsOf(deviceId)?.get(name)?.alias
  }

  private metricsOf (deviceId: string | undefined): Map<string, MetricState> | undefined {
    return deviceId === undefined ? this.node : this.devices.get(deviceId)?.metrics
  }

  /** Connects and publishes the birth sequence (after the primary host's STATE online, if configured). */
  start (): Promise<void> {
    this.stopping = false
    const born = new Promise<void>((resolve, reject) => {
      const onBirth = (): void => { this.off('failed', onFailed); resolve() }
      const onFailed = (err: Error): void => { this.off('birth', onBirth); reject(err) }
      this.once('birth', onBirth)
      this.once('failed', onFailed)
    })
    this.connect(true)
    return born
  }

  private connect (first: boolean): void {
    if (this.stopping) return
    if (!first || this.connections > 0) this._bdSeq = (this._bdSeq + 1) % 256
    this.connections++
    this.born = false
    const bdSeq = this._bdSeq
    const will = Buffer.from(encodePayload(this.ndeathPayload()))
    const client = mqtt.connect(this.opts.url, {
      keepalive: 30,
      connectTimeout: 10000,
      ...this.opts.mqtt,
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: 0, // reconnects are ours: each needs a new bdSeq in its Will
      will: { topic: this.topic('NDEATH'), payload: will, qos: 1, retain: false }
    })
    this.client = client
    client.on('error', (err) => {
      this.log(`${this.edgeNodeId}: MQTT error: ${err.message}`)
      if (this.connections === 1 && !this.born && !client.connected) {
        this.stopping = true // the first connection failed: start() rejects, nothing retries behind the caller's back
        this.emit('failed', err)
      }
    })
    client.on('connect', () => {
      this.log(`${this.edgeNodeId}: connected to ${this.opts.url} as '${this.clientId}' (bdSeq ${bdSeq})`)
      this.emit('connected')
      this.onConnect(client).catch((err: Error) => this.log(`${this.edgeNodeId}: ${err.message}`))
    })
    client.on('message', (topic, payload) => this.onMessage(client, topic, payload))
    client.on('close', () => {
      if (this.client !== client) return
      const wasBorn = this.born
      this.born = false
      if (this.stopping) return
      if (wasBorn) { this.log(`${this.edgeNodeId}: connection lost`); this.emit('offline') }
      this.scheduleReconnect()
    })
  }

  private scheduleReconnect (): void {
    if (this.reconnectTimer || this.stopping) return
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      const old = this.client
      old?.removeAllListeners()
      old?.on('error', () => {})
      old?.end(true)
      this.connect(false)
    }, this.opts.reconnectDelayMs ?? 2000)
  }

  private async onConnect (client: MqttClient): Promise<void> {
    const subs = [this.topic('NCMD'), `${this.topic('DCMD')}/+`]
    if (this.opts.primaryHostId) subs.push(`${NAMESPACE}/STATE/${this.opts.primaryHostId}`)
    await client.subscribeAsync(subs, { qos: 1 })
    if (this.client !== client) return
    if (!this.opts.primaryHostId) this.publishBirths('connect')
    else this.log(`${this.edgeNodeId}: waiting for primary host '${this.opts.primaryHostId}' to be online`)
  }

  private onMessage (client: MqttClient, topic: string, payload: Buffer): void {
    if (this.client !== client) return
    const levels = topic.split('/')
    if (levels[1] === 'STATE') return this.onState(client, payload)
    const type = levels[2]
    if (type !== 'NCMD' && type !== 'DCMD') return
    const device = type === 'DCMD' ? this.devices.get(levels[4] ?? '') : undefined
    if (type === 'DCMD' && !device) return this.log(`${this.edgeNodeId}: DCMD for unknown device '${levels[4]}' ignored`)
    const table = device ? device.metrics : this.node
    let decoded: SparkplugPayload
    try {
      decoded = decodePayload(payload, {
        datatypeOf: (m) => {
          if (m.name === REBIRTH_METRIC && !device) return DataType.Boolean
          const byName = m.name !== undefined ? table.get(m.name) : undefined
          if (byName) return byName.datatype
          const byAlias = m.alias !== undefined ? this.byAlias.get(Number(m.alias)) : undefined
          return byAlias && byAlias.device === device ? byAlias.metric.datatype : undefined
        }
      })
    } catch (err) {
      return this.log(`${this.edgeNodeId}: ${type} not decodable: ${(err as Error).message}`)
    }
    if (!device && decoded.metrics.some((m) => m.name === REBIRTH_METRIC && m.value === true)) {
      this.log(`${this.edgeNodeId}: rebirth requested`)
      this.emit('rebirth')
      this.publishBirths('rebirth request')
      return
    }
    const changed: MetricState[] = []
    for (const m of decoded.metrics) {
      const metric = this.resolve(device, m)
      const event: CommandEvent = { deviceId: device?.id, name: m.name ?? metric?.name ?? `alias ${m.alias}`, value: m.value }
      if (!metric) { this.refuse(event, 'unknown metric'); continue }
      if (!metric.writable) { this.refuse(event, 'metric is read-only'); continue }
      if (m.value === null || m.datatype === undefined) { this.refuse(event, 'no value of the metric\'s datatype'); continue }
      this.log(`${this.edgeNodeId}${device ? '/' + device.id : ''}: ${type} ${metric.name} = ${show(m.value)}`)
      metric.value = m.value
      metric.timestamp = Date.now()
      changed.push(metric)
      this.emit('command', event)
    }
    // The write is echoed: the new value in NDATA/DDATA.
    if (changed.length > 0 && this.online) this.publishData(device, changed)
  }

  /** The metric a command addresses, by name or by alias, within the node or the one device. */
  private resolve (device: DeviceState | undefined, m: SparkplugMetric): MetricState | undefined {
    if (m.name !== undefined) return (device ? device.metrics : this.node).get(m.name)
    if (m.alias === undefined) return undefined
    const entry = this.byAlias.get(Number(m.alias))
    return entry && entry.device === device ? entry.metric : undefined
  }

  private refuse (event: CommandEvent, reason: string): void {
    this.log(`${this.edgeNodeId}${event.deviceId ? '/' + event.deviceId : ''}: refused write of '${event.name}': ${reason}`)
    this.emit('refused', { ...event, reason })
  }

  private onState (client: MqttClient, payload: Buffer): void {
    let state: { online?: unknown, timestamp?: unknown }
    try {
      state = JSON.parse(payload.toString('utf8')) as typeof state
    } catch {
      return this.log(`${this.edgeNodeId}: STATE payload is not JSON; ignored`)
    }
    if (typeof state.online !== 'boolean' || typeof state.timestamp !== 'number') return
    if (this.hostOnlineTimestamp !== undefined && state.timestamp < this.hostOnlineTimestamp) return // stale
    if (state.online) {
      this.hostOnlineTimestamp = state.timestamp
      if (!this.born) {
        this.log(`${this.edgeNodeId}: primary host '${this.opts.primaryHostId}' is online`)
        this.publishBirths('primary host online')
      }
    } else if (this.born) {
      // tck-id-message-flow-edge-node-birth-publish-phid-offline: NDEATH, disconnect, start over.
      this.log(`${this.edgeNodeId}: primary host '${this.opts.primaryHostId}' went offline: NDEATH and reconnect`)
      this.born = false
      client.publish(this.topic('NDEATH'), Buffer.from(encodePayload(this.ndeathPayload())), { qos: 1 }, () => {
        client.end(false, () => this.scheduleReconnect())
      })
    }
  }

  private nextSeq (): number {
    this.seq = (this.seq + 1) % 256
    return this.seq
  }

  private ndeathPayload (): SparkplugPayload {
    return { timestamp: Date.now(), metrics: [{ name: BDSEQ_METRIC, datatype: DataType.Int64, value: BigInt(this._bdSeq) }] }
  }

  private birthMetric (m: MetricState, now: number): SparkplugMetric {
    return { name: m.name, alias: m.alias, datatype: m.datatype, value: m.value, timestamp: now }
  }

  /** NBIRTH and all DBIRTHs, synchronously in one go: no DATA can come between them. */
  private publishBirths (why: string): void {
    const client = this.client
    if (!client?.connected) return
    this.born = false
    const now = Date.now()
    this.node.get(BDSEQ_METRIC)!.value = BigInt(this._bdSeq)
    this.seq = -1 // NBIRTH carries seq 0
    const nodeMetrics: SparkplugMetric[] = [
      { name: REBIRTH_METRIC, datatype: DataType.Boolean, value: false, timestamp: now },
      ...[...this.node.values()].map((m) => this.birthMetric(m, now))
    ]
    this.send(client, 'NBIRTH', undefined, { timestamp: now, metrics: nodeMetrics }, true, false)
    for (const d of this.devices.values()) {
      if (!d.online) continue
      this.send(client, 'DBIRTH', d.id, { timestamp: now, metrics: [...d.metrics.values()].map((m) => this.birthMetric(m, now)) }, true, false)
    }
    this.born = true
    this.log(`${this.edgeNodeId}: NBIRTH (bdSeq ${this._bdSeq}) and ${[...this.devices.values()].filter((d) => d.online).length} DBIRTH(s) published (${why})`)
    this.emit('birth', this._bdSeq)
  }

  private send (client: MqttClient, type: string, deviceId: string | undefined, payload: SparkplugPayload, withSeq: boolean, omitDatatype: boolean): void {
    if (withSeq) payload.seq = this.nextSeq()
    const bytes = Buffer.from(encodePayload(payload, { omitDatatype }))
    client.publish(this.topic(type, deviceId), bytes, { qos: 0, retain: false })
  }

  private publishData (device: DeviceState | undefined, metrics: MetricState[]): void {
    const now = Date.now()
    const payload: SparkplugPayload = {
      timestamp: now,
      metrics: metrics.map((m) => ({ alias: m.alias, datatype: m.datatype, value: m.value, timestamp: m.timestamp }))
    }
    this.send(this.client!, device ? 'DDATA' : 'NDATA', device?.id, payload, true, true)
  }

  /**
   * Sets metric values of the node (deviceId undefined) or a device and publishes one NDATA/DDATA with those that
   * changed (report by exception). Returns the names published (none: nothing was sent).
   */
  update (deviceId: string | undefined, values: Record<string, MetricValue>): string[] {
    const table = this.metricsOf(deviceId)
    if (!table) throw new Error(`unknown device '${deviceId}' of edge node '${this.edgeNodeId}'`)
    const now = Date.now()
    const changed: MetricState[] = []
    for (const [name, value] of Object.entries(values)) {
      const m = table.get(name)
      if (!m) throw new Error(`unknown metric '${name}' of ${deviceId ?? this.edgeNodeId}`)
      if (name === BDSEQ_METRIC) throw new Error('bdSeq is managed by the edge node')
      if (sameValue(m.value, value)) continue
      m.value = value
      m.timestamp = now
      changed.push(m)
    }
    const device = deviceId === undefined ? undefined : this.devices.get(deviceId)
    if (changed.length === 0 || !this.online || (device && !device.online)) return []
    this.publishData(device, changed)
    return changed.map((m) => m.name)
  }

  /** A device went away: DDEATH (with seq); its metrics are not published until deviceOnline(). */
  deviceOffline (deviceId: string): void {
    const d = this.devices.get(deviceId)
    if (!d || !d.online) return
    d.online = false
    if (this.online) this.send(this.client!, 'DDEATH', deviceId, { timestamp: Date.now(), metrics: [] }, true, false)
  }

  /** A device came back: a new DBIRTH with its current values. */
  deviceOnline (deviceId: string): void {
    const d = this.devices.get(deviceId)
    if (!d || d.online) return
    d.online = true
    if (this.online) {
      const now = Date.now()
      this.send(this.client!, 'DBIRTH', deviceId, { timestamp: now, metrics: [...d.metrics.values()].map((m) => this.birthMetric(m, now)) }, true, false)
    }
  }

  /** Publishes a new birth sequence in the current connection (same bdSeq), as on a rebirth request. */
  rebirth (): void {
    this.publishBirths('rebirth')
  }

  /** Intentional disconnect: NDEATH, then DISCONNECT (tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath). */
  async stop (): Promise<void> {
    this.stopping = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
    const client = this.client
    if (!client) return
    if (client.connected) {
      this.born = false
      await client.publishAsync(this.topic('NDEATH'), Buffer.from(encodePayload(this.ndeathPayload())), { qos: 1 }).catch(() => {})
      await client.endAsync().catch(() => {})
    } else {
      client.end(true)
    }
    this.log(`${this.edgeNodeId}: NDEATH published, disconnected`)
    this.emit('stopped')
  }
}
