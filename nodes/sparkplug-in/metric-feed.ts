// The logic of the `sparkplug in` node, without Node-RED: the Sparkplug side's stream of UNS updates (placed once,
// sparkplug/uns-stream.ts, as the UNS bridge publishes them), filtered by an MQTT topic filter over those UNS topics.
// On start it delivers the current values of the namespace that match, so a flow knows the state.
import type { Namespace } from '../../uns/namespace'
import type { UnsUpdate, UnsUpdateSource } from '../../uns/uns-update'
import type { SparkplugHostApplication } from '../../sparkplug/host/host-application'
import type { SessionChange } from '../../sparkplug/host/session'
import type { JsonValue } from '../../sparkplug/json'
import { TopicFilter } from '../../uns/topic-filter'
import { parseSourceId, plainSource, type MetricSource } from '../../sparkplug/source-id'

export interface MetricFeedOptions {
  /** MQTT topic filter over UNS topics, e.g. 'acme/dallas/press-shop/+/+/measurements/#'. */
  filter: string
  /** Deliver the STALE marks the host sets when a node or device goes offline. Default true. */
  includeStale?: boolean
  /** Deliver is_historical values (flagged `historical: true`). Default false. */
  includeHistorical?: boolean
  /** Deliver an update only when value or quality differ from the last one delivered for its topic. Default true. */
  onlyChanges?: boolean
}

export interface MetricFeedPayload {
  /** The value in the hub's JSON convention (64-bit integers as decimal strings, Bytes as base64, ...). */
  value: JsonValue
  /** UTC ms. */
  timestamp: number
  quality: string
  /** The Sparkplug datatype name ('Double', 'Int64', ...). */
  datatype: string
  unit?: string
  source: MetricSource
  historical: boolean
}

export interface MetricFeedMessage {
  topic: string
  payload: MetricFeedPayload
}

export interface MetricFeedStatus {
  /** Matching UNS topics known so far. */
  metrics: number
  /** Edge nodes that carry matching metrics, and how many of them are online. */
  nodes: number
  nodesOnline: number
}

export interface MetricFeedServices {
  readonly stream: UnsUpdateSource
  readonly host: SparkplugHostApplication
  readonly namespace: Namespace
}

interface Last { quality: string, value: JsonValue, text?: string }

export class SparkplugMetricFeed {
  private readonly filter: TopicFilter
  private readonly includeStale: boolean
  private readonly includeHistorical: boolean
  private readonly onlyChanges: boolean
  /** Matching topic -> the edge node ('group/node') whose metric it is. */
  private readonly topics = new Map<string, string>()
  private readonly last = new Map<string, Last>()
  private statusPending = false
  private statusTimer: NodeJS.Immediate | undefined
  private started = false
  private readonly onUpdate = (u: UnsUpdate): void => this.metric(u)
  private readonly onSession = (_c: SessionChange): void => this.scheduleStatus()

  /** Throws when the filter is not a valid MQTT topic filter. */
  constructor (
    private readonly services: MetricFeedServices,
    options: MetricFeedOptions,
    private readonly emit: (m: MetricFeedMessage) => void,
    private readonly onStatus: (s: MetricFeedStatus) => void = () => {}
  ) {
    this.filter = new TopicFilter(options.filter)
    this.includeStale = options.includeStale ?? true
    this.includeHistorical = options.includeHistorical ?? false
    this.onlyChanges = options.onlyChanges ?? true
  }

  /** Delivers the matching current values of the namespace, then every matching update of the host. */
  start (): void {
    if (this.started) return
    this.started = true
    for (const e of this.services.namespace.list()) {
      if (!this.filter.matches(e.topic)) continue
      const source = parseSourceId(e.source)
      if (source === undefined) continue // not a Sparkplug value
      this.topics.set(e.topic, `${source.groupId}/${source.edgeNodeId}`)
      if (e.quality === 'STALE' && !this.includeStale) continue
      const value = (e.value ?? null) as JsonValue
      this.remember(e.topic, e.quality, value)
      const payload: MetricFeedPayload = { value, timestamp: e.timestamp, quality: e.quality, datatype: e.datatype, source: plainSource(source), historical: false }
      if (e.unit !== undefined) payload.unit = e.unit
      this.emit({ topic: e.topic, payload })
    }
    this.services.stream.onUpdate(this.onUpdate)
    this.services.host.on('session', this.onSession)
    this.publishStatus()
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.services.stream.offUpdate(this.onUpdate)
    this.services.host.off('session', this.onSession)
    if (this.statusTimer !== undefined) clearImmediate(this.statusTimer)
    this.statusTimer = undefined
  }

  status (): MetricFeedStatus {
    const nodes = new Set(this.topics.values())
    let online = 0
    for (const key of nodes) {
      const slash = key.indexOf('/')
      if (this.services.host.getNodeHealth(key.slice(0, slash), key.slice(slash + 1))?.online === true) online++
    }
    return { metrics: this.topics.size, nodes: nodes.size, nodesOnline: online }
  }

  private metric (u: UnsUpdate): void {
    if (u.historical && !this.includeHistorical) return
    const topic = u.topic
    if (!this.filter.matches(topic)) return
    if (!this.topics.has(topic)) {
      this.topics.set(topic, `${u.source.groupId}/${u.source.edgeNodeId}`)
      this.scheduleStatus()
    }
    if (u.quality === 'STALE' && !this.includeStale) return
    const value = u.value as JsonValue
    if (!u.historical && !this.remember(topic, u.quality, value)) return
    const payload: MetricFeedPayload = {
      value,
      timestamp: u.timestamp,
      quality: u.quality,
      datatype: u.datatype,
      source: plainSource(u.source),
      historical: u.historical
    }
    if (u.unit !== undefined) payload.unit = u.unit
    this.emit({ topic, payload })
  }

  /** Records the latest value of a topic; false when `onlyChanges` is on and nothing changed. */
  private remember (topic: string, quality: string, value: JsonValue): boolean {
    if (!this.onlyChanges) return true
    const prev = this.last.get(topic)
    const scalar = value === null || typeof value !== 'object'
    const text = scalar ? undefined : JSON.stringify(value)
    if (prev !== undefined && prev.quality === quality &&
      (scalar ? prev.text === undefined && Object.is(prev.value, value) : prev.text === text)) return false
    this.last.set(topic, scalar ? { quality, value } : { quality, value: null, text })
    return true
  }

  /** Status once per turn of the event loop: a birth of a thousand metrics is one status update. */
  private scheduleStatus (): void {
    if (this.statusPending) return
    this.statusPending = true
    this.statusTimer = setImmediate(() => {
      this.statusPending = false
      this.statusTimer = undefined
      this.publishStatus()
    })
  }

  private publishStatus (): void {
    if (this.started) this.onStatus(this.status())
  }
}
