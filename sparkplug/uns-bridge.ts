// Sparkplug data in the Unified Namespace. The host application decodes, the stream (uns-stream.ts) places each
// metric once; this bridge keeps its last value in the namespace and republishes it as a UNS topic in the hub's
// JSON shape, through the UNS port. Writes come back the other way: a publish to `<equipment>/commands/<tag>`
// becomes NCMD/DCMD.
//
// The publish path is built for ~100k metrics/s: each update is one live (non-retained) in-process publish, which
// costs only the fan-out to subscribers; the retained copy that a new subscriber receives is written from a
// snapshot of the latest value per topic every `snapshotIntervalMs` (a LevelDB write per metric at that rate would
// cost more than the whole relay). A subscriber that arrives between two snapshots gets the previous value as
// retained and the current one live.
//
// What one edge node can put here is bounded: metrics per node and array lengths by the host, topics in all
// (maxTopics) and topics MQTT can carry by the stream, the size of each UNS message (maxMessageBytes) by this
// bridge. A refusal is a report on $hub/errors and a warning in the log, naming the node and the limit; nothing
// refused is published.
import type { PlantModel } from '../plant/plant-model'
import { parseUnsTopic } from '../plant/uns-topic'
import type { Logger } from '../core/logger'
import { clientText } from '../core/client-text'
import type { UnsMessage, UnsPort, UnsSubscription } from '../uns/uns-port'
import type { UnsUpdate } from '../uns/uns-update'
import type { RefusedMessage, SparkplugHostApplication } from './host/host-application'
import type { SessionChange } from './host/session'
import { topicProblem } from './uns-mapping'
import { markRetainedSparkplugStale } from './uns-recovery'
import { nodeSourceId } from './source-id'
import { SPARKPLUG_PUBLISHER, SparkplugRefusals } from './refusals'
import type { SparkplugUnsStream } from './uns-stream'
import { messageBytes, messageTail, type MessageTail } from './uns-message-bytes'

export interface SparkplugUnsBridgeOptions {
  host: SparkplugHostApplication
  stream: SparkplugUnsStream
  model: PlantModel
  uns: UnsPort
  refusals: SparkplugRefusals
  log: Logger
  snapshotIntervalMs?: number
  /** Largest UNS message the bridge builds, bytes (mqtt.maxPayloadBytes: no larger than a client may publish). */
  maxMessageBytes?: number
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? x.toString() : x)

/** A metric value as JSON text: the scalar types directly (once per metric on the ingest path), the rest through json(). */
function valueText (v: unknown): string {
  switch (typeof v) {
    // -0 is written as -0 (JSON allows it; JSON.stringify would write 0), so a Float or Double keeps its sign.
    // JSON.stringify, not String(): the same text, but String() of a non-integer puts its result in V8's number-string
    // cache, which lives in the old generation, so every new value's text survived the scavenges and was promoted: at
    // 100k metrics/s half of what the hub promoted, and the major collections that spoiled the latency p99 (issue #10).
    case 'number': return Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : JSON.stringify(v)) : 'null'
    case 'boolean': return v ? 'true' : 'false'
    case 'string': return JSON.stringify(v)
    case 'bigint': return `"${v}"`
    default: return v === undefined ? 'null' : json(v)
  }
}


export class SparkplugUnsBridge {
  /** Per topic: the end of its JSON payload (quality, unit, properties), which changes only with a new birth or quality. */
  private readonly tails = new Map<string, MessageTail>()
  /** Latest payload per topic not yet written as retained. */
  private readonly snapshot = new Map<string, Buffer>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  private readonly commandFilters: string[]
  private commands: UnsSubscription[] = []
  private readonly maxMessageBytes: number
  private readonly onUpdate = (u: UnsUpdate): void => this.metric(u)
  private lastTimestamp = NaN
  private lastTimestampText = 'null'
  private readonly onSession = (c: SessionChange): void => {
    this.health(c.groupId, c.edgeNodeId, c.kind === 'device' ? c.deviceId : undefined)
  }
  private readonly onRebirth = (e: { groupId: string, edgeNodeId: string }): void => this.health(e.groupId, e.edgeNodeId, undefined)
  private readonly onRefused = (r: RefusedMessage): void => {
    this.opts.refusals.refused(r.topic, r.code === 'LIMIT' ? 'SPARKPLUG_LIMIT' : 'SPARKPLUG_REFUSED', r.reason, r.code === 'LIMIT')
  }
  private readonly onCommand = (m: UnsMessage): void => {
    this.command(m.topic, m.payload).catch((err: Error) => this.opts.log.error(`command ${clientText(m.topic)}: ${err?.stack ?? String(err)}`))
  }

