// What the simulated SAP books: confirmations (API_PROD_ORDER_CONFIRMATION_2_SRV, ProdnOrdConf2) and material
// documents (API_MATERIAL_DOCUMENT_SRV, A_MaterialDocumentHeader with its items as a deep insert), checked against
// the seeded production orders as SAP checks them: the order must exist and be released, the operation must exist,
// quantities must be decimals. A refusal is a BusinessRefusal (400 in SAP's error body); a confirmation past the
// planned quantity is booked with a warning (the `sap-message` header), as SAP books an over-delivery within
// tolerance. Numbers are SAP's kinds: confirmation group (RUECK, 10 digits) and counter (RMZHL, 8 digits), material
// document (MBLNR, 10 digits from 4900000000) and year.
import Big from 'big.js'
import { alphaIn, confirmationGroupOf, PLANT, type SeedOrder } from './production-orders'
import type { SapMessage } from './sap-error-body'
import { edmDate, type Entity } from './odata-query'

export class BusinessRefusal extends Error {
  constructor (readonly messages: readonly [SapMessage, ...SapMessage[]]) { super(messages[0].message) }
}

function refuse (code: string, message: string, target = ''): never {
  throw new BusinessRefusal([{ code, message, severity: 'error', target }])
}

function decimal (body: Entity, name: string, required: boolean, target = name): Big | undefined {
  const v = body[name]
  if (v === undefined || v === null || v === '') {
    if (required) refuse('/IWBEP/CM_MGW_RT/020', `Property '${name}' is mandatory`, target)
    return undefined
  }
  try {
    const b = new Big(String(v))
    if (b.lt(0)) refuse('RU/011', `${name}: negative quantities cannot be posted`, target)
    return b
  } catch (err) {
    if (err instanceof BusinessRefusal) throw err
    return refuse('/IWBEP/CM_MGW_RT/020', `Invalid value '${String(v)}' for property '${name}' of type Edm.Decimal`, target)
  }
}

function text (body: Entity, name: string): string {
  const v = body[name]
  return v === undefined || v === null ? '' : String(v)
}

export interface BookedConfirmation { readonly entity: Entity, readonly warnings: SapMessage[] }

export class SapBooks {
  readonly confirmations: Entity[] = []
  readonly materialDocuments: Entity[] = []
  private readonly countByGroup = new Map<string, number>()
  private readonly yieldByGroup = new Map<string, Big>()
  private nextMaterialDocument = 4_900_000_000

  constructor (readonly orders: readonly SeedOrder[], private readonly user: () => string = () => 'HUB_RFC') {}

  findOrder (id: string): SeedOrder | undefined {
    return this.orders.find((o) => alphaIn(o.order) === alphaIn(id))
  }

  confirm (body: Entity, user: string): BookedConfirmation {
    const orderId = text(body, 'OrderID')
    if (orderId === '') refuse('/IWBEP/CM_MGW_RT/020', "Property 'OrderID' is mandatory", 'OrderID')
    const order = this.findOrder(orderId)
    if (!order) refuse('RU/100', `Order ${orderId} does not exist`, 'OrderID')
    if (!order.released) refuse('RU/105', `Order ${order.order} is not released: confirmations are not allowed`, 'OrderID')
    const opId = text(body, 'OrderOperation')
    const index = order.operations.findIndex((op) => op.operation === opId.padStart(4, '0'))
    if (opId === '' || index < 0) refuse('RU/102', `Operation ${opId || '(none)'} does not exist in order ${order.order}`, 'OrderOperation')
    const op = order.operations[index]!
    const yieldQty = decimal(body, 'ConfirmationYieldQuantity', false) ?? new Big(0)
    const scrap = decimal(body, 'ConfirmationScrapQuantity', false) ?? new Big(0)
    const rework = decimal(body, 'ConfirmationReworkQuantity', false) ?? new Big(0)
    const group = confirmationGroupOf(order, index)
    const count = (this.countByGroup.get(group) ?? 0) + 1
    const cumulative = (this.yieldByGroup.get(group) ?? new Big(0)).plus(yieldQty)
    const warnings: SapMessage[] = []
    if (cumulative.gt(op.quantity)) {
      warnings.push({ code: 'RU/505', message: `Yield ${cumulative.toFixed(3)} exceeds the planned quantity ${new Big(op.quantity).toFixed(3)} of operation ${op.operation}`, severity: 'warning', target: 'ConfirmationYieldQuantity' })
    }
    this.countByGroup.set(group, count)
    this.yieldByGroup.set(group, cumulative)
    const today = new Date().toISOString().slice(0, 10)
    const entity: Entity = {
      ConfirmationGroup: group,
      ConfirmationCount: String(count).padStart(8, '0'),
      OrderID: order.order,
      Sequence: text(body, 'Sequence') || '0',
      OrderOperation: op.operation,
      OrderType: 'PP01',
      ConfirmationText: text(body, 'ConfirmationText'),
      Language: 'EN',
      Material: order.material,
      Plant: PLANT,
      WorkCenter: op.workCenter,
      PostingDate: body.PostingDate ?? edmDate(today),
      ConfirmationUnit: text(body, 'ConfirmationUnit') || order.unit,
      ConfirmationYieldQuantity: yieldQty.toFixed(3),
      ConfirmationScrapQuantity: scrap.toFixed(3),
      ConfirmationReworkQuantity: rework.toFixed(3),
      VarianceReasonCode: text(body, 'VarianceReasonCode'),
      FinalConfirmationType: text(body, 'FinalConfirmationType'),
      IsFinalConfirmation: body.IsFinalConfirmation === true,
      OpenReservationsIsCleared: body.OpenReservationsIsCleared === true,
      APIConfHasNoGoodsMovements: body.APIConfHasNoGoodsMovements === true,
      ConfirmationEntryDate: edmDate(today),
      EnteredByUser: user || this.user()
    }
    this.confirmations.push(entity)
    return { entity, warnings }
  }

