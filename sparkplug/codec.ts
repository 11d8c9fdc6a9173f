// Sparkplug B payload codec: protobuf bytes <-> SparkplugPayload (see ./types.ts for the value representation).
// The wire layer is ./wire.ts, decoding ./decode.ts, encoding ./encode.ts; this module is their one entry point.
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

export { decodePayload, type DecodeOptions } from './decode'
export { encodePayload, type EncodeOptions } from './encode'