  constructor (private readonly opts: SparkplugUnsBridgeOptions) {
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    // A data kind sits at any depth of the equipment path; one filter per depth (MQTT has no "any depth" level).
    const root = opts.model.enterprise.topic
    this.commandFilters = [0, 1, 2, 3, 4].map((n) => [root, ...Array<string>(n).fill('+'), 'commands', '#'].join('/'))
  }

  /**
   * Marks what the retained namespace says about Sparkplug sessions and metrics OFFLINE/STALE (after a restart the
   * host knows no session), then listens to the stream and the host. Call before the host goes online.
   */
  async start (): Promise<void> {
    const { host, stream, uns } = this.opts
    await markRetainedSparkplugStale({ model: this.opts.model, uns, log: this.opts.log })
    stream.onUpdate(this.onUpdate)
    host.on('session', this.onSession)
    host.on('rebirth', this.onRebirth)
    host.on('refused', this.onRefused)
    this.commands = await Promise.all(this.commandFilters.map((f) => uns.subscribe(f, this.onCommand)))
    this.timer = setInterval(() => { void this.flush() }, this.opts.snapshotIntervalMs ?? 250)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    const { host, stream } = this.opts
    stream.offUpdate(this.onUpdate)
    host.off('session', this.onSession)
    host.off('rebirth', this.onRebirth)
    host.off('refused', this.onRefused)
    await Promise.all(this.commands.map((c) => c.close()))
    this.commands = []
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
      for (const [topic, payload] of batch) await this.opts.uns.storeRetained(topic, payload)
    }).catch((err: Error) => this.opts.log.warn(`could not write the retained snapshot of Sparkplug values: ${err.message}`))
    return this.flushing
  }

  private metric (u: UnsUpdate): void {
    const { topic, datatype, unit, value } = u
    const owner = u.source
    // The payload is assembled from parts that change (value, time) and a tail cached per topic, datatype, unit and
    // quality (uns-message-bytes.ts): this runs once per metric on the ingest path, where JSON.stringify of the whole
    // object showed up (and then a key string built per metric to compare the tail by: compared field by field now).
    let tail = this.tails.get(topic)
    if (tail === undefined || tail.datatype !== datatype || tail.unit !== unit || tail.historical !== u.historical || tail.quality !== u.quality) {
      tail = messageTail(datatype, unit, u.historical, u.quality, owner.id)
      if (!u.historical) this.tails.set(topic, tail)
    }
    const payload = messageBytes(valueText(value), typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null, this.timestampText(u.timestamp), tail)
    if (payload.length > this.maxMessageBytes) {
      return this.opts.refusals.refused(topic, 'SPARKPLUG_LIMIT', `${owner.id}: a UNS message of ${payload.length} bytes is over the limit of ` +
        `${this.maxMessageBytes} bytes (mqtt.maxPayloadBytes); this value is not published`, true)
    }
    this.opts.uns.publishLive(topic, payload)
    if (u.historical) return // history is delivered, never the current value

    const namespace = this.opts.uns.namespace
    const entry = namespace.get(topic)
    // An entry of an earlier birth (or marked STALE at a restart) with another datatype or unit is replaced whole.
    if (entry !== undefined && entry.datatype === datatype && entry.unit === unit && entry.source === owner.id) {
      entry.value = value
      entry.timestamp = u.timestamp
      entry.quality = u.quality
      entry.staleReason = u.quality === 'STALE' ? this.staleReason(owner) : undefined
      namespace.changed(entry)
    } else {
      namespace.set({ topic, equipment: u.equipment, kind: u.kind, tag: u.tag, datatype, value, timestamp: u.timestamp, quality: u.quality, unit, source: owner.id })
    }
    this.snapshot.set(topic, payload)
  }

  /** The metrics of one message share their timestamp: its text is made once (and not through the number cache). */
  private timestampText (ts: number): string {
    if (ts !== this.lastTimestamp) {
      this.lastTimestamp = ts
      this.lastTimestampText = JSON.stringify(ts)
    }
    return this.lastTimestampText
  }

  private staleReason (s: { groupId: string, edgeNodeId: string, deviceId?: string }): string | undefined {
    const h = s.deviceId === undefined ? this.opts.host.getNodeHealth(s.groupId, s.edgeNodeId) : this.opts.host.getDeviceHealth(s.groupId, s.edgeNodeId, s.deviceId)
    return h?.stale?.reason
  }

  /** Session health on `<equipment>/state/<prefix>/sparkplug-session`, retained, on every change. */
  private health (groupId: string, edgeNodeId: string, deviceId: string | undefined): void {
    const h = deviceId === undefined ? this.opts.host.getNodeHealth(groupId, edgeNodeId) : this.opts.host.getDeviceHealth(groupId, edgeNodeId, deviceId)
    if (!h) return
    const { equipment, prefix } = this.opts.stream.mapping.owner(groupId, edgeNodeId, deviceId)
    const topic = [equipment.topic, 'state', ...prefix, 'sparkplug-session'].join('/')
    const problem = topicProblem(topic)
    if (problem !== undefined) return this.opts.log.warn(`session health of ${nodeSourceId(groupId, edgeNodeId, deviceId)} not published: ${problem}`)
    const value = deviceId === undefined ? { ...h, devices: undefined } : h
    // As text, not as a UnsPayload: session health is not a value of the namespace (nor counted in sparkplug.maxTopics).
    const payload = Buffer.from(json({ value, timestamp: Date.now(), quality: 'GOOD', properties: { source: nodeSourceId(groupId, edgeNodeId, deviceId) } }))
    this.opts.uns.publish(SPARKPLUG_PUBLISHER, topic, payload, { qos: 1, retain: true }).catch(() => {})
  }

  private async command (topic: string, payload: Buffer): Promise<void> {
    const parsed = parseUnsTopic(this.opts.model, topic)
    if (!parsed.ok || parsed.kind !== 'commands') return
    const base = parsed.equipment.topic
    const { stream, refusals } = this.opts
    const target = stream.ownerOf(`${base}/measurements/${parsed.tag}`) ?? stream.ownerOf(`${base}/state/${parsed.tag}`)
    if (!target) {
      // On equipment the plant model binds to Sparkplug a tag no birth declared is a refused write; elsewhere other
      // consumers of commands/ may handle it.
      const binding = parsed.equipment.bindings.sparkplug
      if (binding === undefined) return
      const node = nodeSourceId(binding.groupId, binding.edgeNodeId, binding.deviceId)
      return refusals.report(topic, 'COMMAND_FAILED', `no metric '${parsed.tag}' in the births of ${node}: only declared metrics can be written`)
    }
    let value: unknown
    try {
      value = (JSON.parse(payload.toString('utf8')) as { value?: unknown }).value
    } catch {
      return refusals.report(topic, 'COMMAND_FAILED', 'not JSON: expected {"value": ..., "timestamp": ...}')
    }
    try {
      await this.opts.host.writeMetric(target.groupId, target.edgeNodeId, target.deviceId, target.name, value as never)
      this.opts.log.debug(`command ${topic} -> ${target.id} = ${json(value)}`)
    } catch (err) {
      refusals.report(topic, 'COMMAND_FAILED', `${target.id}: ${(err as Error).message}`)
    }
  }
}
