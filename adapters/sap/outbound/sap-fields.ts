// Values as SAP's fields take them, for what the hub sends: quantities as decimal text (DDIC QUAN 13,3: at most
// ten integer digits and three decimals, never a float's artefact such as 0.30000000000000004), ALPHA numbers
// with leading zeros (AUFNR CHAR 12, MATNR CHAR 18 when numeric), DATS `YYYYMMDD` and TIMS `HHMMSS` in the plant's
// time zone, and OData v2's `/Date(ms)/` and `PT..H..M..S`. A value that does not fit is an error naming the field,
// never cut short silently: a truncated order number would post to another order.
import Big from 'big.js'
import { alphaInput } from '../sap-values'
import { HubError } from '../../../core/errors'

/** A value the hub would send that SAP's field cannot hold; nothing was sent. */
export class SapFieldError extends HubError {
  constructor (source: string, field: string, message: string, hint?: string) {
    super('SAP_FIELD_INVALID', message, { source, path: field }, hint)
  }
}

/** A quantity as DDIC QUAN text: rounded half-up to `scale` decimals, no trailing zeros, no exponent. */
export function sapQuantity (value: number | string, source: string, field: string,
  opts: { precision?: number, scale?: number } = {}): string {
  const precision = opts.precision ?? 13
  const scale = opts.scale ?? 3
  let b: Big
  try {
    b = new Big(value)
  } catch {
    throw new SapFieldError(source, field, `${String(value)} is not a number`)
  }
  if (b.lt(0)) throw new SapFieldError(source, field, `${b.toFixed()} is negative; SAP quantities are unsigned`)
  // round(dp, 1) is ROUND_HALF_UP, as SAP rounds packed numbers.
  const r = b.round(scale, 1)
  const integerDigits = r.toFixed(0).replace(/^0$/, '').length
  if (integerDigits > precision - scale) {
    throw new SapFieldError(source, field, `${r.toFixed()} has ${integerDigits} integer digits; the field holds ${precision - scale}`)
  }
  return r.toFixed()
}

/** True when the quantity text is zero ('0', '0.000'). */
export function isZero (quantity: string): boolean {
  return new Big(quantity).eq(0)
}

/** ALPHA conversion (sap-values.ts alphaInput) of a field that must be set: an error names the field. */
export function alpha (value: string, length: number, source: string, field: string): string {
  const v = value.trim()
  if (v === '') throw new SapFieldError(source, field, 'is empty')
  let internal: string
  try {
    internal = alphaInput(v, length)
  } catch (err) {
    throw new SapFieldError(source, field, (err as Error).message)
  }
  if (internal.length > length) throw new SapFieldError(source, field, `'${v}' is longer than ${length} characters`)
  return internal
}

/** A NUMC field: digits only, left-padded with zeros (VORNR '10' -> '0010'). */
export function numc (value: number | string, length: number, source: string, field: string): string {
  const v = String(value).trim()
  if (!/^\d+$/.test(v)) throw new SapFieldError(source, field, `'${v}' is not a whole number`)
  const padded = v.replace(/^0+(?=\d)/, '').padStart(length, '0')
  if (padded.length > length) throw new SapFieldError(source, field, `'${v}' has more than ${length} digits`)
  return padded
}

/** A CHAR field that must fit as it is (an id, a code): an error when it is too long or empty but required. */
export function char (value: string, length: number, source: string, field: string): string {
  if (value.length > length) {
    throw new SapFieldError(source, field, `'${value}' is longer than ${length} characters`)
  }
  return value
}

export interface SapDateTime {
  /** DATS: YYYYMMDD */
  date: string
  /** TIMS: HHMMSS (00..23; never SAP's 240000, which only comes in) */
  time: string
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** An instant (ISO-8601) as SAP's date and time in a time zone (IANA name, e.g. 'Europe/Berlin'). */
export function toSapDateTime (iso: string, timeZone: string, source: string, field: string): SapDateTime {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) throw new SapFieldError(source, field, `'${iso}' is not an ISO-8601 time`)
  let f = formatters.get(timeZone)
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-CA', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'
      })
    } catch {
      throw new SapFieldError(source, 'timeZone', `'${timeZone}' is not a time zone`, 'use an IANA name such as Europe/Berlin')
    }
    formatters.set(timeZone, f)
  }
  const p: Record<string, string> = {}
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value
  return { date: `${p.year}${p.month}${p.day}`, time: `${p.hour}${p.minute}${p.second}` }
}

/** OData v2 Edm.DateTime of a calendar date (midnight UTC of that date, as SAP Gateway writes dates). */
export function odataDate (dats: string): string {
  const ms = Date.UTC(Number(dats.slice(0, 4)), Number(dats.slice(4, 6)) - 1, Number(dats.slice(6, 8)))
  return `/Date(${ms})/`
}

/** OData v2 Edm.Time (an xsd:duration) of a TIMS value: '143005' -> 'PT14H30M05S'. */
export function odataTime (tims: string): string {
  return `PT${tims.slice(0, 2)}H${tims.slice(2, 4)}M${tims.slice(4, 6)}S`
}

/** The MES's unit as SAP's internal code (T006-MSEHI): sap-adapter.ts passes units.ts's conversion when the MES keeps ISO codes. */
export type SapUnitOf = (unit: string) => string

/** The unit as it is (the MES keeps SAP's internal codes). */
export const unitAsGiven: SapUnitOf = (unit) => unit
