// Sparkplug data in the Unified Namespace. The host application decodes; this bridge places each metric in the
// plant model (uns-mapping), keeps its last value in the namespace, and republishes it as a UNS topic in the hub's
// JSON shape. Writes come back the other way: a publish to `<equipment>/commands/<tag>` becomes NCMD/DCMD.
//
// The publish path is built for ~100k metrics/s: each update is one live (non-retained) in-process publish, which
// costs only the fan-out to subscribers; the retained copy that a new subscriber receives is written from a
// snapshot of the latest value per topic every `snapshotIntervalMs` (a LevelDB write per metric at that rate would
// cost more than the whole relay). A subscriber that arrives between two snapshots gets the previous value as
// retained and the current one live.
//
// What one edge node can put here is bounded: metrics per node and array lengths by the host, topics in all
// (maxTopics), the size of each UNS message (maxMessageBytes) and topics MQTT can carry by this bridge. A refusal is
// a report on $hub/errors and a warning in the log, naming the node and the limit; nothing refused is published.
import type { AedesPublishPacket } from 'aedes'
import type { PlantModel } from '../plant/plant-model'
import { parseUnsTopic } from '../plant/uns-topic'
import type { Logger } from '../core/logger'
import type { RunningBroker } from '../broker/broker'
import { ERROR_TOPIC_ROOT } from '../broker/publish-guard'
import { clientText } from '../core/client-text'
import type { Namespace } from '../uns/namespace'
import { DataType, dataTypeName } from './datatypes'
import { valueToJson } from './json'
import type { RefusedMessage, SparkplugHostApplication } from './host/host-application'
import type { MetricUpdate, SessionChange } from './host/session'
import { mappingFor, topicProblem, type SparkplugUnsMapping } from './uns-mapping'
import { markRetainedSparkplugStale } from './uns-recovery'

export interface SparkplugUnsBridgeOptions {
  host: SparkplugHostApplication
  model: PlantModel
  broker: RunningBroker
  namespace: Namespace
  log: Logger
  snapshotIntervalMs?: number
  /** UNS topics the bridge may create in all (sparkplug.maxTopics). */
  maxTopics?: number
  /** Largest UNS message the bridge builds, bytes (mqtt.maxPayloadBytes: no larger than a client may publish). */
  maxMessageBytes?: number
}

