// Sparkplug B payload codec: protobuf bytes <-> SparkplugPayload (see ./types.ts for the value representation).
//
// Why protobufjs 8 directly and not the `sparkplug-payload` package (Eclipse Tahu's JS codec):
//   - it throws on DataSet columns of types other than UInt32/UInt64/Float/Double/Boolean/String (Int8..Int32, UInt8,
//     UInt16, Int64, DateTime, Text, UUID), has no array datatypes (22..34) at all, returns long.js Long objects (and
//     `toInt()` truncates UInt32 above 2^31), reads Int64 through Long.toSigned but UInt64/DateTime as unsigned Longs,
//     and silently returns null or undefined for a value in the wrong field;
//   - wrapping it would mean decoding once with it and then walking and fixing every value again, which is slower
//     than decoding once here.
// So: one protobufjs decode with the specification schema (./schema.ts), then one cheap conversion pass per metric.
//
// 64-bit integers: a SparkplugReader (a protobufjs BufferReader subclass, local to this module; protobufjs' global
// Reader is not touched) reads every uint64 straight into a number when it is at most 2^53-1 and into a bigint above,
// so no Long objects are created; Int64/UInt64/DateTime values then become bigints (BigInt(n) or BigInt.asIntN).
//
// Wire conventions (the specification only says "Signed N-bit integer, Google Protocol Buffer Type: uint32"):
//   - Int8/Int16/Int32 are encoded as 32-bit two's complement in int_value (Int8 -1 -> 4294967295), as Eclipse Tahu
//     (Java, C and sparkplug-payload) does. Decode also accepts the N-bit form (Int8 -1 as 255); any other value outside
//     the type's range is a SparkplugDecodeError.
//   - Int64 is two's complement in long_value (-1 -> 18446744073709551615).
//   - UInt32 is encoded in int_value; decode also accepts it in long_value (sparkplug-payload writes it there), if it
//     is at most 4294967295.
//   - DataSet elements and Template parameters without a value decode to null (Tahu writes an empty DataSetValue for
//     a null cell; parameters of a definition MAY omit a default).
//   - A metric with a datatype but neither a value in that datatype's field nor is_null is a SparkplugDecodeError,
//     except member metrics of a Template definition, which decode to null.
//   - Fields with a known number but the wrong wire type are a SparkplugDecodeError (protobufjs alone would skip them
//     silently); unknown field numbers and extensions are ignored.

import * as protobuf from 'protobufjs'
import { SPARKPLUG_B_DESCRIPTOR, SPARKPLUG_B_PACKAGE } from './schema'
import {
  DataType, WIRE_FIELD_NAME, describeDataType, dataTypeName, integerRange, isArrayType, isBasicType, isDataType,
  valueFieldOf, type ValueField
} from './datatypes'
import { packArray, unpackArray } from './arrays'
import { SparkplugDecodeError, SparkplugValueError } from './errors'
import type {
  DataSet, DataSetCell, MetaData, MetricValue, PropertySet, PropertyValue, PropertyValueValue, ScalarValue,
  SparkplugMetric, SparkplugPayload, Template, TemplateParameter, U64
} from './types'

export interface DecodeOptions {
  /**
   * Supplies the datatype of a metric that arrives without one (NDATA/DDATA/NCMD/DCMD SHOULD omit it), usually from
   * the alias/name table of the edge node's birth certificate. Returning undefined leaves the raw protobuf value.
   */
  datatypeOf?: (metric: { readonly name?: string, readonly alias?: U64 }, index: number) => DataType | undefined
  /** Array metrics (top level or in templates) with more elements are refused with SparkplugLimitError. */
  maxArrayLength?: number
}

