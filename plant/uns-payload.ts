// The one JSON payload shape of the Unified Namespace (schemas/uns-payload.schema.json):
//   { "value": 21.5, "timestamp": 1718000000000, "quality": "GOOD", "unit": "CEL", "properties": { ... } }
// validateUnsPayload runs on the broker's publish path: the schema is compiled once at module load, and only a
// rejected payload pays for building a message.
import Ajv from 'ajv'
import unsPayloadSchema from '../schemas/uns-payload.schema.json'
import { schemaProblem } from './schema-problems'

export type Quality = 'GOOD' | 'UNCERTAIN' | 'BAD' | 'STALE'


/** JSON as JSON.parse returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

export interface UnsPayload {
  value: JsonValue
  /** UTC epoch milliseconds. */
  timestamp: number
  /** Filled in as 'GOOD' when the publisher left it out. */
  quality: Quality
  /** UN/CEFACT common code or UCUM code. */
  unit?: string
  properties?: { [key: string]: JsonValue }
}

export type UnsPayloadResult =
  | { readonly ok: true, readonly payload: UnsPayload }
  | { readonly ok: false, readonly reason: string }

// useDefaults fills in quality: 'GOOD'; verbose gives messages the offending value and the schema's words.
const ajv = new Ajv({ allErrors: false, strict: true, verbose: true, useDefaults: true })
const validate = ajv.compile<UnsPayload>(unsPayloadSchema)

// Below this a timestamp is before 1973-03-03: almost always seconds where milliseconds were meant.
const MIN_PLAUSIBLE_MS = 100_000_000_000

/** Parses and checks one payload; the reason names the field and what is wrong with it. */
export function validateUnsPayload (buf: Buffer | string): UnsPayloadResult {
  const text = typeof buf === 'string' ? buf : buf.toString('utf8')
  if (text.length === 0) return { ok: false, reason: 'empty payload: expected a JSON object such as {"value": 1, "timestamp": 1718000000000}' }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` }
  }
  if (!validate(data)) {
    const e = validate.errors?.[0]
    if (e === undefined) return { ok: false, reason: 'does not match the UNS payload schema' }
    const p = schemaProblem(e)
    return { ok: false, reason: `${p.path || '/'}: ${p.message}` }
  }
  const payload = data
  if (payload.timestamp < MIN_PLAUSIBLE_MS) {
    return { ok: false, reason: `/timestamp: ${payload.timestamp} is before 1973; it looks like seconds or an unset clock, expected UTC epoch milliseconds (Date.now())` }
  }
  return { ok: true, payload }
}

/** Builds a payload for publishing; the timestamp defaults to now and the quality to GOOD. */
export function unsPayload (value: JsonValue, opts: Partial<Omit<UnsPayload, 'value'>> = {}): UnsPayload {
  const payload: UnsPayload = { value, timestamp: opts.timestamp ?? Date.now(), quality: opts.quality ?? 'GOOD' }
  if (opts.unit !== undefined) payload.unit = opts.unit
  if (opts.properties !== undefined) payload.properties = opts.properties
  return payload
}
