// What the three inbound mappings share: reading fields of a segment with every problem collected (named by the
// segment's path and the field, `IDOC 1 > E1AFKOL > E1AFFLL[1] > E1AFVOL[3]: VORNR missing`), and the MES id rule.
// A mapping reads everything, then throws one IdocMappingError listing all problems, so SAP's side fixes an IDoc
// in one pass.
import type { Problem } from '../../../core/errors'
import workOrderSchema from '../../../schemas/mes/work-order.schema.json'
import { children, type Idoc, type IdocSegment } from '../idoc/idoc'
import { IdocMappingError, SapValueError } from '../errors'
import { decimalNumber, sapDateTime, sapDecimal, type SapTimeZone } from '../sap-values'

/** The MES's id rule (order numbers, materials, work centers), taken from its schema so the two cannot drift. */
export const MES_ID = new RegExp(workOrderSchema.definitions.id.pattern)
export const MES_WORK_CENTER = new RegExp(workOrderSchema.definitions.operation.properties.workCenter.pattern)
export const MES_ID_MAX = workOrderSchema.definitions.id.maxLength

/** A segment and where it is. */
export interface Placed {
  readonly segment: IdocSegment
  readonly path: string
}

/** The children of a placed segment (or the IDoc) with this name, each with its path (`E1AFVOL[2]`, from 1). */
export function placedChildren (parent: IdocSegment | Idoc, parentPath: string, name: string, indexed = true): Placed[] {
  return children(parent, name).map((segment, i) => ({ segment, path: `${parentPath} > ${name}${indexed ? `[${i + 1}]` : ''}` }))
}

export class IdocReading {
  readonly problems: Problem[] = []
  readonly warnings: string[] = []

  constructor (readonly source: string) {}

  problem (path: string, message: string): void {
    this.problems.push({ path, message })
  }

  /** The trimmed text of a field, or undefined when it is absent or empty. */
  text (p: Placed, name: string): string | undefined {
    const v = p.segment.fields[name]
    if (v === undefined) return undefined
    const t = v.trim()
    return t === '' ? undefined : t
  }

  /** The trimmed text of a field that must be set; a problem `NAME missing` when it is not. */
  required (p: Placed, name: string): string | undefined {
    const t = this.text(p, name)
    if (t === undefined) this.problem(p.path, `${name} missing`)
    return t
  }

  /** Runs a reader of SAP values; its SapValueError becomes a problem of this field. */
  value<T> (p: Placed, name: string, read: () => T): T | undefined {
    try {
      return read()
    } catch (err) {
      if (!(err instanceof SapValueError)) throw err
      this.problem(p.path, `${name}: ${err.detail}`)
      return undefined
    }
  }

  /** An MES id made from an SAP key; a problem (not a rewrite) when SAP's key does not fit the MES's rule. */
  id (p: Placed, name: string, value: string | undefined, rule: RegExp = MES_ID): string | undefined {
    if (value === undefined) return undefined
    if (value.length > MES_ID_MAX || !rule.test(value)) {
      this.problem(p.path, `${name} '${value}' is not a valid MES id (${rule.source}, at most ${MES_ID_MAX} characters)`)
      return undefined
    }
    return value
  }

  warn (path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`)
  }

  /** Throws the collected problems, if any. */
  check (): void {
    if (this.problems.length > 0) throw new IdocMappingError(this.source, this.problems)
  }
}

/** A segment the mapping does not know, kept whole to be passed on. */
export interface Extension {
  readonly path: string
  readonly segment: IdocSegment
}

/** Segments outside `known`, whole (not descended into), with their paths. */
export function extensionsOf (segments: readonly IdocSegment[], path: string, known: ReadonlySet<string>): Extension[] {
  const out: Extension[] = []
  const walk = (list: readonly IdocSegment[], at: string): void => {
    const count = new Map<string, number>()
    for (const s of list) {
      const n = (count.get(s.name) ?? 0) + 1
      count.set(s.name, n)
      const here = `${at} > ${s.name}[${n}]`
      if (known.has(s.name)) walk(s.segments, here)
      else out.push({ path: here, segment: s })
    }
  }
  walk(segments, path)
  return out
}

/** A decimal field as the MES's number (made from SAP's canonical decimal text); a problem when it is not one. */
export function decimal (r: IdocReading, p: Placed, name: string): number | undefined {
  const text = p.segment.fields[name]
  if (text === undefined) return undefined
  const canonical = r.value(p, name, () => sapDecimal(text))
  return canonical === undefined ? undefined : r.value(p, name, () => decimalNumber(canonical))
}

/** A decimal field that must be above 0. */
export function positive (r: IdocReading, p: Placed, name: string): number | undefined {
  const n = decimal(r, p, name)
  if (n !== undefined && n <= 0) {
    r.problem(p.path, `${name} ${n} is not a quantity above 0`)
    return undefined
  }
  return n
}

/** A date field and its time field in the sender's zone, as ISO 8601 in UTC. */
export function dateTime (r: IdocReading, p: Placed, date: string, time: string, zone: SapTimeZone): string | undefined {
  const d = p.segment.fields[date]
  if (d === undefined) return undefined
  return r.value(p, `${date}/${time}`, () => sapDateTime(d, p.segment.fields[time], zone))
}
