// Sparkplug B array datatypes (22..34): values packed little-endian into the metric's bytes_value (specification
// 3.0.0, chapter 6 "Array Types").
//
// Layouts implemented (from the normative text; several worked examples in the specification are wrong, see below):
//   Int8Array..UInt64Array, FloatArray, DoubleArray, DateTimeArray: each element little-endian, 1/2/4/8 bytes wide
//     (DateTime: 8-byte unsigned ms since epoch).
//   BooleanArray: 4-byte little-endian element count, then the bits, most significant bit first in each byte
//     (the example [F,F,T,T,F,T,F,F,T,T,F,T] -> 0C 00 00 00 34 Dx); unused trailing bits are written as 0.
//   StringArray: each string UTF-8 encoded and terminated by a 0x00 byte.
// Known errata in the specification's examples, which this codec does NOT follow: Int8Array [-23, 123] is shown as
// EF 7B (-23 is E9); FloatArray and DoubleArray examples are big-endian; the DateTimeArray example has 6 bytes per
// element instead of 8. The tests pin the normative layouts, including the correct bytes for those examples.

import { DataType, dataTypeName, integerRange } from './datatypes'
import { SparkplugDecodeError, SparkplugLimitError, SparkplugValueError } from './errors'
import type { ArrayValue } from './types'

const WIDTH: Partial<Record<DataType, number>> = {
  [DataType.Int8Array]: 1,
  [DataType.UInt8Array]: 1,
  [DataType.Int16Array]: 2,
  [DataType.UInt16Array]: 2,
  [DataType.Int32Array]: 4,
  [DataType.UInt32Array]: 4,
  [DataType.FloatArray]: 4,
  [DataType.Int64Array]: 8,
  [DataType.UInt64Array]: 8,
  [DataType.DoubleArray]: 8,
  [DataType.DateTimeArray]: 8
}

const U64_MAX = (1n << 64n) - 1n
const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n

/**
 * The number of elements bytes_value holds, without unpacking it (so that a limit is checked before the array is
 * built): BooleanArray's count header, StringArray's terminators, else bytes / element width.
 */
export function arrayLength (type: DataType, bytes: Buffer): number {
  if (type === DataType.BooleanArray) return bytes.length < 4 ? 0 : bytes.readUInt32LE(0)
  if (type === DataType.StringArray) {
    let n = 0
    for (let i = bytes.indexOf(0); i !== -1; i = bytes.indexOf(0, i + 1)) n++
    return n
  }
  const width = WIDTH[type]
  return width === undefined ? 0 : Math.floor(bytes.length / width)
}

/**
 * Unpacks bytes_value of an array datatype. Throws SparkplugDecodeError (with `path`) on a malformed length, and
 * SparkplugLimitError when it holds more than `maxLength` elements.
 */
export function unpackArray (type: DataType, bytes: Buffer, path?: string, maxLength = Infinity): ArrayValue {
  const name = dataTypeName(type)
  if (maxLength !== Infinity) {
    const n = arrayLength(type, bytes)
    if (n > maxLength) {
      throw new SparkplugLimitError(`${name} of ${n} elements is over the limit of ${maxLength} (sparkplug.maxArrayLength)`, path)
    }
  }
  if (type === DataType.BooleanArray) {
    if (bytes.length < 4) throw new SparkplugDecodeError(`${name}: bytes_value has ${bytes.length} bytes, needs a 4-byte count`, path)
    const count = bytes.readUInt32LE(0)
    const needed = Math.ceil(count / 8)
    if (bytes.length - 4 !== needed) {
      throw new SparkplugDecodeError(`${name}: count ${count} needs ${needed} bytes of bits, bytes_value has ${bytes.length - 4}`, path)
    }
    const out = new Array<boolean>(count)
    for (let i = 0; i < count; i++) out[i] = (bytes[4 + (i >>> 3)]! & (0x80 >>> (i & 7))) !== 0
    return out
  }
  if (type === DataType.StringArray) {
    const out: string[] = []
    if (bytes.length === 0) return out
    if (bytes[bytes.length - 1] !== 0) throw new SparkplugDecodeError(`${name}: bytes_value does not end with a 0x00 terminator`, path)
    let start = 0
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        out.push(bytes.toString('utf8', start, i))
        start = i + 1
      }
    }
    return out
  }
  const width = WIDTH[type]
  if (width === undefined) throw new SparkplugDecodeError(`datatype ${type} (${name}) is not an array datatype`, path)
  if (bytes.length % width !== 0) {
    throw new SparkplugDecodeError(`${name}: bytes_value has ${bytes.length} bytes, not a multiple of ${width}`, path)
  }
  const n = bytes.length / width
  switch (type) {
    case DataType.Int8Array: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readInt8(i); return o }
    case DataType.UInt8Array: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes[i]!; return o }
    case DataType.Int16Array: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readInt16LE(i * 2); return o }
    case DataType.UInt16Array: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readUInt16LE(i * 2); return o }
    case DataType.Int32Array: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readInt32LE(i * 4); return o }
    case DataType.UInt32Array: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readUInt32LE(i * 4); return o }
    case DataType.FloatArray: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readFloatLE(i * 4); return o }
    case DataType.DoubleArray: { const o = new Array<number>(n); for (let i = 0; i < n; i++) o[i] = bytes.readDoubleLE(i * 8); return o }
    case DataType.Int64Array: { const o = new Array<bigint>(n); for (let i = 0; i < n; i++) o[i] = bytes.readBigInt64LE(i * 8); return o }
    default: { const o = new Array<bigint>(n); for (let i = 0; i < n; i++) o[i] = bytes.readBigUInt64LE(i * 8); return o } // UInt64Array, DateTimeArray
  }
}

