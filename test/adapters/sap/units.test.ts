import assert from 'node:assert/strict'
import { isoUnit, sapUnit, unitOf } from '../../../adapters/sap/units'

describe('SAP units of measurement and their ISO codes', () => {
  it('converts both ways', () => {
    const pairs = [['ST', 'PCE'], ['KG', 'KGM'], ['G', 'GRM'], ['M', 'MTR'], ['CM', 'CMT'], ['MM', 'MMT'], ['L', 'LTR'], ['M2', 'MTK'],
      ['M3', 'MTQ'], ['H', 'HUR'], ['MIN', 'MIN'], ['EA', 'EA'], ['PAK', 'PK']]
    for (const [sap, iso] of pairs) {
      assert.deepEqual(isoUnit(sap), { code: iso })
      assert.deepEqual(sapUnit(iso), { code: sap })
    }
  })

  it('keeps an unknown code as it is, with a warning for the caller', () => {
    const u = isoUnit('ZBX')
    assert.equal(u.code, 'ZBX')
    assert.match(u.warning!, /SAP unit 'ZBX' has no ISO code/)
    assert.match(sapUnit('XYZ').warning!, /ISO unit 'XYZ'/)
  })

  it('takes the unit of a MEINS/MEINS_ISO pair in the form the MES holds', () => {
    assert.deepEqual(unitOf('CM', undefined, 'sap'), { code: 'CM' })
    assert.deepEqual(unitOf(undefined, 'CMT', 'sap'), { code: 'CM' })
    assert.deepEqual(unitOf('CM', undefined, 'iso'), { code: 'CMT' })
    assert.equal(unitOf('', '', 'sap'), undefined)
  })
})
