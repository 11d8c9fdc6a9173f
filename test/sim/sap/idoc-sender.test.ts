// The simulated SAP as the sender of IDocs, posting to a real hub's IDoc-XML endpoint over real HTTP (SAP's
// XML-HTTP port with the partner's login): a seeded order as LOIPRO05, applied by the hub as SAP would have it
// applied; an IDoc-XML document as given; and what it cannot send (no partner, an unknown order, not IDoc-XML, the
// partner refusing the login) answered with the reason.
import assert from 'node:assert/strict'
import { startSapSimulator, type RunningSapSimulator } from '../../../sim/sap/simulator'
import { parseArgs } from '../../../sim/sap/cli'
import { loiproDocument } from '../../../sim/sap/idoc-sender'
import { demoOrders } from '../../../sim/sap/production-orders'
import { parseIdocXml } from '../../../adapters/sap/idoc/idoc-xml'
import { mapLoipro } from '../../../adapters/sap/mapping/loipro'
import { startSapHub, type SapHub } from '../../nodes/sap-hub-fixture'

describe('simulated SAP sending IDocs to its partner', function () {
  this.timeout(60000)
  let s: SapHub
  let sender: RunningSapSimulator
  before(async function () {
    s = await startSapHub()
    sender = await startSapSimulator({ port: 0, partner: { url: s.base, user: 'sap-rfc', password: 'idoc-secret' } })
  })
  after(async function () {
    await sender.close()
    await s.close()
  })

  it('writes a seeded order as LOIPRO05 IDoc-XML that the hub\'s mapping reads back: order, statuses, operations, components', function () {
    const xml = loiproDocument(demoOrders()[0]!, '0000000000500001', new Date('2024-06-01T08:30:00Z'))
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<LOIPRO05>\s*<IDOC BEGIN="1">\s*<EDI_DC40 SEGMENT="1">/)
    const [idoc] = parseIdocXml(xml)
    assert.equal(idoc!.control.DIRECT, '1')
    assert.equal(idoc!.control.CREDAT, '20240601')
    assert.equal(idoc!.control.CRETIM, '083000')
    const m = mapLoipro(idoc!)
    assert.equal(m.order.orderNumber, '1000001', 'AUFNR 000001000001 without its leading zeros')
    assert.deepEqual(m.actions, ['upsert', 'release'])
    assert.equal(m.order.quantity, 100)
    assert.deepEqual(m.order.operations.map((o) => [o.sequence, o.workCenter]), [[10, 'PRESS01'], [20, 'PRESS02']])
    assert.deepEqual(m.order.materials!.map((c) => [c.material, c.quantity, c.unit, c.operationSequence]),
      [['RM-STEEL-COIL', 250, 'KG', 10], ['RM-STEEL-SHEET', 100, 'ST', 20]])
  })

  it('POST /sim/send-order/1000001 posts the order to the hub, which releases it', async function () {
    const r = await fetch(`${sender.url}/sim/send-order/1000001`, { method: 'POST' })
    const body = await r.json() as { docnum: string, status: number, answer: string }
    assert.equal(r.status, 200, JSON.stringify(body))
    assert.equal(body.status, 200)
    assert.match(body.docnum, /^\d{16}$/)
    await s.hub.sap!.adapter.applier.idle()
    const order = await s.hub.mes.mes.workOrders.get('1000001')
    assert.equal(order.status, 'released')
    assert.equal(order.material, 'FG-PANEL-100')
    const inbox = await s.hub.mes.mes.inbox.list({ channel: 'idoc-xml' })
    assert.ok(inbox.some((m) => m.docnum === body.docnum), JSON.stringify(inbox.map((m) => m.docnum)))
    assert.ok((await (await fetch(`${sender.url}/sim/sent`)).json() as Array<{ docnum: string }>).some((x) => x.docnum === body.docnum))
  })

  it('changes an order before sending it when asked (an operation to another work center, as in CO02), or refuses the change', async function () {
    const bad = await fetch(`${sender.url}/sim/send-order/1000002`, { method: 'POST', body: JSON.stringify({ operations: { '0030': { workCenter: 'PRESSL1' } } }) })
    assert.equal(bad.status, 400)
    assert.match((await bad.json() as { error: string }).error, /order 1000002 has no operation 0030 \(0010, 0020\)/)
    const worse = await fetch(`${sender.url}/sim/send-order/1000002`, { method: 'POST', body: JSON.stringify({ operations: { '0010': { workCenter: 'press line 1' } } }) })
    assert.match((await worse.json() as { error: string }).error, /operations\.0010\.workCenter must be an SAP work center/)
    const r = await fetch(`${sender.url}/sim/send-order/1000002`, { method: 'POST', body: JSON.stringify({ operations: { '0010': { workCenter: 'PRESSL1' } } }) })
    assert.equal(r.status, 200, await r.clone().text())
    await s.hub.sap!.adapter.applier.idle()
    // In the MES both are on the line: PRESS02 is SAP's work center for press 2, a unit of PRESSL1 in the plant model.
    assert.deepEqual((await s.hub.mes.mes.workOrders.get('1000002')).operations.map((o) => [o.sequence, o.workCenter]), [[10, 'PRESSL1'], [20, 'PRESSL1']])
    // SAP keeps the change: its OData API reads the operation at the new work center.
    const auth = 'Basic ' + Buffer.from('HUB_RFC:sap-sim').toString('base64')
    const ops = await (await fetch(`${sender.url}/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2('1000002')?$expand=to_ProductionOrderOperation&$format=json`, { headers: { authorization: auth } })).json() as { d: { to_ProductionOrderOperation: { results: Array<{ WorkCenter: string }> } } }
    assert.deepEqual(ops.d.to_ProductionOrderOperation.results.map((o) => o.WorkCenter), ['PRESSL1', 'PRESS02'])
  })

  it('POST /sim/send-idoc posts the document as it is, with a DOCNUM of its own where it has none', async function () {
    const matmas = '<MATMAS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM><DOCNUM></DOCNUM><IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP>' +
      '<SNDPOR>SAPSIM</SNDPOR><SNDPRT>LS</SNDPRT><SNDPRN>SIMCLNT100</SNDPRN></EDI_DC40><E1MARAM SEGMENT="1"><MATNR>RM-SCREW-M6</MATNR><MEINS>ST</MEINS>' +
      '<E1MAKTM SEGMENT="1"><SPRAS_ISO>EN</SPRAS_ISO><MAKTX>Screw M6</MAKTX></E1MAKTM></E1MARAM></IDOC></MATMAS05>'
    const r = await fetch(`${sender.url}/sim/send-idoc`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: matmas })
    assert.equal(r.status, 200, await r.clone().text())
    const body = await r.json() as { docnum: string }
    await s.hub.sap!.adapter.applier.idle()
    assert.equal((await s.hub.mes.mes.materials.definition('RM-SCREW-M6')).unit, 'ST')
    assert.ok((await s.hub.mes.mes.inbox.list({ channel: 'idoc-xml' })).some((m) => m.docnum === body.docnum))
  })

  it('answers what it cannot send with the reason, and the partner\'s refusal as a 502 with its answer', async function () {
    const unknown = await fetch(`${sender.url}/sim/send-order/4711`, { method: 'POST' })
    assert.equal(unknown.status, 404)
    assert.match((await unknown.json() as { error: string }).error, /order 4711 is not one of the simulator's orders \(1000001, 1000002, 1000003\)/)
    const notXml = await fetch(`${sender.url}/sim/send-idoc`, { method: 'POST', body: '{"hello": 1}' })
    assert.equal(notXml.status, 400)

    const lonely = await startSapSimulator({ port: 0 })
    const wrong = await startSapSimulator({ port: 0, partner: { url: s.base, user: 'sap-rfc', password: 'wrong' } })
    try {
      const none = await fetch(`${lonely.url}/sim/send-order/1000001`, { method: 'POST' })
      assert.equal(none.status, 409)
      assert.match((await none.json() as { error: string }).error, /no partner is configured: start the simulator with --hub-url/)
      const refused = await fetch(`${wrong.url}/sim/send-order/1000001`, { method: 'POST' })
      assert.equal(refused.status, 502)
      assert.equal((await refused.json() as { status: number }).status, 401)
    } finally {
      await lonely.close()
      await wrong.close()
    }
  })

  it('takes the partner from --hub-url, --hub-user and --hub-password, and refuses half of it', function () {
    const a = parseArgs(['--hub-url', 'http://127.0.0.1:1880', '--hub-user', 'sap-rfc', '--hub-password', 'pw'], {})
    assert.deepEqual([a.hubUrl, a.hubUser, a.hubPassword], ['http://127.0.0.1:1880', 'sap-rfc', 'pw'])
    assert.equal(parseArgs(['--hub-url', 'http://h', '--hub-user', 'u'], { HUB_SAP_SIM_HUB_PASSWORD: 'x' }).hubPassword, 'x')
    assert.throws(() => parseArgs(['--hub-url', 'http://h'], {}), /--hub-url needs --hub-user and --hub-password/)
    assert.throws(() => parseArgs(['--hub-url', 'h:1880', '--hub-user', 'u', '--hub-password', 'p'], {}), /--hub-url must be an http\(s\) URL/)
  })
})
