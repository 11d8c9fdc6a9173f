// The `idoc in` node in a real Node-RED runtime on a real hub: IDocs posted to the hub's IDoc-XML endpoint come out
// once applied (or refused), filtered by message type and outcome; an IDoc type the hub does not map comes out with
// status error; without an SAP adapter the node says so.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import idocInNode = require('../../nodes/idoc-in/idoc-in')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { Sink } from '../support/node-sink'
import { loiproIdoc, sample, xmlHttp } from '../adapters/sap/idoc-samples'
import { sapHubSuite, statusTexts } from './sap-hub-fixture'

helper.init(require.resolve('node-red'))

const UNMAPPED = '<ORDERS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>0000000000777001</DOCNUM><IDOCTYP>ORDERS05</IDOCTYP><MESTYP>ORDERS</MESTYP>' +
  '<SNDPRT>LS</SNDPRT><SNDPRN>S4HCLNT100</SNDPRN></EDI_DC40><E1EDK01 SEGMENT="1"><BELNR>4500000001</BELNR></E1EDK01></IDOC></ORDERS05>'
const PRESS_OP = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESSL1</ARBPL><LTXA1>Stamp side panel</LTXA1><MGVRG>100.000</MGVRG></E1AFVOL>'

describe('idoc in node', function () {
  this.timeout(60000)
  const s = sapHubSuite(helper)

  const flow = [
    { id: 'inAll', type: 'idoc in', name: 'all', messageType: '', outcome: 'all', wires: [['allOut']] },
    { id: 'inLoipro', type: 'idoc in', name: 'LOIPRO applied', messageType: 'loipro', outcome: 'applied', wires: [['loiproOut']] },
    { id: 'inErrors', type: 'idoc in', name: 'errors', messageType: '', outcome: 'error', wires: [['errorsOut']] },
    { id: 'allOut', type: 'helper' }, { id: 'loiproOut', type: 'helper' }, { id: 'errorsOut', type: 'helper' }
  ]

  it('outputs each IDoc posted to the endpoint once the hub has applied it, filtered by message type and outcome', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load(idocInNode as never, flow)
    const all = new Sink(helper.getNode('allOut'))
    const loipro = new Sink(helper.getNode('loiproOut'))
    const errors = new Sink(helper.getNode('errorsOut'))

    assert.equal((await s().postIdoc(xmlHttp(loiproIdoc('0000000000300001', { aufnr: '000001000001', operations: PRESS_OP })))).status, 200)
    const order = await all.next()
    assert.equal(order.topic, 'LOIPRO')
    assert.equal(order.payload.status, 'applied')
    assert.equal(order.idoc.control.DOCNUM, '0000000000300001')
    assert.equal(typeof order.payload.inboxId, 'number')
    assert.equal((await loipro.next()).payload.inboxId, order.payload.inboxId, 'the LOIPRO filter (any case) lets it through')
    assert.equal((await s().hub.mes.mes.workOrders.get('1000001')).status, 'released')

    assert.equal((await s().postIdoc(sample('MATMAS05_R1CH01007_RAW_MAT_IDOC.xml').toString('utf8'))).status, 200)
    const material = await all.next()
    assert.equal(material.topic, 'MATMAS')
    assert.equal(material.payload.status, 'applied')

    // An IDoc type the hub does not map: stored, answered, and out with status error and its segments.
    assert.equal((await s().postIdoc(UNMAPPED)).status, 200)
    const unmapped = await all.next()
    assert.equal(unmapped.topic, 'ORDERS')
    assert.equal(unmapped.payload.status, 'error')
    assert.match(unmapped.payload.reason, /IDoc type ORDERS05 \(message type ORDERS\) is not one the hub maps/)
    assert.equal(unmapped.idoc.segments[0].name, 'E1EDK01')
    assert.equal((await errors.next()).payload.inboxId, unmapped.payload.inboxId)

    // Neither the MATMAS nor the refused IDoc passed the LOIPRO filter; the error filter saw only the refusal.
    await s().hub.sap!.adapter.applier.idle()
    assert.equal(loipro.pending, 0)
    assert.equal(errors.pending, 0)
  })

  it('shows "SAP adapter not running" without an SAP adapter', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { ...s().hub.services, sap: undefined } })
    await helper.load(idocInNode as never, [{ id: 'n', type: 'idoc in', messageType: '', outcome: 'all', wires: [[]] }])
    assert.ok(statusTexts(helper.getNode('n')).includes('SAP adapter not running'))
  })
})
