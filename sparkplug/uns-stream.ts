// Sparkplug to UNS, once: every metric event of the host application becomes one UnsUpdate here (placed in the
// plant model by uns-mapping, owned by the first metric that maps to its topic, with its datatype name, its value
// in the hub's JSON convention and its unit), and the consumers read that: the UNS bridge (publishes, keeps the
// namespace), the `sparkplug in` node's feed and the MES machine events. What cannot be placed (a topic MQTT cannot
// carry, a topic another metric owns, past sparkplug.maxTopics) is refused here, once, and reaches no consumer.
//
// The ingest path runs at ~185k metrics/s: one update object is filled anew per metric and handed to each consumer
// in turn (UnsUpdate says so); the origin of a topic is built once, when its first metric is placed.
import type { PlantModel } from '../plant/plant-model'
import type { Namespace } from '../uns/namespace'
import type { MetricOrigin, UnsUpdate, UnsUpdateSource } from '../uns/uns-update'
import type { Quality } from '../plant/uns-payload'
import { DataType, dataTypeName } from './datatypes'
import { valueToJson } from './json'
import type { MetricPath, SparkplugHostApplication } from './host/host-application'
import type { MetricUpdate, SessionChange } from './host/session'
import { mappingFor, type SparkplugUnsMapping } from './uns-mapping'
import { nodeSourceId, SPARKPLUG_SOURCES, sourceId } from './source-id'
import type { SparkplugRefusals } from './refusals'

export const DEFAULT_MAX_TOPICS = 100000

export interface SparkplugUnsStreamOptions {
  host: SparkplugHostApplication
  model: PlantModel
  /** The namespace whose Sparkplug topics sparkplug.maxTopics bounds. */
  namespace: Namespace
  refusals: SparkplugRefusals
  /** UNS topics the Sparkplug side may create in all (sparkplug.maxTopics). */
  maxTopics?: number
}

type Listener = (u: UnsUpdate) => void

/** The update handed to consumers; its fields are written once per metric. */
type MutableUpdate = { -readonly [K in keyof UnsUpdate]: UnsUpdate[K] }

export class SparkplugUnsStream implements UnsUpdateSource {
  readonly mapping: SparkplugUnsMapping
  private readonly maxTopics: number
  /** UNS topic -> the Sparkplug metric that owns it (the first one; a second is a collision). */
  private readonly owners = new Map<string, MetricOrigin>()
  private readonly collisions = new Set<string>()
  /** Nodes and devices (source ids) of the current birth that maxTopics cut short: reported once per birth. */
  private readonly overTopicLimit = new Set<string>()
  /** Sources whose UNS topic cannot be published: reported once. */
  private readonly invalidTopics = new Set<string>()
  private listeners: Listener[] = []
  private readonly update: MutableUpdate = {
    topic: '', equipment: '', kind: 'measurements', tag: '', value: null, datatype: '', unit: undefined,
    quality: 'GOOD', timestamp: 0, source: { groupId: '', edgeNodeId: '', name: '', id: '' }, historical: false
  }

  private readonly onMetric = (u: MetricUpdate): void => {
    try {
      this.metric(u)
    } catch (err) {
      // Never out of the host's emit: one bad metric must not cost the rest of its message, nor the process.
      this.opts.refusals.refused(nodeSourceId(u.groupId, u.edgeNodeId, u.deviceId), 'SPARKPLUG_REFUSED',
        `${sourceId(u)}: not placed in the namespace: unexpected error: ${(err as Error)?.message ?? String(err)}`)
    }
  }

  private readonly onSession = (c: SessionChange): void => {
    if (c.state === 'ONLINE') this.overTopicLimit.delete(nodeSourceId(c.groupId, c.edgeNodeId, c.kind === 'device' ? c.deviceId : undefined))
  }

  constructor (private readonly opts: SparkplugUnsStreamOptions) {
    this.mapping = mappingFor(opts.model)
    this.maxTopics = opts.maxTopics ?? DEFAULT_MAX_TOPICS
  }

  /** Listens to the host; call before the host goes online, so that no birth is missed. */
  start (): void {
    this.opts.host.on('metric', this.onMetric)
    this.opts.host.on('session', this.onSession)
  }

  stop (): void {
    this.opts.host.off('metric', this.onMetric)
    this.opts.host.off('session', this.onSession)
  }

  /** Consumers are called in the order they were added (the bridge first: the namespace is current for the others). */
  onUpdate (listener: Listener): void {
    this.listeners = [...this.listeners, listener]
  }

  offUpdate (listener: Listener): void {
    this.listeners = this.listeners.filter((l) => l !== listener)
  }

  /** The metric that owns a UNS topic, if a metric was placed there. */
  ownerOf (topic: string): MetricOrigin | undefined {
    return this.owners.get(topic)
  }

