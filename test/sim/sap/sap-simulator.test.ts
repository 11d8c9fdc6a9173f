// The simulated SAP's own behaviour over raw HTTP (no client of ours): SAP's CSRF rules, IDoc inbound, control.
import assert from 'node:assert/strict'
import { startSapSimulator, DEFAULT_USERS, type RunningSapSimulator } from '../../../sim/sap/simulator'

const AUTH = 'Basic ' + Buffer.from(`HUB_RFC:${DEFAULT_USERS.HUB_RFC}`).toString('base64')
const CONF_SET = '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2'
const BODY = JSON.stringify({ OrderID: '1000001', OrderOperation: '0010', ConfirmationYieldQuantity: '1' })

function soapIdoc (arckey: string, idocs = 1): string {
  const one = `<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP><DOCNUM>0000000000004711</DOCNUM><ARCKEY>${arckey}</ARCKEY></EDI_DC40><E1MARAM SEGMENT="1"><MATNR>RM-1</MATNR></E1MARAM></IDOC>`
  return `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><MATMAS05 xmlns="urn:sap-com:document:sap:idoc:soap:messages">${one.repeat(idocs)}</MATMAS05></soapenv:Body></soapenv:Envelope>`
}

describe('simulated SAP', function () {
  let sap: RunningSapSimulator
  beforeEach(async function () { sap = await startSapSimulator({ port: 0 }) })
  afterEach(async function () { await sap.close() })

  async function fetchToken (): Promise<{ token: string, cookie: string }> {
    const res = await fetch(`${sap.url}/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/`, { headers: { authorization: AUTH, 'x-csrf-token': 'Fetch' } })
    assert.equal(res.status, 200)
    const cookies = res.headers.getSetCookie()
    assert.ok(cookies.some((c) => c.startsWith('SAP_SESSIONID_SIM_100=')), cookies.join(' | '))
    assert.ok(cookies.some((c) => c.startsWith('sap-usercontext=')))
    return { token: res.headers.get('x-csrf-token')!, cookie: cookies.map((c) => c.split(';')[0]).join('; ') }
  }

  it('serves the shared $metadata of the production order API', async function () {
    const res = await fetch(`${sap.url}/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/$metadata`, { headers: { authorization: AUTH } })
    assert.equal(res.status, 200)
    assert.match(await res.text(), /EntityType Name="A_ProductionOrder_2Type"/)
  })

  it('refuses a POST with the token but without the session cookie: 403, X-CSRF-Token: Required', async function () {
    const { token, cookie } = await fetchToken()
    const without = await fetch(`${sap.url}${CONF_SET}`, { method: 'POST', headers: { authorization: AUTH, 'x-csrf-token': token, 'content-type': 'application/json' }, body: BODY })
    assert.equal(without.status, 403)
    assert.equal(without.headers.get('x-csrf-token'), 'Required')
    assert.equal(await without.text(), 'CSRF token validation failed')
    const wrongToken = await fetch(`${sap.url}${CONF_SET}`, { method: 'POST', headers: { authorization: AUTH, cookie, 'x-csrf-token': 'forged', 'content-type': 'application/json' }, body: BODY })
    assert.equal(wrongToken.status, 403)
    const right = await fetch(`${sap.url}${CONF_SET}`, { method: 'POST', headers: { authorization: AUTH, cookie, 'x-csrf-token': token, 'content-type': 'application/json' }, body: BODY })
    assert.equal(right.status, 201)
    assert.equal(sap.received.confirmations.length, 1)
  })

  it('answers a business error in SAP\'s JSON error body', async function () {
    const { token, cookie } = await fetchToken()
    const res = await fetch(`${sap.url}${CONF_SET}`, { method: 'POST', headers: { authorization: AUTH, cookie, 'x-csrf-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ OrderID: '1000001', OrderOperation: '0090' }) })
    assert.equal(res.status, 400)
    const body = await res.json() as any
    assert.equal(body.error.code, 'RU/102')
    assert.equal(body.error.message.lang, 'en')
    assert.match(body.error.message.value, /Operation 0090 does not exist in order 1000001/)
    assert.equal(body.error.innererror.application.service_id, 'API_PROD_ORDER_CONFIRMATION_2_SRV')
    assert.match(body.error.innererror.transactionid, /^[0-9A-F]{32}$/)
    assert.equal(body.error.innererror.errordetails[0].severity, 'error')
    assert.equal(body.error.innererror.errordetails[0].target, 'OrderOperation')
  })

  it('receives several IDocs over XML-HTTP and numbers each', async function () {
    const xml = `<?xml version="1.0"?><MATMAS05>${['A', 'B'].map((m) => `<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP></EDI_DC40><E1MARAM SEGMENT="1"><MATNR>${m}</MATNR></E1MARAM></IDOC>`).join('')}</MATMAS05>`
    const res = await fetch(`${sap.url}/sap/bc/idoc_xml`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'text/xml' }, body: xml })
    assert.equal(res.status, 200)
    assert.equal(sap.received.idocs.length, 2)
    assert.deepEqual(sap.received.idocs.map((i) => i.idocNumber), ['0000000000100001', '0000000000100002'])
    assert.equal(sap.received.idocs[0]!.messageType, 'MATMAS')
    assert.deepEqual(sap.received.idocs[0]!.segments, ['E1MARAM'])
  })

  it('refuses a DOCTYPE and malformed XML, and keeps nothing', async function () {
    for (const bad of ['<!DOCTYPE x [<!ENTITY a "b">]><MATMAS05/>', '<MATMAS05><IDOC></MATMAS05>']) {
      const res = await fetch(`${sap.url}/sap/bc/idoc_xml`, { method: 'POST', headers: { authorization: AUTH }, body: bad })
      assert.equal(res.status, 400)
    }
    assert.equal(sap.received.idocs.length, 0)
  })

  it('receives one IDoc over IDoc-SOAP, once per ARCKEY, and faults on two IDocs or no message id', async function () {
    const post = (xml: string): Promise<Response> => fetch(`${sap.url}/sap/bc/srt/idoc`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'text/xml' }, body: xml })
    const key = 'urn:sap.com:msgid=0050569a-1b2c-1ee9-9bd3-3cd3a2b4c5d6'
    const ok = await post(soapIdoc(key))
    assert.equal(ok.status, 200)
    assert.match(await ok.text(), /<soap-env:Body><\/soap-env:Body>|<soap-env:Body\/>/)
    assert.equal((await post(soapIdoc(key))).status, 200)
    assert.equal(sap.received.idocs.length, 1, 'the same ARCKEY is one IDoc')
    assert.equal(sap.received.idocs[0]!.senderDocnum, '0000000000004711')
    const two = await post(soapIdoc('urn:sap.com:msgid=other', 2))
    assert.equal(two.status, 500)
    assert.match(await two.text(), /<soap-env:Fault>.*MULTIPLE_IDOCS_NOT_ALLOWED/s)
    const noKey = await post(soapIdoc(''))
    assert.match(await noKey.text(), /SOAP_MSGID_INITIAL/)
    assert.equal(sap.received.idocs.length, 1)
  })

  it('answers a wrong login with 401 and SAP\'s realm', async function () {
    const res = await fetch(`${sap.url}/sap/bc/idoc_xml`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from('HUB_RFC:x').toString('base64') }, body: '<a/>' })
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate')!, /^Basic realm="SAP NetWeaver Application Server/)
  })

  it('is controlled and inspected over HTTP (/sim/control, /sim/received)', async function () {
    const bad = await fetch(`${sap.url}/sim/control`, { method: 'POST', body: JSON.stringify({ mode: 'sideways' }) })
    assert.equal(bad.status, 400)
    const ok = await fetch(`${sap.url}/sim/control`, { method: 'POST', body: JSON.stringify({ mode: 'error', kind: 'business', count: 2 }) })
    assert.equal(ok.status, 200)
    const { token, cookie } = await fetchToken()
    const post = (): Promise<Response> => fetch(`${sap.url}${CONF_SET}`, { method: 'POST', headers: { authorization: AUTH, cookie, 'x-csrf-token': token, 'content-type': 'application/json' }, body: BODY })
    assert.equal((await post()).status, 400)
    assert.equal((await post()).status, 400)
    assert.equal((await post()).status, 201)
    const received = await (await fetch(`${sap.url}/sim/received`)).json() as { confirmations: unknown[] }
    assert.equal(received.confirmations.length, 1)
  })
})
