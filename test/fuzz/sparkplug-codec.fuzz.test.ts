// Fuzz target: the Sparkplug B codec and its JSON conversions. decodePayload of any bytes is a payload or a
// SparkplugDecodeError; every decoded metric converts to JSON (or a typed error) and back; encodePayload of a
// decoded payload decodes to the same; fromJsonValue of any JSON is a value or a SparkplugValueError. JSON output is
// bounded by the input it came from (no 50 MB message from 1 MiB).
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DataType, decodePayload, encodePayload, fromJsonMetric, fromJsonValue, toJsonMetric, type SparkplugPayload } from '../../sparkplug/index'
import { fuzz, isTypedError, suiteTimeout, valueOrTypedError } from './support/fuzz'
import { SEED_DATASET_AS_INT32, SEED_DATASET_BIRTH, SEED_REBIRTH_ALIAS, birthThenInt32, longNameBirth, payloadBytes } from './sparkplug/payloads'

const TARGET = 'sparkplug-codec'

/** JSON text of a value with bigints as strings (as the bridge writes it). */
const jsonText = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? x.toString() : x)

/** JSON may be larger than the protobuf it came from, but not without bound: a packed boolean (1 bit) is "false," (48 bits) at most. */
export const MAX_JSON_GROWTH = 64

const decodeSeeds: Array<[Buffer]> = [
  [SEED_DATASET_BIRTH], [SEED_DATASET_AS_INT32], [SEED_REBIRTH_ALIAS],
  ...[DataType.Template, DataType.PropertySetList, DataType.DateTimeArray, DataType.DataSet].flatMap((t) => birthThenInt32(t).map((b) => [b] as [Buffer])),
  // The 1 MiB BooleanArray and the 27,000-metric birth are the bridge's findings (the size of one UNS message, the
  // time of one birth): seeds of sparkplug-host. Here they would only time the JSON conversion of 8 million booleans.
  [longNameBirth(65500)]
]

describe('fuzz: Sparkplug B codec', function () {
  this.timeout(suiteTimeout())

  it('decodePayload of any bytes: a payload or a SparkplugDecodeError; its metrics to JSON and back', () => {
    fuzz<[Buffer]>(TARGET, 'decode, to JSON and back', 400, [payloadBytes], (buf) => {
      const p = valueOrTypedError(() => decodePayload(buf))
      if (isTypedError(p)) return
      const payload = p as SparkplugPayload
      let jsonBytes = 0
      for (const m of payload.metrics) {
        const j = valueOrTypedError(() => toJsonMetric(m))
        if (isTypedError(j)) continue
        const text = jsonText(j)
        jsonBytes += text.length
        const back = valueOrTypedError(() => fromJsonMetric(JSON.parse(text)))
        assert.ok(back !== undefined)
      }
      assert.ok(jsonBytes <= MAX_JSON_GROWTH * buf.length + 1024 * payload.metrics.length,
        `${buf.length} bytes of protobuf became ${jsonBytes} bytes of JSON`)
    }, decodeSeeds)
  })

  it('encodePayload of a decoded payload: decodes to the same payload', () => {
    fuzz<[Buffer]>(TARGET, 'decode, encode, decode', 300, [payloadBytes], (buf) => {
      const p = valueOrTypedError(() => decodePayload(buf))
      if (isTypedError(p)) return
      const encoded = valueOrTypedError(() => encodePayload(p as SparkplugPayload))
      if (isTypedError(encoded)) return
      const again = decodePayload(encoded as Uint8Array)
      assert.equal(jsonText(again), jsonText(p), 'a payload survives encode and decode')
    }, decodeSeeds.slice(0, 6))
  })

  it('decoding with a datatype resolver (as the host does for DATA): a payload or a SparkplugDecodeError', () => {
    fuzz<[Buffer, number]>(TARGET, 'decode with datatypeOf', 300, [payloadBytes, fc.integer({ min: 0, max: 40 })], (buf, type) => {
      const p = valueOrTypedError(() => decodePayload(buf, { datatypeOf: () => type as DataType }))
      if (isTypedError(p)) return
      for (const m of (p as SparkplugPayload).metrics) valueOrTypedError(() => toJsonMetric(m))
    }, [[SEED_DATASET_AS_INT32, DataType.DataSet], [SEED_DATASET_AS_INT32, DataType.Template], [SEED_DATASET_AS_INT32, DataType.PropertySetList], [SEED_DATASET_AS_INT32, DataType.DateTimeArray]])
  })

  it('fromJsonValue of any JSON for any datatype: a value or a SparkplugValueError; a value encodes', () => {
    fuzz<[number | string, unknown]>(TARGET, 'fromJsonValue and encode', 400, [fc.oneof(fc.integer({ min: -1, max: 40 }), fc.constantFrom('Int32', 'DataSet', 'Template', 'x')), fc.jsonValue({ maxDepth: 3 })], (type, json) => {
      const v = valueOrTypedError(() => fromJsonValue(type, json, 'm'))
      if (isTypedError(v) || typeof type !== 'number') return
      valueOrTypedError(() => encodePayload({ metrics: [{ name: 'm', datatype: type as DataType, value: v as never }] }))
    }, [[DataType.Template, { metrics: [{}] }], [DataType.PropertySetList, [{}]], [DataType.DateTimeArray, ['x']], [DataType.DataSet, { columns: ['a'], types: [3], rows: [[1, 2]] }]])
  })
})
