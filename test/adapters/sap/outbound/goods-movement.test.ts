import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import { goodsMovementFromActual, type GoodsMovement } from '../../../../adapters/sap/outbound/goods-movement'
import { goodsMovementIdoc } from '../../../../adapters/sap/outbound/goods-movement-idoc'
import { materialDocumentBody, prodnOrdConf2Body, PROD_ORDER_CONF2_PROPERTIES, type ODataBody } from '../../../../adapters/sap/outbound/odata-bodies'
import { writeIdocXml } from '../../../../adapters/sap/idoc/idoc-writer'
import { SapFieldError } from '../../../../adapters/sap/outbound/sap-fields'
import { actual, confirmation, PARTNERS } from './fixtures'

const ORDER = { orderNumber: '1895938', plant: 'DM01' }
const DEFAULTS = { issueStorageLocation: '1010', receiptStorageLocation: '1020' }
const IDOC_OPTS = { partners: PARTNERS, timeZone: 'Europe/Berlin', now: new Date('2025-04-01T08:00:00Z') }
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => n === 'E1MBXYI' })

function consumption (): GoodsMovement { return goodsMovementFromActual(actual(), ORDER, DEFAULTS) }
function receipt (): GoodsMovement {
  return goodsMovementFromActual(actual({ id: 32, direction: 'produced', material: 'FG-100', node: { kind: 'lot', id: 'FG-L1' }, quantity: 3, unit: 'CS' }), ORDER, DEFAULTS)
}

// The edmx's entity types: property name -> Type, MaxLength (read with fast-xml-parser, the service's $metadata).
const edmx = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, isArray: (n) => ['EntityType', 'Property', 'NavigationProperty'].includes(n) })
  .parse(readFileSync(join(__dirname, '../../../../../test/fixtures/sap/odata/API_MATERIAL_DOCUMENT_SRV.edmx'), 'utf8'))
const entityTypes = new Map<string, Map<string, { type?: string, maxLength?: number, nav: boolean }>>()
for (const et of edmx.Edmx.DataServices.Schema.EntityType) {
  const props = new Map<string, { type?: string, maxLength?: number, nav: boolean }>()
  for (const p of et.Property ?? []) props.set(p['@_Name'], { type: p['@_Type'], maxLength: p['@_MaxLength'] !== undefined ? Number(p['@_MaxLength']) : undefined, nav: false })
  for (const p of et.NavigationProperty ?? []) props.set(p['@_Name'], { nav: true })
  entityTypes.set(et['@_Name'], props)
}

const NAV_TARGET: Record<string, string> = { to_MaterialDocumentItem: 'A_MaterialDocumentItemType', to_SerialNumbers: 'A_SerialNumberMaterialDocumentType' }

function checkAgainst (typeName: string, body: ODataBody, where = typeName): void {
  const props = entityTypes.get(typeName)
  assert.ok(props, `${typeName} is in the edmx`)
  for (const [name, value] of Object.entries(body)) {
    const p = props.get(name)
    assert.ok(p, `${where}.${name} exists on ${typeName}`)
    if (p.nav) {
      const results = (value as { results: ODataBody[] }).results
      results.forEach((r, n) => checkAgainst(NAV_TARGET[name], r, `${where}.${name}[${n}]`))
      continue
    }
    checkValue(`${where}.${name}`, p.type ?? '', p.maxLength, value)
  }
}

function checkValue (where: string, type: string, maxLength: number | undefined, value: unknown): void {
  switch (type) {
    case 'Edm.String':
      assert.equal(typeof value, 'string', `${where} is a string`)
      if (maxLength !== undefined) assert.ok((value as string).length <= maxLength, `${where} '${String(value)}' fits ${maxLength}`)
      break
    case 'Edm.Decimal': assert.match(value as string, /^-?\d+(\.\d+)?$/, `${where} is a decimal string`); break
    case 'Edm.DateTime': assert.match(value as string, /^\/Date\(-?\d+\)\/$/, `${where} is /Date(ms)/`); break
    case 'Edm.Time': assert.match(value as string, /^PT\d{2}H\d{2}M\d{2}S$/, `${where} is an Edm.Time`); break
    case 'Edm.Boolean': assert.equal(typeof value, 'boolean', `${where} is a boolean`); break
    default: assert.fail(`${where} has type ${type}, not checked`)
  }
}

describe('SAP outbound: goods movements from material actuals', () => {
  it('makes a 261 of a consumption and a 101 of a production, the lot as batch', () => {
    const c = consumption().items[0]
    assert.deepEqual([c.movementType, c.material, c.plant, c.storageLocation, c.batch, c.quantity, c.orderNumber], ['261', '9990007', 'DM01', '1010', 'L-4711', 2.5, '1895938'])
    const r = receipt().items[0]
    assert.deepEqual([r.movementType, r.storageLocation, r.batch, r.orderItem], ['101', '1020', 'FG-L1', '0001'])
    assert.equal(consumption().reference, consumption().reference, 'the same actual has the same reference')
    assert.equal(consumption().reference.length, 25)
  })

  it('makes a serial a quantity of 1 with its serial number, and refuses a lot longer than a batch', () => {
    const s = goodsMovementFromActual(actual({ node: { kind: 'serial', id: 'SN-0001' } }), ORDER, DEFAULTS).items[0]
    assert.deepEqual([s.quantity, s.serialNumbers, s.batch], [1, ['SN-0001'], undefined])
    assert.throws(() => goodsMovementFromActual(actual({ node: { kind: 'lot', id: 'LOT-TOO-LONG-1' } }), ORDER, DEFAULTS),
      (e: unknown) => e instanceof SapFieldError && /batch/.test(e.message))
  })
})

