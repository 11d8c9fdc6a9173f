// The UNS port over the embedded aedes broker. A publish from inside the hub is judged by the same steps as an MQTT
// client's in the publish guard (size, then uns/uns-rules.ts unsVerdict under `uns.enforcement`), then handed to
// aedes in-process; a refusal becomes the broker's report on $hub/errors, naming the publisher instead of a client.
import type { AedesPublishPacket } from 'aedes'
import type { RunningBroker } from './broker'
import type { Logger } from '../core/logger'
import { clientText } from '../core/client-text'
import { publishTopicProblem } from '../uns/mqtt-text'
import { rejectionReport, reportTopicFor, type Publisher, type RejectionReport } from '../uns/error-report'
import { Namespace, sourceKind, type NamespaceChild, type NamespaceEntry } from '../uns/namespace'
import { unsVerdict, type Enforcement, type UnsRules } from '../uns/uns-rules'
import { isUnsPayload, UnsPublishError, type UnsPayload } from '../uns/uns-publish'
import type { UnsMessage, UnsPort, UnsPublishOptions, UnsRefusal, UnsSubscribeOptions, UnsSubscription } from '../uns/uns-port'

export interface EmbeddedUnsOptions {
  broker: RunningBroker
  rules: UnsRules
  enforcement: Enforcement
  /** mqtt.maxPayloadBytes: what a client may publish, the hub's publishers too. */
  maxPayloadBytes: number
  log: Logger
}

function noop (): void {}

export class EmbeddedUns implements UnsPort {
  readonly rules: UnsRules
  readonly enforcement: Enforcement
  readonly maxPayloadBytes: number
  readonly namespace = new Namespace()
  private readonly broker: RunningBroker
  private readonly log: Logger

  constructor (opts: EmbeddedUnsOptions) {
    this.broker = opts.broker
    this.rules = opts.rules
    this.enforcement = opts.enforcement
    this.maxPayloadBytes = opts.maxPayloadBytes
    this.log = opts.log
  }

  async publish (by: Publisher, topic: string, payload: UnsPayload | Buffer | null, opts: UnsPublishOptions = {}): Promise<void> {
    const retain = payload === null ? true : opts.retain ?? false
    const buf = payload === null ? Buffer.alloc(0) : Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload))
    // What MQTT forbids in a topic is not the UNS's rule: refused whatever uns.enforcement says (as for a client).
    const invalid = publishTopicProblem(topic)
    if (invalid !== null) this.refuse(by, topic, buf.length, 'INVALID_TOPIC', invalid)
    if (buf.length > this.maxPayloadBytes) {
      this.refuse(by, topic, buf.length, 'PAYLOAD_TOO_LARGE', `payload of ${buf.length} bytes exceeds the limit of ${this.maxPayloadBytes} bytes (mqtt.maxPayloadBytes)`)
    }
    const verdict = this.enforcement === 'off' ? null : unsVerdict(this.rules, topic, buf, retain)
    if (verdict !== null) {
      if (this.enforcement === 'reject') this.refuse(by, topic, buf.length, verdict.error, verdict.reason)
      this.report(by, { error: verdict.error, reason: verdict.reason, topic, payloadBytes: buf.length, action: 'flagged' })
    }
    await this.broker.publish(topic, buf, { qos: opts.qos ?? 1, retain })
    if (payload === null) this.namespace.delete(topic)
    else if (verdict === null && !Buffer.isBuffer(payload) && isUnsPayload(payload)) this.keep(by, topic, payload)
  }

  publishLive (topic: string, payload: Buffer): void {
    this.broker.publishLive(topic, payload)
  }

  storeRetained (topic: string, payload: Buffer): Promise<void> {
    return this.broker.storeRetained(topic, payload)
  }

  async subscribe (filter: string, onMessage: (m: UnsMessage) => void, opts: UnsSubscribeOptions = {}): Promise<UnsSubscription> {
    const aedes = this.broker.aedes
    // aedes' packet has the fields of a UnsMessage: handed on as it is, no copy per message.
    const handler = (packet: AedesPublishPacket, cb: () => void): void => {
      onMessage(packet as unknown as UnsMessage)
      cb()
    }
    await new Promise<void>((resolve) => aedes.subscribe(filter, handler, resolve))
    const close = (): Promise<void> => new Promise<void>((resolve) => aedes.unsubscribe(filter, handler, resolve))
    if (opts.retainedFirst === true) {
      try {
        for await (const m of this.broker.retained(filter)) onMessage({ topic: m.topic, payload: m.payload, retain: true, qos: 0 })
      } catch (err) {
        await close()
        throw err
      }
    }
    return { close }
  }

  retainedMatching (filter: string): AsyncIterable<{ topic: string, payload: Buffer }> {
    return this.broker.retained(filter)
  }

  async retained (topic: string): Promise<Buffer | undefined> {
    if (topic.includes('+') || topic.includes('#')) return undefined
    for await (const m of this.broker.retained(topic)) if (m.topic === topic) return m.payload
    return undefined
  }

  lastValue (topic: string): NamespaceEntry | undefined {
    return this.namespace.get(topic)
  }

  browse (path: string): NamespaceChild[] {
    return this.namespace.browse(path)
  }

  report (by: Publisher, refusal: UnsRefusal): void {
    const report = rejectionReport({ ...refusal, action: refusal.action ?? 'rejected', payloadBytes: refusal.payloadBytes ?? 0, publisher: by })
    this.broker.publish(reportTopicFor(refusal.topic).topic, JSON.stringify(report)).catch(noop)
  }

  /** Reports the refusal and throws it to the publisher. */
  private refuse (by: Publisher, topic: string, payloadBytes: number, error: RejectionReport['error'], reason: string): never {
    this.log.debug(`refused publish of ${by.kind} '${clientText(by.id)}' to '${clientText(topic)}': ${clientText(reason, 400)}`)
    this.report(by, { error, reason, topic, payloadBytes })
    throw new UnsPublishError(error, reason, { source: topic })
  }

  /** The last value of a topic published through the port (what MQTT clients publish is in the retained store). */
  private keep (by: Publisher, topic: string, payload: UnsPayload): void {
    const t = this.rules.checkTopic(topic)
    if (!t.ok) return
    const quality = payload.quality ?? 'GOOD'
    const entry = this.namespace.get(topic)
    const source = `${by.kind}:${by.id}`
    // An entry another kind of source writes (a Sparkplug metric's, the MES's) is not taken over: a flow's publish on
    // a metric's topic is delivered, but the entry (its source, what sparkplug.maxTopics counts) stays the metric's.
    if (entry !== undefined && sourceKind(entry.source) !== by.kind) return
    if (entry !== undefined && entry.source === source && entry.unit === payload.unit &&
      entry.properties === undefined && payload.properties === undefined) {
      entry.value = payload.value
      entry.timestamp = payload.timestamp
      entry.quality = quality
      this.namespace.changed(entry)
      return
    }
    this.namespace.set({
      topic, equipment: t.equipment.topic, kind: t.kind, tag: t.tag, datatype: 'JSON', value: payload.value,
      timestamp: payload.timestamp, quality, unit: payload.unit, properties: payload.properties, source
    })
  }
}
