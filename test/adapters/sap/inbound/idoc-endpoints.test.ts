// SAP's ports posting to the hub (a real hub with its MES on SQLite, the endpoints on a real HTTP server with the
// hub's HTTP Basic authentication): every shared sample lands as orders, materials and work centers over XML-HTTP
// and over SOAP; the same file again changes nothing; bad input is refused before anything is stored, each with the
// answer a port can act on.
import assert from 'node:assert/strict'
import { startTestHub, testConfig } from '../../../support/hub-fixture'
import type { RunningHub } from '../../../../hub/hub'
import { hashPassword } from '../../../../core/passwords'
import { sample, sampleFiles, loiproIdoc, xmlHttp } from '../idoc-samples'
import { serveSapEndpoints, type SapEndpointsServer } from '../sap-endpoints-server'

describe('SAP IDoc endpoints of the hub', function () {
  this.timeout(60000)
  let hub: RunningHub
  let server: SapEndpointsServer
  let base: string
  const auth = `Basic ${Buffer.from('sap-rfc:idoc-secret').toString('base64')}`

  before(async function () {
    hub = await startTestHub(testConfig(undefined, (c) => { c.sap.maxDocumentBytes = 64 * 1024 }))
    const users = [
      { username: 'sap-rfc', passwordHash: await hashPassword('idoc-secret'), permissions: ['sap.write'] },
      { username: 'viewer', passwordHash: await hashPassword('viewer-secret'), permissions: 'read' as const }
    ]
    server = await serveSapEndpoints(hub, users)
    base = server.url
  })
  after(async function () {
    server.close()
    await hub.stop()
  })

  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number, text: string, headers: Headers }> => {
    const r = await fetch(base + path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/xml', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) })
    return { status: r.status, text: await r.text(), headers: r.headers }
  }
  const stored = async (): Promise<number> => (await hub.mes.mes.inbox.list({ limit: 1000 })).length

  it('stores and applies every shared sample over XML-HTTP: the order, three materials, the work center', async function () {
    for (const file of sampleFiles()) {
      const r = await post('/sap/bc/idoc_xml', sample(file))
      assert.equal(r.status, 200, `${file}: ${r.text}`)
      assert.equal(JSON.parse(r.text).stored[0].duplicate, false, file)
    }
    await hub.sap!.adapter.applier.idle()
    const order = await hub.mes.mes.workOrders.get('208277437')
    assert.deepEqual([order.material, order.quantity, order.unit, order.status], ['S1SP02677', 200, 'EA', 'released'])
    assert.deepEqual(order.operations.map((o) => [o.sequence, o.workCenter]), [[9, 'TEST_AZ'], [10, 'TEST_AZ'], [20, 'TEST_AZ']])
    assert.deepEqual(order.materials.map((m) => [m.material, m.quantity, m.unit, m.operationSequence]), [['R1CH01007', 3560.1, 'CM', 10], ['R1MF00012', 400, 'EA', 10]])
    for (const m of ['R1CH01007', 'R1MF00012', 'S1SP02677']) assert.equal((await hub.mes.mes.materials.definition(m)).material, m)
    const all = await hub.mes.mes.inbox.list({ limit: 100 })
    assert.deepEqual(all.map((m) => m.status), all.map(() => 'applied'), JSON.stringify(all.map((m) => m.reason)))
    const wcs = all.find((m) => m.meta.messageType === 'LOIWCS')!
    assert.match(JSON.stringify(wcs.results), /TEST_AZ/, 'the work center the plant model does not bind is reported')
  })

  it('takes the same files again, over XML-HTTP and over SOAP, as duplicates that change nothing', async function () {
    const before = await stored()
    const audit = (await hub.mes.mes.audit.query({ limit: 100000 })).length
    for (const file of sampleFiles()) {
      const again = await post('/sap/bc/idoc_xml', sample(file))
      assert.equal(again.status, 200)
      assert.equal(JSON.parse(again.text).stored[0].duplicate, true, file)
      // As SAP's SOAP port sends it: the IDoc document (already in the IDoc-SOAP namespace) as the SOAP Body.
      const envelope = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>' +
        sample(file).toString('utf8').replace(/^<\?xml[^>]*\?>/, '') + '</soapenv:Body></soapenv:Envelope>'
      const soap = await post('/sap/bc/srt/idoc', envelope, { 'content-type': 'text/xml' })
      assert.equal(soap.status, 200, `${file} over SOAP: ${soap.text}`)
      assert.match(soap.text, /<soap:Envelope[^>]*><soap:Body\/?>/)
    }
    await hub.sap!.adapter.applier.idle()
    assert.equal(await stored(), before, 'nothing stored twice')
    assert.equal((await hub.mes.mes.audit.query({ limit: 100000 })).length, audit, 'nothing changed in the MES')
  })

  it('applies a bulk document of SAP\'s XML-HTTP port, each IDoc stored as its own text, with DOCNUM keys', async function () {
    const doc = xmlHttp(loiproIdoc('0000000000100001', { aufnr: '000001895938' }), loiproIdoc('0000000000100002', { aufnr: '000001895939' }))
    const r = await post('/sap/bc/idoc_xml', doc)
    assert.equal(r.status, 200, r.text)
    const ids = JSON.parse(r.text).stored.map((s: { id: number }) => s.id)
    assert.equal(ids.length, 2)
    await hub.sap!.adapter.applier.idle()
    for (const [i, n] of ['1895938', '1895939'].entries()) {
      const m = await hub.mes.mes.inbox.get(ids[i], { raw: true })
      assert.equal(m.docnum, `000000000010000${i + 1}`)
      assert.match(m.raw!, new RegExp(`^<IDOC BEGIN="1">.*<AUFNR>00000${n}</AUFNR>.*</IDOC>$`, 's'))
      assert.equal(m.status, 'applied', String(m.reason))
      assert.equal((await hub.mes.mes.workOrders.get(n)).status, 'released')
    }
  })

  it('stores a bulk document whose IDoc holds </IDOC> in a CDATA section whole for each IDoc, and applies both', async function () {
    const note = '<Z1NOTE SEGMENT="1"><TXT><![CDATA[see </IDOC> in the spec]]></TXT></Z1NOTE>'
    const doc = xmlHttp(loiproIdoc('0000000000100011', { aufnr: '000001895948', trailer: note }), loiproIdoc('0000000000100012', { aufnr: '000001895949' }))
    const r = await post('/sap/bc/idoc_xml', doc)
    assert.equal(r.status, 200, r.text)
    await hub.sap!.adapter.applier.idle()
    for (const s of JSON.parse(r.text).stored as Array<{ id: number }>) {
      const m = await hub.mes.mes.inbox.get(s.id, { raw: true })
      assert.equal(m.raw, doc, 'the scan could not cut it safely: the document is kept whole')
      assert.equal(m.status, 'applied', String(m.reason))
    }
    assert.equal((await hub.mes.mes.workOrders.get('1895948')).status, 'released')
    assert.equal((await hub.mes.mes.workOrders.get('1895949')).status, 'released')
  })

  it('takes a material master without DOCNUM sent as A, then B, then A again as three changes, and A twice in a row as one', async function () {
    const matmas = (unit: string): string => '<MATMAS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP><SNDPRN>ERP2</SNDPRN></EDI_DC40>' +
      `<E1MARAM SEGMENT="1"><MATNR>RM-ABA</MATNR><MEINS>${unit}</MEINS><E1MAKTM SEGMENT="1"><SPRAS>E</SPRAS><MAKTX>Sheet</MAKTX></E1MAKTM></E1MARAM></IDOC></MATMAS05>`
    const sent: boolean[] = []
    for (const unit of ['KG', 'G', 'KG', 'KG']) {
      const r = await post('/sap/bc/idoc_xml', matmas(unit))
      sent.push(JSON.parse(r.text).stored[0].duplicate)
      await hub.sap!.adapter.applier.idle()
    }
    assert.deepEqual(sent, [false, false, false, true])
    assert.equal((await hub.mes.mes.materials.definition('RM-ABA')).unit, 'KG')
  })

  it('answers 401 with a challenge to a wrong or missing login and 403 to a user without sap.write, storing nothing', async function () {
    const before = await stored()
    const doc = sample('LOIWCS03.xml')
    assert.equal((await post('/sap/bc/idoc_xml', doc, { authorization: `Basic ${Buffer.from('sap-rfc:wrong').toString('base64')}` })).status, 401)
    const none = await fetch(base + '/sap/bc/idoc_xml', { method: 'POST', body: new Uint8Array(doc) })
    assert.equal(none.status, 401)
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/)
    assert.equal((await post('/sap/bc/srt/idoc', doc, { authorization: `Basic ${Buffer.from('viewer:viewer-secret').toString('base64')}` })).status, 403)
    assert.equal(await stored(), before)
  })

  it('refuses a DOCTYPE (XXE, entity expansion), malformed XML and a document over the limit before storing anything', async function () {
    const before = await stored()
    const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><LOIPRO05><IDOC><EDI_DC40><DOCNUM>1</DOCNUM></EDI_DC40>&e;</IDOC></LOIPRO05>'
    const refused = await post('/sap/bc/idoc_xml', xxe)
    assert.equal(refused.status, 400)
    assert.match(refused.text, /DOCTYPE/)
    assert.doesNotMatch(refused.text, /root:/)
    const malformed = await post('/sap/bc/idoc_xml', '<LOIPRO05>\n<IDOC><EDI_DC40></IDOC>\n</LOIPRO05>')
    assert.equal(malformed.status, 400)
    assert.match(malformed.text, /line 2/)
    const soapFault = await post('/sap/bc/srt/idoc', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>', { 'content-type': 'text/xml' })
    assert.equal(soapFault.status, 500)
    assert.match(soapFault.text, /<faultcode>soap:Client<\/faultcode>/)
    const big = await post('/sap/bc/idoc_xml', xmlHttp(loiproIdoc('1', { header: `<ZPAD>${'x'.repeat(70 * 1024)}</ZPAD>` })))
    assert.equal(big.status, 413)
    assert.match(big.text, /over the limit of 65536 bytes/)
    assert.equal(await stored(), before)
  })

  it('stores an IDoc type the hub does not map, and one missing a mandatory field, with an error status naming why', async function () {
    const unknown = '<ORDERS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>0000000000777001</DOCNUM><IDOCTYP>ORDERS05</IDOCTYP><MESTYP>ORDERS</MESTYP><SNDPRT>LS</SNDPRT><SNDPRN>S4HCLNT100</SNDPRN></EDI_DC40><E1EDK01 SEGMENT="1"><BELNR>4500000001</BELNR></E1EDK01></IDOC></ORDERS05>'
    const noOrder = xmlHttp(loiproIdoc('0000000000777002', { aufnr: '' }))
    const ids: number[] = []
    for (const doc of [unknown, noOrder]) {
      const r = await post('/sap/bc/idoc_xml', doc)
      assert.equal(r.status, 200, r.text)
      ids.push(JSON.parse(r.text).stored[0].id)
    }
    const orders = (await hub.mes.mes.workOrders.list()).length
    await hub.sap!.adapter.applier.idle()
    assert.equal((await hub.mes.mes.workOrders.list()).length, orders, 'nothing else changed')
    const [a, b] = [await hub.mes.mes.inbox.get(ids[0]!), await hub.mes.mes.inbox.get(ids[1]!)]
    assert.equal(a.status, 'error')
    assert.match(a.reason!, /IDoc type ORDERS05 \(message type ORDERS\) is not one the hub maps: it is stored, and nothing else changed/)
    assert.equal(b.status, 'error')
    assert.match(b.reason!, /E1AFKOL.*AUFNR/)
  })
})

