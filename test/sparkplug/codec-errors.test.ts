import assert from 'node:assert/strict'
import { TS, only, throwsDecode, throwsValue, SCALARS } from './codec-support'
import * as protobuf from 'protobufjs'
import { DataType, dataTypeName } from '../../sparkplug/datatypes'
import { decodePayload, encodePayload } from '../../sparkplug/codec'
import { SparkplugDecodeError } from '../../sparkplug/errors'
import { fromJsonMetric, fromJsonValue, toJsonMetric, toJsonValue } from '../../sparkplug/json'
import type { DataSet, MetricValue, PropertySet, SparkplugMetric, Template } from '../../sparkplug/types'

describe('Sparkplug B codec: malformed input, encoding errors, and the JSON form', function () {
  describe('malformed input', function () {
    const good = encodePayload({ timestamp: TS, seq: 1, metrics: [{ name: 'Temperature', alias: 1, timestamp: TS, datatype: DataType.String, value: 'a fairly long string value' }] })

    it('reports every truncation of a valid payload as SparkplugDecodeError', function () {
      let failures = 0
      for (let n = 1; n < good.length; n++) {
        try {
          decodePayload(good.subarray(0, n))
        } catch (err) {
          assert.ok(err instanceof SparkplugDecodeError, `truncation at ${n}: ${String(err)}`)
          failures++
        }
      }
      assert.ok(failures >= good.length - 3, `only ${failures} of ${good.length - 1} truncations failed`)
      throwsDecode(() => decodePayload(good.subarray(0, good.length - 5)), /not a Sparkplug B payload: protobuf decoding failed/)
    })

    it('never crashes on random bytes: each either decodes or throws SparkplugDecodeError', function () {
      let seed = 42
      const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed }
      let thrown = 0
      for (let i = 0; i < 2000; i++) {
        const buf = Buffer.alloc(1 + (rand() % 64))
        for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff
        try {
          decodePayload(buf)
        } catch (err) {
          assert.ok(err instanceof SparkplugDecodeError, `random buffer ${buf.toString('hex')}: ${String(err)}`)
          thrown++
        }
      }
      assert.ok(thrown > 1500, `only ${thrown} of 2000 random buffers were rejected`)
      throwsDecode(() => decodePayload(Buffer.from('ffffffffffffffffffffff', 'hex')))
    })

    it('reports a known field with the wrong wire type instead of skipping it', function () {
      // metrics (field 2) sent as a varint
      throwsDecode(() => decodePayload(Buffer.from([0x10, 0x01])), /Payload field 2 metrics/)
      // metric datatype (field 4) sent as length-delimited
      throwsDecode(() => decodePayload(Buffer.from([0x12, 0x04, 0x22, 0x02, 0x00, 0x00])), /metric 0: Metric field 4 datatype \(uint32\) has wire type 2/)
    })

    it('rejects input that is not a byte array', function () {
      throwsDecode(() => decodePayload('abc' as unknown as Uint8Array), /must be a Buffer or Uint8Array/)
    })

    it('decodes a plain Uint8Array (not a Buffer) as well as a Buffer', function () {
      assert.deepEqual(decodePayload(new Uint8Array(good)), decodePayload(Buffer.from(good)))
    })
  })

  describe('encoding errors', function () {
    it('refuses a value outside its datatype, naming the metric and datatype', function () {
      throwsValue(() => encodePayload({ metrics: [{ name: 'Speed', datatype: DataType.Int8, value: 300 }] }), /metric 0 'Speed': Int8 value 300 is out of range -128\.\.127/)
      throwsValue(() => encodePayload({ metrics: [{ name: 'u', datatype: DataType.UInt64, value: -1n }] }), /UInt64/)
      throwsValue(() => encodePayload({ metrics: [{ name: 'i', datatype: DataType.Int64, value: 1.5 }] }), /Int64 value 1\.5/)
      throwsValue(() => encodePayload({ metrics: [{ name: 's', datatype: DataType.String, value: 5 }] }), /String value 5 is not a string/)
      throwsValue(() => encodePayload({ metrics: [{ name: 'x', value: 5 }] }), /datatype is needed/)
    })
  })

  describe('JSON form', function () {
    it('writes 64-bit integers as decimal strings, DateTime as ms, Bytes as base64 and non-finite floats as strings', function () {
      assert.equal(toJsonValue({ datatype: DataType.Int64, value: -9223372036854775808n }), '-9223372036854775808')
      assert.equal(toJsonValue({ datatype: DataType.UInt64, value: 5n }), '5')
      assert.equal(toJsonValue({ datatype: DataType.DateTime, value: BigInt(TS) }), TS)
      assert.equal(toJsonValue({ datatype: DataType.DateTime, value: 18446744073709551615n }), '18446744073709551615')
      assert.equal(toJsonValue({ datatype: DataType.Bytes, value: Buffer.from([1, 2, 255]) }), 'AQL/')
      assert.equal(toJsonValue({ datatype: DataType.Float, value: NaN }), 'NaN')
      assert.equal(toJsonValue({ datatype: DataType.Double, value: -Infinity }), '-Infinity')
      assert.equal(toJsonValue({ datatype: DataType.String, value: 'x', isNull: true }), null)
      assert.deepEqual(toJsonValue({ datatype: DataType.UInt64Array, value: [1n, 18446744073709551615n] }), ['1', '18446744073709551615'])
      assert.deepEqual(toJsonValue({ datatype: DataType.DataSet, value: { columns: ['a', 'b'], types: [4, 13], rows: [[1n, 5n]] } }),
        { columns: ['a', 'b'], types: ['Int64', 'DateTime'], rows: [['1', 5]] })
    })

    it('round-trips every datatype through JSON text', function () {
      const samples: Array<[DataType, MetricValue]> = [
        ...SCALARS.map(([t, vs]) => [t, vs[vs.length - 1]!] as [DataType, MetricValue]),
        [DataType.Int8, -128], [DataType.Int64, -9223372036854775808n], [DataType.Float, -Infinity],
        [DataType.Bytes, Buffer.from('hi')], [DataType.File, Buffer.alloc(0)],
        [DataType.Int64Array, [-1n, 9223372036854775807n]], [DataType.DateTimeArray, [BigInt(TS)]], [DataType.BooleanArray, [true, false]],
        [DataType.StringArray, ['a', '']], [DataType.FloatArray, [NaN, 1.5]], [DataType.UInt32Array, [4294967295]],
        [DataType.DataSet, { columns: ['x', 'y'], types: [DataType.UInt64, DataType.Boolean], rows: [[18446744073709551615n, null]] }],
        [DataType.Template, { templateRef: 'Motor', isDefinition: false, metrics: [{ name: 'c', datatype: DataType.Int64, value: -2n }], parameters: [{ name: 'p', type: DataType.DateTime, value: 5n }] }]
      ]
      for (const [type, value] of samples) {
        const text = JSON.stringify(toJsonValue({ datatype: type, value }))
        const back = fromJsonValue(type, JSON.parse(text))
        if (type === DataType.Float && typeof value === 'number' && Number.isNaN(value)) assert.ok(Number.isNaN(back as number))
        else assert.deepEqual(back, value, `${dataTypeName(type)} via ${text}`)
      }
      const properties: PropertySet = { Quality: { type: DataType.Int32, value: 500 }, set: { type: DataType.PropertySet, value: { n: { type: DataType.UInt64, value: 1n } } } }
      assert.deepEqual(fromJsonValue(DataType.PropertySet, JSON.parse(JSON.stringify(toJsonValue({ datatype: DataType.PropertySet, value: properties as unknown as MetricValue })))), properties)
    })

    it('round-trips a whole metric through toJsonMetric and fromJsonMetric', function () {
      const m: SparkplugMetric = { name: 'Count', alias: 18446744073709551615n, timestamp: TS, datatype: DataType.UInt64, value: 7n, properties: { engUnit: { type: DataType.String, value: 'pcs' } } }
      assert.deepEqual(fromJsonMetric(JSON.parse(JSON.stringify(toJsonMetric(m)))), m)
    })

    it('checks an NCMD write against the datatype, naming the metric and datatype', function () {
      throwsValue(() => fromJsonValue(DataType.Int8, 300, 'Speed'), /metric 'Speed' \(Int8\): 300 is out of range -128\.\.127/)
      throwsValue(() => fromJsonValue('UInt16', -1, 'Setpoint'), /metric 'Setpoint' \(UInt16\)/)
      throwsValue(() => fromJsonValue(DataType.Int64, 9007199254740993, 'Big'), /decimal strings/)
      throwsValue(() => fromJsonValue(DataType.UInt64, '18446744073709551616', 'Big'), /out of range/)
      throwsValue(() => fromJsonValue(DataType.Boolean, 'true', 'Run'), /metric 'Run' \(Boolean\): "true" is not a boolean/)
      throwsValue(() => fromJsonValue(DataType.Float, 1e39, 'F'), /Float/)
      throwsValue(() => fromJsonValue(DataType.UUID, 'nope'), /UUID/)
      throwsValue(() => fromJsonValue(DataType.Bytes, 'not base64!'), /base64/)
      throwsValue(() => fromJsonValue(DataType.Int16Array, [1, 40000], 'A'), /element 1/)
      throwsValue(() => fromJsonValue('Nope', 1, 'X'), /not a Sparkplug B datatype/)
      assert.equal(fromJsonValue(DataType.Int8, -128, 'Speed'), -128)
      assert.equal(fromJsonValue(DataType.DateTime, '2023-11-14T22:13:20Z'), BigInt(TS))
      assert.equal(fromJsonValue(DataType.Int64, '-9223372036854775808'), -9223372036854775808n)
      assert.equal(fromJsonValue(DataType.String, null), null)
    })
  })
})
