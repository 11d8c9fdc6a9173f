import assert from 'node:assert/strict'
import { parseIdocXml } from '../../../../adapters/sap/idoc/idoc-xml'
import { mapMatmas } from '../../../../adapters/sap/mapping/matmas'
import { IdocMappingError } from '../../../../adapters/sap/errors'
import { sample } from '../idoc-samples'

describe('SAP MATMAS into material definitions', () => {
  it('maps the three shared samples', () => {
    const got = ['MATMAS05_R1CH01007_RAW_MAT_IDOC.xml', 'MATMAS05_R1MF00012_RAW_MAT_IDOC.xml', 'MATMAS05_S1SP02677_FINISHED_MAT_IDOC.xml']
      .map((f) => mapMatmas(parseIdocXml(sample(f))[0]))
    assert.deepEqual(got.map((r) => r.definition), [
      { material: 'R1CH01007', unit: 'EA', description: 'R1CH01007' },
      { material: 'R1MF00012', unit: 'EA', description: 'R1MF00012' },
      { material: 'S1SP02677', unit: 'EA', description: 'Gold Ring' }
    ])
    assert.deepEqual(got[2].plants, ['DM01'])
    assert.equal(got[2].materialType, 'FERT')
    assert.deepEqual(got[2].extensions.map((e) => e.path), ['IDOC 1 > E1MARAM[1] > CustomData[1]'])
  })

  it('picks the description by language, reads alternative units, the deletion flag and MATNR_LONG', () => {
    const xml = '<MATMAS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>0000000000000042</DOCNUM><IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP></EDI_DC40>' +
      '<E1MARAM SEGMENT="1"><MSGFN>005</MSGFN><MATNR></MATNR><MATNR_LONG>000000000000000815</MATNR_LONG><MEINS>KG</MEINS><LVORM>X</LVORM>' +
      '<E1MAKTM SEGMENT="1"><SPRAS>D</SPRAS><SPRAS_ISO>DE</SPRAS_ISO><MAKTX>Stahlblech</MAKTX></E1MAKTM>' +
      '<E1MAKTM SEGMENT="1"><SPRAS>E</SPRAS><SPRAS_ISO>EN</SPRAS_ISO><MAKTX>Steel sheet</MAKTX></E1MAKTM>' +
      '<E1MARCM SEGMENT="1"><WERKS>1000</WERKS></E1MARCM><E1MARCM SEGMENT="1"><WERKS>1100</WERKS></E1MARCM>' +
      '<E1MARMM SEGMENT="1"><MEINH>PAL</MEINH><UMREZ>500</UMREZ><UMREN>1</UMREN></E1MARMM>' +
      '</E1MARAM></IDOC></MATMAS05>'
    const r = mapMatmas(parseIdocXml(xml)[0], { language: 'de' })
    assert.deepEqual(r.definition, { material: '815', unit: 'KG', description: 'Stahlblech' })
    assert.deepEqual(r.descriptions, { DE: 'Stahlblech', EN: 'Steel sheet' })
    assert.deepEqual(r.plants, ['1000', '1100'])
    assert.deepEqual(r.alternativeUnits, [{ unit: 'PAL', numerator: '500', denominator: '1' }])
    assert.equal(r.deletionFlag, true)
  })

  it('names the missing base unit and material number', () => {
    const xml = '<MATMAS05><IDOC><EDI_DC40><DOCNUM>1</DOCNUM></EDI_DC40><E1MARAM SEGMENT="1"><MATNR/></E1MARAM></IDOC></MATMAS05>'
    assert.throws(() => mapMatmas(parseIdocXml(xml)[0]), (err: unknown) => {
      assert.ok(err instanceof IdocMappingError)
      assert.deepEqual(err.problems.map((p) => `${p.path}: ${p.message}`), ['IDOC 1 > E1MARAM: MATNR_LONG/MATNR missing', 'IDOC 1 > E1MARAM: MEINS (base unit) missing'])
      return true
    })
  })
})
