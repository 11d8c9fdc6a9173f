// Sparkplug B payload encoder: SparkplugPayload -> protobuf bytes, with the wire conventions of ./decode.ts.

import { MAX_SAFE_BIG, PayloadType, kindOf, metricPath, type Raw } from './wire'
import { DataType, describeDataType, dataTypeName, integerRange, isArrayType, isBasicType, isDataType } from './datatypes'
import { packArray } from './arrays'
import { SparkplugValueError } from './errors'
import type { DataSet, MetaData, PropertySet, PropertyValue, SparkplugMetric, SparkplugPayload, Template } from './types'

export interface EncodeOptions {
  /** Encode values with each top-level metric's datatype but leave the datatype field out (DATA and CMD messages). */
  omitDatatype?: boolean
}

// Encode

/** Encodes a payload. Throws SparkplugValueError, naming the metric and datatype, on a value that does not fit. */
export function encodePayload (p: SparkplugPayload, options?: EncodeOptions): Uint8Array {
  const raw: Raw = {}
  if (p.timestamp !== undefined) raw.timestamp = u64(p.timestamp, 'payload timestamp')
  const metrics = p.metrics ?? []
  const omit = options?.omitDatatype === true
  raw.metrics = metrics.map((m, i) => encodeMetric(m, i, undefined, omit))
  if (p.seq !== undefined) raw.seq = u64(p.seq, 'payload seq')
  if (p.uuid !== undefined) raw.uuid = p.uuid
  if (p.body !== undefined) raw.body = p.body
  return PayloadType.encode(raw).finish()
}

/** A uint64 for protobufjs' Writer: a number when safe, else a Long-like {low, high}. */
function u64 (v: unknown, where: string): number | { low: number, high: number, unsigned: boolean } {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v
  } else if (typeof v === 'bigint') {
    if (v >= 0n && v <= 0xffffffffffffffffn) {
      if (v <= MAX_SAFE_BIG) return Number(v)
      return { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true }
    }
  }
  throw new SparkplugValueError(`${describe(v)} is not an unsigned 64-bit integer`, where)
}

function encodeMetric (m: SparkplugMetric, i: number, parent: string | undefined, omitDatatype: boolean): Raw {
  const where = (): string => metricPath(parent, kindOf(parent), i, m)
  const raw: Raw = {}
  if (m.name !== undefined) raw.name = m.name
  if (m.alias !== undefined) raw.alias = u64(m.alias, where() + ' alias')
  if (m.timestamp !== undefined) raw.timestamp = u64(m.timestamp, where() + ' timestamp')
  const type = m.datatype
  if (type !== undefined && !omitDatatype) raw.datatype = type
  if (m.isHistorical !== undefined) raw.isHistorical = m.isHistorical
  if (m.isTransient !== undefined) raw.isTransient = m.isTransient
  if (m.metadata !== undefined) raw.metadata = encodeMetaData(m.metadata, where)
  if (m.properties !== undefined) raw.properties = encodePropertySet(m.properties, where() + ' > properties')
  if (m.isNull === true || m.value === null) {
    raw.isNull = true
    return raw
  }
  if (m.isNull !== undefined) raw.isNull = m.isNull
  if (m.value === undefined) return raw
  if (type === undefined) throw new SparkplugValueError('a datatype is needed to encode the value', where())
  if (!isDataType(type)) throw new SparkplugValueError(`datatype ${type} is not a Sparkplug B datatype`, where())
  const v = m.value
  switch (type) {
    case DataType.Bytes: case DataType.File:
      if (!(v instanceof Uint8Array)) throw valueError(type, v, 'is not a Buffer', where())
      raw.bytesValue = v
      break
    case DataType.DataSet:
      raw.datasetValue = encodeDataSet(v as DataSet, where() + ' > dataset')
      break
    case DataType.Template:
      raw.templateValue = encodeTemplate(v as Template, where())
      break
    case DataType.PropertySet: case DataType.PropertySetList: case DataType.Unknown:
      throw new SparkplugValueError(`datatype ${describeDataType(type)} is not allowed for a metric value`, where())
    default:
      if (isArrayType(type)) raw.bytesValue = packArray(type, v, where())
      else setScalar(raw, type, v, where())
  }
  return raw
}

/** Sets the protobuf value field for a basic-type value, checking it fits the datatype. */
function setScalar (raw: Raw, type: DataType, v: unknown, where: string): void {
  switch (type) {
    case DataType.Int8: case DataType.Int16: case DataType.Int32:
    case DataType.UInt8: case DataType.UInt16: case DataType.UInt32: {
      const [lo, hi] = integerRange(type)!
      if (typeof v !== 'number' || !Number.isInteger(v)) throw valueError(type, v, 'is not an integer number', where)
      if (v < lo || v > hi) throw valueError(type, v, `is out of range ${lo}..${hi}`, where)
      raw.intValue = v >>> 0
      return
    }
    case DataType.Int64: {
      const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined
      if (b === undefined) throw valueError(type, v, 'is not a bigint or safe integer number', where)
      if (b < -(1n << 63n) || b >= (1n << 63n)) throw valueError(type, v, 'is out of the Int64 range', where)
      raw.longValue = u64(BigInt.asUintN(64, b), where)
      return
    }
    case DataType.UInt64: case DataType.DateTime: {
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v))) {
        throw valueError(type, v, 'is not a bigint or safe integer number', where)
      }
      if (v < 0 || v > 0xffffffffffffffffn) throw valueError(type, v, 'is out of range 0..18446744073709551615', where)
      raw.longValue = u64(v, where)
      return
    }
    case DataType.Float: case DataType.Double:
      if (typeof v !== 'number') throw valueError(type, v, 'is not a number', where)
      if (type === DataType.Float) raw.floatValue = v
      else raw.doubleValue = v
      return
    case DataType.Boolean:
      if (typeof v !== 'boolean') throw valueError(type, v, 'is not a boolean', where)
      raw.booleanValue = v
      return
    case DataType.String: case DataType.Text: case DataType.UUID:
      if (typeof v !== 'string') throw valueError(type, v, 'is not a string', where)
      raw.stringValue = v
      return
    default:
      throw new SparkplugValueError(`datatype ${describeDataType(type)} is not a basic type`, where)
  }
}

