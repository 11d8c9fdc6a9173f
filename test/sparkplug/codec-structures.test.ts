import assert from 'node:assert/strict'
import { specEncode, specDecode, TS, roundTrip, only, throwsDecode } from './codec-support'
import { DataType } from '../../sparkplug/datatypes'
import { decodePayload, encodePayload } from '../../sparkplug/codec'
import type { DataSet, PropertySet, Template } from '../../sparkplug/types'

describe('Sparkplug B codec: DataSet, Template, PropertySet, and payloads of an independent codec', function () {
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
})
