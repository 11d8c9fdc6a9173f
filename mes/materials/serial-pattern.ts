// Serial numbers from a configurable pattern, e.g. "SN-{material}-{yyyy}{mm}{dd}-{n:5}": {material}, {order},
// {yyyy}, {mm}, {dd} are filled in, {n:W} is a counter zero-padded to W digits. The counter belongs to the pattern's
// text without it (the prefix) and lives in the store, so numbers are never reused after a restart, and a new day
// (a new prefix) starts again at 1.
import type { Tx } from '../store/store'
import { num } from '../store/store'
import { MaterialRefusedError } from '../errors'

export const DEFAULT_SERIAL_PATTERN = '{material}-{yyyy}{mm}{dd}-{n:6}'

const COUNTER = /\{n(?::(\d{1,2}))?\}/
const FIELD = /\{(material|order|yyyy|mm|dd)\}/g

export interface SerialContext { material: string, order: string, at: string }

/** The pattern with its fields filled in, split around its counter; refused if it has no counter or an unknown field. */
export function parsePattern (pattern: string, c: SerialContext): { before: string, after: string, width: number } {
  const m = COUNTER.exec(pattern)
  if (m === null) {
    throw new MaterialRefusedError('serial-pattern', `serial pattern "${pattern}"`, 'has no counter {n} or {n:W}',
      'e.g. "SN-{material}-{n:6}"')
  }
  const unknown = /\{(?!n[:}])(?!(?:material|order|yyyy|mm|dd)\})[^}]*\}/.exec(pattern)
  if (unknown !== null) {
    throw new MaterialRefusedError('serial-pattern', `serial pattern "${pattern}"`, `has an unknown field ${unknown[0]}`,
      'fields are {material}, {order}, {yyyy}, {mm}, {dd} and the counter {n:W}')
  }
  const fill = (s: string): string => s.replace(FIELD, (_w, f: string) => {
    if (f === 'material') return c.material
    if (f === 'order') return c.order
    if (f === 'yyyy') return c.at.slice(0, 4)
    return f === 'mm' ? c.at.slice(5, 7) : c.at.slice(8, 10)
  })
  return { before: fill(pattern.slice(0, m.index)), after: fill(pattern.slice(m.index + m[0].length)), width: Number(m[1] ?? 1) }
}

/** `count` new serial numbers of the pattern, taking the counter forward inside the caller's transaction. */
export async function nextSerials (tx: Tx, pattern: string, c: SerialContext, count: number): Promise<string[]> {
  const p = parsePattern(pattern, c)
  const prefix = `${p.before}{n}${p.after}`
  // One statement: concurrent producers on PostgreSQL each get their own range.
  const row = await tx.get(`INSERT INTO serial_counters (prefix, next_value) VALUES (?, ?)
    ON CONFLICT (prefix) DO UPDATE SET next_value = serial_counters.next_value + ? RETURNING next_value`, [prefix, count + 1, count])
  const first = num(row?.next_value) - count
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(`${p.before}${String(first + i).padStart(p.width, '0')}${p.after}`)
  // A serial the MES could not take back in a consumption (schemas/mes/materials.schema.json: serial, 128) is not made.
  const long = out.find((s) => s.length > MAX_SERIAL_CHARS)
  if (long !== undefined) {
    throw new MaterialRefusedError('serial-pattern', `serial pattern "${pattern}"`,
      `makes serial "${long.slice(0, 40)}..." of ${long.length} characters, more than the ${MAX_SERIAL_CHARS} a serial may have`,
      'shorten the pattern (or the material and order numbers it takes in); nothing was produced')
  }
  return out
}

/** The longest serial number the MES takes (schemas/mes/materials.schema.json). */
export const MAX_SERIAL_CHARS = 128
