// The hub's payload shape for what its own publishers put into the namespace, and the error a refused publish
// rejects with (the UNS port, uns/uns-port.ts, applies the rules).
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

/** A publish the UNS rules refused; `code` is INVALID_TOPIC, UNS_TOPIC, UNS_PAYLOAD or PAYLOAD_TOO_LARGE, `source` the topic. */
export class UnsPublishError extends HubError {}

/** Wraps a bare value in the hub's payload shape; an object that already has value+timestamp passes as is. */
export function toUnsPayload (value: unknown, defaults: { unit?: string, quality?: Quality, now?: number } = {}): UnsPayload {
  if (isUnsPayload(value)) return value
  const payload: UnsPayload = { value, timestamp: defaults.now ?? Date.now() }
  if (defaults.quality) payload.quality = defaults.quality
  if (defaults.unit) payload.unit = defaults.unit
  return payload
}

export function isUnsPayload (v: unknown): v is UnsPayload {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v) && 'value' in v && 'timestamp' in v
}
