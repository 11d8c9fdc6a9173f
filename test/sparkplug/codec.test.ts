import assert from 'node:assert/strict'
import path from 'node:path'
import * as protobuf from 'protobufjs'
import * as sparkplugPayload from 'sparkplug-payload'
import { SPARKPLUG_B_DESCRIPTOR } from '../../sparkplug/schema'
import { DataType, parseDataType, dataTypeName } from '../../sparkplug/datatypes'
import { decodePayload, encodePayload } from '../../sparkplug/codec'
import { packArray, unpackArray } from '../../sparkplug/arrays'
import { SparkplugDecodeError, SparkplugValueError } from '../../sparkplug/errors'
import { fromJsonMetric, fromJsonValue, toJsonMetric, toJsonValue } from '../../sparkplug/json'
import { HubError } from '../../core/errors'
import type { DataSet, MetricValue, PropertySet, SparkplugMetric, SparkplugPayload, Template } from '../../sparkplug/types'

// The specification's schema, copied into the repository (test/fixtures/sparkplug-3.0/PROVENANCE.md).
const SPEC_PROTO = path.resolve(__dirname, '../../../test/fixtures/sparkplug-3.0/sparkplug_b.proto')
const SOURCE_PROTO = path.resolve(__dirname, '../../../sparkplug/sparkplug_b.proto')

// An independent codec: protobufjs with the specification's .proto file, no conversion layer.
const specRoot = protobuf.loadSync(SPEC_PROTO)
const SpecPayload = specRoot.lookupType('org.eclipse.tahu.protobuf.Payload')
function specEncode (obj: Record<string, unknown>): Buffer {
  return Buffer.from(SpecPayload.encode(SpecPayload.fromObject(obj)).finish())
}
function specDecode (buf: Uint8Array): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return SpecPayload.toObject(SpecPayload.decode(buf), { longs: String, bytes: Array, defaults: false }) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
}

const TS = 1700000000000

function roundTrip (metric: SparkplugMetric): SparkplugMetric {
  const decoded = decodePayload(encodePayload({ timestamp: TS, seq: 0, metrics: [metric] }))
  assert.equal(decoded.metrics.length, 1)
  return decoded.metrics[0]!
}

function only (payload: SparkplugPayload): SparkplugMetric {
  return payload.metrics[0]!
}

function throwsDecode (fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SparkplugDecodeError, `expected SparkplugDecodeError, got ${String(err)}`)
    assert.ok(err instanceof HubError)
    assert.equal(err.code, 'SPARKPLUG_DECODE_FAILED')
    if (message) assert.match(err.message, message)
    return true
  })
}

function throwsValue (fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SparkplugValueError, `expected SparkplugValueError, got ${String(err)}`)
    assert.ok(err instanceof HubError)
    if (message) assert.match(err.message, message)
    return true
  })
}

