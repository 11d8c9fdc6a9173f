import assert from 'node:assert/strict'
import { SPEC_PROTO, SOURCE_PROTO, specEncode, specDecode, TS, roundTrip, throwsDecode, throwsValue, SCALARS } from './codec-support'
import * as protobuf from 'protobufjs'
import * as sparkplugPayload from 'sparkplug-payload'
import { SPARKPLUG_B_DESCRIPTOR } from '../../sparkplug/schema'
import { DataType, parseDataType, dataTypeName } from '../../sparkplug/datatypes'
import { decodePayload, encodePayload } from '../../sparkplug/codec'
import { packArray, unpackArray } from '../../sparkplug/arrays'
import type { DataSet, MetricValue, Template } from '../../sparkplug/types'

describe('Sparkplug B codec: schema, scalars, nulls and arrays', function () {
  describe('schema', function () {
    it('embeds a descriptor equal to the specification sparkplug_b.proto, and keeps a verbatim copy of it', function () {
      const fromSpec = protobuf.loadSync(SPEC_PROTO).toJSON()
      assert.deepEqual(JSON.parse(JSON.stringify(SPARKPLUG_B_DESCRIPTOR)), JSON.parse(JSON.stringify(fromSpec)))
      const fs = require('node:fs') as typeof import('node:fs')
      assert.equal(fs.readFileSync(SOURCE_PROTO, 'utf8'), fs.readFileSync(SPEC_PROTO, 'utf8'))
    })

    it('names every datatype 0..34 and parses names case-insensitively', function () {
      assert.equal(dataTypeName(1), 'Int8')
      assert.equal(dataTypeName(34), 'DateTimeArray')
      assert.equal(dataTypeName(99), 'Unknown(99)')
      assert.equal(parseDataType('uint64'), DataType.UInt64)
      assert.equal(parseDataType('PropertySetList'), 21)
      assert.equal(parseDataType('Nope'), undefined)
    })
  })

  describe('scalar datatypes', function () {
    for (const [type, values] of SCALARS) {
      it(`round-trips ${dataTypeName(type)} values ${values.map(String).join(', ')} without loss`, function () {
        for (const value of values) {
          const back = roundTrip({ name: 'm', alias: 7, timestamp: TS, datatype: type, value })
          assert.equal(back.datatype, type)
          if (typeof value === 'number' && Number.isNaN(value)) assert.ok(Number.isNaN(back.value as number))
          else assert.ok(Object.is(back.value, value), `${dataTypeName(type)} ${String(value)} came back as ${String(back.value)}`)
        }
      })
    }

    it('exposes Int64, UInt64 and DateTime as bigint and the 8..32-bit and float types as number', function () {
      const p = decodePayload(encodePayload({
        metrics: [
          { name: 'a', datatype: DataType.Int64, value: 5n },
          { name: 'b', datatype: DataType.UInt64, value: 5 as unknown as bigint },
          { name: 'c', datatype: DataType.DateTime, value: BigInt(TS) },
          { name: 'd', datatype: DataType.UInt32, value: 5 },
          { name: 'e', datatype: DataType.Float, value: 5 }
        ]
      }))
      assert.deepEqual(p.metrics.map((m) => typeof m.value), ['bigint', 'bigint', 'bigint', 'number', 'number'])
    })

    it('round-trips Bytes and File (with file name and type in metadata) as Buffers, including empty ones', function () {
      const bytes = roundTrip({ name: 'b', datatype: DataType.Bytes, value: Buffer.from([0, 1, 254, 255]) })
      assert.ok(Buffer.isBuffer(bytes.value))
      assert.deepEqual(bytes.value, Buffer.from([0, 1, 254, 255]))
      assert.deepEqual(roundTrip({ name: 'e', datatype: DataType.Bytes, value: Buffer.alloc(0) }).value, Buffer.alloc(0))
      const file = roundTrip({
        name: 'f',
        datatype: DataType.File,
        metadata: { fileName: 'recipe.xml', fileType: 'xml', size: 3, md5: 'abc', contentType: 'text/xml', isMultiPart: false, seq: 0, description: 'd' },
        value: Buffer.from('<a/>')
      })
      assert.deepEqual(file.value, Buffer.from('<a/>'))
      assert.deepEqual(file.metadata, { fileName: 'recipe.xml', fileType: 'xml', size: 3, md5: 'abc', contentType: 'text/xml', isMultiPart: false, seq: 0, description: 'd' })
    })

    it('encodes signed 8/16/32-bit integers as 32-bit two\'s complement in int_value (Int8 -1 → 4294967295)', function () {
      const buf = encodePayload({ metrics: [
        { name: 'i8', datatype: DataType.Int8, value: -1 },
        { name: 'i16', datatype: DataType.Int16, value: -2 },
        { name: 'i32', datatype: DataType.Int32, value: -2147483648 },
        { name: 'i64', datatype: DataType.Int64, value: -1n }
      ] })
      const raw = specDecode(buf)
      assert.deepEqual(raw.metrics.map((m: { intValue?: number, longValue?: string }) => m.intValue ?? m.longValue),
        [4294967295, 4294967294, 2147483648, '18446744073709551615'])
    })

    it('also decodes the N-bit two\'s complement form (Int8 255 → -1, Int16 65535 → -1)', function () {
      const p = decodePayload(specEncode({ metrics: [
        { name: 'a', datatype: 1, intValue: 255 }, { name: 'b', datatype: 1, intValue: 128 }, { name: 'c', datatype: 2, intValue: 65535 }
      ] }))
      assert.deepEqual(p.metrics.map((m) => m.value), [-1, -128, -1])
    })

    it('rejects an int_value that fits neither form of the datatype (Int8 300, UInt8 256)', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'Speed', datatype: 1, intValue: 300 }] })),
        /metric 0 'Speed': datatype 1 \(Int8\): int_value 300 is out of range -128\.\.127/)
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'x', datatype: 5, intValue: 256 }] })), /UInt8/)
    })

    it('accepts UInt32 in long_value as well as in int_value, but not above 4294967295', function () {
      const p = decodePayload(specEncode({ metrics: [
        { name: 'a', datatype: 7, longValue: 4294967295 }, { name: 'b', datatype: 7, intValue: 4294967295 }
      ] }))
      assert.deepEqual(p.metrics.map((m) => m.value), [4294967295, 4294967295])
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'c', datatype: 7, longValue: 4294967296 }] })), /out of range/)
    })

    it('decodes a payload written by sparkplug-payload (UInt32 in long_value) to the same values', function () {
      const sp = sparkplugPayload.get('spBv1.0')!
      const buf = sp.encodePayload({
        timestamp: TS,
        seq: 3,
        metrics: [
          { name: 'i8', type: 'Int8', value: -5 },
          { name: 'i32', type: 'Int32', value: -100000 },
          { name: 'u32', type: 'UInt32', value: 4000000000 },
          { name: 'i64', type: 'Int64', value: -42 },
          { name: 'u64', type: 'UInt64', value: 1234567890123 },
          { name: 'f', type: 'Float', value: 1.5 },
          { name: 'd', type: 'Double', value: 2.25 },
          { name: 'b', type: 'Boolean', value: true },
          { name: 's', type: 'String', value: 'x' },
          { name: 'dt', type: 'DateTime', value: TS },
          { name: 'n', type: 'Int32', value: null },
          { name: 'p', type: 'Double', value: 1, properties: { engUnit: { type: 'String', value: 'degC' }, Quality: { type: 'Int32', value: 192 } } }
        ]
      })
      const ours = decodePayload(buf)
      const theirs = sp.decodePayload(buf)
      assert.equal(ours.timestamp, TS)
      assert.equal(ours.seq, 3)
      // Numbers, bigints and sparkplug-payload's Long objects compare by decimal text.
      const normalize = (v: unknown): unknown => typeof v === 'bigint' || typeof v === 'number' || (v !== null && typeof v === 'object' && 'low' in v) ? String(v) : v
      ours.metrics.forEach((m, i) => {
        const t = theirs.metrics![i]!
        assert.equal(m.name, t.name)
        assert.equal(dataTypeName(m.datatype!), t.type)
        // sparkplug-payload 1.0.3 returns Int64 as an unsigned Long (its `instanceof Long` check fails against
        // protobufjs' own long.js), so -42 comes back as 18446744073709551574: compare two's complement there.
        const expected = m.datatype === DataType.Int64 ? BigInt.asIntN(64, BigInt(String(t.value))) : t.value
        assert.deepEqual(normalize(m.value), normalize(expected), `metric ${m.name}`)
      })
      assert.equal(ours.metrics[2]!.value, 4000000000)
      assert.deepEqual(ours.metrics[11]!.properties, { engUnit: { type: DataType.String, value: 'degC' }, Quality: { type: DataType.Int32, value: 192 } })
    })
  })

  describe('null values and missing values', function () {
    it('round-trips is_null metrics of any datatype as value null', function () {
      for (const type of [DataType.Int8, DataType.Int64, DataType.String, DataType.Bytes, DataType.DataSet, DataType.Template, DataType.DoubleArray]) {
        const back = roundTrip({ name: 'n', datatype: type, value: null })
        assert.equal(back.value, null)
        assert.equal(back.isNull, true)
        assert.equal(back.datatype, type)
      }
    })

    it('reports a typed metric with neither a value nor is_null, naming metric and datatype', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'a', datatype: 10, doubleValue: 1 }, { name: 'b', datatype: 10, doubleValue: 2 },
        { name: 'c', datatype: 10, doubleValue: 3 }, { name: 'Temperature', datatype: 12 }] })),
      /^metric 3 'Temperature': datatype 12 \(String\) but no string_value/)
    })

    it('reports a value in the wrong field for the datatype', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ alias: 9, datatype: 12, intValue: 5 }] })),
        /metric 0 \(alias 9\): datatype 12 \(String\) but no string_value \(it has int_value\)/)
    })

    it('reports an unknown datatype number', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'x', datatype: 99, intValue: 5 }] })), /datatype 99 is not a Sparkplug B datatype/)
    })
  })

  describe('array datatypes (packed little-endian in bytes_value)', function () {
    const ARRAYS: Array<[DataType, MetricValue]> = [
      [DataType.Int8Array, [-128, -23, 0, 123, 127]],
      [DataType.Int16Array, [-32768, -30000, 30000, 32767]],
      [DataType.Int32Array, [-2147483648, -1, 315338746, 2147483647]],
      [DataType.Int64Array, [-9223372036854775808n, -4270929666821191986n, 0n, 9223372036854775807n]],
      [DataType.UInt8Array, [0, 23, 250, 255]],
      [DataType.UInt16Array, [0, 30, 52360, 65535]],
      [DataType.UInt32Array, [0, 52, 3293969225, 4294967295]],
      [DataType.UInt64Array, [0n, 52n, 16444743074749521625n, 18446744073709551615n]],
      [DataType.FloatArray, [Math.fround(1.23), Math.fround(89.341), -Infinity, 0]],
      [DataType.DoubleArray, [12.354213, 1022.9123213, Number.MAX_VALUE, -0]],
      [DataType.BooleanArray, [false, false, true, true, false, true, false, false, true, true, false, true]],
      [DataType.StringArray, ['ABC', 'hello', '', 'Grüße']],
      [DataType.DateTimeArray, [1256102875335n, 1656107875000n, 0n]]
    ]
    for (const [type, value] of ARRAYS) {
      it(`round-trips ${dataTypeName(type)} with boundary elements, and the empty array`, function () {
        assert.deepEqual(roundTrip({ name: 'a', datatype: type, value }).value, value)
        assert.deepEqual(roundTrip({ name: 'a', datatype: type, value: [] }).value, [])
      })
    }

    it('packs the specification examples byte for byte (with the errata in Int8, Float, Double and DateTime examples corrected)', function () {
      const hex = (t: DataType, v: unknown): string => packArray(t, v).toString('hex')
      assert.equal(hex(DataType.Int8Array, [-23, 123]), 'e97b') // spec shows EF 7B; -23 is 0xE9
      assert.equal(hex(DataType.Int16Array, [-30000, 30000]), 'd08a3075')
      assert.equal(hex(DataType.Int32Array, [-1, 315338746]), 'fffffffffaafcb12')
      assert.equal(hex(DataType.Int32Array, [123456789, 987654321]), '15cd5b07b168de3a')
      assert.equal(hex(DataType.UInt8Array, [23, 250]), '17fa')
      assert.equal(hex(DataType.UInt16Array, [30, 52360]), '1e0088cc')
      assert.equal(hex(DataType.UInt32Array, [52, 3293969225]), '3400000049fb55c4')
      assert.equal(hex(DataType.UInt64Array, [52n, 16444743074749521625n]), '3400000000000000d99e02d1b27637e4')
      assert.equal(hex(DataType.FloatArray, [1.23, 89.341]), 'a4709d3f98aeb242') // spec example is big-endian
      assert.equal(hex(DataType.DoubleArray, [12.354213]), 'd7a205685bb52840') // spec example is big-endian
      assert.equal(hex(DataType.BooleanArray, [false, false, true, true, false, true, false, false, true, true, false, true]), '0c00000034d0')
      assert.equal(hex(DataType.StringArray, ['ABC', 'hello']), '4142430068656c6c6f00')
      assert.equal(hex(DataType.DateTimeArray, [1256102875335n, 1656107875000n]), 'c7d0907524010000b8bab89781010000') // spec drops 2 bytes each
    })

    it('decodes a BooleanArray whose unused trailing bits are set', function () {
      assert.deepEqual(unpackArray(DataType.BooleanArray, Buffer.from('0300000060ff', 'hex').subarray(0, 5)), [false, true, true])
      assert.deepEqual(unpackArray(DataType.BooleanArray, Buffer.from('030000007f', 'hex')), [false, true, true])
    })

    it('rejects malformed array bytes: odd length, short boolean count, missing string terminator', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'a', datatype: DataType.Int32Array, bytesValue: [1, 2, 3] }] })),
        /metric 0 'a': Int32Array: bytes_value has 3 bytes, not a multiple of 4/)
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'b', datatype: DataType.BooleanArray, bytesValue: [9, 0, 0, 0, 0] }] })), /count 9 needs 2 bytes/)
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'c', datatype: DataType.StringArray, bytesValue: [65, 66] }] })), /terminator/)
    })

    it('refuses to encode an element outside its type, naming the element', function () {
      throwsValue(() => encodePayload({ metrics: [{ name: 'arr', datatype: DataType.UInt8Array, value: [1, 256] }] }), /metric 0 'arr': UInt8Array element 1: 256 is out of range 0\.\.255/)
      throwsValue(() => encodePayload({ metrics: [{ name: 's', datatype: DataType.StringArray, value: ['a\0b'] }] }), /NUL/)
    })
  })
})
