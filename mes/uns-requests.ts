// The values of the MES requests that arrive over the Unified Namespace (a barcode scan, a trace request), checked
// against schemas/mes/uns-requests.schema.json once, where they arrive; the UNS payload around them is unwrapped here.
import schema from '../schemas/mes/uns-requests.schema.json'
import { check } from '../core/schema-check'
import { ValidationError } from '../core/errors'
import { definitionCheck } from './validation'

export interface ScanValue {
  code: string
  who: string
  qty?: number
  jobId?: string
  scanId?: string
}

export interface TraceRequestValue {
  direction: 'backward' | 'forward'
  lotId?: string
  serial?: string
  maxNodes?: number
  maxDepth?: number
  replyTo: string
  correlationId?: string
}

type Request = keyof typeof schema.definitions

/**
 * The value of a UNS payload ({ value, timestamp, ... }) published on `topic`, checked as the request `name`; a
 * payload that is not JSON or not a UNS payload, or a value that does not fit, is a ValidationError naming the topic.
 */
export function requestValue<T> (name: Request, topic: string, payload: Buffer): T {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString('utf8'))
  } catch {
    throw new ValidationError(topic, [{ path: '', message: 'is not JSON: publish a UNS payload { "value": {...}, "timestamp": <epoch ms> }' }])
  }
  if (parsed === null || typeof parsed !== 'object' || !('value' in parsed)) {
    throw new ValidationError(topic, [{ path: '', message: 'has no value: publish a UNS payload { "value": {...}, "timestamp": <epoch ms> }' }])
  }
  return check<T>(definitionCheck(schema, name), `${topic} value`, (parsed as { value: unknown }).value)
}
