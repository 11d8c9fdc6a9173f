// JSON form of Sparkplug values, as the UNS JSON carries them, and its type-checked inverse (used to validate NCMD/DCMD
// writes before they are encoded).
//
// Conventions:
//   Int8..Int32, UInt8..UInt32       JSON number
//   Float, Double                    JSON number; NaN, Infinity, -Infinity as the strings "NaN", "Infinity", "-Infinity"
//   Int64, UInt64                    decimal string, always ("-9223372036854775808"), never a number
//   DateTime                         ms since epoch as a number when ≤ 2^53-1, else a decimal string; fromJsonValue
//                                    also takes an ISO-8601 string ("2024-05-01T12:00:00Z")
//   Boolean / String, Text, UUID     JSON boolean / string (fromJsonValue checks the UUID form)
//   Bytes, File                      base64 string (a File's name and type stay in the metric's metadata)
//   arrays                           JSON arrays of the element convention (Int64Array: decimal strings, ...)
//   DataSet                          { columns: string[], types: ["Int32", ...], rows: [[cell, ...], ...] }
//   Template                         { version?, templateRef?, isDefinition?, metrics: [JSON metric], parameters:
//                                      [{ name, type: "Int32", value }] }
//   PropertySet / PropertySetList    { key: { type: "String", value } } / [PropertySet, ...]
//   null (is_null)                   null
// Without a datatype (raw values of an untyped DATA metric): bigint → decimal string, Buffer → base64.

import {
  DataType, bigIntRange, dataTypeName, describeDataType, integerRange, isArrayType, isBasicType, parseDataType
} from './datatypes'
import { SparkplugValueError } from './errors'
import type {
  DataSet, DataSetCell, MetaData, MetricValue, PropertySet, PropertyValue, PropertyValueValue, ScalarValue,
  SparkplugMetric, Template, TemplateParameter, U64
} from './types'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER)
const FLOAT_MAX = 3.4028234663852886e38
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const INTEGER_RE = /^-?\d+$/

// ---------------------------------------------------------------------------------------------------------------
// To JSON

/** The JSON form of a metric's value (see the conventions above). */
export function toJsonValue (metric: Pick<SparkplugMetric, 'datatype' | 'value' | 'isNull'>): JsonValue {
  if (metric.isNull === true) return null
  return valueToJson(metric.datatype, metric.value)
}

/** The JSON form of a value of the given datatype (undefined: a raw, untyped value). */
export function valueToJson (datatype: DataType | undefined, value: MetricValue | PropertyValueValue): JsonValue {
  if (value === null || value === undefined) return null
  switch (datatype) {
    case DataType.DateTime: return dateTimeToJson(value as bigint)
    case DataType.DataSet: return dataSetToJson(value as DataSet)
    case DataType.Template: return templateToJson(value as Template)
    case DataType.PropertySet: return propertySetToJson(value as PropertySet)
    case DataType.PropertySetList: return (value as PropertySet[]).map(propertySetToJson)
    case DataType.DateTimeArray: return (value as bigint[]).map(dateTimeToJson)
    default: return plainToJson(value)
  }
}

/** A metric as JSON: 64-bit header fields as numbers when safe, else decimal strings; datatype by name. */
export function toJsonMetric (m: SparkplugMetric): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {}
  if (m.name !== undefined) out.name = m.name
  if (m.alias !== undefined) out.alias = u64ToJson(m.alias)
  if (m.timestamp !== undefined) out.timestamp = u64ToJson(m.timestamp)
  if (m.datatype !== undefined) out.datatype = dataTypeName(m.datatype)
  if (m.isHistorical !== undefined) out.isHistorical = m.isHistorical
  if (m.isTransient !== undefined) out.isTransient = m.isTransient
  if (m.isNull !== undefined) out.isNull = m.isNull
  if (m.metadata !== undefined) out.metadata = metaDataToJson(m.metadata)
  if (m.properties !== undefined) out.properties = propertySetToJson(m.properties)
  out.value = toJsonValue(m)
  return out
}

function plainToJson (v: unknown): JsonValue {
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (typeof v === 'boolean' || typeof v === 'string') return v
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
  if (Array.isArray(v)) return v.map(plainToJson)
  if (v === null || v === undefined) return null
  return String(v)
}

function dateTimeToJson (v: bigint | number): JsonValue {
  if (typeof v === 'number') return v
  return v <= MAX_SAFE_BIG ? Number(v) : v.toString()
}