function valueError (type: number, v: unknown, why: string, where: string): SparkplugValueError {
  return new SparkplugValueError(`${dataTypeName(type)} value ${describe(v)} ${why}`, where)
}

function describe (v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (v instanceof Uint8Array) return `bytes(${v.length})`
  if (Array.isArray(v)) return `array(${v.length})`
  if (typeof v === 'number') return String(v)
  return v === null ? 'null' : typeof v
}

function encodeMetaData (md: MetaData, where: () => string): Raw {
  const raw: Raw = {}
  if (md.isMultiPart !== undefined) raw.isMultiPart = md.isMultiPart
  if (md.contentType !== undefined) raw.contentType = md.contentType
  if (md.size !== undefined) raw.size = u64(md.size, where() + ' metadata size')
  if (md.seq !== undefined) raw.seq = u64(md.seq, where() + ' metadata seq')
  if (md.fileName !== undefined) raw.fileName = md.fileName
  if (md.fileType !== undefined) raw.fileType = md.fileType
  if (md.md5 !== undefined) raw.md5 = md.md5
  if (md.description !== undefined) raw.description = md.description
  return raw
}

function encodePropertySet (ps: PropertySet, where: string): Raw {
  if (ps === null || typeof ps !== 'object') throw new SparkplugValueError(`PropertySet ${describe(ps)} is not an object`, where)
  const keys = Object.keys(ps)
  return { keys, values: keys.map((k) => encodePropertyValue(ps[k]!, `${where} '${k}'`)) }
}

function encodePropertyValue (pv: PropertyValue, where: string): Raw {
  if (pv === null || typeof pv !== 'object' || !isDataType(pv.type)) {
    throw new SparkplugValueError('a property value must be { type: DataType, value }', where)
  }
  const type = pv.type
  const raw: Raw = { type }
  if (pv.value === null || pv.value === undefined) {
    raw.isNull = true
    return raw
  }
  if (type === DataType.PropertySet) {
    raw.propertysetValue = encodePropertySet(pv.value as PropertySet, where + ' >')
  } else if (type === DataType.PropertySetList) {
    if (!Array.isArray(pv.value)) throw valueError(type, pv.value, 'is not an array of PropertySets', where)
    raw.propertysetsValue = { propertyset: pv.value.map((ps, j) => encodePropertySet(ps as PropertySet, `${where} [${j}] >`)) }
  } else if (isBasicType(type)) {
    setScalar(raw, type, pv.value, where)
  } else {
    throw new SparkplugValueError(`datatype ${describeDataType(type)} is not allowed for a property value`, where)
  }
  return raw
}

function encodeDataSet (ds: DataSet, where: string): Raw {
  if (ds === null || typeof ds !== 'object' || !Array.isArray(ds.columns) || !Array.isArray(ds.types) || !Array.isArray(ds.rows)) {
    throw new SparkplugValueError('a DataSet must be { columns: string[], types: DataType[], rows: cell[][] }', where)
  }
  const { columns, types } = ds
  if (columns.length !== types.length) {
    throw new SparkplugValueError(`${columns.length} column names but ${types.length} column types`, where)
  }
  types.forEach((t, c) => {
    if (!isBasicType(t)) throw new SparkplugValueError(`column ${c} '${columns[c]}' has datatype ${describeDataType(t)}, not a basic type`, where)
  })
  const rows = ds.rows.map((row, r) => {
    if (!Array.isArray(row) || row.length !== types.length) {
      throw new SparkplugValueError(`row ${r} must have ${types.length} cells`, where)
    }
    return {
      elements: row.map((cell, c) => {
        const e: Raw = {}
        if (cell !== null && cell !== undefined) setScalar(e, types[c]!, cell, `${where} row ${r} column ${c} '${columns[c]}'`)
        return e
      })
    }
  })
  return { numOfColumns: types.length, columns, types, rows }
}

function encodeTemplate (t: Template, where: string): Raw {
  if (t === null || typeof t !== 'object') throw new SparkplugValueError(`Template ${describe(t)} is not an object`, where)
  const raw: Raw = {}
  if (t.version !== undefined) raw.version = t.version
  raw.metrics = (t.metrics ?? []).map((m, i) => encodeMetric(m, i, where, false))
  raw.parameters = (t.parameters ?? []).map((p, i) => {
    const at = `${where} > template parameter ${i} '${p.name}'`
    if (!isBasicType(p.type)) throw new SparkplugValueError(`parameter datatype ${describeDataType(p.type)} is not a basic type`, at)
    const e: Raw = { name: p.name, type: p.type }
    if (p.value !== null && p.value !== undefined) setScalar(e, p.type, p.value, at)
    return e
  })
  if (t.templateRef !== undefined) raw.templateRef = t.templateRef
  if (t.isDefinition !== undefined) raw.isDefinition = t.isDefinition
  return raw
}