export interface EncodeOptions {
  /** Encode values with each top-level metric's datatype but leave the datatype field out (DATA and CMD messages). */
  omitDatatype?: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// Schema

const root = protobuf.Root.fromJSON(SPARKPLUG_B_DESCRIPTOR)
const PayloadType = root.lookupType(`${SPARKPLUG_B_PACKAGE}.Payload`)

// Message classes for decoding. protobufjs' generated classes keep field defaults on the prototype (so presence
// needs Object.hasOwn) and record the oneof member (`m.value = "intValue"`) through a prototype setter that deletes
// every other member: about half of all decode time for a DDATA payload. These classes declare every field as an own
// property, undefined until read, so presence is `!== undefined`, every message of a type has one hidden class, and
// the own `value` data property shadows the oneof setter. They are installed on this module's private Root only;
// protobufjs' shared state is untouched. The loop below checks that they declare exactly the schema's fields.
/* eslint-disable @typescript-eslint/no-explicit-any */
class PayloadMsg extends protobuf.Message<object> {
  timestamp: any = undefined; metrics: any = undefined; seq: any = undefined; uuid: any = undefined; body: any = undefined
}
class MetricMsg extends protobuf.Message<object> {
  name: any = undefined; alias: any = undefined; timestamp: any = undefined; datatype: any = undefined
  isHistorical: any = undefined; isTransient: any = undefined; isNull: any = undefined; metadata: any = undefined
  properties: any = undefined; intValue: any = undefined; longValue: any = undefined; floatValue: any = undefined
  doubleValue: any = undefined; booleanValue: any = undefined; stringValue: any = undefined; bytesValue: any = undefined
  datasetValue: any = undefined; templateValue: any = undefined; extensionValue: any = undefined; value: any = undefined
}
class MetaDataMsg extends protobuf.Message<object> {
  isMultiPart: any = undefined; contentType: any = undefined; size: any = undefined; seq: any = undefined
  fileName: any = undefined; fileType: any = undefined; md5: any = undefined; description: any = undefined
}
class PropertySetMsg extends protobuf.Message<object> { keys: any = undefined; values: any = undefined }
class PropertySetListMsg extends protobuf.Message<object> { propertyset: any = undefined }
class PropertyValueMsg extends protobuf.Message<object> {
  type: any = undefined; isNull: any = undefined; intValue: any = undefined; longValue: any = undefined
  floatValue: any = undefined; doubleValue: any = undefined; booleanValue: any = undefined; stringValue: any = undefined
  propertysetValue: any = undefined; propertysetsValue: any = undefined; extensionValue: any = undefined; value: any = undefined
}
class DataSetMsg extends protobuf.Message<object> {
  numOfColumns: any = undefined; columns: any = undefined; types: any = undefined; rows: any = undefined
}
class RowMsg extends protobuf.Message<object> { elements: any = undefined }
class DataSetValueMsg extends protobuf.Message<object> {
  intValue: any = undefined; longValue: any = undefined; floatValue: any = undefined; doubleValue: any = undefined
  booleanValue: any = undefined; stringValue: any = undefined; extensionValue: any = undefined; value: any = undefined
}
class TemplateMsg extends protobuf.Message<object> {
  version: any = undefined; metrics: any = undefined; parameters: any = undefined; templateRef: any = undefined
  isDefinition: any = undefined
}
class ParameterMsg extends protobuf.Message<object> {
  name: any = undefined; type: any = undefined; intValue: any = undefined; longValue: any = undefined
  floatValue: any = undefined; doubleValue: any = undefined; booleanValue: any = undefined; stringValue: any = undefined
  extensionValue: any = undefined; value: any = undefined
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const KNOWN_FIELDS = new Map<string, Map<number, string>>()
for (const [name, ctor] of [['Payload', PayloadMsg], ['Payload.Metric', MetricMsg], ['Payload.MetaData', MetaDataMsg],
  ['Payload.PropertySet', PropertySetMsg], ['Payload.PropertySetList', PropertySetListMsg],
  ['Payload.PropertyValue', PropertyValueMsg], ['Payload.DataSet', DataSetMsg], ['Payload.DataSet.Row', RowMsg],
  ['Payload.DataSet.DataSetValue', DataSetValueMsg], ['Payload.Template', TemplateMsg],
  ['Payload.Template.Parameter', ParameterMsg]] as const) {
  const t = root.lookupType(`${SPARKPLUG_B_PACKAGE}.${name}`)
  KNOWN_FIELDS.set(name, new Map(t.fieldsArray.map((f) => [f.id, `${f.name} (${f.type})`])))
  const declared = Object.keys(new ctor()).sort().join(',')
  const schema = [...t.fieldsArray.map((f) => f.name), ...t.oneofsArray.map((o) => o.name)].sort().join(',')
  if (declared !== schema) throw new Error(`sparkplug codec: class for ${name} declares ${declared}, schema has ${schema}`)
  t.ctor = ctor
}

// ---------------------------------------------------------------------------------------------------------------
// Reader: uint64 as number-or-bigint

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER)

function readUint64 (this: protobuf.Reader): U64 {
  const buf = this.buf
  const len = this.len
  let pos = this.pos
  let value = 0
  let mul = 1
  // Up to 7 bytes carry 49 bits: exact in a double.
  for (let i = 0; i < 7; i++) {
    if (pos >= len) throw new RangeError(`index out of range: ${pos} + 1 > ${len}`)
    const b = buf[pos++]!
    value += (b & 0x7f) * mul
    if (b < 0x80) {
      this.pos = pos
      return value
    }
    mul *= 128
  }
  let big = BigInt(value)
  let shift = 49n
  for (let i = 7; i < 10; i++) {
    if (pos >= len) throw new RangeError(`index out of range: ${pos} + 1 > ${len}`)
    const b = buf[pos++]!
    big |= BigInt(b & 0x7f) << shift
    if (b < 0x80) {
      this.pos = pos
      big = BigInt.asUintN(64, big)
      return big <= MAX_SAFE_BIG ? Number(big) : big
    }
    shift += 7n
  }
  throw new RangeError(`varint longer than 10 bytes at offset ${this.pos}`)
}

class SparkplugReader extends protobuf.BufferReader {
  constructor (buffer: Buffer) {
    super(buffer)
    // Keep unknown fields so that a known field with the wrong wire type is reported instead of skipped.
    this.discardUnknown = false
  }
}
Object.defineProperty(SparkplugReader.prototype, 'uint64', { value: readUint64, writable: true, configurable: true })

// ---------------------------------------------------------------------------------------------------------------
// Decode

// Raw protobufjs message objects (instances of the classes above): absent fields, repeated ones too, are undefined.
type Raw = Record<string, any>
const EMPTY: never[] = []

/** Decodes a Sparkplug B payload. Throws SparkplugDecodeError, naming the failing part, on anything malformed. */
export function decodePayload (buf: Uint8Array, options?: DecodeOptions): SparkplugPayload {
  if (!(buf instanceof Uint8Array)) throw new SparkplugDecodeError(`payload must be a Buffer or Uint8Array, got ${typeof buf}`)
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  let raw: Raw
  try {
    raw = PayloadType.decode(new SparkplugReader(b)) as unknown as Raw
  } catch (err) {
    throw new SparkplugDecodeError(`not a Sparkplug B payload: protobuf decoding failed: ${(err as Error).message}`,
      undefined, `${b.length} bytes`)
  }
  try {
    return convertPayload(raw, options)
  } catch (err) {
    if (err instanceof SparkplugDecodeError) throw err
    throw new SparkplugDecodeError(`not a Sparkplug B payload: ${(err as Error).message}`)
  }
}

function convertPayload (raw: Raw, options: DecodeOptions | undefined): SparkplugPayload {
  checkUnknowns(raw, 'Payload', undefined)
  const out = {} as SparkplugPayload
  if (raw.timestamp !== undefined) out.timestamp = raw.timestamp
  const rawMetrics = (raw.metrics as Raw[] | undefined) ?? EMPTY
  const n = rawMetrics.length
  const metrics = new Array<SparkplugMetric>(n)
  const resolve = options?.datatypeOf
  const maxArray = options?.maxArrayLength ?? Infinity
  for (let i = 0; i < n; i++) metrics[i] = convertMetric(rawMetrics[i]!, i, undefined, resolve, false, maxArray)
  out.metrics = metrics
  if (raw.seq !== undefined) out.seq = raw.seq
  if (raw.uuid !== undefined) out.uuid = raw.uuid
  if (raw.body !== undefined) out.body = Buffer.from(raw.body as Uint8Array)
  return out
}

function metricPath (parent: string | undefined, kind: string, i: number, m: { name?: string, alias?: U64 }): string {
  const label = m.name !== undefined ? ` '${m.name}'` : m.alias !== undefined ? ` (alias ${m.alias})` : ''
  return `${parent === undefined ? '' : parent + ' > '}${kind} ${i}${label}`
}

function convertMetric (m: Raw, i: number, parent: string | undefined,
  resolve: DecodeOptions['datatypeOf'], inDefinition: boolean, maxArray: number): SparkplugMetric {
  if (m.$unknowns !== undefined) checkUnknowns(m, 'Payload.Metric', metricPath(parent, parent === undefined ? 'metric' : 'template metric', i, m))
  const out = {} as SparkplugMetric
  if (m.name !== undefined) out.name = m.name
  if (m.alias !== undefined) out.alias = m.alias
  if (m.timestamp !== undefined) out.timestamp = m.timestamp
  let type: number | undefined = m.datatype !== undefined ? m.datatype : undefined
  if (type === undefined && resolve !== undefined) type = resolve(out, i)
  if (type !== undefined) out.datatype = type
  if (m.isHistorical !== undefined) out.isHistorical = m.isHistorical
  if (m.isTransient !== undefined) out.isTransient = m.isTransient
  const isNull = m.isNull !== undefined ? m.isNull as boolean : undefined
  if (isNull !== undefined) out.isNull = isNull
  if (m.metadata !== undefined) out.metadata = convertMetaData(m.metadata, () => metricPath(parent, kindOf(parent), i, m))
  if (m.properties !== undefined) {
    out.properties = convertPropertySet(m.properties, metricPath(parent, kindOf(parent), i, m) + ' > properties')
  }
  if (isNull === true) {
    out.value = null
  } else if (type === undefined || type === DataType.Unknown) {
    out.value = rawMetricValue(m, parent, i, maxArray)
  } else {
    out.value = metricValue(m, type, parent, i, inDefinition, maxArray)
  }
  return out
}

function kindOf (parent: string | undefined): string {
  return parent === undefined ? 'metric' : 'template metric'
}

function metricValue (m: Raw, type: number, parent: string | undefined, i: number, inDefinition: boolean, maxArray: number): MetricValue {
  switch (type) {
    case DataType.Int8: case DataType.Int16: case DataType.Int32: case DataType.UInt8: case DataType.UInt16:
    case DataType.UInt32: case DataType.Int64: case DataType.UInt64: case DataType.DateTime:
    case DataType.Float: case DataType.Double: case DataType.Boolean:
    case DataType.String: case DataType.Text: case DataType.UUID: {
      const v = scalarValue(m, type)
      if (v !== MISSING) {
        if (v !== BAD) return v
        throw new SparkplugDecodeError(badScalar(m, type), metricPath(parent, kindOf(parent), i, m))
      }
      break
    }
    case DataType.Bytes: case DataType.File:
      if (m.bytesValue !== undefined) return Buffer.from(m.bytesValue as Uint8Array)
      break
    case DataType.DataSet:
      if (m.datasetValue !== undefined) return convertDataSet(m.datasetValue, metricPath(parent, kindOf(parent), i, m) + ' > dataset')
      break
    case DataType.Template:
      if (m.templateValue !== undefined) return convertTemplate(m.templateValue, metricPath(parent, kindOf(parent), i, m), maxArray)
      break
    default:
      if (isArrayType(type)) {
        if (m.bytesValue !== undefined) return unpackArray(type, m.bytesValue as Buffer, metricPath(parent, kindOf(parent), i, m), maxArray)
        break
      }
      throw new SparkplugDecodeError(isDataType(type)
        ? `datatype ${describeDataType(type)} is not allowed for a metric (only for property values)`
        : `datatype ${type} is not a Sparkplug B datatype`, metricPath(parent, kindOf(parent), i, m))
  }
  if (inDefinition && oneofField(m) === undefined) return null
  throw new SparkplugDecodeError(missingValue(m, type), metricPath(parent, kindOf(parent), i, m),
    'set is_null for a null value')
}

function rawMetricValue (m: Raw, parent: string | undefined, i: number, maxArray: number): MetricValue {
  if (m.intValue !== undefined) return m.intValue as number
  if (m.longValue !== undefined) return toBig(m.longValue as U64)
  if (m.floatValue !== undefined) return m.floatValue as number
  if (m.doubleValue !== undefined) return m.doubleValue as number
  if (m.booleanValue !== undefined) return m.booleanValue as boolean
  if (m.stringValue !== undefined) return m.stringValue as string
  if (m.bytesValue !== undefined) return Buffer.from(m.bytesValue as Uint8Array)
  if (m.datasetValue !== undefined) return convertDataSet(m.datasetValue, metricPath(parent, kindOf(parent), i, m) + ' > dataset')
  if (m.templateValue !== undefined) return convertTemplate(m.templateValue, metricPath(parent, kindOf(parent), i, m), maxArray)
  const where = metricPath(parent, kindOf(parent), i, m)
  if (m.extensionValue !== undefined) throw new SparkplugDecodeError('extension_value is not supported', where)
  if (parent !== undefined) return null // a template member without a value (definitions)
  throw new SparkplugDecodeError('no datatype, no value and is_null not set', where)
}

const MISSING = Symbol('missing')
const BAD = Symbol('bad')

/** The value of a basic-type (1..15) holder (Metric, PropertyValue, DataSetValue, Parameter); MISSING or BAD. */
function scalarValue (m: Raw, type: number): ScalarValue | typeof MISSING | typeof BAD {
  switch (type) {
    case DataType.Int8: case DataType.Int16: case DataType.Int32: case DataType.UInt8: case DataType.UInt16:
      return m.intValue !== undefined ? narrowInt(type, m.intValue as number) : MISSING
    case DataType.UInt32:
      if (m.intValue !== undefined) return m.intValue as number
      if (m.longValue !== undefined) {
        const v = m.longValue as U64
        return typeof v === 'number' && v <= 0xffffffff ? v : BAD
      }
      return MISSING
    case DataType.Int64:
      if (m.longValue === undefined) return MISSING
      return typeof m.longValue === 'number' ? BigInt(m.longValue) : BigInt.asIntN(64, m.longValue as bigint)
    case DataType.UInt64: case DataType.DateTime:
      return m.longValue !== undefined ? toBig(m.longValue as U64) : MISSING
    case DataType.Float: return m.floatValue !== undefined ? m.floatValue as number : MISSING
    case DataType.Double: return m.doubleValue !== undefined ? m.doubleValue as number : MISSING
    case DataType.Boolean: return m.booleanValue !== undefined ? m.booleanValue as boolean : MISSING
    case DataType.String: case DataType.Text: case DataType.UUID:
      return m.stringValue !== undefined ? m.stringValue as string : MISSING
    default: return BAD
  }
}

function narrowInt (type: number, v: number): number | typeof BAD {
  switch (type) {
    case DataType.Int8:
      if (v <= 0x7f) return v
      if (v >= 0xffffff80) return v | 0 // 32-bit two's complement (Tahu)
      if (v <= 0xff) return v - 0x100 // 8-bit two's complement
      return BAD
    case DataType.Int16:
      if (v <= 0x7fff) return v
      if (v >= 0xffff8000) return v | 0
      if (v <= 0xffff) return v - 0x10000
      return BAD
    case DataType.Int32: return v | 0
    case DataType.UInt8: return v <= 0xff ? v : BAD
    default: return v <= 0xffff ? v : BAD // UInt16
  }
}

function toBig (v: U64): bigint {
  return typeof v === 'number' ? BigInt(v) : v
}

function oneofField (m: Raw): string | undefined {
  for (const f of ['intValue', 'longValue', 'floatValue', 'doubleValue', 'booleanValue', 'stringValue', 'bytesValue',
    'datasetValue', 'templateValue', 'propertysetValue', 'propertysetsValue', 'extensionValue']) {
    if (m[f] !== undefined) return f
  }
  return undefined
}

function wireName (field: string): string {
  return field === 'extensionValue' ? 'extension_value' : WIRE_FIELD_NAME[field as ValueField] ?? field
}

function missingValue (m: Raw, type: number): string {
  const expected = valueFieldOf(type as DataType)
  const present = oneofField(m)
  return `datatype ${describeDataType(type)} but no ${expected === undefined ? 'value' : wireName(expected)}` +
    (type === DataType.UInt32 ? ' or long_value' : '') +
    (present === undefined ? '' : ` (it has ${wireName(present)})`)
}

function badScalar (m: Raw, type: number): string {
  const present = oneofField(m)
  const raw = present === undefined ? undefined : m[present] as unknown
  const range = integerRange(type as DataType)
  return `datatype ${describeDataType(type)}: ${wireName(present ?? 'value')} ${String(raw)} is out of range` +
    (range === undefined ? '' : ` ${range[0]}..${range[1]}`)
}

function convertMetaData (md: Raw, where: () => string): MetaData {
  if (md.$unknowns !== undefined) checkUnknowns(md, 'Payload.MetaData', where() + ' > metadata')
  const out: MetaData = {}
  if (md.isMultiPart !== undefined) out.isMultiPart = md.isMultiPart
  if (md.contentType !== undefined) out.contentType = md.contentType
  if (md.size !== undefined) out.size = md.size
  if (md.seq !== undefined) out.seq = md.seq
  if (md.fileName !== undefined) out.fileName = md.fileName
  if (md.fileType !== undefined) out.fileType = md.fileType
  if (md.md5 !== undefined) out.md5 = md.md5
  if (md.description !== undefined) out.description = md.description
  return out
}

function convertPropertySet (ps: Raw, where: string): PropertySet {
  if (ps.$unknowns !== undefined) checkUnknowns(ps, 'Payload.PropertySet', where)
  const keys = (ps.keys as string[] | undefined) ?? EMPTY
  const values = (ps.values as Raw[] | undefined) ?? EMPTY
  if (keys.length !== values.length) {
    throw new SparkplugDecodeError(`PropertySet has ${keys.length} keys but ${values.length} values`, where)
  }
  const out: PropertySet = {}
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const at = `${where} '${key}'`
    if (Object.hasOwn(out, key)) throw new SparkplugDecodeError(`PropertySet repeats the key '${key}'`, where)
    const v = convertPropertyValue(values[i]!, at)
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
    else out[key] = v
  }
  return out
}

