// Sparkplug data in the Unified Namespace. The host application decodes; this bridge places each metric in the
// plant model (uns-mapping), keeps its last value in the namespace, and republishes it as a UNS topic in the hub's
// JSON shape. Writes come back the other way: a publish to `<equipment>/commands/<tag>` becomes NCMD/DCMD.
//
// The publish path is built for ~100k metrics/s: each update is one live (non-retained) in-process publish, which
// costs only the fan-out to subscribers; the retained copy that a new subscriber receives is written from a
// snapshot of the latest value per topic every `snapshotIntervalMs` (a LevelDB write per metric at that rate would
// cost more than the whole relay). A subscriber that arrives between two snapshots gets the previous value as
// retained and the current one live.
import type { AedesPublishPacket } from 'aedes'
import type { PlantModel } from '../../plant/plant-model'
import { parseUnsTopic } from '../../plant/uns-topic'
import type { Logger } from '../../hub/logger'
import type { RunningBroker } from '../broker'
import { ERROR_TOPIC_ROOT } from '../publish-guard'
import type { Namespace } from '../namespace'
import { DataType, dataTypeName } from './datatypes'
import { valueToJson } from './json'
import type { SparkplugHostApplication } from './host/host-application'
import type { MetricUpdate, SessionChange } from './host/session'
import { mappingFor, type SparkplugUnsMapping } from './uns-mapping'

export interface SparkplugUnsBridgeOptions {
  host: SparkplugHostApplication
  model: PlantModel
  broker: RunningBroker
  namespace: Namespace
  log: Logger
  snapshotIntervalMs?: number
}

interface Source {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  readonly name: string
  readonly id: string
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? x.toString() : x)

/** A metric value as JSON text: the scalar types directly (once per metric on the ingest path), the rest through json(). */
function valueText (v: unknown): string {
  switch (typeof v) {
    // -0 is written as -0 (JSON allows it; JSON.stringify would write 0), so a Float or Double keeps its sign.
    case 'number': return Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : String(v)) : 'null'
    case 'boolean': return v ? 'true' : 'false'
    case 'string': return JSON.stringify(v)
    case 'bigint': return `"${v}"`
    default: return v === undefined ? 'null' : json(v)
  }
}

export class SparkplugUnsBridge {
  private readonly mapping: SparkplugUnsMapping
  /** UNS topic -> the Sparkplug metric that owns it (the first one; a second is a collision). */
  private readonly owners = new Map<string, Source>()
  private readonly collisions = new Set<string>()
  /** Per topic: the end of its JSON payload (unit, properties), which changes only with a new birth. */
  private readonly tails = new Map<string, { key: string, text: string }>()
  /** Latest payload per topic not yet written as retained. */
  private readonly snapshot = new Map<string, Buffer>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  private readonly commandFilters: string[]
  private readonly onMetric = (u: MetricUpdate): void => this.metric(u)
  private readonly onSession = (c: SessionChange): void => this.health(c.groupId, c.edgeNodeId, c.kind === 'device' ? c.deviceId : undefined)
  private readonly onRebirth = (e: { groupId: string, edgeNodeId: string }): void => this.health(e.groupId, e.edgeNodeId, undefined)
  private readonly onCommand = (packet: AedesPublishPacket, cb: () => void): void => {
    cb()
    void this.command(packet.topic, packet.payload as Buffer)
  }

  constructor (private readonly opts: SparkplugUnsBridgeOptions) {
    this.mapping = mappingFor(opts.model)
    // A data kind sits at any depth of the equipment path; one filter per depth (MQTT has no "any depth" level).
    const root = opts.model.enterprise.topic
    this.commandFilters = [0, 1, 2, 3, 4].map((n) => [root, ...Array<string>(n).fill('+'), 'commands', '#'].join('/'))
  }

  start (): void {
    const { host, broker } = this.opts
    host.on('metric', this.onMetric)
    host.on('session', this.onSession)
    host.on('rebirth', this.onRebirth)
    for (const f of this.commandFilters) broker.aedes.subscribe(f, this.onCommand, () => {})
    this.timer = setInterval(() => { void this.flush() }, this.opts.snapshotIntervalMs ?? 250)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    const { host, broker } = this.opts
    host.off('metric', this.onMetric)
    host.off('session', this.onSession)
    host.off('rebirth', this.onRebirth)
    for (const f of this.commandFilters) broker.aedes.unsubscribe(f, this.onCommand, () => {})
    clearInterval(this.timer)
    await this.flush()
  }

