import assert from 'node:assert/strict'
import { alphaInput, alphaOutput, decimalNumber, ianaZone, materialNumber, sameAlpha, sapDate, sapDateTime, sapDecimal, utcOffsetMinutes } from '../../../adapters/sap/sap-values'
import { SapValueError } from '../../../adapters/sap/errors'

describe('SAP values into the hub\'s forms', () => {
  it('ALPHA: 1895938 and 000001895938 are the same order number', () => {
    assert.equal(alphaInput('1895938', 12), '000001895938')
    assert.equal(alphaOutput('000001895938'), '1895938')
    assert.ok(sameAlpha('1895938', '000001895938'))
    assert.equal(alphaInput('PPT-743944', 12), 'PPT-743944')
    assert.equal(alphaOutput('0A12'), '0A12')
    assert.throws(() => alphaInput('1234567890123', 12), SapValueError)
  })

  it('takes MATNR_LONG when MATNR is empty, and MATNR without its leading zeros', () => {
    assert.equal(materialNumber({ MATNR: '', MATNR_LONG: 'A-VERY-LONG-MATERIAL-NUMBER-OF-S4HANA-40C' }), 'A-VERY-LONG-MATERIAL-NUMBER-OF-S4HANA-40C')
    assert.equal(materialNumber({ MATNR: '000000000000004711' }), '4711')
    assert.equal(materialNumber({ MATNR: '', MATNR_LONG: '' }), undefined)
  })

  it('dates and times in an IANA zone take the offset in force on that day (summer time), also across the change', () => {
    const berlin = ianaZone('Europe/Berlin')
    assert.equal(sapDateTime('20240115', '120000', berlin), '2024-01-15T11:00:00Z')
    assert.equal(sapDateTime('20240715', '120000', berlin), '2024-07-15T10:00:00Z')
    assert.equal(sapDateTime('20240331', '010000', berlin), '2024-03-31T00:00:00Z', 'before the change to summer time')
    assert.equal(sapDateTime('20240331', '040000', berlin), '2024-03-31T02:00:00Z', 'after it')
    assert.equal(sapDateTime('20241231', '240000', berlin), '2024-12-31T23:00:00Z')
    assert.equal(sapDateTime('20240601', '083000', ianaZone('America/Chicago')), '2024-06-01T13:30:00Z')
  })

  it('dates and times: YYYYMMDD HHMMSS in the sender\'s zone to UTC; 00000000 and empty are none; 240000 is the next day', () => {
    assert.equal(sapDateTime('20231215', '135842'), '2023-12-15T13:58:42Z')
    assert.equal(sapDateTime('20231215', '135842', { offsetMinutes: utcOffsetMinutes('+01:00') }), '2023-12-15T12:58:42Z')
    assert.equal(sapDateTime('20231231', '240000'), '2024-01-01T00:00:00Z')
    assert.equal(sapDateTime('20240229', '000000'), '2024-02-29T00:00:00Z')
    assert.equal(sapDateTime('20240229', ''), '2024-02-29T00:00:00Z')
    assert.equal(sapDateTime('00000000', '120000'), undefined)
    assert.equal(sapDateTime('', undefined), undefined)
    assert.equal(sapDate('20231211'), '2023-12-11')
    assert.throws(() => sapDateTime('20230230', '000000'), /not a calendar date/)
    assert.throws(() => sapDateTime('20230101', '246000'), /not a time of day/)
    assert.throws(() => sapDateTime('2023-01-01', '000000'), /not YYYYMMDD/)
  })

  it('decimals to a canonical string with big.js: trailing zeros, scientific notation, the trailing minus, empty', () => {
    assert.equal(sapDecimal('200.000'), '200')
    assert.equal(sapDecimal('3560.1'), '3560.1')
    assert.equal(sapDecimal('1.000000000000000E+01'), '10')
    assert.equal(sapDecimal('2.5E-03'), '0.0025')
    assert.equal(sapDecimal('5.000-'), '-5')
    assert.equal(sapDecimal('0.000-'), '0')
    assert.equal(sapDecimal('123456789012345678.123456789'), '123456789012345678.123456789')
    assert.equal(sapDecimal(''), undefined)
    assert.throws(() => sapDecimal('1,5'), /'1,5' is not a decimal number/)
    assert.equal(decimalNumber(sapDecimal('0.1')!), 0.1)
  })

  it('refuses at once an exponent or a mantissa no SAP decimal has, instead of writing out its digits', () => {
    for (const v of ['1E+999999999', '1E-100000000', '9'.repeat(40)]) {
      assert.throws(() => sapDecimal(v), /more digits or a larger exponent than an SAP decimal \(31 digits\)/, v)
    }
    assert.equal(sapDecimal('1.5E+30'), '1500000000000000000000000000000')
  })
})
