// What one endpoint's session reports, turned into UNS messages and namespace entries: values (retained, with
// their OPC UA datatype and source), STALE while the server is away, the verdict on each item, and the session
// status on `<equipment>/state/opcua-session` for each equipment that binds the endpoint.
import type { DataValue, StatusCode } from 'node-opcua'
import type { Logger } from '../../../core/logger'
import type { Equipment } from '../../../plant/plant-model'
import { sourceKind } from '../../../uns/namespace'
import type { Publisher, UnsPort } from '../../../uns/uns-port'
import { describeNode, sessionStatusTopic, type CollectedNode, type EndpointBinding } from './bindings'
import type { EndpointListener, EndpointStatus } from './endpoint-session'
import { collectedValue } from './opcua-values'

export const COLLECTOR_PUBLISHER: Publisher = { kind: 'adapter', id: 'opcua-collector' }

interface ItemVerdict { readonly ok: boolean, readonly reason: string | undefined }

export class EndpointFeed implements EndpointListener {
  private readonly verdicts = new Map<CollectedNode, ItemVerdict>()
  /** Topics whose refused publish was logged: a variable that changes every 100 ms would say it 10 times a second. */
  private readonly refusedTopics = new Set<string>()

  constructor (private readonly binding: EndpointBinding, private readonly uns: UnsPort, private readonly log: Logger) {}

  value (node: CollectedNode, dv: DataValue): void {
    const v = collectedValue(dv)
    const payload: Record<string, unknown> = { value: v.value, timestamp: v.timestamp, quality: v.quality }
    if (node.unit !== undefined) payload.unit = node.unit
    payload.properties = { datatype: v.datatype, source: node.source }
    this.publish(node.topic, Buffer.from(JSON.stringify(payload)), 0)

    const namespace = this.uns.namespace
    const entry = namespace.get(node.topic)
    if (entry !== undefined && entry.source === node.source && entry.datatype === v.datatype) {
      entry.value = v.value
      entry.timestamp = v.timestamp
      entry.quality = v.quality
      entry.staleReason = undefined
      namespace.changed(entry)
    } else if (entry === undefined || sourceKind(entry.source) === 'opcua') {
      namespace.set({
        topic: node.topic, equipment: node.equipment.topic, kind: node.kind, tag: node.tag, datatype: v.datatype,
        value: v.value, timestamp: v.timestamp, quality: v.quality, unit: node.unit, source: node.source
      })
    }
  }

  item (node: CollectedNode, status: StatusCode, reason: string | undefined): void {
    const before = this.verdicts.get(node)
    const ok = status.isGood()
    this.verdicts.set(node, { ok, reason })
    if (ok || before?.reason === reason) return
    // Said once per reason, not at every reconnection.
    const text = `OPC UA ${this.binding.endpoint}: ${reason ?? status.name}; '${node.topic}' gets no values (the other variables are not affected)`
    this.log.warn(text)
    this.uns.report(COLLECTOR_PUBLISHER, { error: 'OPCUA_BINDING', reason: text, topic: node.topic })
  }

  stale (reason: string): void {
    const now = Date.now()
    const namespace = this.uns.namespace
    for (const node of this.binding.nodes) {
      const entry = namespace.get(node.topic)
      if (entry === undefined || entry.source !== node.source || entry.quality === 'STALE') continue
      entry.quality = 'STALE'
      entry.timestamp = now
      entry.staleReason = reason
      namespace.changed(entry)
      const payload: Record<string, unknown> = { value: entry.value, timestamp: now, quality: 'STALE' }
      if (node.unit !== undefined) payload.unit = node.unit
      payload.properties = { datatype: entry.datatype, source: node.source, staleReason: reason }
      this.publish(node.topic, Buffer.from(JSON.stringify(payload)), 1)
    }
  }

  state (s: EndpointStatus): void {
    for (const e of this.binding.equipment) this.publishStatus(e, s)
  }

  /** `<equipment>/state/opcua-session`, retained: the endpoint's session and this equipment's items. */
  private publishStatus (equipment: Equipment, s: EndpointStatus): void {
    let ok = 0
    let pending = 0
    const bad: Array<{ tag: string, node: string, reason: string }> = []
    for (const node of this.binding.nodes) {
      if (node.equipment !== equipment) continue
      const v = this.verdicts.get(node)
      if (v === undefined) pending++
      else if (v.ok) ok++
      else bad.push({ tag: `${node.kind}/${node.tag}`, node: describeNode(node), reason: v.reason ?? 'refused by the server' })
    }
    const value = {
      endpoint: s.endpoint,
      state: s.state,
      connected: s.state === 'connected',
      since: s.since,
      ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      reconnects: s.reconnects,
      items: { ok, bad: bad.length, pending },
      ...(bad.length > 0 ? { badItems: bad } : {})
    }
    // As text, not as a UnsPayload: session health is not a value of the namespace.
    const payload = Buffer.from(JSON.stringify({ value, timestamp: Date.now(), quality: 'GOOD', properties: { source: `opcua:${s.endpoint}` } }))
    this.publish(sessionStatusTopic(equipment), payload, 1)
  }

  private publish (topic: string, payload: Buffer, qos: 0 | 1): void {
    this.uns.publish(COLLECTOR_PUBLISHER, topic, payload, { retain: true, qos }).catch((err: Error) => {
      // The UNS port has reported it on $hub/errors/<topic>; the log says it once per topic.
      const text = `OPC UA ${this.binding.endpoint}: not published on '${topic}': ${err.message}`
      if (this.refusedTopics.has(topic)) return this.log.debug(text)
      this.refusedTopics.add(topic)
      this.log.warn(`${text} (said once per topic; the refusals are on $hub/errors/${topic})`)
    })
  }
}
