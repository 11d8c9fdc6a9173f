// Sparkplug B payload codec: public surface.

export { DataType, type DataTypeName, type ValueField, dataTypeName, describeDataType, parseDataType, valueFieldOf,
  isDataType, isBasicType, isArrayType, integerRange, bigIntRange } from './datatypes'
export { decodePayload, encodePayload, type DecodeOptions, type EncodeOptions } from './codec'
export { packArray, unpackArray } from './arrays'
export { toJsonValue, valueToJson, toJsonMetric, fromJsonValue, fromJsonMetric, type JsonValue } from './json'
export { SparkplugDecodeError, SparkplugValueError } from './errors'
export type * from './types'
