// Shared by the codec tests: the specification's schema as an independent codec, and assertion helpers.
import assert from 'node:assert/strict'
import path from 'node:path'
import * as protobuf from 'protobufjs'
import { DataType } from '../../sparkplug/datatypes'
import { decodePayload, encodePayload } from '../../sparkplug/codec'
import { SparkplugDecodeError, SparkplugValueError } from '../../sparkplug/errors'
import { HubError } from '../../core/errors'
import type { MetricValue, SparkplugMetric, SparkplugPayload } from '../../sparkplug/types'

// The specification's schema, copied into the repository (test/fixtures/sparkplug-3.0/PROVENANCE.md).
export const SPEC_PROTO = path.resolve(__dirname, '../../../test/fixtures/sparkplug-3.0/sparkplug_b.proto')
export const SOURCE_PROTO = path.resolve(__dirname, '../../../sparkplug/sparkplug_b.proto')

// An independent codec: protobufjs with the specification's .proto file, no conversion layer.
export const specRoot = protobuf.loadSync(SPEC_PROTO)
export const SpecPayload = specRoot.lookupType('org.eclipse.tahu.protobuf.Payload')
export function specEncode (obj: Record<string, unknown>): Buffer {
  return Buffer.from(SpecPayload.encode(SpecPayload.fromObject(obj)).finish())
}
export function specDecode (buf: Uint8Array): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return SpecPayload.toObject(SpecPayload.decode(buf), { longs: String, bytes: Array, defaults: false }) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const TS = 1700000000000

export function roundTrip (metric: SparkplugMetric): SparkplugMetric {
  const decoded = decodePayload(encodePayload({ timestamp: TS, seq: 0, metrics: [metric] }))
  assert.equal(decoded.metrics.length, 1)
  return decoded.metrics[0]!
}

export function only (payload: SparkplugPayload): SparkplugMetric {
  return payload.metrics[0]!
}

export function throwsDecode (fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SparkplugDecodeError, `expected SparkplugDecodeError, got ${String(err)}`)
    assert.ok(err instanceof HubError)
    assert.equal(err.code, 'SPARKPLUG_DECODE_FAILED')
    if (message) assert.match(err.message, message)
    return true
  })
}

export function throwsValue (fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SparkplugValueError, `expected SparkplugValueError, got ${String(err)}`)
    assert.ok(err instanceof HubError)
    if (message) assert.match(err.message, message)
    return true
  })
}

export const SCALARS: Array<[DataType, MetricValue[]]> = [
  [DataType.Int8, [-128, -1, 0, 1, 127]],
  [DataType.Int16, [-32768, -1, 0, 32767]],
  [DataType.Int32, [-2147483648, -1, 0, 2147483647]],
  [DataType.Int64, [-9223372036854775808n, -1n, 0n, 1n, 9007199254740993n, 9223372036854775807n]],
  [DataType.UInt8, [0, 255]],
  [DataType.UInt16, [0, 65535]],
  [DataType.UInt32, [0, 2147483648, 4294967295]],
  [DataType.UInt64, [0n, 9007199254740992n, 9007199254740993n, 18446744073709551615n]],
  [DataType.Float, [0, -0, 1.5, Math.fround(0.1), 3.4028234663852886e38, -Infinity, Infinity, NaN]],
  [DataType.Double, [0, 0.1, -1e308, Number.MIN_VALUE, Infinity, -Infinity, NaN]],
  [DataType.Boolean, [true, false]],
  [DataType.String, ['', 'hello', 'Grüße 🌡️', 'a\u0000b']],
  [DataType.DateTime, [0n, BigInt(TS), 18446744073709551615n]],
  [DataType.Text, ['', 'line 1\nline 2']],
  [DataType.UUID, ['123e4567-e89b-12d3-a456-426614174000']]
]
