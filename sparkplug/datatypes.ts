// Sparkplug B datatypes (specification 3.0.0, chapter 6 "Datatype Details"): the enum values, their names, and which
// protobuf `oneof value` field carries each of them on the wire.

export enum DataType {
  Unknown = 0,
  Int8 = 1,
  Int16 = 2,
  Int32 = 3,
  Int64 = 4,
  UInt8 = 5,
  UInt16 = 6,
  UInt32 = 7,
  UInt64 = 8,
  Float = 9,
  Double = 10,
  Boolean = 11,
  String = 12,
  DateTime = 13,
  Text = 14,
  UUID = 15,
  DataSet = 16,
  Bytes = 17,
  File = 18,
  Template = 19,
  PropertySet = 20,
  PropertySetList = 21,
  Int8Array = 22,
  Int16Array = 23,
  Int32Array = 24,
  Int64Array = 25,
  UInt8Array = 26,
  UInt16Array = 27,
  UInt32Array = 28,
  UInt64Array = 29,
  FloatArray = 30,
  DoubleArray = 31,
  BooleanArray = 32,
  StringArray = 33,
  DateTimeArray = 34
}

export type DataTypeName = keyof typeof DataType

/** Protobuf value fields (protobufjs camelCase names) of Metric, PropertyValue, DataSetValue and Parameter. */
export type ValueField =
  | 'intValue' | 'longValue' | 'floatValue' | 'doubleValue' | 'booleanValue' | 'stringValue'
  | 'bytesValue' | 'datasetValue' | 'templateValue' | 'propertysetValue' | 'propertysetsValue'

/** Wire (snake_case) names, for error messages that people compare with the .proto. */
export const WIRE_FIELD_NAME: Readonly<Record<ValueField, string>> = {
  intValue: 'int_value',
  longValue: 'long_value',
  floatValue: 'float_value',
  doubleValue: 'double_value',
  booleanValue: 'boolean_value',
  stringValue: 'string_value',
  bytesValue: 'bytes_value',
  datasetValue: 'dataset_value',
  templateValue: 'template_value',
  propertysetValue: 'propertyset_value',
  propertysetsValue: 'propertysets_value'
}

const FIELD_BY_TYPE: ReadonlyArray<ValueField | undefined> = [
  undefined, // Unknown
  'intValue', 'intValue', 'intValue', 'longValue', // Int8 Int16 Int32 Int64
  'intValue', 'intValue', 'intValue', 'longValue', // UInt8 UInt16 UInt32 (long_value also accepted) UInt64
  'floatValue', 'doubleValue', 'booleanValue', 'stringValue', // Float Double Boolean String
  'longValue', 'stringValue', 'stringValue', // DateTime Text UUID
  'datasetValue', 'bytesValue', 'bytesValue', 'templateValue', // DataSet Bytes File Template
  'propertysetValue', 'propertysetsValue', // PropertySet PropertySetList (PropertyValue only)
  // Int8Array .. DateTimeArray: little-endian packed into bytes_value
  'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue',
  'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue', 'bytesValue'
]

const NAMES: readonly string[] = Object.keys(DataType).filter((k) => Number.isNaN(Number(k)))
const BY_LOWER_NAME = new Map<string, DataType>(NAMES.map((n) => [n.toLowerCase(), DataType[n as DataTypeName]]))

/** True for the values 0..34 of the enum. */
export function isDataType (t: unknown): t is DataType {
  return typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= DataType.DateTimeArray
}

/** 'Int8' for 1; 'Unknown(99)' for a number that is not a Sparkplug datatype. */
export function dataTypeName (t: number): string {
  return isDataType(t) ? DataType[t] : `Unknown(${t})`
}

/** "12 (String)": how errors name a datatype. */
export function describeDataType (t: number): string {
  return `${t} (${dataTypeName(t)})`
}

/** A datatype from its number or (case-insensitive) name, e.g. 'int8', 'UInt64', 13; undefined when not one. */
export function parseDataType (t: string | number): DataType | undefined {
  if (typeof t === 'number') return isDataType(t) ? t : undefined
  return BY_LOWER_NAME.get(t.trim().toLowerCase())
}

/** The protobuf value field the specification assigns to a datatype (UInt32 → int_value; see acceptsField). */
export function valueFieldOf (t: DataType): ValueField | undefined {
  return FIELD_BY_TYPE[t]
}

/** Basic types (1..15): allowed as DataSet column, Template parameter and PropertyValue types. */
export function isBasicType (t: number): boolean {
  return t >= DataType.Int8 && t <= DataType.UUID
}

/** Int8Array (22) .. DateTimeArray (34). */
export function isArrayType (t: number): boolean {
  return t >= DataType.Int8Array && t <= DataType.DateTimeArray
}

/** Inclusive integer range of the 8/16/32-bit integer types, or undefined for other types. */
export function integerRange (t: DataType): readonly [number, number] | undefined {
  switch (t) {
    case DataType.Int8: case DataType.Int8Array: return [-0x80, 0x7f]
    case DataType.Int16: case DataType.Int16Array: return [-0x8000, 0x7fff]
    case DataType.Int32: case DataType.Int32Array: return [-0x80000000, 0x7fffffff]
    case DataType.UInt8: case DataType.UInt8Array: return [0, 0xff]
    case DataType.UInt16: case DataType.UInt16Array: return [0, 0xffff]
    case DataType.UInt32: case DataType.UInt32Array: return [0, 0xffffffff]
    default: return undefined
  }
}

/** Inclusive range of the 64-bit integer types (DateTime: ms since epoch as uint64). */
export function bigIntRange (t: DataType): readonly [bigint, bigint] | undefined {
  switch (t) {
    case DataType.Int64: case DataType.Int64Array: return [-(1n << 63n), (1n << 63n) - 1n]
    case DataType.UInt64: case DataType.UInt64Array:
    case DataType.DateTime: case DataType.DateTimeArray: return [0n, (1n << 64n) - 1n]
    default: return undefined
  }
}
