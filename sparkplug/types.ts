// The in-memory form of a Sparkplug B payload, as decodePayload returns it and encodePayload takes it.
//
// Value representation, by datatype (never a rounded number):
//   Int8 Int16 Int32 UInt8 UInt16 UInt32 Float Double   number
//   Int64 UInt64 DateTime                                bigint (DateTime: ms since epoch, UTC)
//   Boolean                                              boolean
//   String Text UUID                                     string
//   Bytes File                                           Buffer (File: name/type in metric.metadata)
//   DataSet / Template / PropertySet / PropertySetList   DataSet / Template / PropertySet / PropertySet[]
//   Int8Array .. UInt32Array, FloatArray, DoubleArray    number[]
//   Int64Array UInt64Array DateTimeArray                 bigint[]
//   BooleanArray / StringArray                           boolean[] / string[]
//   is_null set                                          null
// 64-bit header fields (alias, timestamps, seq, metadata size/seq, num_of_columns) are `U64`: a number when it is at
// most Number.MAX_SAFE_INTEGER (always so for real timestamps and aliases) and a bigint above, so nothing is rounded.

import type { DataType } from './datatypes'

/** An unsigned 64-bit protobuf field: number when ≤ 2^53-1, bigint above. Either form is accepted when encoding. */
export type U64 = number | bigint

export type ScalarValue = number | bigint | boolean | string

export type ArrayValue = number[] | bigint[] | boolean[] | string[]

export type MetricValue = null | ScalarValue | Buffer | DataSet | Template | ArrayValue

/** DataSet cell: by column type as for metrics; null for an element with no value. */
export type DataSetCell = null | ScalarValue

export interface DataSet {
  /** Column headers, one per column. */
  columns: string[]
  /** Column datatypes (basic types 1..15), one per column. */
  types: DataType[]
  /** Rows, each with one cell per column. */
  rows: DataSetCell[][]
}

export interface TemplateParameter {
  name: string
  type: DataType
  /** The parameter value (a definition's default), or null when none is given. */
  value: null | ScalarValue
}

export interface Template {
  version?: string
  /** Definitions have isDefinition true and no templateRef; instances name their definition here. */
  templateRef?: string
  isDefinition?: boolean
  metrics: SparkplugMetric[]
  parameters: TemplateParameter[]
}

export type PropertyValueValue = null | ScalarValue | PropertySet | PropertySet[]

export interface PropertyValue {
  /** A basic type, PropertySet (20) or PropertySetList (21). Quality is Int32 (3) with 0, 192 or 500. */
  type: DataType
  /** null when is_null is set. */
  value: PropertyValueValue
}

/** Keys to values, in wire order (e.g. `engUnit`, `Quality`). */
export type PropertySet = Record<string, PropertyValue>

export interface MetaData {
  isMultiPart?: boolean
  contentType?: string
  size?: U64
  seq?: U64
  fileName?: string
  fileType?: string
  md5?: string
  description?: string
}

export interface SparkplugMetric {
  name?: string
  alias?: U64
  timestamp?: U64
  /**
   * The wire datatype, or the one a `datatypeOf` resolver gave at decode (DATA and CMD messages usually omit it).
   * Without either, the value is the raw protobuf field (int_value number, long_value bigint, bytes Buffer, ...).
   */
  datatype?: DataType
  isHistorical?: boolean
  isTransient?: boolean
  /** True when the value is null; decode sets value to null. */
  isNull?: boolean
  metadata?: MetaData
  properties?: PropertySet
  value: MetricValue
}

export interface SparkplugPayload {
  timestamp?: U64
  metrics: SparkplugMetric[]
  seq?: U64
  uuid?: string
  body?: Buffer
}
