// An OPC UA DataValue as the namespace carries it: the hub's JSON convention for values (the same as for Sparkplug
// metrics: 64-bit integers as decimal strings, DateTime as ms since the epoch, ByteString as base64, NaN and the
// infinities as strings), the OPC UA datatype's name, and the quality from the StatusCode's severity.
import { DataType, StatusCodes, VariantArrayType, type DataValue, type StatusCode, type Variant } from 'node-opcua'
import type { Quality } from '../../../plant/uns-payload'

export interface CollectedValue {
  readonly value: unknown
  /** The OPC UA DataType's name ('Double', 'Int64', ...); arrays end in 'Array' ('DoubleArray'), as Sparkplug's do. */
  readonly datatype: string
  readonly quality: Quality
  /** UTC ms: the source timestamp, else the server's, else now. */
  readonly timestamp: number
}

export function collectedValue (dv: DataValue, now = Date.now()): CollectedValue {
  const v = dv.value
  const scalar = v.arrayType === VariantArrayType.Scalar || v.arrayType === undefined
  const name = DataType[v.dataType] ?? 'Variant'
  return {
    value: scalar ? toJson(v.dataType, v.value) : arrayToJson(v),
    datatype: scalar ? name : `${name}Array`,
    quality: qualityOf(dv.statusCode),
    timestamp: plausible(dv.sourceTimestamp) ?? plausible(dv.serverTimestamp) ?? now
  }
}

// A server without a clock sends 1601-01-01 (OPC UA's zero) or nothing; the namespace takes ms since 1973 only.
const MIN_PLAUSIBLE_MS = 100_000_000_000

function plausible (d: Date | null | undefined): number | undefined {
  const ms = d?.getTime()
  return ms !== undefined && ms >= MIN_PLAUSIBLE_MS ? ms : undefined
}

/** Good -> GOOD, Uncertain -> UNCERTAIN, Bad -> BAD (the two top bits of the code are its severity). */
export function qualityOf (status: StatusCode | undefined): Quality {
  if (status === undefined || status === StatusCodes.Good) return 'GOOD'
  const severity = status.value >>> 30
  return severity === 0 ? 'GOOD' : severity === 1 ? 'UNCERTAIN' : 'BAD'
}

function arrayToJson (v: Variant): unknown {
  // Typed arrays (Float64Array, ...) and plain arrays alike.
  const items = v.value as ArrayLike<unknown>
  const out = new Array<unknown>(items.length)
  for (let i = 0; i < items.length; i++) out[i] = toJson(v.dataType, items[i])
  return out
}

function toJson (type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (type) {
    case DataType.Int64: return int64ToText(value as number[], true)
    case DataType.UInt64: return int64ToText(value as number[], false)
    case DataType.Float:
    case DataType.Double: return Number.isFinite(value) ? value : String(value)
    case DataType.DateTime: return (value as Date).getTime()
    case DataType.ByteString: return (value as Buffer).toString('base64')
    case DataType.Boolean:
    case DataType.String:
    case DataType.SByte:
    case DataType.Byte:
    case DataType.Int16:
    case DataType.UInt16:
    case DataType.Int32:
    case DataType.UInt32: return value
    case DataType.LocalizedText: return (value as { text?: string | null }).text ?? null
    case DataType.QualifiedName: return (value as { name?: string | null }).name ?? null
    default: return typeof value === 'object' && 'toString' in value ? String(value) : value
  }
}

/** node-opcua carries 64-bit integers as [high, low] 32-bit words. */
function int64ToText (words: number[], signed: boolean): string {
  const [high, low] = Array.isArray(words) ? words : [0, Number(words)]
  const n = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)
  return (signed ? BigInt.asIntN(64, n) : n).toString()
}
