// A goods movement as the hub sends it to an ERP, whatever the format (WMMBXY IDoc, API_MATERIAL_DOCUMENT_SRV):
// 261 goods issue of a component to a production order, 101 goods receipt of the order's product, with the lot as
// SAP's batch and serial numbers where the material is serialized. One movement is one material document; all of
// its items share the kind (SAP's GoodsMovementCode: 03 goods issue, 02 goods receipt for an order).
import { createHash } from 'node:crypto'
import type { MaterialActual } from '../../../mes/service'
import { SapFieldError } from './sap-fields'

/** 261: goods issue for an order (consumption); 101: goods receipt for an order. */
export type MovementType = '261' | '101'

export interface GoodsMovementItem {
  movementType: MovementType
  material: string
  plant: string
  storageLocation: string
  /** SAP's batch (CHARG, 10 characters): the MES lot; absent for a material without batch management. */
  batch?: string
  /** Decimal text or a number; written as SAP's QUAN text (13,3). */
  quantity: number | string
  /** The MES unit; the writer turns it into SAP's internal code. */
  unit: string
  orderNumber: string
  serialNumbers?: readonly string[]
  /** For 101: the order item (AFPO-POSNR, '0001' for the header material). */
  orderItem?: string
  /** For 261: the reservation and its item, when the component is known to SAP by them. */
  reservation?: string
  reservationItem?: string
  /** Item text (SGTXT / MaterialDocumentItemText): the MES's work unit or job, for people reading the document. */
  text?: string
}

export interface GoodsMovement {
  /** Our idempotency key: header text (BKTXT / MaterialDocumentHeaderText, 25 characters) so a timed-out post can be found. */
  reference: string
  /** ISO-8601 instant the movement happened; the posting date is its date in the plant's time zone. */
  at: string
  items: readonly GoodsMovementItem[]
}

/** SAP's GoodsMovementCode (GM_CODE) of a movement's items: 03 issue (MB1A), 02 receipt for an order (MB31). */
export function goodsMovementCode (gm: GoodsMovement): '02' | '03' {
  const kinds = new Set(gm.items.map((i) => i.movementType))
  if (gm.items.length === 0) throw new SapFieldError('goods movement', 'items', 'has no items')
  if (kinds.size > 1) {
    throw new SapFieldError('goods movement', 'items', 'mixes goods issue (261) and goods receipt (101)', 'post them as two movements')
  }
  return gm.items[0].movementType === '261' ? '03' : '02'
}

/** The order and plant an actual belongs to, as SAP knows them. */
export interface MovementOrder {
  orderNumber: string
  plant: string
}

export interface MovementDefaults {
  /** Storage location components are issued from (261). */
  issueStorageLocation: string
  /** Storage location the product is received into (101). */
  receiptStorageLocation: string
  /** The MES lot id as SAP's batch (10 characters); default: the lot id as it is, an error if it is longer. */
  batchOf?: (lotId: string) => string | undefined
  /** Order item of a receipt; default '0001'. */
  orderItem?: string
}

/** Our reference for an actual: stable across resends, 25 hex characters to fit SAP's document header text. */
export function goodsMovementReference (actual: Pick<MaterialActual, 'id' | 'jobId' | 'direction' | 'node'>): string {
  return createHash('sha256')
    .update(JSON.stringify(['goods-movement', actual.id, actual.jobId, actual.direction, actual.node.kind, actual.node.id]))
    .digest('hex').slice(0, 25)
}

/** The goods movement of one MES material actual: a consumption is a 261, a production a 101. */
export function goodsMovementFromActual (actual: MaterialActual, order: MovementOrder, defaults: MovementDefaults): GoodsMovement {
  const source = `material actual ${actual.id}`
  if (actual.orderNumber !== order.orderNumber) {
    throw new SapFieldError(source, 'orderNumber', `belongs to order ${actual.orderNumber}, not ${order.orderNumber}`)
  }
  const receipt = actual.direction === 'produced'
  let batch: string | undefined
  const serialNumbers: string[] = []
  if (actual.node.kind === 'lot') {
    batch = defaults.batchOf !== undefined ? defaults.batchOf(actual.node.id) : actual.node.id
    if (batch !== undefined && batch.length > 10) {
      throw new SapFieldError(source, 'batch', `lot '${actual.node.id}' is longer than SAP's 10-character batch`,
        'configure batchOf to map lots to SAP batches')
    }
  } else {
    serialNumbers.push(actual.node.id)
  }
  const item: GoodsMovementItem = {
    movementType: receipt ? '101' : '261',
    material: actual.material,
    plant: order.plant,
    storageLocation: receipt ? defaults.receiptStorageLocation : defaults.issueStorageLocation,
    ...(batch !== undefined ? { batch } : {}),
    quantity: actual.node.kind === 'serial' ? 1 : actual.quantity,
    unit: actual.unit,
    orderNumber: actual.orderNumber,
    ...(serialNumbers.length > 0 ? { serialNumbers } : {}),
    ...(receipt ? { orderItem: defaults.orderItem ?? '0001' } : {}),
    text: `${actual.workUnit} ${actual.jobId}`.slice(0, 50)
  }
  return { reference: goodsMovementReference(actual), at: actual.at, items: [item] }
}