function convertPropertyValue (pv: Raw, where: string): PropertyValue {
  if (pv.$unknowns !== undefined) checkUnknowns(pv, 'Payload.PropertyValue', where)
  if (pv.type === undefined) throw new SparkplugDecodeError('property value has no type', where)
  const type = pv.type as number
  if (pv.isNull !== undefined && pv.isNull === true) return { type, value: null }
  let value: PropertyValueValue
  if (type === DataType.PropertySet) {
    if (pv.propertysetValue === undefined) throw new SparkplugDecodeError(missingValue(pv, type), where)
    value = convertPropertySet(pv.propertysetValue, where + ' >')
  } else if (type === DataType.PropertySetList) {
    if (pv.propertysetsValue === undefined) throw new SparkplugDecodeError(missingValue(pv, type), where)
    const list = pv.propertysetsValue as Raw
    if (list.$unknowns !== undefined) checkUnknowns(list, 'Payload.PropertySetList', where)
    value = (list.propertyset as Raw[] | undefined ?? EMPTY).map((ps, j) => convertPropertySet(ps, `${where} [${j}] >`))
  } else if (isBasicType(type)) {
    const v = scalarValue(pv, type)
    if (v === MISSING) throw new SparkplugDecodeError(missingValue(pv, type), where, 'set is_null for a null value')
    if (v === BAD) throw new SparkplugDecodeError(badScalar(pv, type), where)
    value = v
  } else {
    throw new SparkplugDecodeError(`datatype ${describeDataType(type)} is not allowed for a property value`, where)
  }
  return { type, value }
}

