import assert from 'node:assert/strict'
import { parseIdocXml } from '../../../../adapters/sap/idoc/idoc-xml'
import { mapLoipro, actionsOf } from '../../../../adapters/sap/mapping/loipro'
import { IdocMappingError } from '../../../../adapters/sap/errors'
import { loiproIdoc, sample, xmlHttp } from '../idoc-samples'

const one = (xml: string | Buffer) => parseIdocXml(xml)[0]

describe('SAP LOIPRO into a work order of the MES', () => {
  it('maps the shared sample: order 208277437, its 3 operations, 2 components with 3560.1 CM and 400 EA, released', () => {
    const r = mapLoipro(one(sample('LOIPRO05_from_non_sap_erp.xml')))
    assert.deepEqual(r.order, {
      orderNumber: '208277437',
      material: 'S1SP02677',
      quantity: 200,
      unit: 'EA',
      dueDate: '2023-12-15T13:58:42Z',
      plannedStart: '2023-12-11T00:29:41Z',
      operations: [
        { sequence: 9, workCenter: 'TEST_AZ', description: 'Basket assign', quantity: 2 },
        { sequence: 10, workCenter: 'TEST_AZ', quantity: 2 },
        { sequence: 20, workCenter: 'TEST_AZ', quantity: 2 }
      ],
      materials: [
        { item: 10, material: 'R1CH01007', quantity: 3560.1, unit: 'CM', operationSequence: 10 },
        { item: 20, material: 'R1MF00012', quantity: 400, unit: 'EA', operationSequence: 10 }
      ]
    })
    assert.deepEqual(r.statuses, ['I0002', 'I0028', 'I0048', 'I0215', 'I0340'])
    assert.deepEqual(r.actions, ['upsert', 'release'])
    assert.equal(r.plant, 'DM01')
    assert.deepEqual(r.extensions, [])
  })

  it('maps SAP\'s own output: leading zeros, MATNR empty with MATNR_LONG, 240000, 00000000, scientific notation, time zone', () => {
    const r = mapLoipro(one(xmlHttp(loiproIdoc('0000000000123401'))), { zone: { offsetMinutes: 60 } })
    assert.equal(r.order.orderNumber, '1895938')
    assert.equal(r.order.material, 'FG-1000-LONG-MATERIAL-NUMBER-40-CHARS')
    assert.equal(r.order.dueDate, '2024-03-15T23:00:00Z') // 20240315 240000 at UTC+1: midnight into the 16th, local
    assert.equal(r.order.plannedStart, '2024-03-11T23:00:00Z')
    assert.deepEqual(r.order.operations[0], { sequence: 10, workCenter: 'PRESS01', description: 'Press', quantity: 10 })
    assert.deepEqual(r.order.materials, [{ item: 10, material: '4711', quantity: 2.5, unit: 'KG', operationSequence: 10 }])
    assert.equal(mapLoipro(one(xmlHttp(loiproIdoc('2', { aufnr: '1895938' })))).order.orderNumber, '1895938')
  })

  it('reads E1JSTKL x10 and turns the statuses into actions: created, released, locked, TECO, deletion flag', () => {
    const ten = ['I0001', 'I0002', 'I0016', 'I0028', 'I0048', 'I0115', 'I0215', 'I0340', 'I0420', 'I0043']
    const r = mapLoipro(one(xmlHttp(loiproIdoc('3', { statuses: ten }))))
    assert.deepEqual(r.statuses, ten)
    assert.deepEqual(r.actions, ['upsert', 'release', 'lock'])
    assert.deepEqual(actionsOf(['I0001']), ['upsert'])
    assert.deepEqual(actionsOf(['I0002', 'I0045']), ['upsert', 'complete'])
    assert.deepEqual(actionsOf(['I0002', 'I0076']), ['delete'])
    const inactive = '<E1JSTKL SEGMENT="1"><STAT>I0076</STAT><INACT>X</INACT></E1JSTKL>'
    assert.deepEqual(mapLoipro(one(xmlHttp(loiproIdoc('4', { header: '', trailer: inactive })))).actions, ['upsert', 'release'])
  })

  it('keeps unknown and Z-segments, and _-SCWM_-E1LTORH as /SCWM/E1LTORH, as extensions to pass on', () => {
    const z = '<ZCONFHIST1 SEGMENT="1"><ZDATE>20240301</ZDATE></ZCONFHIST1><Z1PP_ORDER_EXT SEGMENT="1"><ZLINE>L1</ZLINE></Z1PP_ORDER_EXT>' +
      '<_-SCWM_-E1LTORH SEGMENT="1"><LGNUM>W001</LGNUM></_-SCWM_-E1LTORH>'
    const r = mapLoipro(one(xmlHttp(loiproIdoc('5', { trailer: z }))))
    assert.deepEqual(r.extensions.map((e) => [e.path, e.segment.name]), [
      ['IDOC 1 > E1AFKOL[1] > ZCONFHIST1[1]', 'ZCONFHIST1'],
      ['IDOC 1 > E1AFKOL[1] > Z1PP_ORDER_EXT[1]', 'Z1PP_ORDER_EXT'],
      ['IDOC 1 > E1AFKOL[1] > /SCWM/E1LTORH[1]', '/SCWM/E1LTORH']
    ])
    assert.deepEqual(r.extensions[2].segment.fields, { LGNUM: 'W001' })
  })

  it('takes the standard values as setup minutes and run minutes per unit (VGW01, VGW02 per BMSCH, in their time units)', () => {
    const ops = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESSL1</ARBPL><BMSCH>10.000</BMSCH>' +
      '<VGW01>0.500</VGW01><VGE01>H</VGE01><VGW02>25.000</VGW02><VGE02>MIN</VGE02></E1AFVOL>' +
      '<E1AFVOL SEGMENT="1"><VORNR>0020</VORNR><ARBPL>PRESSL1</ARBPL><VGW01>90</VGW01><VGE01>S</VGE01><VGW02>3</VGW02><VGE02>KG</VGE02></E1AFVOL>'
    const r = mapLoipro(one(xmlHttp(loiproIdoc('1', { operations: ops }))))
    assert.deepEqual(r.order.operations.map((o) => [o.sequence, o.setupTime, o.runTimePerUnit]), [[10, 30, 2.5], [20, 1.5, undefined]])
    assert.ok(r.warnings.some((w) => /VGW02 3 is in 'KG', not a unit of time/.test(w)), r.warnings.join('; '))
  })

  it('names every missing mandatory field by segment path and field', () => {
    const ops = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>A</ARBPL></E1AFVOL><E1AFVOL SEGMENT="1"><VORNR>0020</VORNR><ARBPL>B</ARBPL></E1AFVOL>' +
      '<E1AFVOL SEGMENT="1"><ARBPL>C</ARBPL><E1RESBL SEGMENT="1"><POSNR>0010</POSNR><BDMNG>1</BDMNG></E1RESBL></E1AFVOL>'
    const idoc = one(xmlHttp(loiproIdoc('6', { operations: ops }).replace('<GLTRP>20240315</GLTRP>', '')))
    assert.throws(() => mapLoipro(idoc), (err: unknown) => {
      assert.ok(err instanceof IdocMappingError)
      assert.deepEqual(err.problems, [
        { path: 'IDOC 1 > E1AFKOL', message: 'GLTRP (basic finish date) missing' },
        { path: 'IDOC 1 > E1AFKOL > E1AFFLL[1] > E1AFVOL[3]', message: 'VORNR missing' },
        { path: 'IDOC 1 > E1AFKOL > E1AFFLL[1] > E1AFVOL[3] > E1RESBL[1]', message: 'MATNR_LONG/MATNR missing' },
        { path: 'IDOC 1 > E1AFKOL > E1AFFLL[1] > E1AFVOL[3] > E1RESBL[1]', message: 'MEINS missing' }
      ])
      assert.match(err.message, /IDOC 1 > E1AFKOL > E1AFFLL\[1\] > E1AFVOL\[3\]: VORNR missing/)
      return true
    })
  })

  it('refuses a work center the MES cannot hold, and bad SAP values, instead of rewriting them', () => {
    const ops = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESS 01</ARBPL><MGVRG>1,5</MGVRG></E1AFVOL>'
    assert.throws(() => mapLoipro(one(xmlHttp(loiproIdoc('7', { operations: ops, header: '<GLUZP>250000</GLUZP>' }).replace('<GLUZP>240000</GLUZP>', '')))),
      (err: unknown) => {
        assert.ok(err instanceof IdocMappingError)
        const messages = err.problems.map((p) => p.message)
        assert.ok(messages.includes("GLTRP/GLUZP: time '250000' is not a time of day"), messages.join('; '))
        assert.ok(messages.some((m) => m.startsWith("ARBPL 'PRESS 01' is not a valid MES id")), messages.join('; '))
        assert.ok(messages.includes("MGVRG: '1,5' is not a decimal number"), messages.join('; '))
        return true
      })
    assert.throws(() => mapLoipro(one(xmlHttp('<IDOC><EDI_DC40 SEGMENT="1"><DOCNUM>1</DOCNUM></EDI_DC40></IDOC>'))), /IDOC 1: E1AFKOL \(order header\) missing/)
  })
})
