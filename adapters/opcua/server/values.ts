// How a namespace entry looks in OPC UA: the DataType and ValueRank of its variable (from the source's datatype
// name), its value as a Variant, its quality as a StatusCode; and the way back, a written Variant as the JSON value
// of a command. The hub's JSON convention (sparkplug/json.ts): 64-bit integers as decimal strings, DateTime as epoch
// milliseconds, Bytes as base64.
import { DataType, StatusCodes, Variant, VariantArrayType, type StatusCode } from 'node-opcua'
import type { Quality } from '../../../plant/uns-payload'

export interface VariableType {
  readonly dataType: DataType
  /** -1 scalar, 1 one-dimensional array. */
  readonly valueRank: -1 | 1
}

const SCALARS: Readonly<Record<string, DataType>> = {
  Int8: DataType.SByte,
  Int16: DataType.Int16,
  Int32: DataType.Int32,
  Int64: DataType.Int64,
  UInt8: DataType.Byte,
  UInt16: DataType.UInt16,
  UInt32: DataType.UInt32,
  UInt64: DataType.UInt64,
  Float: DataType.Float,
  Double: DataType.Double,
  Boolean: DataType.Boolean,
  String: DataType.String,
  Text: DataType.String,
  UUID: DataType.String,
  DateTime: DataType.DateTime,
  Bytes: DataType.ByteString,
  File: DataType.ByteString
}

/**
 * The variable's type for a source datatype. What has no OPC UA equivalent takes its type from the value: JSON
 * published by a flow or the MES as Double, Boolean or String, anything else (an object, a DataSet, a Template) as
 * its JSON text.
 */
export function variableTypeOf (datatype: string, value: unknown): VariableType {
  const scalar = SCALARS[datatype]
  if (scalar !== undefined) return { dataType: scalar, valueRank: -1 }
  if (datatype.endsWith('Array')) {
    const element = SCALARS[datatype.slice(0, -'Array'.length)]
    if (element !== undefined) return { dataType: element, valueRank: 1 }
  }
  switch (typeof value) {
    case 'number': return { dataType: DataType.Double, valueRank: -1 }
    case 'boolean': return { dataType: DataType.Boolean, valueRank: -1 }
    default: return { dataType: DataType.String, valueRank: -1 }
  }
}

/** Whether a datatype has an OPC UA type of its own (and so can be written back as that type). */
export function typedDatatype (datatype: string): boolean {
  return SCALARS[datatype] !== undefined || (datatype.endsWith('Array') && SCALARS[datatype.slice(0, -'Array'.length)] !== undefined)
}

export function sameType (a: VariableType, b: VariableType): boolean {
  return a.dataType === b.dataType && a.valueRank === b.valueRank
}

export function statusCodeOf (quality: Quality): StatusCode {
  switch (quality) {
    case 'GOOD': return StatusCodes.Good
    case 'STALE': return StatusCodes.UncertainLastUsableValue
    case 'UNCERTAIN': return StatusCodes.Uncertain
    default: return StatusCodes.Bad
  }
}

/** A JSON value of the hub as a Variant of the variable's type (a null value: an empty Variant). */
export function toVariant (type: VariableType, value: unknown): Variant {
  if (value === null || value === undefined) return new Variant({ dataType: DataType.Null })
  if (type.valueRank === 1) {
    const items = Array.isArray(value) ? value : []
    return new Variant({ dataType: type.dataType, arrayType: VariantArrayType.Array, value: items.map((v) => scalar(type.dataType, v)) })
  }
  // node-opcua cannot tell a 64-bit scalar ([high, low]) from an array without being told.
  return new Variant({ dataType: type.dataType, arrayType: VariantArrayType.Scalar, value: scalar(type.dataType, value) })
}

function scalar (dataType: DataType, v: unknown): unknown {
  switch (dataType) {
    case DataType.Int64: return int64Parts(BigInt.asUintN(64, BigInt(v as string | number)))
    case DataType.UInt64: return int64Parts(BigInt.asUintN(64, BigInt(v as string | number)))
    case DataType.DateTime: return new Date(typeof v === 'number' ? v : Number(v))
    case DataType.ByteString: return typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0)
    case DataType.String: return typeof v === 'string' ? v : JSON.stringify(v)
    // A JSON value of another type than the variable's first one (a flow's choice) reads as Null, not as a lie.
    case DataType.Double: return typeof v === 'number' ? v : null
    case DataType.Boolean: return typeof v === 'boolean' ? v : null
    default: return v
  }
}

/** node-opcua's form of a 64-bit integer: [high 32 bits, low 32 bits]. */
function int64Parts (u: bigint): [number, number] {
  return [Number(u >> 32n), Number(u & 0xffffffffn)]
}

/** A written Variant as the JSON value of a command (the inverse of toVariant). */
export function fromVariant (type: VariableType, variant: Variant): unknown {
  if (type.valueRank === 1) return Array.from(variant.value as ArrayLike<unknown>, (v) => fromScalar(type.dataType, v))
  return fromScalar(type.dataType, variant.value)
}

function fromScalar (dataType: DataType, v: unknown): unknown {
  switch (dataType) {
    case DataType.Int64: {
      const [hi, lo] = v as [number, number]
      return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString()
    }
    case DataType.UInt64: {
      const [hi, lo] = v as [number, number]
      return ((BigInt(hi) << 32n) | BigInt(lo)).toString()
    }
    case DataType.DateTime: return (v as Date).getTime()
    case DataType.ByteString: return (v as Buffer).toString('base64')
    default: return v
  }
}