  /**
   * Writes the latest value of every topic changed since the last snapshot as its retained message. Flushes run one
   * after another, and stop() waits for the last one, so none is still writing when the store closes.
   */
  flush (): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.snapshot.size === 0) return
      const batch = [...this.snapshot]
      this.snapshot.clear()
      for (const [topic, payload] of batch) await this.opts.broker.storeRetained(topic, payload)
    }).catch((err: Error) => this.opts.log.warn(`could not write the retained snapshot of Sparkplug values: ${err.message}`))
    return this.flushing
  }

  private metric (u: MetricUpdate): void {
    // A Template definition (in NBIRTH) describes a type, it is not a value of the plant: not in the namespace.
    if (u.datatype === DataType.Template && (u.value as { isDefinition?: boolean } | null)?.isDefinition === true) return
    const place = this.mapping.place(u.groupId, u.edgeNodeId, u.deviceId, u.name)
    const topic = place.topic
    let owner = this.owners.get(topic)
    if (owner === undefined) {
      owner = { groupId: u.groupId, edgeNodeId: u.edgeNodeId, deviceId: u.deviceId, name: u.name, id: sourceId(u) }
      this.owners.set(topic, owner)
    } else if (owner.groupId !== u.groupId || owner.edgeNodeId !== u.edgeNodeId || owner.deviceId !== u.deviceId || owner.name !== u.name) {
      return this.collision(topic, owner.id, sourceId(u))
    }

    const datatype = dataTypeName(u.datatype)
    const unitProperty = u.properties?.engUnit?.value
    const unit = typeof unitProperty === 'string' ? unitProperty : undefined
    const value = valueToJson(u.datatype, u.value)
    // The payload is assembled from parts that change (value, time, quality) and a tail cached per topic, datatype
    // and unit: this runs once per metric on the ingest path, where JSON.stringify of the whole object showed up.
    const tailKey = `${datatype}\u0000${unit ?? ''}\u0000${u.historical ? 1 : 0}`
    let tail = this.tails.get(topic)
    if (tail === undefined || tail.key !== tailKey) {
      const properties: Record<string, unknown> = { datatype, source: owner.id }
      if (u.historical) properties.historical = true
      tail = { key: tailKey, text: `${unit ? `,"unit":${JSON.stringify(unit)}` : ''},"properties":${JSON.stringify(properties)}}` }
      if (!u.historical) this.tails.set(topic, tail)
    }
    const payload = Buffer.from(`{"value":${valueText(value)},"timestamp":${u.timestamp},"quality":"${u.quality}"${tail.text}`)
    this.publishLive(topic, payload)
    if (u.historical) return // history is delivered, never the current value

    const entry = this.opts.namespace.get(topic)
    if (entry) {
      entry.value = value
      entry.timestamp = u.timestamp
      entry.quality = u.quality
      entry.staleReason = u.quality === 'STALE' ? this.staleReason(u) : undefined
    } else {
      this.opts.namespace.set({ topic, equipment: place.equipment.topic, kind: place.kind, tag: place.tag, datatype, value, timestamp: u.timestamp, quality: u.quality, unit, source: owner.id })
    }
    this.snapshot.set(topic, payload)
  }

  /** One live, non-retained QoS 0 publish, straight to aedes: no promise per metric. */
  private publishLive (topic: string, payload: Buffer): void {
    this.opts.broker.aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false } as AedesPublishPacket, noop)
  }

  private staleReason (u: MetricUpdate): string | undefined {
    const h = u.deviceId === undefined ? this.opts.host.getNodeHealth(u.groupId, u.edgeNodeId) : this.opts.host.getDeviceHealth(u.groupId, u.edgeNodeId, u.deviceId)
    return h?.stale?.reason
  }

  private collision (topic: string, first: string, second: string): void {
    const key = `${topic}\u0000${second}`
    if (this.collisions.has(key)) return
    this.collisions.add(key)
    const reason = `'${second}' maps to '${topic}', which '${first}' already publishes: not merged; bind one of them elsewhere in the plant model`
    this.opts.log.warn(`UNS collision: ${reason}`)
    this.report(topic, 'UNS_COLLISION', reason)
  }

  /** Session health on `<equipment>/state/<prefix>/sparkplug-session`, retained, on every change. */
  private health (groupId: string, edgeNodeId: string, deviceId: string | undefined): void {
    const h = deviceId === undefined ? this.opts.host.getNodeHealth(groupId, edgeNodeId) : this.opts.host.getDeviceHealth(groupId, edgeNodeId, deviceId)
    if (!h) return
    const { equipment, prefix } = this.mapping.owner(groupId, edgeNodeId, deviceId)
    const topic = [equipment.topic, 'state', ...prefix, 'sparkplug-session'].join('/')
    const value = deviceId === undefined ? { ...h, devices: undefined } : h
    this.opts.broker.publish(topic, json({ value, timestamp: Date.now(), quality: 'GOOD', properties: { source: `spBv1.0/${groupId}/${edgeNodeId}${deviceId ? '/' + deviceId : ''}` } }), { qos: 1, retain: true })
      .catch(() => {})
  }

  private async command (topic: string, payload: Buffer): Promise<void> {
    const parsed = parseUnsTopic(this.opts.model, topic)
    if (!parsed.ok || parsed.kind !== 'commands') return
    const base = parsed.equipment.topic
    const target = this.owners.get(`${base}/measurements/${parsed.tag}`) ?? this.owners.get(`${base}/state/${parsed.tag}`)
    if (!target) return // not a Sparkplug metric: other consumers of commands/ may handle it
    let value: unknown
    try {
      value = (JSON.parse(payload.toString('utf8')) as { value?: unknown }).value
    } catch {
      return this.report(topic, 'COMMAND_FAILED', 'not JSON: expected {"value": ..., "timestamp": ...}')
    }
    try {
      await this.opts.host.writeMetric(target.groupId, target.edgeNodeId, target.deviceId, target.name, value as never)
      this.opts.log.debug(`command ${topic} -> ${target.id} = ${json(value)}`)
    } catch (err) {
      this.report(topic, 'COMMAND_FAILED', `${target.id}: ${(err as Error).message}`)
    }
  }

  private report (topic: string, error: string, reason: string): void {
    this.opts.broker.publish(`${ERROR_TOPIC_ROOT}/${topic}`, json({ error, reason, topic, action: 'rejected', timestamp: Date.now() })).catch(() => {})
  }
}

function noop (): void {}

function sourceId (u: { groupId: string, edgeNodeId: string, deviceId?: string, name: string }): string {
  return `spBv1.0/${u.groupId}/${u.edgeNodeId}${u.deviceId === undefined ? '' : '/' + u.deviceId}#${u.name}`
}
