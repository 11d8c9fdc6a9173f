import assert from 'node:assert/strict'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { confirmationIdoc } from '../../../../adapters/sap/outbound/confirmation-idoc'
import { writeIdocXml } from '../../../../adapters/sap/idoc/idoc-writer'
import { soapIdocRequest, readSoapIdocResponse, SapSoapError, IDOC_SOAP_NAMESPACE } from '../../../../adapters/sap/idoc/soap-request'
import { SapFieldError } from '../../../../adapters/sap/outbound/sap-fields'
import { confirmation, PARTNERS } from './fixtures'

const opts = { partners: PARTNERS, timeZone: 'Europe/Berlin', now: new Date('2025-04-01T06:00:00Z') }
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: false })

describe('SAP outbound: a confirmation as IDoc PPCC2PRETTICKET01', () => {
  it('writes IDoc-XML that parses back with the control record SAP needs and the time ticket values', () => {
    const xml = writeIdocXml(confirmationIdoc(confirmation(), opts))
    assert.equal(XMLValidator.validate(xml), true)
    const doc = parser.parse(xml)
    const idoc = doc.PPCC2PRETTICKET01.IDOC
    assert.equal(idoc['@_BEGIN'], '1')
    const dc = idoc.EDI_DC40
    assert.equal(dc['@_SEGMENT'], '1')
    assert.equal(dc.TABNAM, 'EDI_DC40')
    assert.equal(dc.DIRECT, '2')
    assert.equal(dc.IDOCTYP, 'PPCC2PRETTICKET01')
    assert.equal(dc.MESTYP, 'PPCC2PRETTICKET')
    assert.deepEqual([dc.SNDPOR, dc.SNDPRT, dc.SNDPRN, dc.RCVPOR, dc.RCVPRT, dc.RCVPRN], ['HUB', 'LS', 'ISA95HUB', 'SAPS4H', 'LS', 'S4HCLNT100'])
    assert.equal(dc.MANDT, undefined, 'an external system leaves MANDT to SAP')
    assert.match(dc.DOCNUM, /^\d{16}$/)
    assert.match(dc.ARCKEY, /^urn:sap\.com:msgid=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.deepEqual([dc.CREDAT, dc.CRETIM], ['20250401', '080000'])
    const tt = idoc.E1BP_PP_TIMETICKET
    assert.equal(tt['@_SEGMENT'], '1')
    assert.equal(tt.ORDERID, '000001895938')
    assert.equal(tt.OPERATION, '0010')
    assert.equal(tt.YIELD, '0.3', '0.1 + 0.2 is 0.3, not a float artefact')
    assert.equal(tt.SCRAP, '1')
    assert.equal(tt.REWORK, '0')
    assert.equal(tt.CONF_QUAN_UNIT, 'ST')
    assert.equal(tt.FIN_CONF, 'X')
    assert.equal(tt.CLEAR_RES, 'X')
    assert.equal(tt.POSTG_DATE, '20250401', "the plant's date (Berlin), not UTC's 20250331")
    assert.equal(tt.EXEC_FIN_TIME, '003005')
    assert.equal(tt.CONF_TEXT, confirmation().idempotencyKey)
    assert.deepEqual([tt.CONF_ACTIVITY1, tt.CONF_ACTI_UNIT1, tt.CONF_ACTIVITY2, tt.CONF_ACTI_UNIT2], ['15', 'MIN', '42.5', 'MIN'])
    assert.equal(tt.EX_CREATED_BY, 'operator.ann')
  })

  it('writes a partial confirmation without the final flag and without clearing reservations', () => {
    const doc = parser.parse(writeIdocXml(confirmationIdoc(confirmation({ final: false }), opts)))
    const tt = doc.PPCC2PRETTICKET01.IDOC.E1BP_PP_TIMETICKET
    assert.equal(tt.FIN_CONF, '')
    assert.equal(tt.CLEAR_RES, '')
  })

  it('gives a resend the same DOCNUM and ARCKEY, and another confirmation different ones', () => {
    const a = confirmationIdoc(confirmation(), opts).control
    const b = confirmationIdoc(confirmation(), { ...opts, now: new Date() }).control
    const c = confirmationIdoc(confirmation({ idempotencyKey: 'another-key' }), opts).control
    assert.deepEqual([a.DOCNUM, a.ARCKEY], [b.DOCNUM, b.ARCKEY])
    assert.notEqual(a.ARCKEY, c.ARCKEY)
    assert.notEqual(a.DOCNUM, c.DOCNUM)
  })

  it('refuses an order number SAP cannot hold, naming segment and field', () => {
    assert.throws(() => confirmationIdoc(confirmation({ orderNumber: '1234567890123' }), opts),
      (e: unknown) => e instanceof SapFieldError && /E1BP_PP_TIMETICKET at ORDERID/.test(e.message))
    assert.throws(() => confirmationIdoc(confirmation({ yield: -1 }), opts), /YIELD.*negative/)
  })

  it('escapes XML characters in field text', () => {
    const xml = writeIdocXml(confirmationIdoc(confirmation({ workCenter: 'A&B<C' }), opts))
    assert.match(xml, /<WORK_CNTR>A&amp;B&lt;C<\/WORK_CNTR>/)
  })
})

describe('SAP outbound: IDoc-SOAP', () => {
  it('wraps exactly one IDoc in a SOAP envelope in the IDoc-SOAP namespace', () => {
    const xml = soapIdocRequest(confirmationIdoc(confirmation(), opts))
    assert.equal(XMLValidator.validate(xml), true)
    const doc = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, isArray: (n) => n === 'IDOC' }).parse(xml)
    const body = doc.Envelope.Body.PPCC2PRETTICKET01
    assert.ok(xml.includes(`<PPCC2PRETTICKET01 xmlns="${IDOC_SOAP_NAMESPACE}">`), 'the IDoc document is in the IDoc-SOAP namespace')
    assert.equal(body.IDOC.length, 1)
    assert.equal(body.IDOC[0].EDI_DC40.MESTYP, 'PPCC2PRETTICKET')
  })

  it('reads an empty answer as accepted, and an IDoc number when SAP sends one', () => {
    assert.deepEqual(readSoapIdocResponse(202, ''), { ok: true })
    const env = (inner: string): string => `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`
    assert.deepEqual(readSoapIdocResponse(200, env('')), { ok: true })
    assert.deepEqual(readSoapIdocResponse(200, env('<n0:IdocAck xmlns:n0="urn:x"><DOCNUM>0000000000123456</DOCNUM></n0:IdocAck>')),
      { ok: true, idocNumber: '0000000000123456' })
  })

  it('reads a SOAP fault into an error that says whether a retry can help', () => {
    const fault = (code: string, text: string): string => '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
      `<soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring></soap:Fault></soap:Body></soap:Envelope>`
    assert.throws(() => readSoapIdocResponse(500, fault('soap:Client', 'IDoc type unknown')),
      (e: unknown) => e instanceof SapSoapError && !e.retryable && /IDoc type unknown/.test(e.message))
    assert.throws(() => readSoapIdocResponse(500, fault('soap:Server', 'Update task busy')),
      (e: unknown) => e instanceof SapSoapError && e.retryable)
    assert.throws(() => readSoapIdocResponse(503, 'Service unavailable'), (e: unknown) => e instanceof SapSoapError && e.retryable)
    assert.throws(() => readSoapIdocResponse(401, ''), (e: unknown) => e instanceof SapSoapError && !e.retryable)
    assert.throws(() => readSoapIdocResponse(200, '<!DOCTYPE x [<!ENTITY a "b">]><x/>'), /DOCTYPE/)
  })
})
