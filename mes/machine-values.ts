// What machine metrics mean to the MES, shared by job events (mes/machine-events.ts) and consumption
// (mes/machine-consumption.ts): a counter's value as a whole number, and ids that fit the MES's limits.
import { createHash } from 'node:crypto'

const MAX_EVENT_ID = 128

/** 64-bit integers come as decimal strings in the hub's JSON convention (never rounded). */
const DECIMAL_TYPES = new Set(['Int64', 'UInt64'])
const DECIMAL = /^-?\d+$/

/** A counter value as a whole number: integers of any Sparkplug type (decimal text for 64 bits), or whole floats. */
export function countOf (v: unknown, datatype: string): bigint | undefined {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  if (typeof v === 'string' && DECIMAL_TYPES.has(datatype) && DECIMAL.test(v)) return BigInt(v)
  return undefined
}

/** Event ids and `who` are at most 128 characters: a longer one (long metric names) keeps its start and a hash of the rest. */
export function boundedId (id: string): string {
  if (id.length <= MAX_EVENT_ID) return id
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 32)
  return `${id.slice(0, MAX_EVENT_ID - hash.length - 1)}#${hash}`
}
