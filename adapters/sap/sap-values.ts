// SAP's external forms of values, as IDoc-XML carries them, read into the hub's forms. Each reader returns
// undefined for SAP's "initial" value (empty, `00000000`, `000000`), and throws SapValueError for text SAP does not
// write; the mappings turn that into a problem naming segment and field.
//
// - ALPHA conversion (conversion exit CONVERSION_EXIT_ALPHA_INPUT/OUTPUT): a purely numeric key is stored
//   right-aligned with leading zeros to the field's length (AUFNR CHAR 12: `000001895938`), shown without them
//   (`1895938`); a key with any other character stays as it is, left-aligned.
// - Dates DATS `YYYYMMDD` and times TIMS `HHMMSS` are local times of the sending system; `240000` is the end of the
//   day (SAP writes it for "until midnight"), i.e. 00:00:00 of the next day.
// - Decimals: `3560.100`, `1.000000000000000E+01` (floating-point fields, FLTP), `5.000-` (SAP's trailing minus
//   sign for negatives), '' for initial. Read with big.js into a canonical decimal string; never a float.
import Big from 'big.js'
import { SapValueError } from './errors'

/** ALPHA input: digits right-aligned with zeros to `length`; anything else as it is. */
export function alphaInput (value: string, length: number): string {
  const v = value.trim()
  if (!/^[0-9]+$/.test(v)) return v
  const digits = v.replace(/^0+(?=.)/, '')
  if (digits.length > length) throw new SapValueError(`'${v}' has more than ${length} digits`)
  return digits.padStart(length, '0')
}

/** ALPHA output: a purely numeric key without its leading zeros (`000001895938` -> `1895938`, all zeros -> ''). */
export function alphaOutput (value: string): string {
  const v = value.trim()
  return /^[0-9]+$/.test(v) ? v.replace(/^0+/, '') : v
}

/** The two forms of a key are the same key (`1895938` and `000001895938`). */
export function sameAlpha (a: string, b: string): boolean {
  return alphaOutput(a) === alphaOutput(b)
}

/**
 * The material number of a segment's fields: MATNR_LONG (40 characters, S/4HANA) when set, else MATNR (18); SAP
 * fills MATNR_LONG and leaves MATNR empty for long numbers. In its ALPHA output form; undefined when neither is set.
 */
export function materialNumber (fields: Readonly<Record<string, string>>): string | undefined {
  const long = alphaOutput(fields.MATNR_LONG ?? '')
  if (long !== '') return long
  const short = alphaOutput(fields.MATNR ?? '')
  return short === '' ? undefined : short
}

