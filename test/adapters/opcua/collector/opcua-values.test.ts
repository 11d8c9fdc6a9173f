// How OPC UA values look in the namespace: the hub's JSON convention, the datatype's name, the quality.
import assert from 'node:assert/strict'
import { DataType, DataValue, StatusCodes, Variant, VariantArrayType } from 'node-opcua'
import { collectedValue, qualityOf } from '../../../../adapters/opcua/collector/opcua-values'

const at = new Date('2026-05-01T12:00:00Z')
const dv = (dataType: DataType, value: unknown, extra: Partial<{ arrayType: VariantArrayType, statusCode: typeof StatusCodes.Good }> = {}): DataValue =>
  new DataValue({ value: new Variant({ dataType, arrayType: extra.arrayType ?? VariantArrayType.Scalar, value }), sourceTimestamp: at, statusCode: extra.statusCode ?? StatusCodes.Good })

describe('OPC UA values in the namespace', () => {
  it('numbers, booleans and strings pass as they are, with the datatype name and the source timestamp', () => {
    assert.deepEqual(collectedValue(dv(DataType.Double, 21.5)), { value: 21.5, datatype: 'Double', quality: 'GOOD', timestamp: at.getTime() })
    assert.equal(collectedValue(dv(DataType.Boolean, true)).value, true)
    assert.equal(collectedValue(dv(DataType.String, 'P-100')).value, 'P-100')
    assert.equal(collectedValue(dv(DataType.Int32, -7)).datatype, 'Int32')
  })

  it('64-bit integers are decimal strings, never numbers that lose digits', () => {
    assert.equal(collectedValue(dv(DataType.UInt64, [0xffffffff, 0xffffffff])).value, '18446744073709551615')
    assert.equal(collectedValue(dv(DataType.Int64, [0xffffffff, 0xffffffff])).value, '-1')
    assert.equal(collectedValue(dv(DataType.Int64, [1, 2])).value, String(2 ** 32 + 2))
  })

  it('DateTime is ms since the epoch, ByteString base64, NaN a string, arrays element by element', () => {
    assert.equal(collectedValue(dv(DataType.DateTime, at)).value, at.getTime())
    assert.equal(collectedValue(dv(DataType.ByteString, Buffer.from('hi'))).value, 'aGk=')
    assert.equal(collectedValue(dv(DataType.Double, Number.NaN)).value, 'NaN')
    const arr = collectedValue(dv(DataType.Double, [1, 2.5], { arrayType: VariantArrayType.Array }))
    assert.deepEqual(arr.value, [1, 2.5])
    assert.equal(arr.datatype, 'DoubleArray')
  })

  it('the StatusCode severity is the quality', () => {
    assert.equal(qualityOf(StatusCodes.Good), 'GOOD')
    assert.equal(qualityOf(StatusCodes.UncertainLastUsableValue), 'UNCERTAIN')
    assert.equal(qualityOf(StatusCodes.BadSensorFailure), 'BAD')
    assert.equal(collectedValue(dv(DataType.Double, 1, { statusCode: StatusCodes.BadCommunicationError })).quality, 'BAD')
  })

  it('a server without a clock (no or a 1601 timestamp) gets the time the value arrived', () => {
    const v = collectedValue(new DataValue({ value: new Variant({ dataType: DataType.Double, value: 1 }), sourceTimestamp: new Date(Date.UTC(1601, 0, 1)) }), 1_750_000_000_000)
    assert.equal(v.timestamp, 1_750_000_000_000)
  })
})
