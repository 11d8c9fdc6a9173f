// Publishing into the namespace from inside the hub (Node-RED nodes, adapters): the same topic and payload rules
// as for MQTT clients, checked before the message is handed to the broker, so a flow gets the reason at once.
import type { UnsRules } from '../broker/publish-guard'
import { HubError } from '../core/errors'
import type { Quality } from '../plant/uns-payload'

export type { Quality }

export interface UnsPayload {
  value: unknown
  timestamp: number
  quality?: Quality
  unit?: string
  properties?: Record<string, unknown>
}

export class UnsPublishError extends HubError {}

/** Wraps a bare value in the hub's payload shape; an object that already has value+timestamp passes as is. */
export function toUnsPayload (value: unknown, defaults: { unit?: string, quality?: Quality, now?: number } = {}): UnsPayload {
  if (isUnsPayload(value)) return value
  const payload: UnsPayload = { value, timestamp: defaults.now ?? Date.now() }
  if (defaults.quality) payload.quality = defaults.quality
  if (defaults.unit) payload.unit = defaults.unit
  return payload
}

function isUnsPayload (v: unknown): v is UnsPayload {
  return typeof v === 'object' && v !== null && 'value' in v && 'timestamp' in v
}

/** Where a publish goes: the rules it must pass and the broker that takes it. */
export interface UnsTarget {
  readonly uns: UnsRules
  readonly broker: { publish (topic: string, payload: Buffer, opts: { qos: 0 | 1, retain: boolean }): Promise<void> }
}

export async function publishUns (hub: UnsTarget, topic: string, payload: UnsPayload,
  opts: { retain?: boolean, qos?: 0 | 1 } = {}): Promise<void> {
  const t = hub.uns.checkTopic(topic)
  if (!t.ok && !t.notUns) throw new UnsPublishError('UNS_TOPIC', t.reason, { source: topic })
  const buf = Buffer.from(JSON.stringify(payload))
  const p = hub.uns.checkPayload(buf)
  if (!p.ok) throw new UnsPublishError('UNS_PAYLOAD', p.reason, { source: topic })
  await hub.broker.publish(topic, buf, { qos: opts.qos ?? 1, retain: opts.retain ?? false })
}