describe('SAP IDoc endpoints of the hub, over SOAP first', function () {
  this.timeout(60000)
  let hub: RunningHub
  let server: SapEndpointsServer

  before(async function () {
    hub = await startTestHub(testConfig())
    server = await serveSapEndpoints(hub, [{ username: 'sap-rfc', passwordHash: await hashPassword('idoc-secret'), permissions: ['sap.write'] }])
  })
  after(async function () {
    server.close()
    await hub.stop()
  })

  it('lands every shared sample sent over IDoc-SOAP as the same orders, materials and work centers', async function () {
    for (const file of sampleFiles()) {
      const envelope = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
        sample(file).toString('utf8').replace(/^<\?xml[^>]*\?>/, '') + '</soapenv:Body></soapenv:Envelope>'
      const r = await fetch(server.url + '/sap/bc/srt/idoc', { method: 'POST', headers: { authorization: `Basic ${Buffer.from('sap-rfc:idoc-secret').toString('base64')}`, 'content-type': 'text/xml' }, body: envelope })
      assert.equal(r.status, 200, `${file}: ${await r.text()}`)
    }
    await hub.sap!.adapter.applier.idle()
    const order = await hub.mes.mes.workOrders.get('208277437')
    assert.deepEqual([order.material, order.quantity, order.status, order.operations.length, order.materials.length], ['S1SP02677', 200, 'released', 3, 2])
    for (const m of ['R1CH01007', 'R1MF00012', 'S1SP02677']) assert.equal((await hub.mes.mes.materials.definition(m)).material, m)
    const all = await hub.mes.mes.inbox.list({ limit: 100 })
    assert.deepEqual(all.map((m) => [m.channel, m.status]), all.map(() => ['idoc-soap', 'applied']))
  })
})
