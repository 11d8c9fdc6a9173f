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

import { KNOWN_FIELDS, PayloadType, SparkplugReader, kindOf, metricPath, type Raw } from './wire'
import {
  DataType, WIRE_FIELD_NAME, describeDataType, integerRange, isArrayType, isBasicType, isDataType,
  valueFieldOf, type ValueField
} from './datatypes'
import { unpackArray } from './arrays'
import { SparkplugDecodeError } from './errors'
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
