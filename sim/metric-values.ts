// Comparing and showing metric values in the simulator: report by exception needs "did it change", logs need text.
import type { MetricValue } from '../sparkplug/index'

export function sameValue (a: MetricValue, b: MetricValue): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b)
  return stableJson(a) === stableJson(b)
}

function stableJson (v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? `${x}n` : x)
}

export function show (v: MetricValue): string {
  if (typeof v === 'bigint') return `${v}`
  if (typeof v === 'string') return JSON.stringify(v)
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) return stableJson(v)
  return String(v)
}

