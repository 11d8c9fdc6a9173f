import assert from 'node:assert/strict'
import { unwrapIdocSoap } from '../../../../adapters/sap/idoc/soap-envelope'
import { IdocSoapError } from '../../../../adapters/sap/errors'
import { controlRecord, loiproIdoc, sample } from '../idoc-samples'

const GUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'

function envelope (ns: string, body: string, header = '<soapenv:Header/>'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ns}" xmlns:urn="urn:sap-com:document:sap:idoc:soap:messages">` +
    `${header}<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
}

describe('SAP IDoc-SOAP request: the one IDoc and its message id', () => {
  it('unwraps a SOAP 1.1 request with ARCKEY urn:sap.com:msgid=<guid>', () => {
    const idoc = loiproIdoc('0000000000123401').replace('<CRETIM>101500</CRETIM>', `<CRETIM>101500</CRETIM><ARCKEY>urn:sap.com:msgid=${GUID}</ARCKEY>`)
    const req = unwrapIdocSoap(envelope('http://schemas.xmlsoap.org/soap/envelope/', `<urn:LOIPRO05>${idoc}</urn:LOIPRO05>`))
    assert.equal(req.soapVersion, '1.1')
    assert.equal(req.messageId, GUID)
    assert.equal(req.idoc.idocType, 'LOIPRO05')
    assert.equal(req.idoc.control.DOCNUM, '0000000000123401')
  })

  it('unwraps a SOAP 1.2 request carrying a shared sample, the message id from WS-Addressing', () => {
    const doc = sample('MATMAS05_S1SP02677_FINISHED_MAT_IDOC.xml').toString('utf8').replace(/^<\?xml[^>]*\?>/, '')
    const header = '<soapenv:Header><wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:1234</wsa:MessageID></soapenv:Header>'
    const req = unwrapIdocSoap(envelope('http://www.w3.org/2003/05/soap-envelope', doc, header))
    assert.deepEqual([req.soapVersion, req.messageId, req.idoc.idocType], ['1.2', 'urn:uuid:1234', 'MATMAS05'])
  })

  it('has no message id when neither ARCKEY nor a MessageID header is sent', () => {
    const req = unwrapIdocSoap(envelope('http://schemas.xmlsoap.org/soap/envelope/', `<urn:LOIPRO05>${loiproIdoc('7')}</urn:LOIPRO05>`))
    assert.equal(req.messageId, undefined)
  })

  it('refuses 0 and 2 IDocs in one request, an ARCKEY without SAP\'s prefix, and a body that is not in an envelope', () => {
    const soap11 = 'http://schemas.xmlsoap.org/soap/envelope/'
    assert.throws(() => unwrapIdocSoap(envelope(soap11, '<urn:LOIPRO05/>')), (e: unknown) => e instanceof IdocSoapError && /holds no IDOC/.test(e.message))
    assert.throws(() => unwrapIdocSoap(envelope(soap11, `<urn:LOIPRO05>${loiproIdoc('1')}${loiproIdoc('2')}</urn:LOIPRO05>`)), /2 IDOCs; SAP takes exactly one per request \(MULTIPLE_IDOCS_NOT_ALLOWED\)/)
    const bad = `<urn:X><IDOC>${controlRecord('1', '<ARCKEY>' + GUID + '</ARCKEY>')}</IDOC></urn:X>`
    assert.throws(() => unwrapIdocSoap(envelope(soap11, bad)), /SOAP_MSGID_PREFIX_INVALID/)
    assert.throws(() => unwrapIdocSoap(sample('LOIWCS03.xml')), /root element is 'LOIWCS03', not a SOAP Envelope/)
    assert.throws(() => unwrapIdocSoap(envelope('urn:other', '')), /neither SOAP 1.1 nor SOAP 1.2/)
  })
})
