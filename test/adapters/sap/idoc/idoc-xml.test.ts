import assert from 'node:assert/strict'
import { parseIdocXml } from '../../../../adapters/sap/idoc/idoc-xml'
import { children, field } from '../../../../adapters/sap/idoc/idoc'
import { IdocMalformedError, IdocStructureError } from '../../../../adapters/sap/errors'
import { controlRecord, loiproIdoc, sample, sampleFiles, xmlHttp } from '../idoc-samples'

describe('SAP IDoc-XML parsing into the IDoc model', () => {
  it('parses every shared sample into one IDoc with its control record and segments', () => {
    const types: Record<string, [string, string, string]> = {
      'LOIPRO05_from_non_sap_erp.xml': ['LOIPRO05', 'LOIPRO', 'E1AFKOL'],
      'LOIWCS03.xml': ['LOIWCS03', 'LOIWCS', 'E1CRHDL'],
      'MATMAS05_R1CH01007_RAW_MAT_IDOC.xml': ['MATMAS05', 'MATMAS', 'E1MARAM'],
      'MATMAS05_R1MF00012_RAW_MAT_IDOC.xml': ['MATMAS05', 'MATMAS', 'E1MARAM'],
      'MATMAS05_S1SP02677_FINISHED_MAT_IDOC.xml': ['MATMAS05', 'MATMAS', 'E1MARAM']
    }
    assert.deepEqual(sampleFiles(), Object.keys(types).sort())
    for (const file of sampleFiles()) {
      const idocs = parseIdocXml(sample(file), { source: file })
      assert.equal(idocs.length, 1, file)
      const [type, mestyp, first] = types[file]
      assert.deepEqual([idocs[0].idocType, idocs[0].messageType, idocs[0].segments[0].name], [type, mestyp, first], file)
    }
  })

  it('keeps the LOIPRO sample in document order, text exactly as sent, empty elements as empty fields', () => {
    const [idoc] = parseIdocXml(sample('LOIPRO05_from_non_sap_erp.xml'))
    assert.equal(idoc.control.DOCNUM, '0000000000007699')
    const header = idoc.segments[0]
    assert.equal(field(header, 'AUFNR'), '208277437')
    assert.equal(field(header, 'PLSVB'), '99999999.000')
    assert.deepEqual(header.segments.map((s) => s.name), ['E1AFPOL', 'E1JSTKL', 'E1JSTKL', 'E1JSTKL', 'E1JSTKL', 'E1JSTKL', 'E1AFFLL'])
    const ops = children(children(header, 'E1AFFLL')[0], 'E1AFVOL')
    assert.deepEqual(ops.map((o) => field(o, 'VORNR')), ['0009', '0010', '0020'])
    assert.equal(field(ops[0], 'RUEK'), '')
    assert.equal(field(ops[1], 'LTXA1'), '')
    assert.deepEqual(children(ops[1], 'E1RESBL').map((c) => [field(c, 'POSNR'), field(c, 'BDMNG'), field(c, 'MEINS')]), [['0010', '3560.1', 'CM'], ['0020', '400', 'EA']])
  })

  it('reads SAP XML-HTTP output without namespace, with SEGMENT attributes, as a bulk packet of 3 IDOCs', () => {
    const idocs = parseIdocXml(xmlHttp(loiproIdoc('0000000000123401'), loiproIdoc('0000000000123402'), loiproIdoc('0000000000123403')))
    assert.deepEqual(idocs.map((i) => i.control.DOCNUM), ['0000000000123401', '0000000000123402', '0000000000123403'])
    assert.ok(idocs.every((i) => i.idocType === 'LOIPRO05' && i.messageType === 'LOIPRO' && i.control.SNDPRN === 'S4HCLNT100'))
    assert.equal(field(idocs[0].segments[0], 'AUFNR'), '000001895938')
  })

  it('reads names by local name whatever the prefix, and writes _- as / (namespaced SAP segments)', () => {
    const xml = '<ns1:LOIPRO05 xmlns:ns1="urn:sap-com:document:sap:idoc:soap:messages"><ns1:IDOC BEGIN="1">' +
      '<ns1:EDI_DC40 SEGMENT="1"><ns1:DOCNUM>42</ns1:DOCNUM></ns1:EDI_DC40>' +
      '<ns1:_-SCWM_-E1LTORH SEGMENT="1"><ns1:_-SCWM_-LGNUM>W001</ns1:_-SCWM_-LGNUM><ZCONFHIST1 SEGMENT="1"/></ns1:_-SCWM_-E1LTORH>' +
      '</ns1:IDOC></ns1:LOIPRO05>'
    const [idoc] = parseIdocXml(xml)
    assert.equal(idoc.idocType, 'LOIPRO05')
    assert.deepEqual(idoc.segments, [{ name: '/SCWM/E1LTORH', fields: { '/SCWM/LGNUM': 'W001' }, segments: [{ name: 'ZCONFHIST1', fields: {}, segments: [] }] }])
  })

  it('decodes the XML entities and character references, keeps CDATA and surrounding spaces as sent', () => {
    const [idoc] = parseIdocXml(`<X><IDOC>${controlRecord('1')}<E1X SEGMENT="1"><A>R&amp;D &lt;1&gt; &#xB5;&#181;</A><B><![CDATA[a<b]]></B><C> 007 </C></E1X></IDOC></X>`)
    assert.deepEqual(idoc.segments[0].fields, { A: 'R&D <1> µµ', B: 'a<b', C: ' 007 ' })
    assert.throws(() => parseIdocXml(`<X><IDOC>${controlRecord('1')}<E1X SEGMENT="1"><A>&nbsp;</A></E1X></IDOC></X>`), /undefined entity reference '&nbsp;'/)
  })

  it('refuses malformed XML with the line and column', () => {
    const xml = '<LOIPRO05>\n  <IDOC>\n    <EDI_DC40><DOCNUM>1</DOCNUM>\n  </IDOC>\n</LOIPRO05>'
    assert.throws(() => parseIdocXml(xml, { source: 'POST /sap/bc/idoc_xml' }), (err: unknown) => {
      assert.ok(err instanceof IdocMalformedError)
      assert.equal(err.line, 4)
      assert.match(err.message, /^POST \/sap\/bc\/idoc_xml at line 4, column \d+: .*EDI_DC40/)
      return true
    })
  })

  it('refuses an IDoc without EDI_DC40, naming its position in the packet', () => {
    const xml = xmlHttp(loiproIdoc('1'), '<IDOC BEGIN="1"><E1AFKOL SEGMENT="1"><AUFNR>1</AUFNR></E1AFKOL></IDOC>')
    assert.throws(() => parseIdocXml(xml), (err: unknown) => {
      assert.ok(err instanceof IdocStructureError)
      assert.equal(err.where.path, 'IDOC 2')
      assert.match(err.message, /EDI_DC40 is missing/)
      return true
    })
  })

  it('refuses a document with no IDOC and a field written twice', () => {
    assert.throws(() => parseIdocXml('<LOIPRO05/>'), /no IDOC element/)
    assert.throws(() => parseIdocXml(`<X><IDOC>${controlRecord('1')}<E1X SEGMENT="1"><A>1</A><A>2</A></E1X></IDOC></X>`), /IDOC 1 > E1X: field A appears twice/)
  })
})