  postMaterialDocument (body: Entity, user: string): Entity {
    const nav = body.to_MaterialDocumentItem
    const items = Array.isArray(nav) ? nav : (nav && typeof nav === 'object' && Array.isArray((nav as { results?: unknown }).results)) ? (nav as { results: unknown[] }).results : undefined
    if (!items || items.length === 0) refuse('M7/018', 'Enter at least one item (to_MaterialDocumentItem)', 'to_MaterialDocumentItem')
    const code = text(body, 'GoodsMovementCode')
    if (!/^0[1-7]$/.test(code)) refuse('M7/022', `GoodsMovementCode '${code}' is not a goods movement code (01-07)`, 'GoodsMovementCode')
    const year = String(new Date().getUTCFullYear())
    const number = String(this.nextMaterialDocument)
    const booked = items.map((raw, i) => {
      const it = (raw ?? {}) as Entity
      const where = `to_MaterialDocumentItem(${i + 1})`
      const type = text(it, 'GoodsMovementType')
      if (!['101', '102', '261', '262'].includes(type)) refuse('M7/021', `Movement type ${type || '(none)'} is not allowed for this transaction`, `${where}/GoodsMovementType`)
      const material = text(it, 'Material')
      if (material === '') refuse('M7/001', 'Enter a material', `${where}/Material`)
      if (text(it, 'Plant') !== PLANT) refuse('M7/053', `Plant ${text(it, 'Plant') || '(none)'} does not exist`, `${where}/Plant`)
      const orderId = text(it, 'ManufacturingOrder')
      const order = orderId === '' ? undefined : this.findOrder(orderId)
      if (!order) refuse('M7/086', `Order ${orderId || '(none)'} does not exist`, `${where}/ManufacturingOrder`)
      // A receipt for an order is the movement indicator F (GoodsMovementRefDocType), as SAP's API documents for GM code 02.
      if ((type === '101' || type === '102') && text(it, 'GoodsMovementRefDocType') !== 'F') {
        refuse('M7/088', `Goods receipt ${type} for order ${orderId} needs GoodsMovementRefDocType F (goods movement for a production order)`, `${where}/GoodsMovementRefDocType`)
      }
      const qty = decimal(it, 'QuantityInEntryUnit', true, `${where}/QuantityInEntryUnit`)!
      if (qty.eq(0)) refuse('M7/016', 'Enter a quantity', `${where}/QuantityInEntryUnit`)
      if (text(it, 'EntryUnit') === '') refuse('M7/002', 'Enter a unit of entry', `${where}/EntryUnit`)
      return {
        MaterialDocumentYear: year,
        MaterialDocument: number,
        MaterialDocumentItem: String(i + 1).padStart(4, '0'),
        Material: material,
        Plant: PLANT,
        StorageLocation: text(it, 'StorageLocation'),
        Batch: text(it, 'Batch'),
        GoodsMovementType: type,
        ManufacturingOrder: order.order,
        EntryUnit: text(it, 'EntryUnit'),
        QuantityInEntryUnit: qty.toFixed(3),
        MaterialDocumentItemText: text(it, 'MaterialDocumentItemText')
      }
    })
    this.nextMaterialDocument++
    const today = new Date().toISOString().slice(0, 10)
    const header: Entity = {
      MaterialDocumentYear: year,
      MaterialDocument: number,
      InventoryTransactionType: '',
      DocumentDate: body.DocumentDate ?? edmDate(today),
      PostingDate: body.PostingDate ?? edmDate(today),
      CreationDate: edmDate(today),
      CreatedByUser: user || this.user(),
      MaterialDocumentHeaderText: text(body, 'MaterialDocumentHeaderText'),
      ReferenceDocument: text(body, 'ReferenceDocument'),
      GoodsMovementCode: code,
      to_MaterialDocumentItem: booked
    }
    this.materialDocuments.push(header)
    return header
  }
}
