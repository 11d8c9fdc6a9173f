// The `sap odata` node in a real Node-RED runtime on a real hub whose OData client talks to the simulated SAP:
// reads of API_PRODUCTION_ORDER_2_SRV's A_ProductionOrder_2 (the set, filtered, and one order by key), a create
// (with SAP's CSRF flow), and refusals as the node's error in SAP's words.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import sapODataNode = require('../../nodes/sap-odata/sap-odata')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { Sink } from '../support/node-sink'
import { sapHubSuite, statusTexts } from './sap-hub-fixture'

helper.init(require.resolve('node-red'))

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('sap odata node', function () {
  this.timeout(60000)
  const s = sapHubSuite(helper, 'odata')

  const flow = [
    { id: 'readOrders', type: 'sap odata', name: 'orders', method: 'GET', service: 'API_PRODUCTION_ORDER_2_SRV', path: 'A_ProductionOrder_2', wires: [['out']] },
    { id: 'fromMsg', type: 'sap odata', name: 'from msg', method: '', service: '', path: '', wires: [['out']] },
    { id: 'out', type: 'helper' }
  ]

  async function errorOf (node: Msg, msg: Msg): Promise<string> {
    const err = new Promise<string>((resolve) => node.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))))
    node.receive(msg)
    return await err
  }

  it('reads A_ProductionOrder_2 from the simulated SAP: the set, filtered by msg.query, and one order by key', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load(sapODataNode as never, flow)
    const out = new Sink(helper.getNode('out'))

    helper.getNode('readOrders').receive({})
    const all = await out.next()
    assert.equal(all.statusCode, 200)
    assert.deepEqual(all.payload.map((o: Msg) => o.ManufacturingOrder).sort(), ['1000001', '1000002', '1000003'])
    assert.deepEqual(all.warnings, [])

    helper.getNode('readOrders').receive({ query: { $filter: "ProductionPlant eq '1000' and Material eq 'FG-PANEL-200'" } })
    const filtered = await out.next()
    assert.deepEqual(filtered.payload.map((o: Msg) => o.ManufacturingOrder), ['1000002'])

    helper.getNode('fromMsg').receive({ service: 'API_PRODUCTION_ORDER_2_SRV', path: "A_ProductionOrder_2('1000001')" })
    const one = await out.next()
    assert.equal(one.payload.ManufacturingOrder, '1000001')
    assert.equal(one.payload.Material, 'FG-PANEL-100')
    assert.equal(one.payload.TotalQuantity, '100.000', 'an Edm.Decimal as OData v2 JSON writes it: a string')
  })

  it('posts with SAP\'s CSRF flow; a refusal is the node\'s error in SAP\'s words, for a create and for a read', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load(sapODataNode as never, flow)
    const out = new Sink(helper.getNode('out'))
    const any = helper.getNode('fromMsg')

    any.receive({ method: 'POST', service: 'API_PROD_ORDER_CONFIRMATION_2_SRV', path: 'ProdnOrdConf2', payload: { OrderID: '1000002', OrderOperation: '0010', ConfirmationYieldQuantity: '5', ConfirmationUnit: 'ST' } })
    const created = await out.next()
    assert.equal(created.statusCode, 201)
    assert.equal(created.payload.OrderID, '1000002')
    assert.ok(s().sim.received.confirmations.some((c) => c.OrderID === '1000002'))

    assert.match(await errorOf(any, { method: 'POST', service: 'API_PROD_ORDER_CONFIRMATION_2_SRV', path: 'ProdnOrdConf2', payload: { OrderID: '7777777', OrderOperation: '0010', ConfirmationYieldQuantity: '1' } }),
      /Order 7777777 does not exist \(RU\/100\)/)
    assert.match(await errorOf(any, { service: 'API_PRODUCTION_ORDER_2_SRV', path: "A_ProductionOrder_2('7777777')" }), /refused the read: Resource not found/)
    assert.match(await errorOf(any, { service: 'API_NOT_THERE_SRV', path: 'X' }), /No service found for namespace '\/SAP\/', name 'API_NOT_THERE_SRV'/)
    assert.match(await errorOf(any, { path: 'A_ProductionOrder_2' }), /sap odata needs a service/)
    assert.equal(out.pending, 0)
  })

  it('shows "SAP adapter not running" without an SAP adapter and fails each message', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { ...s().hub.services, sap: undefined } })
    await helper.load(sapODataNode as never, flow)
    const orders = helper.getNode('readOrders')
    assert.ok(statusTexts(orders).includes('SAP adapter not running'))
    assert.match(await errorOf(orders, {}), /SAP adapter of the isa95-hub runtime is not running/)
  })
})
