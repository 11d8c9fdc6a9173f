// What a namespace value looks like to an OPC UA client, and a written value on its way back as a command.
import assert from 'node:assert/strict'
import { BinaryStream, DataType, StatusCodes, Variant, VariantArrayType } from 'node-opcua'
import { fromVariant, statusCodeOf, toVariant, variableTypeOf } from '../../../../adapters/opcua/server/values'

describe('OPC UA values of namespace entries', function () {
  it('gives each Sparkplug datatype its OPC UA DataType and rank, and JSON values the type of their value', function () {
    assert.deepEqual(variableTypeOf('Int64', '1'), { dataType: DataType.Int64, valueRank: -1 })
    assert.deepEqual(variableTypeOf('UInt64', '1'), { dataType: DataType.UInt64, valueRank: -1 })
    assert.deepEqual(variableTypeOf('UInt8', 1), { dataType: DataType.Byte, valueRank: -1 })
    assert.deepEqual(variableTypeOf('DateTime', 0), { dataType: DataType.DateTime, valueRank: -1 })
    assert.deepEqual(variableTypeOf('FloatArray', []), { dataType: DataType.Float, valueRank: 1 })
    assert.deepEqual(variableTypeOf('JSON', 21.5), { dataType: DataType.Double, valueRank: -1 })
    assert.deepEqual(variableTypeOf('JSON', { a: 1 }), { dataType: DataType.String, valueRank: -1 })
    assert.deepEqual(variableTypeOf('DataSet', { columns: [] }), { dataType: DataType.String, valueRank: -1 })
  })

  it('carries 64-bit integers, DateTime, Bytes and arrays without loss, both ways', function () {
    for (const [datatype, value] of [['Int64', '-9223372036854775808'], ['Int64', '9007199254740993'], ['UInt64', '18446744073709551615'],
      ['DateTime', 1718000000123], ['Bytes', Buffer.from([1, 2, 255]).toString('base64')], ['Int64Array', ['-1', '2']], ['DoubleArray', [1.5, -0]]] as const) {
      const type = variableTypeOf(datatype, value)
      const v = toVariant(type, value)
      assert.equal(v.dataType, type.dataType, datatype)
      // Through the wire encoding, as a client sees it.
      const stream = new BinaryStream(v.binaryStoreSize())
      v.encode(stream)
      stream.rewind()
      const decoded = new Variant()
      decoded.decode(stream)
      assert.deepEqual(fromVariant(type, decoded), value, `${datatype} ${JSON.stringify(value)}`)
    }
    assert.equal(toVariant(variableTypeOf('Int64Array', []), ['1']).arrayType, VariantArrayType.Array)
    assert.equal(toVariant(variableTypeOf('Double', 0), null).dataType, DataType.Null, 'a null value is an empty Variant')
  })

  it('maps qualities to StatusCodes: STALE is UncertainLastUsableValue', function () {
    assert.equal(statusCodeOf('GOOD'), StatusCodes.Good)
    assert.equal(statusCodeOf('STALE'), StatusCodes.UncertainLastUsableValue)
    assert.equal(statusCodeOf('UNCERTAIN'), StatusCodes.Uncertain)
    assert.equal(statusCodeOf('BAD'), StatusCodes.Bad)
  })
})