function u64ToJson (v: U64): JsonValue {
  return typeof v === 'number' ? v : v <= MAX_SAFE_BIG ? Number(v) : v.toString()
}

function dataSetToJson (ds: DataSet): JsonValue {
  return {
    columns: ds.columns,
    types: ds.types.map(dataTypeName),
    rows: ds.rows.map((row) => row.map((cell, c) => valueToJson(ds.types[c], cell)))
  }
}

function templateToJson (t: Template): JsonValue {
  const out: { [key: string]: JsonValue } = {}
  if (t.version !== undefined) out.version = t.version
  if (t.templateRef !== undefined) out.templateRef = t.templateRef
  if (t.isDefinition !== undefined) out.isDefinition = t.isDefinition
  out.metrics = t.metrics.map(toJsonMetric)
  out.parameters = t.parameters.map((p) => ({ name: p.name, type: dataTypeName(p.type), value: valueToJson(p.type, p.value) }))
  return out
}

function propertySetToJson (ps: PropertySet): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {}
  for (const key of Object.keys(ps)) {
    const pv = ps[key]!
    const v: JsonValue = { type: dataTypeName(pv.type), value: valueToJson(pv.type, pv.value) }
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
    else out[key] = v
  }
  return out
}

function metaDataToJson (md: MetaData): JsonValue {
  const out: { [key: string]: JsonValue } = {}
  for (const [k, v] of Object.entries(md)) {
    if (v !== undefined) out[k] = typeof v === 'bigint' ? u64ToJson(v) : v as JsonValue
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// From JSON

/**
 * Checks a JSON value against a datatype and converts it to the in-memory form (ready for encodePayload).
 * Throws SparkplugValueError naming the metric (when given) and the datatype, e.g.
 * "metric 'Speed' (Int8): 300 is out of range -128..127".
 */
export function fromJsonValue (datatype: DataType | string | number, json: unknown, metricName?: string): MetricValue | PropertyValueValue {
  const type = parseDataType(datatype)
  const where = `${metricName === undefined ? 'value' : `metric '${metricName}'`} (${type === undefined ? String(datatype) : dataTypeName(type)})`
  if (type === undefined || type === DataType.Unknown) {
    throw new SparkplugValueError(`${JSON.stringify(datatype)} is not a Sparkplug B datatype`, where)
  }
  return jsonToValue(type, json, where)
}

function fail (where: string, json: unknown, why: string): never {
  throw new SparkplugValueError(`${show(json)} ${why}`, where)
}

function show (v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (Array.isArray(v)) return `array(${v.length})`
  if (typeof v === 'object' && v !== null) return 'object'
  return String(v)
}

function jsonToValue (type: DataType, json: unknown, where: string): MetricValue | PropertyValueValue {
  if (json === null) return null
  if (isBasicType(type)) return jsonToScalar(type, json, where)
  if (isArrayType(type)) {
    if (!Array.isArray(json)) fail(where, json, 'is not an array')
    const element = ARRAY_ELEMENT[type]!
    return json.map((e, i) => {
      if (e === null) fail(`${where} element ${i}`, e, 'is not allowed in an array')
      return jsonToScalar(element, e, `${where} element ${i}`)
    }) as MetricValue
  }
  switch (type) {
    case DataType.Bytes: case DataType.File:
      if (typeof json !== 'string' || !BASE64_RE.test(json)) fail(where, json, 'is not a base64 string')
      return Buffer.from(json, 'base64')
    case DataType.DataSet: return jsonToDataSet(json, where)
    case DataType.Template: return jsonToTemplate(json, where)
    case DataType.PropertySet: return jsonToPropertySet(json, where)
    case DataType.PropertySetList:
      if (!Array.isArray(json)) fail(where, json, 'is not an array of PropertySets')
      return json.map((ps, i) => jsonToPropertySet(ps, `${where} [${i}]`))
    default:
      throw new SparkplugValueError(`datatype ${describeDataType(type)} is not supported`, where)
  }
}

const ARRAY_ELEMENT: Partial<Record<DataType, DataType>> = {
  [DataType.Int8Array]: DataType.Int8,
  [DataType.Int16Array]: DataType.Int16,
  [DataType.Int32Array]: DataType.Int32,
  [DataType.Int64Array]: DataType.Int64,
  [DataType.UInt8Array]: DataType.UInt8,
  [DataType.UInt16Array]: DataType.UInt16,
  [DataType.UInt32Array]: DataType.UInt32,
  [DataType.UInt64Array]: DataType.UInt64,
  [DataType.FloatArray]: DataType.Float,
  [DataType.DoubleArray]: DataType.Double,
  [DataType.BooleanArray]: DataType.Boolean,
  [DataType.StringArray]: DataType.String,
  [DataType.DateTimeArray]: DataType.DateTime
}

function jsonToScalar (type: DataType, json: unknown, where: string): ScalarValue {
  switch (type) {
    case DataType.Int8: case DataType.Int16: case DataType.Int32:
    case DataType.UInt8: case DataType.UInt16: case DataType.UInt32: {
      const [lo, hi] = integerRange(type)!
      if (typeof json !== 'number' || !Number.isInteger(json)) fail(where, json, 'is not an integer number')
      if (json < lo || json > hi) fail(where, json, `is out of range ${lo}..${hi}`)
      return json
    }
    case DataType.Int64: case DataType.UInt64: case DataType.DateTime: {
      let b: bigint
      if (typeof json === 'number') {
        if (!Number.isSafeInteger(json)) fail(where, json, 'is not a safe integer (send 64-bit integers as decimal strings)')
        b = BigInt(json)
      } else if (typeof json === 'string' && INTEGER_RE.test(json)) {
        b = BigInt(json)
      } else if (type === DataType.DateTime && typeof json === 'string' && !Number.isNaN(Date.parse(json))) {
        b = BigInt(Date.parse(json))
      } else {
        fail(where, json, type === DataType.DateTime
          ? 'is not ms since epoch (number or decimal string) or an ISO-8601 date'
          : 'is not an integer (decimal string or safe integer number)')
      }
      const [lo, hi] = bigIntRange(type)!
      if (b < lo || b > hi) fail(where, json, `is out of range ${lo}..${hi}`)
      return b
    }
    case DataType.Float: case DataType.Double: {
      let n: number
      if (typeof json === 'number') n = json
      else if (json === 'NaN' || json === 'Infinity' || json === '-Infinity') n = Number(json)
      else fail(where, json, 'is not a number (or "NaN", "Infinity", "-Infinity")')
      if (type === DataType.Float && Number.isFinite(n) && Math.abs(n) > FLOAT_MAX) fail(where, json, 'is out of the Float (32-bit) range')
      return n
    }
    case DataType.Boolean:
      if (typeof json !== 'boolean') fail(where, json, 'is not a boolean')
      return json
    case DataType.UUID:
      if (typeof json !== 'string' || !UUID_RE.test(json)) fail(where, json, 'is not a UUID (8-4-4-4-12 hex digits)')
      return json
    default: // String, Text
      if (typeof json !== 'string') fail(where, json, 'is not a string')
      return json
  }
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function jsonType (t: unknown, where: string): DataType {
  const type = typeof t === 'string' || typeof t === 'number' ? parseDataType(t) : undefined
  if (type === undefined || type === DataType.Unknown) fail(where, t, 'is not a Sparkplug B datatype')
  return type
}

function jsonToDataSet (json: unknown, where: string): DataSet {
  if (!isObject(json) || !Array.isArray(json.columns) || !Array.isArray(json.types) || !Array.isArray(json.rows)) {
    fail(where, json, 'is not a DataSet { columns, types, rows }')
  }
  const columns = json.columns.map((c, i) => {
    if (typeof c !== 'string') fail(`${where} column ${i}`, c, 'is not a column name')
    return c
  })
  const types = json.types.map((t, i) => {
    const type = jsonType(t, `${where} column ${i} type`)
    if (!isBasicType(type)) fail(`${where} column ${i} type`, t, 'is not a basic type')
    return type
  })
  if (columns.length !== types.length) fail(where, json, `has ${columns.length} column names but ${types.length} types`)
  const rows = json.rows.map((row, r) => {
    if (!Array.isArray(row) || row.length !== types.length) fail(`${where} row ${r}`, row, `is not an array of ${types.length} cells`)
    return row.map((cell, c) => cell === null ? null : jsonToScalar(types[c]!, cell, `${where} row ${r} column ${c} '${columns[c]}'`)) as DataSetCell[]
  })
  return { columns, types, rows }
}

function jsonToTemplate (json: unknown, where: string): Template {
  if (!isObject(json)) fail(where, json, 'is not a Template object')
  const out = {} as Template
  if (json.version !== undefined) {
    if (typeof json.version !== 'string') fail(`${where} version`, json.version, 'is not a string')
    out.version = json.version
  }
  if (json.templateRef !== undefined) {
    if (typeof json.templateRef !== 'string') fail(`${where} templateRef`, json.templateRef, 'is not a string')
    out.templateRef = json.templateRef
  }
  if (json.isDefinition !== undefined) {
    if (typeof json.isDefinition !== 'boolean') fail(`${where} isDefinition`, json.isDefinition, 'is not a boolean')
    out.isDefinition = json.isDefinition
  }
  const metrics = json.metrics ?? []
  if (!Array.isArray(metrics)) fail(`${where} metrics`, metrics, 'is not an array')
  out.metrics = metrics.map((m, i) => fromJsonMetric(m, `${where} > template metric ${i}`))
  const parameters = json.parameters ?? []
  if (!Array.isArray(parameters)) fail(`${where} parameters`, parameters, 'is not an array')
  out.parameters = parameters.map((p, i): TemplateParameter => {
    const at = `${where} > template parameter ${i}`
    if (!isObject(p) || typeof p.name !== 'string') fail(at, p, 'is not a parameter { name, type, value }')
    const type = jsonType(p.type, at)
    if (!isBasicType(type)) fail(at, p.type, 'is not a basic type')
    return { name: p.name, type, value: p.value === null || p.value === undefined ? null : jsonToScalar(type, p.value, `${at} '${p.name}'`) }
  })
  return out
}

/** A metric from its JSON form (as toJsonMetric writes it); the value is checked against the datatype. */
export function fromJsonMetric (json: unknown, where = 'metric'): SparkplugMetric {
  if (!isObject(json)) fail(where, json, 'is not a metric object')
  const at = typeof json.name === 'string' ? `${where} '${json.name}'` : where
  const out = {} as SparkplugMetric
  if (json.name !== undefined) {
    if (typeof json.name !== 'string') fail(`${at} name`, json.name, 'is not a string')
    out.name = json.name
  }
  if (json.alias !== undefined) out.alias = jsonU64(json.alias, `${at} alias`)
  if (json.timestamp !== undefined) out.timestamp = jsonU64(json.timestamp, `${at} timestamp`)
  for (const flag of ['isHistorical', 'isTransient', 'isNull'] as const) {
    if (json[flag] !== undefined) {
      if (typeof json[flag] !== 'boolean') fail(`${at} ${flag}`, json[flag], 'is not a boolean')
      out[flag] = json[flag]
    }
  }
  if (json.properties !== undefined) out.properties = jsonToPropertySet(json.properties, `${at} > properties`)
  if (json.datatype !== undefined) out.datatype = jsonType(json.datatype, `${at} datatype`)
  if (out.isNull === true || json.value === null) {
    out.value = null
  } else if (json.value !== undefined) {
    if (out.datatype === undefined) fail(at, json.value, 'has no datatype to check it against')
    out.value = jsonToValue(out.datatype, json.value, `${at} (${dataTypeName(out.datatype)})`) as MetricValue
  } else {
    out.value = undefined as unknown as MetricValue // a template definition member without a value
  }
  return out
}

function jsonU64 (v: unknown, where: string): U64 {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    const b = BigInt(v)
    if (b <= 0xffffffffffffffffn) return b <= MAX_SAFE_BIG ? Number(b) : b
  }
  return fail(where, v, 'is not an unsigned 64-bit integer')
}

function jsonToPropertySet (json: unknown, where: string): PropertySet {
  if (!isObject(json)) fail(where, json, 'is not a PropertySet object')
  const out: PropertySet = {}
  for (const key of Object.keys(json)) {
    const pv = json[key]
    const at = `${where} '${key}'`
    if (!isObject(pv)) fail(at, pv, 'is not a property value { type, value }')
    const type = jsonType(pv.type, at)
    if (!isBasicType(type) && type !== DataType.PropertySet && type !== DataType.PropertySetList) {
      fail(at, pv.type, 'is not allowed for a property value')
    }
    const v: PropertyValue = { type, value: pv.value === undefined ? null : jsonToValue(type, pv.value, at) as PropertyValueValue }
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
    else out[key] = v
  }
  return out
}
