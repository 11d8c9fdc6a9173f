// The OData client against the simulated SAP over real HTTP: reads, posts with SAP's CSRF flow, and every way SAP
// can fail, as the adapter meets them.
import assert from 'node:assert/strict'
import { createODataClient, type ODataClient } from '../../../../adapters/sap/odata/odata-client'
import { SapODataError } from '../../../../adapters/sap/odata/odata-errors'
import { startSapSimulator, DEFAULT_USERS, type RunningSapSimulator } from '../../../../sim/sap/simulator'

const CONF = 'API_PROD_ORDER_CONFIRMATION_2_SRV'
const PASSWORD = DEFAULT_USERS.HUB_RFC!

async function refusal (p: Promise<unknown>): Promise<SapODataError> {
  try { await p } catch (err) {
    assert.ok(err instanceof SapODataError, `expected a SapODataError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a refusal')
}

describe('SAP OData client against the simulated SAP', function () {
  let sap: RunningSapSimulator
  let client: ODataClient
  const confirmation = (order = '1000001', operation = '0010', text = 'hub test'): Record<string, unknown> =>
    ({ OrderID: order, OrderOperation: operation, ConfirmationYieldQuantity: '10', ConfirmationUnit: 'ST', ConfirmationText: text })

  beforeEach(async function () {
    sap = await startSapSimulator({ port: 0 })
    client = createODataClient({ baseUrl: sap.url, username: 'HUB_RFC', password: PASSWORD, timeoutMs: 2000 })
  })
  afterEach(async function () { await sap.close() })

  it('reads a production order with its operations and components ($expand), in the v2 JSON shape', async function () {
    const one = await client.get<Record<string, any>>('API_PRODUCTION_ORDER_2_SRV', "A_ProductionOrder_2('1000001')", { $expand: 'to_ProductionOrderOperation,to_ProductionOrderComponent' })
    assert.equal(one.data.ManufacturingOrder, '1000001')
    assert.equal(one.data.ProductionPlant, '1000')
    assert.equal(one.data.__metadata.type, 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrder_2Type')
    assert.deepEqual(one.data.to_ProductionOrderOperation.results.map((o: any) => o.WorkCenter), ['PRESS01', 'PRESS02'])
    assert.equal(one.data.to_ProductionOrderComponent.results.length, 2)
    assert.ok(one.data.to_ProductionOrderStatus.__deferred.uri.endsWith("A_ProductionOrder_2('1000001')/to_ProductionOrderStatus"))
    const set = await client.get<any[]>('API_PRODUCTION_ORDER_2_SRV', 'A_ProductionOrder_2', { $filter: "ProductionPlant eq '1000' and OrderIsReleased eq 'X'", $top: '1', $skip: '1' })
    assert.deepEqual(set.data.map((o) => o.ManufacturingOrder), ['1000002'])
  })

  it('refuses a $filter on a property the type does not have, in SAP\'s error body', async function () {
    const err = await refusal(client.get('API_PRODUCTION_ORDER_2_SRV', 'A_ProductionOrder_2', { $filter: "Colour eq 'red'" }))
    assert.equal(err.status, 400)
    assert.equal(err.retryable, false)
    assert.match(err.message, /Property 'Colour' not found/)
  })

  it('posts a confirmation with the CSRF flow: the token fetched once and reused', async function () {
    const first = await client.post<Record<string, string>>(CONF, 'ProdnOrdConf2', confirmation())
    assert.equal(first.status, 201)
    assert.match(first.data.ConfirmationGroup!, /^\d{10}$/)
    assert.equal(first.data.ConfirmationCount, '00000001')
    const second = await client.post<Record<string, string>>(CONF, 'ProdnOrdConf2', confirmation())
    assert.equal(second.data.ConfirmationCount, '00000002')
    assert.equal(client.tokenFetches, 1)
    assert.equal(sap.received.confirmations.length, 2)
  })

  it('fetches the token once more and retries once when the session expired in between, not more', async function () {
    await client.post(CONF, 'ProdnOrdConf2', confirmation())
    await sap.control.apply({ mode: 'expire-csrf' })
    await client.post(CONF, 'ProdnOrdConf2', confirmation())
    assert.equal(client.tokenFetches, 2)
    assert.equal(sap.received.confirmations.length, 2, 'each confirmation booked once')
  })

  it('reads back a posted confirmation by its text (did a post that timed out go through?)', async function () {
    await client.post(CONF, 'ProdnOrdConf2', confirmation('1000001', '0010', 'hub:idem-42'))
    const found = await client.get<any[]>(CONF, 'ProdnOrdConf2', { $filter: "ConfirmationText eq 'hub:idem-42'" })
    assert.equal(found.data.length, 1)
  })

  it('turns a business error (unknown order) into a non-retryable error with SAP\'s message', async function () {
    const err = await refusal(client.post(CONF, 'ProdnOrdConf2', confirmation('4711')))
    assert.equal(err.kind, 'business')
    assert.equal(err.retryable, false)
    assert.equal(err.status, 400)
    assert.equal(err.sapCode, 'RU/100')
    assert.equal(err.message, 'SAP API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2 refused the confirmation: Order 4711 does not exist (RU/100)')
    assert.equal(sap.received.confirmations.length, 0)
  })

  it('posts a material document (261 with the order, 101 receipt, our lot as the batch) and gets its number and year', async function () {
    const doc = await client.post<Record<string, any>>('API_MATERIAL_DOCUMENT_SRV', 'A_MaterialDocumentHeader', {
      GoodsMovementCode: '03',
      MaterialDocumentHeaderText: 'hub:idem-7',
      to_MaterialDocumentItem: [
        { Material: 'RM-STEEL-COIL', Plant: '1000', StorageLocation: '0001', GoodsMovementType: '261', ManufacturingOrder: '1000001', Batch: 'LOT-0001', QuantityInEntryUnit: '25', EntryUnit: 'KG' },
        { Material: 'FG-PANEL-100', Plant: '1000', StorageLocation: '0002', GoodsMovementType: '101', GoodsMovementRefDocType: 'F', ManufacturingOrder: '1000001', Batch: 'LOT-0002', QuantityInEntryUnit: '10', EntryUnit: 'ST' }
      ]
    })
    assert.match(doc.data.MaterialDocument, /^49\d{8}$/)
    assert.equal(doc.data.MaterialDocumentYear, String(new Date().getUTCFullYear()))
    assert.deepEqual(doc.data.to_MaterialDocumentItem.results.map((i: any) => [i.GoodsMovementType, i.Batch]), [['261', 'LOT-0001'], ['101', 'LOT-0002']])
  })

  it('names the item and field SAP refused in a material document', async function () {
    const err = await refusal(client.post('API_MATERIAL_DOCUMENT_SRV', 'A_MaterialDocumentHeader', {
      GoodsMovementCode: '03', to_MaterialDocumentItem: [{ Material: 'X', Plant: '1000', GoodsMovementType: '261', ManufacturingOrder: '1000001', QuantityInEntryUnit: 'ten', EntryUnit: 'ST' }]
    }))
    assert.equal(err.retryable, false)
    assert.match(err.message, /refused the material document: Invalid value 'ten'.*details:|refused the material document: Invalid value 'ten'/)
    assert.equal(err.details[0]!.target, 'to_MaterialDocumentItem(1)/QuantityInEntryUnit')
  })

  it('says SAP is down as a retryable error (connection refused)', async function () {
    await sap.control.apply({ mode: 'down' })
    const err = await refusal(client.post(CONF, 'ProdnOrdConf2', confirmation()))
    assert.equal(err.kind, 'network')
    assert.equal(err.retryable, true)
    assert.match(err.message, /cannot be reached/)
    await sap.control.apply({ mode: 'up' })
    await client.post(CONF, 'ProdnOrdConf2', confirmation())
    assert.equal(sap.received.confirmations.length, 1)
  })

  it('says a 503 and a 500 are retryable', async function () {
    await sap.control.apply({ mode: 'down', how: '503' })
    assert.equal((await refusal(client.get('API_PRODUCTION_ORDER_2_SRV', 'A_ProductionOrder_2'))).retryable, true)
    await sap.control.apply({ mode: 'up' })
    await sap.control.apply({ mode: 'error', kind: 'server', count: 1 })
    const err = await refusal(client.post(CONF, 'ProdnOrdConf2', confirmation()))
    assert.equal(err.status, 500)
    assert.equal(err.retryable, true)
    await client.post(CONF, 'ProdnOrdConf2', confirmation())
    assert.equal(sap.received.confirmations.length, 1)
  })

  it('says a call slower than the timeout is a retryable timeout that may have been booked', async function () {
    const quick = createODataClient({ baseUrl: sap.url, username: 'HUB_RFC', password: PASSWORD, timeoutMs: 150 })
    await sap.control.apply({ mode: 'slow', delayMs: 600 })
    const err = await refusal(quick.post(CONF, 'ProdnOrdConf2', confirmation()))
    assert.equal(err.kind, 'timeout')
    assert.equal(err.retryable, true)
    assert.match(err.message, /did not answer GET within 150 ms|did not answer POST within 150 ms/)
  })

  it('says a wrong password is a 401, not retryable', async function () {
    const wrong = createODataClient({ baseUrl: sap.url, username: 'HUB_RFC', password: 'nope', timeoutMs: 2000 })
    const err = await refusal(wrong.post(CONF, 'ProdnOrdConf2', confirmation()))
    assert.equal(err.kind, 'authentication')
    assert.equal(err.status, 401)
    assert.equal(err.retryable, false)
    assert.match(err.message, /refused the login of user 'HUB_RFC'.*SAP NetWeaver Application Server/)
  })

  it('returns the sap-message warnings of a successful call', async function () {
    const r = await client.post(CONF, 'ProdnOrdConf2', { ...confirmation(), ConfirmationYieldQuantity: '150' })
    assert.equal(r.status, 201)
    assert.equal(r.warnings.length, 1)
    assert.equal(r.warnings[0]!.severity, 'warning')
    assert.match(r.warnings[0]!.message, /exceeds the planned quantity 100.000/)
  })
})