/** Packs an array value into bytes_value. Throws SparkplugValueError (with `path`) on an element that does not fit. */
export function packArray (type: DataType, value: unknown, path?: string): Buffer {
  const name = dataTypeName(type)
  if (!Array.isArray(value)) throw new SparkplugValueError(`${name} value must be an array, got ${describe(value)}`, path)
  const bad = (i: number, why: string): never => {
    throw new SparkplugValueError(`${name} element ${i}: ${describe(value[i])} ${why}`, path)
  }
  if (type === DataType.BooleanArray) {
    const out = Buffer.alloc(4 + Math.ceil(value.length / 8))
    out.writeUInt32LE(value.length, 0)
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (typeof v !== 'boolean') bad(i, 'is not a boolean')
      if (v === true) out[4 + (i >>> 3)]! |= 0x80 >>> (i & 7)
    }
    return out
  }
  if (type === DataType.StringArray) {
    const parts: Buffer[] = []
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (typeof v !== 'string') bad(i, 'is not a string')
      if ((v as string).includes('\0')) bad(i, 'contains a NUL character, which terminates StringArray elements')
      parts.push(Buffer.from(v as string, 'utf8'), ZERO)
    }
    return Buffer.concat(parts)
  }
  const width = WIDTH[type]
  if (width === undefined) throw new SparkplugValueError(`datatype ${type} (${name}) is not an array datatype`, path)
  const out = Buffer.allocUnsafe(value.length * width)
  const range = integerRange(type)
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i]
    const at = i * width
    if (range !== undefined) {
      if (typeof v !== 'number' || !Number.isInteger(v)) bad(i, 'is not an integer number')
      if ((v as number) < range[0] || (v as number) > range[1]) bad(i, `is out of range ${range[0]}..${range[1]}`)
    }
    switch (type) {
      case DataType.Int8Array: out.writeInt8(v as number, at); break
      case DataType.UInt8Array: out[at] = v as number; break
      case DataType.Int16Array: out.writeInt16LE(v as number, at); break
      case DataType.UInt16Array: out.writeUInt16LE(v as number, at); break
      case DataType.Int32Array: out.writeInt32LE(v as number, at); break
      case DataType.UInt32Array: out.writeUInt32LE(v as number, at); break
      case DataType.FloatArray:
      case DataType.DoubleArray:
        if (typeof v !== 'number') bad(i, 'is not a number')
        if (type === DataType.FloatArray) out.writeFloatLE(v as number, at)
        else out.writeDoubleLE(v as number, at)
        break
      default: { // Int64Array, UInt64Array, DateTimeArray
        const b = toBigIntElement(v)
        if (b === undefined) bad(i, 'is not a bigint or a safe integer number')
        if (type === DataType.Int64Array) {
          if (b! < I64_MIN || b! > I64_MAX) bad(i, `is out of range ${I64_MIN}..${I64_MAX}`)
          out.writeBigInt64LE(b!, at)
        } else {
          if (b! < 0n || b! > U64_MAX) bad(i, `is out of range 0..${U64_MAX}`)
          out.writeBigUInt64LE(b!, at)
        }
      }
    }
  }
  return out
}

const ZERO = Buffer.from([0])

function toBigIntElement (v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  return undefined
}

function describe (v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`
  if (Array.isArray(v)) return `array(${v.length})`
  if (typeof v === 'number') return String(v)
  return v === null ? 'null' : typeof v
}