export const DEFAULT_MAX_TOPICS = 100000
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
/** The same refusal (topic and kind) is reported at most once in this interval: a flood must not become one. */
const REPORT_INTERVAL_MS = 10000

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
  /** Nodes and devices (source ids) of the current birth that maxTopics cut short: reported once per birth. */
  private readonly overTopicLimit = new Set<string>()
  /** Sources whose UNS topic cannot be published: reported once. */
  private readonly invalidTopics = new Set<string>()
  private readonly lastReported = new Map<string, number>()
  private readonly maxTopics: number
  private readonly maxMessageBytes: number
  private readonly onMetric = (u: MetricUpdate): void => {
    try {
      this.metric(u)
    } catch (err) {
      // Never out of the host's emit: one bad metric must not cost the rest of its message, nor the process.
      this.refused(`${SPARKPLUG_PREFIX}${u.groupId}/${u.edgeNodeId}${u.deviceId === undefined ? '' : '/' + u.deviceId}`, 'SPARKPLUG_REFUSED',
        `${sourceId(u)}: not placed in the namespace: unexpected error: ${(err as Error)?.message ?? String(err)}`)
    }
  }
  private readonly onSession = (c: SessionChange): void => {
    if (c.state === 'ONLINE') this.overTopicLimit.delete(nodeSourceId(c.groupId, c.edgeNodeId, c.kind === 'device' ? c.deviceId : undefined))
    this.health(c.groupId, c.edgeNodeId, c.kind === 'device' ? c.deviceId : undefined)
  }
  private readonly onRebirth = (e: { groupId: string, edgeNodeId: string }): void => this.health(e.groupId, e.edgeNodeId, undefined)
  private readonly onRefused = (r: RefusedMessage): void => {
    this.refused(r.topic, r.code === 'LIMIT' ? 'SPARKPLUG_LIMIT' : 'SPARKPLUG_REFUSED', r.reason, r.code === 'LIMIT')
  }
  private readonly onCommand = (packet: AedesPublishPacket, cb: () => void): void => {
    cb()
    this.command(packet.topic, packet.payload as Buffer).catch((err: Error) => this.opts.log.error(`command ${clientText(packet.topic)}: ${err?.stack ?? String(err)}`))
  }

  constructor (private readonly opts: SparkplugUnsBridgeOptions) {
    this.mapping = mappingFor(opts.model)
    this.maxTopics = opts.maxTopics ?? DEFAULT_MAX_TOPICS
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    // A data kind sits at any depth of the equipment path; one filter per depth (MQTT has no "any depth" level).
    const root = opts.model.enterprise.topic
    this.commandFilters = [0, 1, 2, 3, 4].map((n) => [root, ...Array<string>(n).fill('+'), 'commands', '#'].join('/'))
  }

  /**
   * Marks what the retained namespace says about Sparkplug sessions and metrics OFFLINE/STALE (after a restart the
   * host knows no session), then listens to the host. Call before the host goes online.
   */
  async start (): Promise<void> {
    const { host, broker } = this.opts
    await markRetainedSparkplugStale(this.opts)
    host.on('metric', this.onMetric)
    host.on('session', this.onSession)
    host.on('rebirth', this.onRebirth)
    host.on('refused', this.onRefused)
    for (const f of this.commandFilters) broker.aedes.subscribe(f, this.onCommand, () => {})
    this.timer = setInterval(() => { void this.flush() }, this.opts.snapshotIntervalMs ?? 250)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    const { host, broker } = this.opts
    host.off('metric', this.onMetric)
    host.off('session', this.onSession)
    host.off('rebirth', this.onRebirth)
    host.off('refused', this.onRefused)
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
      if (place.invalid !== undefined) return this.invalidTopic(u, `${place.equipment.topic}/${place.kind}`, place.invalid)
      if (this.opts.namespace.get(topic) === undefined && this.opts.namespace.size >= this.maxTopics) return this.overLimit(u)
      owner = { groupId: u.groupId, edgeNodeId: u.edgeNodeId, deviceId: u.deviceId, name: u.name, id: sourceId(u) }
      this.owners.set(topic, owner)
    } else if (owner.groupId !== u.groupId || owner.edgeNodeId !== u.edgeNodeId || owner.deviceId !== u.deviceId || owner.name !== u.name) {
      return this.collision(topic, owner.id, sourceId(u))
    }

    const datatype = dataTypeName(u.datatype)
    const unit = u.unit
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
    if (payload.length > this.maxMessageBytes) {
      return this.refused(topic, 'SPARKPLUG_LIMIT', `${owner.id}: a UNS message of ${payload.length} bytes is over the limit of ` +
        `${this.maxMessageBytes} bytes (mqtt.maxPayloadBytes); this value is not published`, true)
    }
    this.publishLive(topic, payload)
    if (u.historical) return // history is delivered, never the current value

    const entry = this.opts.namespace.get(topic)
    // An entry of an earlier birth (or marked STALE at a restart) with another datatype or unit is replaced whole.
    if (entry !== undefined && entry.datatype === datatype && entry.unit === unit && entry.source === owner.id) {
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

  private invalidTopic (u: MetricUpdate, under: string, problem: string): void {
    const id = sourceId(u)
    if (this.invalidTopics.has(id)) return
    this.invalidTopics.add(id)
    const name = u.name.length > 80 ? `${JSON.stringify(u.name.slice(0, 80))}… (${u.name.length} characters)` : JSON.stringify(u.name)
    this.refused(under, 'SPARKPLUG_LIMIT', `metric ${name} of ${nodeSourceId(u.groupId, u.edgeNodeId, u.deviceId)} is not placed in ` +
      `the namespace: ${problem}; shorten its name (or its node/device id)`, true, id)
  }

  /** maxTopics: the metrics of a birth past the limit are left out, reported once per birth of their node/device. */
  private overLimit (u: MetricUpdate): void {
    const node = nodeSourceId(u.groupId, u.edgeNodeId, u.deviceId)
    if (this.overTopicLimit.has(node)) return
    this.overTopicLimit.add(node)
    const birth = u.deviceId === undefined ? `${SPARKPLUG_PREFIX}${u.groupId}/NBIRTH/${u.edgeNodeId}` : `${SPARKPLUG_PREFIX}${u.groupId}/DBIRTH/${u.edgeNodeId}/${u.deviceId}`
    this.refused(birth, 'SPARKPLUG_LIMIT', `metric '${u.name}' and the further new metrics of ${u.groupId}/${u.edgeNodeId}` +
      `${u.deviceId === undefined ? '' : '/' + u.deviceId} are not placed in the namespace: it holds ${this.opts.namespace.size} topics, ` +
      `the limit of ${this.maxTopics} (sparkplug.maxTopics)`, true)
  }

  /** A refusal on `$hub/errors/<topic>` and in the log; the same (error, key) at most once per REPORT_INTERVAL_MS. */
  private refused (topic: string, error: string, reason: string, warn = false, about = topic): void {
    const key = `${error}\u0000${about}`
    const now = Date.now()
    if ((this.lastReported.get(key) ?? -Infinity) + REPORT_INTERVAL_MS > now) return
    if (this.lastReported.size > 10000) this.lastReported.clear()
    this.lastReported.set(key, now)
    this.opts.log[warn ? 'warn' : 'debug'](`Sparkplug: ${topic}: ${reason}`)
    this.report(topic, error, reason)
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
    const problem = topicProblem(topic)
    if (problem !== undefined) return this.opts.log.warn(`session health of ${nodeSourceId(groupId, edgeNodeId, deviceId)} not published: ${problem}`)
    const value = deviceId === undefined ? { ...h, devices: undefined } : h
    this.opts.broker.publish(topic, json({ value, timestamp: Date.now(), quality: 'GOOD', properties: { source: `spBv1.0/${groupId}/${edgeNodeId}${deviceId ? '/' + deviceId : ''}` } }), { qos: 1, retain: true })
      .catch(() => {})
  }

  private async command (topic: string, payload: Buffer): Promise<void> {
    const parsed = parseUnsTopic(this.opts.model, topic)
    if (!parsed.ok || parsed.kind !== 'commands') return
    const base = parsed.equipment.topic
    const target = this.owners.get(`${base}/measurements/${parsed.tag}`) ?? this.owners.get(`${base}/state/${parsed.tag}`)
    if (!target) {
      // On equipment the plant model binds to Sparkplug a tag no birth declared is a refused write; elsewhere other
      // consumers of commands/ may handle it.
      const binding = parsed.equipment.bindings.sparkplug
      if (binding === undefined) return
      const node = nodeSourceId(binding.groupId, binding.edgeNodeId, binding.deviceId)
      return this.report(topic, 'COMMAND_FAILED', `no metric '${parsed.tag}' in the births of ${node}: only declared metrics can be written`)
    }
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

const SPARKPLUG_PREFIX = 'spBv1.0/'

function nodeSourceId (groupId: string, edgeNodeId: string, deviceId: string | undefined): string {
  return `${SPARKPLUG_PREFIX}${groupId}/${edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`
}

function sourceId (u: { groupId: string, edgeNodeId: string, deviceId?: string, name: string }): string {
  return `spBv1.0/${u.groupId}/${u.edgeNodeId}${u.deviceId === undefined ? '' : '/' + u.deviceId}#${u.name}`
}