  /** The current value of a metric the host knows, as an update of its own (not the shared one). */
  current (path: MetricPath): UnsUpdate | undefined {
    const u = this.opts.host.getMetric(path)
    if (u === undefined) return undefined
    const place = this.mapping.place(u.groupId, u.edgeNodeId, u.deviceId, u.name)
    const owner = this.owners.get(place.topic)
    if (owner === undefined || !owns(owner, u)) return undefined
    return {
      topic: place.topic, equipment: place.equipment.topic, kind: place.kind, tag: place.tag, value: valueToJson(u.datatype, u.value),
      datatype: dataTypeName(u.datatype), unit: u.unit, quality: u.quality, timestamp: u.timestamp, source: owner, historical: u.historical
    }
  }

  private metric (u: MetricUpdate): void {
    // A Template definition (in NBIRTH) describes a type, it is not a value of the plant: not in the namespace.
    if (u.datatype === DataType.Template && (u.value as { isDefinition?: boolean } | null)?.isDefinition === true) return
    const place = this.mapping.place(u.groupId, u.edgeNodeId, u.deviceId, u.name)
    const topic = place.topic
    let owner = this.owners.get(topic)
    if (owner === undefined) {
      if (place.invalid !== undefined) return this.invalidTopic(u, `${place.equipment.topic}/${place.kind}`, place.invalid)
      const ns = this.opts.namespace
      if (ns.get(topic) === undefined && ns.sizeOf(SPARKPLUG_SOURCES) >= this.maxTopics) return this.overLimit(u)
      owner = { groupId: u.groupId, edgeNodeId: u.edgeNodeId, deviceId: u.deviceId, name: u.name, id: sourceId(u) }
      this.owners.set(topic, owner)
    } else if (!owns(owner, u)) {
      return this.collision(topic, owner.id, sourceId(u))
    }
    const up = this.update
    up.topic = topic
    up.equipment = place.equipment.topic
    up.kind = place.kind
    up.tag = place.tag
    up.value = valueToJson(u.datatype, u.value)
    up.datatype = dataTypeName(u.datatype)
    up.unit = u.unit
    up.quality = u.quality as Quality
    up.timestamp = u.timestamp
    up.source = owner
    up.historical = u.historical
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) listeners[i]!(up)
  }

  private invalidTopic (u: MetricUpdate, under: string, problem: string): void {
    const id = sourceId(u)
    if (this.invalidTopics.has(id)) return
    this.invalidTopics.add(id)
    const name = u.name.length > 80 ? `${JSON.stringify(u.name.slice(0, 80))}… (${u.name.length} characters)` : JSON.stringify(u.name)
    this.opts.refusals.refused(under, 'SPARKPLUG_LIMIT', `metric ${name} of ${nodeSourceId(u.groupId, u.edgeNodeId, u.deviceId)} is not placed in ` +
      `the namespace: ${problem}; shorten its name (or its node/device id)`, true, id)
  }

  /** maxTopics: the metrics of a birth past the limit are left out, reported once per birth of their node/device. */
  private overLimit (u: MetricUpdate): void {
    const node = nodeSourceId(u.groupId, u.edgeNodeId, u.deviceId)
    if (this.overTopicLimit.has(node)) return
    this.overTopicLimit.add(node)
    const birth = u.deviceId === undefined ? `spBv1.0/${u.groupId}/NBIRTH/${u.edgeNodeId}` : `spBv1.0/${u.groupId}/DBIRTH/${u.edgeNodeId}/${u.deviceId}`
    this.opts.refusals.refused(birth, 'SPARKPLUG_LIMIT', `metric '${u.name}' and the further new metrics of ${u.groupId}/${u.edgeNodeId}` +
      `${u.deviceId === undefined ? '' : '/' + u.deviceId} are not placed in the namespace: it holds ${this.opts.namespace.sizeOf(SPARKPLUG_SOURCES)} Sparkplug topics, ` +
      `the limit of ${this.maxTopics} (sparkplug.maxTopics)`, true)
  }

  private collision (topic: string, first: string, second: string): void {
    const key = `${topic}\u0000${second}`
    if (this.collisions.has(key)) return
    this.collisions.add(key)
    const reason = `'${second}' maps to '${topic}', which '${first}' already publishes: not merged; bind one of them elsewhere in the plant model`
    this.opts.refusals.warn(`UNS collision: ${reason}`)
    this.opts.refusals.report(topic, 'UNS_COLLISION', reason)
  }
}

function owns (owner: MetricOrigin, u: MetricUpdate): boolean {
  return owner.groupId === u.groupId && owner.edgeNodeId === u.edgeNodeId && owner.deviceId === u.deviceId && owner.name === u.name
}