const SCALARS: Array<[DataType, MetricValue[]]> = [
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

describe('Sparkplug B codec', function () {
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

  describe('DataSet', function () {
    const dataset: DataSet = {
      columns: ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f', 'd', 'b', 's', 'dt', 'txt', 'uuid'],
      types: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      rows: [
        [-128, -32768, -2147483648, -9223372036854775808n, 0, 0, 0, 0n, -Infinity, 0.1, false, '', 0n, '', '00000000-0000-0000-0000-000000000000'],
        [127, 32767, 2147483647, 9223372036854775807n, 255, 65535, 4294967295, 18446744073709551615n, 1.5, -1e300, true, 'x', BigInt(TS), 'long text', '123e4567-e89b-12d3-a456-426614174000'],
        [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null]
      ]
    }

    it('round-trips every basic column type (1..15) including boundary values and null cells', function () {
      assert.deepEqual(roundTrip({ name: 'ds', datatype: DataType.DataSet, value: dataset }).value, dataset)
    })

    it('writes num_of_columns, columns and types as the specification requires', function () {
      const raw = specDecode(encodePayload({ metrics: [{ name: 'ds', datatype: DataType.DataSet, value: dataset }] }))
      const ds = raw.metrics[0].datasetValue
      assert.equal(ds.numOfColumns, '15')
      assert.deepEqual(ds.types, dataset.types)
      assert.equal(ds.rows[1].elements[3].longValue, '9223372036854775807')
      assert.equal(ds.rows[0].elements[3].longValue, '9223372036854775808')
    })

    it('reports rows whose length differs from the column count, and columns/types count mismatches', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'ds', datatype: 16, datasetValue: { numOfColumns: 2, columns: ['a', 'b'], types: [3, 3], rows: [{ elements: [{ intValue: 1 }] }] } }] })),
        /metric 0 'ds' > dataset: row 0 has 1 elements, expected 2/)
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'ds', datatype: 16, datasetValue: { numOfColumns: 1, columns: ['a', 'b'], types: [3], rows: [] } }] })),
        /2 column names but 1 column types/)
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'ds', datatype: 16, datasetValue: { numOfColumns: 1, columns: ['a'], types: [12], rows: [{ elements: [{ intValue: 1 }] }] } }] })),
        /row 0 column 0 'a'.*datatype 12 \(String\) but no string_value/)
    })

    it('decodes a DataSet from the independent codec with Int8, DateTime and UUID columns (which sparkplug-payload rejects)', function () {
      const p = decodePayload(specEncode({ metrics: [{ name: 'ds', datatype: 16, datasetValue: {
        numOfColumns: 3, columns: ['t', 'when', 'id'], types: [1, 13, 15],
        rows: [{ elements: [{ intValue: 4294967295 }, { longValue: String(TS) }, { stringValue: 'u' }] }]
      } }] }))
      assert.deepEqual(only(p).value, { columns: ['t', 'when', 'id'], types: [1, 13, 15], rows: [[-1, BigInt(TS), 'u']] })
    })
  })

  describe('Template', function () {
    const definition: Template = {
      version: '1.0',
      isDefinition: true,
      metrics: [
        { name: 'Speed', datatype: DataType.Float, value: 0 },
        { name: 'Count', datatype: DataType.UInt64, value: 0n },
        { name: 'Nested', datatype: DataType.Template, value: { templateRef: 'Inner', isDefinition: false, metrics: [], parameters: [] } }
      ],
      parameters: [
        { name: 'max', type: DataType.Int32, value: 100 },
        { name: 'unit', type: DataType.String, value: 'rpm' },
        { name: 'noDefault', type: DataType.Double, value: null }
      ]
    }
    const instance: Template = {
      templateRef: 'Motor',
      isDefinition: false,
      metrics: [
        { name: 'Speed', datatype: DataType.Float, value: 1450.5, properties: { engUnit: { type: DataType.String, value: 'rpm' } } },
        { name: 'Count', datatype: DataType.UInt64, value: 18446744073709551615n }
      ],
      parameters: [{ name: 'max', type: DataType.Int32, value: -5 }]
    }

    it('round-trips a definition (isDefinition, parameters with and without defaults, nested template)', function () {
      assert.deepEqual(roundTrip({ name: 'Motor', datatype: DataType.Template, value: definition }).value, definition)
    })

    it('round-trips an instance with templateRef, member properties and a 64-bit member', function () {
      assert.deepEqual(roundTrip({ name: 'Motor 1', datatype: DataType.Template, value: instance }).value, instance)
    })

    it('allows definition members without values but not instance members', function () {
      const def = decodePayload(specEncode({ metrics: [{ name: 'T', datatype: 19, templateValue: { isDefinition: true, metrics: [{ name: 'm', datatype: 3 }] } }] }))
      assert.equal((only(def).value as Template).metrics[0]!.value, null)
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'T1', datatype: 19, templateValue: { isDefinition: false, templateRef: 'T', metrics: [{ name: 'm', datatype: 3 }] } }] })),
        /metric 0 'T1' > template metric 0 'm': datatype 3 \(Int32\) but no int_value/)
    })
  })

  describe('PropertySet and PropertySetList', function () {
    const properties: PropertySet = {
      engUnit: { type: DataType.String, value: 'degC' },
      Quality: { type: DataType.Int32, value: 192 },
      min: { type: DataType.Int64, value: -9223372036854775808n },
      missing: { type: DataType.Double, value: null },
      limits: { type: DataType.PropertySet, value: { hi: { type: DataType.Float, value: 80 }, lo: { type: DataType.Float, value: -20 } } },
      alarms: {
        type: DataType.PropertySetList,
        value: [{ name: { type: DataType.String, value: 'HiHi' }, sub: { type: DataType.PropertySet, value: { x: { type: DataType.Boolean, value: true } } } }, {}]
      }
    }

    it('round-trips metric properties with nested sets, lists, nulls and 64-bit values', function () {
      const back = roundTrip({ name: 'T', datatype: DataType.Double, value: 21.5, properties })
      assert.deepEqual(back.properties, properties)
      assert.deepEqual(Object.keys(back.properties!), Object.keys(properties))
    })

    it('writes Quality as an Int32 int_value, as the specification requires', function () {
      const raw = specDecode(encodePayload({ metrics: [{ name: 'T', datatype: DataType.Double, value: 1, properties }] }))
      const ps = raw.metrics[0].properties
      assert.equal(ps.keys[1], 'Quality')
      assert.deepEqual(ps.values[1], { type: 3, intValue: 192 })
    })

    it('reports a PropertySet whose keys and values differ in number', function () {
      throwsDecode(() => decodePayload(specEncode({ metrics: [{ name: 'T', datatype: 10, doubleValue: 1, properties: { keys: ['a', 'b'], values: [{ type: 3, intValue: 1 }] } }] })),
        /metric 0 'T' > properties: PropertySet has 2 keys but 1 values/)
    })
  })

  describe('payloads from an independent codec', function () {
    it('decodes every metric field and header field written by protobufjs with the specification .proto', function () {
      const buf = specEncode({
        timestamp: String(TS),
        seq: 255,
        uuid: 'schema-1',
        body: [1, 2, 3],
        metrics: [{
          name: 'Line/Temperature', alias: '18446744073709551615', timestamp: String(TS), datatype: 10, isHistorical: true,
          isTransient: false, isNull: false, metadata: { description: 'x', size: '9007199254740993' },
          properties: { keys: ['engUnit'], values: [{ type: 12, stringValue: 'degC' }] }, doubleValue: -3.25
        }]
      })
      assert.deepEqual(decodePayload(buf), {
        timestamp: TS,
        seq: 255,
        uuid: 'schema-1',
        body: Buffer.from([1, 2, 3]),
        metrics: [{
          name: 'Line/Temperature', alias: 18446744073709551615n, timestamp: TS, datatype: DataType.Double, isHistorical: true,
          isTransient: false, isNull: false, metadata: { description: 'x', size: 9007199254740993n },
          properties: { engUnit: { type: DataType.String, value: 'degC' } }, value: -3.25
        }]
      })
    })

    it('produces bytes that the independent codec reads back to the same fields', function () {
      const raw = specDecode(encodePayload({ timestamp: TS, seq: 1, metrics: [{ alias: 3n, timestamp: TS, datatype: DataType.UInt64, value: 18446744073709551615n }] }))
      assert.deepEqual(raw, { timestamp: String(TS), seq: '1', metrics: [{ alias: '3', timestamp: String(TS), datatype: 8, longValue: '18446744073709551615' }] })
    })

    it('leaves the raw value of a DATA metric without datatype, or applies the datatype a birth-table resolver supplies', function () {
      const buf = specEncode({ timestamp: String(TS), seq: 2, metrics: [{ alias: 1, intValue: 4294967295 }, { alias: 2, longValue: '18446744073709551615' }, { alias: 3, bytesValue: [1, 0, 0, 0, 0x80] }] })
      assert.deepEqual(decodePayload(buf).metrics.map((m) => m.value), [4294967295, 18446744073709551615n, Buffer.from([1, 0, 0, 0, 0x80])])
      const birth = new Map<unknown, DataType>([[1, DataType.Int8], [2, DataType.Int64], [3, DataType.BooleanArray]])
      const typed = decodePayload(buf, { datatypeOf: (m) => birth.get(m.alias) })
      assert.deepEqual(typed.metrics.map((m) => [m.datatype, m.value]), [[DataType.Int8, -1], [DataType.Int64, -1n], [DataType.BooleanArray, [true]]])
    })

    it('can leave the datatype field out of DATA/CMD metrics while encoding values by datatype', function () {
      const raw = specDecode(encodePayload({ metrics: [{ alias: 5, datatype: DataType.Int16, value: -1 }] }, { omitDatatype: true }))
      assert.deepEqual(raw.metrics, [{ alias: '5', intValue: 4294967295 }])
    })
  })

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