function convertDataSet (ds: Raw, where: string): DataSet {
  if (ds.$unknowns !== undefined) checkUnknowns(ds, 'Payload.DataSet', where)
  const columns = (ds.columns as string[] | undefined) ?? []
  const types = (ds.types as number[] | undefined) ?? []
  if (columns.length !== types.length) {
    throw new SparkplugDecodeError(`${columns.length} column names but ${types.length} column types`, where)
  }
  if (ds.numOfColumns !== undefined && Number(ds.numOfColumns) !== types.length) {
    throw new SparkplugDecodeError(`num_of_columns is ${ds.numOfColumns} but there are ${types.length} column types`, where)
  }
  for (let c = 0; c < types.length; c++) {
    if (!isBasicType(types[c]!)) {
      throw new SparkplugDecodeError(`column ${c} '${columns[c]}' has datatype ${describeDataType(types[c]!)}, not a basic type`, where)
    }
  }
  const rawRows = (ds.rows as Raw[] | undefined) ?? EMPTY
  const rows = new Array<DataSetCell[]>(rawRows.length)
  for (let r = 0; r < rawRows.length; r++) {
    const row = rawRows[r]!
    if (row.$unknowns !== undefined) checkUnknowns(row, 'Payload.DataSet.Row', `${where} row ${r}`)
    const elements = (row.elements as Raw[] | undefined) ?? EMPTY
    if (elements.length !== types.length) {
      throw new SparkplugDecodeError(`row ${r} has ${elements.length} elements, expected ${types.length}`, where)
    }
    const cells = new Array<DataSetCell>(types.length)
    for (let c = 0; c < types.length; c++) {
      const e = elements[c]!
      if (e.$unknowns !== undefined) checkUnknowns(e, 'Payload.DataSet.DataSetValue', `${where} row ${r} column ${c}`)
      const v = scalarValue(e, types[c]!)
      if (v === MISSING) {
        if (oneofField(e) === undefined) { cells[c] = null; continue }
        throw new SparkplugDecodeError(missingValue(e, types[c]!), `${where} row ${r} column ${c} '${columns[c]}'`)
      }
      if (v === BAD) throw new SparkplugDecodeError(badScalar(e, types[c]!), `${where} row ${r} column ${c} '${columns[c]}'`)
      cells[c] = v
    }
    rows[r] = cells
  }
  return { columns, types, rows }
}