describe('SAP outbound: goods movements as IDoc WMMBID02', () => {
  it('writes a 261 with header, item, ALPHA numbers and decimals', () => {
    const doc = parser.parse(writeIdocXml(goodsMovementIdoc(consumption(), IDOC_OPTS)))
    const idoc = doc.WMMBID02.IDOC
    assert.deepEqual([idoc.EDI_DC40.IDOCTYP, idoc.EDI_DC40.MESTYP, idoc.EDI_DC40.DIRECT], ['WMMBID02', 'WMMBXY', '2'])
    const h = idoc.E1MBXYH
    assert.deepEqual([h.BUDAT, h.BLDAT, h.TCODE, h.BKTXT], ['20250401', '20250401', 'MB1A', consumption().reference])
    const i = h.E1MBXYI[0]
    assert.deepEqual([i.BWART, i.MATNR, i.WERKS, i.LGORT, i.CHARG, i.ERFMG, i.ERFME, i.AUFNR, i.KZBEW],
      ['261', '000000000009990007', 'DM01', '1010', 'L-4711', '2.5', 'KG', '000001895938', undefined])
  })

  it('writes a 101 as a goods receipt for the order (KZBEW F, MB31)', () => {
    const doc = parser.parse(writeIdocXml(goodsMovementIdoc(receipt(), IDOC_OPTS)))
    const h = doc.WMMBID02.IDOC.E1MBXYH
    assert.equal(h.TCODE, 'MB31')
    const i = h.E1MBXYI[0]
    assert.deepEqual([i.BWART, i.MATNR, i.KZBEW, i.AUFPS, i.ERFMG, i.ERFME], ['101', 'FG-100', 'F', '0001', '3', 'CS'])
  })

  it('refuses serial numbers (WMMBID02 has none) and a mix of 261 and 101', () => {
    const serial = goodsMovementFromActual(actual({ node: { kind: 'serial', id: 'SN-1' } }), ORDER, DEFAULTS)
    assert.throws(() => goodsMovementIdoc(serial, IDOC_OPTS), /E1MBXYI\[0\] at serialNumbers.*OData/)
    const mixed: GoodsMovement = { ...consumption(), items: [...consumption().items, ...receipt().items] }
    assert.throws(() => goodsMovementIdoc(mixed, IDOC_OPTS), /mixes goods issue/)
  })
})

describe('SAP outbound: OData bodies', () => {
  it('makes the A_MaterialDocumentHeader deep insert of a 261 (GoodsMovementCode 03) that fits the edmx', () => {
    const body = materialDocumentBody(consumption(), { timeZone: 'Europe/Berlin' })
    assert.equal(body.GoodsMovementCode, '03')
    assert.equal(body.MaterialDocumentHeaderText, consumption().reference)
    assert.equal(body.PostingDate, `/Date(${Date.UTC(2025, 3, 1)})/`)
    const item = (body.to_MaterialDocumentItem as { results: ODataBody[] }).results[0]
    assert.deepEqual([item.GoodsMovementType, item.QuantityInEntryUnit, item.EntryUnit, item.ManufacturingOrder, item.Batch],
      ['261', '2.5', 'KG', '000001895938', 'L-4711'])
    checkAgainst('A_MaterialDocumentHeaderType', body)
  })

  it('makes a 101 (GoodsMovementCode 02) and a serialized movement that fit the edmx', () => {
    const body = materialDocumentBody(receipt(), { timeZone: 'Europe/Berlin' })
    assert.equal(body.GoodsMovementCode, '02')
    checkAgainst('A_MaterialDocumentHeaderType', body)
    const serial = materialDocumentBody(goodsMovementFromActual(actual({ node: { kind: 'serial', id: 'SN-1' } }), ORDER, DEFAULTS), { timeZone: 'UTC' })
    const item = (serial.to_MaterialDocumentItem as { results: ODataBody[] }).results[0]
    assert.deepEqual((item.to_SerialNumbers as { results: ODataBody[] }).results, [{ Material: '9990007', SerialNumber: 'SN-1' }])
    checkAgainst('A_MaterialDocumentHeaderType', serial)
  })

  it('makes the ProdnOrdConf2 body with decimals as strings and our key in ConfirmationText', () => {
    const body = prodnOrdConf2Body(confirmation(), { timeZone: 'Europe/Berlin' })
    assert.deepEqual([body.OrderID, body.OrderOperation, body.Sequence, body.ConfirmationYieldQuantity, body.ConfirmationScrapQuantity],
      ['000001895938', '0010', '0', '0.3', '1'])
    assert.deepEqual([body.FinalConfirmationType, body.IsFinalConfirmation, body.OpenReservationsIsCleared], ['X', true, true])
    assert.equal(body.PostingDate, `/Date(${Date.UTC(2025, 3, 1)})/`)
    assert.equal(body.ConfirmedExecutionEndTime, 'PT00H30M05S')
    assert.equal(body.ConfirmationText, confirmation().idempotencyKey)
    assert.deepEqual([body.OpConfirmedWorkQuantity1, body.OpWorkQuantityUnit1, body.OpConfirmedWorkQuantity2], ['15', 'MIN', '42.5'])
    for (const [name, value] of Object.entries(body)) {
      const p = PROD_ORDER_CONF2_PROPERTIES[name]
      assert.ok(p, `ProdnOrdConf2.${name} is a known property`)
      checkValue(`ProdnOrdConf2.${name}`, p.type, p.maxLength, value)
    }
  })
})