/** A UTC offset `Z`, `+01:00` or `-05:30`, in minutes east of UTC. */
export function utcOffsetMinutes (offset: string): number {
  if (offset === 'Z' || offset === '') return 0
  const m = /^([+-])([01][0-9]|2[0-3]):?([0-5][0-9])$/.exec(offset)
  if (m === null) throw new SapValueError(`time zone offset '${offset}' is not of the form +HH:MM`, "use 'Z' or e.g. '+01:00'")
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

export interface SapTimeZone {
  /** The sending system's offset from UTC in minutes (0: its times are UTC); used when `name` is not set. */
  readonly offsetMinutes: number
  /** An IANA time zone ('Europe/Berlin'): the offset is the one in force at each date and time (summer time). */
  readonly name?: string
}

export const UTC: SapTimeZone = { offsetMinutes: 0 }

/** The SAP system's time zone by its IANA name. */
export function ianaZone (name: string): SapTimeZone {
  return { offsetMinutes: 0, name }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>()

/** The offset of an IANA zone at an instant, in minutes east of UTC. */
function offsetAt (name: string, ms: number): number {
  let f = offsetFormats.get(name)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' })
    offsetFormats.set(name, f)
  }
  const text = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? ''
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(text)
  return m === null ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

/** The offset in force at a local time (as milliseconds of a UTC clock showing it): twice, across a change. */
function offsetOfLocal (zone: SapTimeZone, localMs: number): number {
  if (zone.name === undefined) return zone.offsetMinutes
  const first = offsetAt(zone.name, localMs)
  return offsetAt(zone.name, localMs - first * 60_000)
}

/** `YYYYMMDD` -> `YYYY-MM-DD`; undefined for '' or `00000000`. */
export function sapDate (date: string): string | undefined {
  const parts = dateParts(date)
  return parts === undefined ? undefined : `${parts[0]}-${pad(parts[1])}-${pad(parts[2])}`
}

/**
 * `YYYYMMDD` + `HHMMSS` in the sender's time zone -> ISO 8601 in UTC (`2023-12-15T13:58:42Z`); undefined when the
 * date is initial. An initial time is the start of the day; `240000` the end of it (the next day at 00:00:00).
 */
export function sapDateTime (date: string, time: string | undefined, zone: SapTimeZone = UTC): string | undefined {
  const parts = dateParts(date)
  if (parts === undefined) return undefined
  const [y, mo, d] = parts
  const t = (time ?? '').trim()
  let seconds = 0
  if (t !== '' && t !== '000000') {
    const m = /^([0-9]{2})([0-9]{2})([0-9]{2})$/.exec(t)
    if (m === null) throw new SapValueError(`time '${t}' is not HHMMSS`)
    const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3])]
    if (h === 24 && mi === 0 && s === 0) seconds = 86400
    else if (h > 23 || mi > 59 || s > 59) throw new SapValueError(`time '${t}' is not a time of day`)
    else seconds = h * 3600 + mi * 60 + s
  }
  const local = Date.UTC(y, mo - 1, d) + seconds * 1000
  const ms = local - offsetOfLocal(zone, local) * 60_000
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

function dateParts (date: string): [number, number, number] | undefined {
  const v = date.trim()
  if (v === '' || v === '00000000') return undefined
  const m = /^([0-9]{4})([0-9]{2})([0-9]{2})$/.exec(v)
  if (m === null) throw new SapValueError(`date '${v}' is not YYYYMMDD`)
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const check = new Date(Date.UTC(y, mo - 1, d))
  if (mo < 1 || mo > 12 || check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) throw new SapValueError(`date '${v}' is not a calendar date`)
  return [y, mo, d]
}

function pad (n: number): string {
  return String(n).padStart(2, '0')
}

/** SAP's widest decimal type (DEC 31). */
const MAX_DECIMAL_DIGITS = 31

/**
 * A decimal as SAP writes it -> the canonical decimal string (no exponent, no trailing zeros, `-` in front):
 * `200.000` -> `200`, `1.000000000000000E+01` -> `10`, `5.000-` -> `-5`; undefined for an empty field.
 */
export function sapDecimal (text: string): string | undefined {
  let v = text.trim()
  if (v === '') return undefined
  if (v.endsWith('-') && !v.startsWith('-')) v = '-' + v.slice(0, -1).trim()
  // big.js takes `1.5e3` and `+1`, and refuses what is not a number; SAP's `E` exponent is accepted as it is.
  const m = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.exec(v)
  if (m === null) throw new SapValueError(`'${text.trim()}' is not a decimal number`)
  // SAP's widest decimals (DEC 31) fit in 31 digits: a longer mantissa or a larger exponent is no SAP number, and
  // big.js would write out every digit of `1E+999999999` (seconds of a blocked event loop, then out of memory).
  const exponent = m[2] === undefined ? 0 : Number(m[2].slice(1))
  if (m[1]!.replace('.', '').length > MAX_DECIMAL_DIGITS || Math.abs(exponent) > MAX_DECIMAL_DIGITS) {
    throw new SapValueError(`'${text.trim().slice(0, 60)}' has more digits or a larger exponent than an SAP decimal (${MAX_DECIMAL_DIGITS} digits)`)
  }
  const s = new Big(v).toFixed()
  return s === '-0' ? '0' : s
}

/** The number for the MES, made from the canonical decimal string at the boundary only. */
export function decimalNumber (canonical: string): number {
  const n = Number(canonical)
  if (!Number.isFinite(n)) throw new SapValueError(`'${canonical}' is out of range for a number`)
  return n
}