function convertTemplate (t: Raw, where: string, maxArray: number): Template {
  if (t.$unknowns !== undefined) checkUnknowns(t, 'Payload.Template', where + ' > template')
  const out = {} as Template
  if (t.version !== undefined) out.version = t.version
  if (t.templateRef !== undefined) out.templateRef = t.templateRef
  if (t.isDefinition !== undefined) out.isDefinition = t.isDefinition
  const isDefinition = out.isDefinition === true
  out.metrics = (t.metrics as Raw[] | undefined ?? EMPTY).map((m, i) => convertMetric(m, i, where, undefined, isDefinition, maxArray))
  out.parameters = (t.parameters as Raw[] | undefined ?? EMPTY).map((p, i) => convertParameter(p, `${where} > template parameter ${i}`))
  return out
}

function convertParameter (p: Raw, where: string): TemplateParameter {
  if (p.$unknowns !== undefined) checkUnknowns(p, 'Payload.Template.Parameter', where)
  const name = p.name !== undefined ? p.name as string : ''
  const at = `${where} '${name}'`
  if (p.type === undefined) throw new SparkplugDecodeError('parameter has no type', at)
  const type = p.type as number
  if (!isBasicType(type)) throw new SparkplugDecodeError(`parameter datatype ${describeDataType(type)} is not a basic type`, at)
  const v = scalarValue(p, type)
  if (v === BAD) throw new SparkplugDecodeError(badScalar(p, type), at)
  if (v === MISSING) {
    if (oneofField(p) !== undefined) throw new SparkplugDecodeError(missingValue(p, type), at)
    return { name, type, value: null }
  }
  return { name, type, value: v }
}

/** Reports a known field that arrived with the wrong wire type (protobufjs keeps it among the unknown fields). */
function checkUnknowns (m: Raw, typeName: string, where: string | undefined): void {
  const unknowns = m.$unknowns as Uint8Array[] | undefined
  if (unknowns === undefined) return
  const known = KNOWN_FIELDS.get(typeName)!
  for (const chunk of unknowns) {
    let tag = 0
    let shift = 0
    for (let i = 0; i < chunk.length && i < 5; i++) {
      tag += (chunk[i]! & 0x7f) * 2 ** shift
      shift += 7
      if (chunk[i]! < 0x80) break
    }
    const id = Math.floor(tag / 8)
    const field = known.get(id)
    if (field !== undefined) {
      throw new SparkplugDecodeError(`${typeName.replace('Payload.', '')} field ${id} ${field} has wire type ${tag % 8}, ` +
        'which does not match its type', where)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
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
