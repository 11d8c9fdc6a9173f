// Request bodies (OData v2 JSON) for S/4HANA's APIs:
// - POST ProdnOrdConf2 of API_PROD_ORDER_CONFIRMATION_2_SRV. Property names from SAP's API (the Business
//   Accelerator Hub's API_PROD_ORDER_CONFIRMATION_2_SRV, and SAP Digital Manufacturing's mapping of ProdnOrdConf2
//   onto CO_MES_PRODORDCONF_CREATE_TT: OrderID->ORDERID, OrderOperation->OPERATION, FinalConfirmationType->FIN_CONF,
//   OpenReservationsIsCleared->CLEAR_RES, OpConfirmedWorkQuantity1 / OpWorkQuantityUnit1 -> CONF_ACTIVITY1 /
//   CONF_ACTI_UNIT1, EnteredByExternalUser -> EX_CREATED_BY, ...). No published $metadata of this service was at hand,
//   so PROD_ORDER_CONF2_PROPERTIES below lists the types and lengths (those of BAPI_PP_TIMETICKET) the
//   tests check the body against.
// - POST A_MaterialDocumentHeader of API_MATERIAL_DOCUMENT_SRV with the deep insert to_MaterialDocumentItem (and
//   to_SerialNumbers), checked in the tests against the service's $metadata.
// Edm.Decimal is a JSON string in OData v2; Edm.DateTime is `/Date(ms)/`; Edm.Time is `PT..H..M..S`.
import type { Confirmation } from '../../../mes/model/types'
import { sapConfirmationValues, type ConfirmationMapping } from './confirmation-idoc'
import type { GoodsMovement } from './goods-movement'
import { goodsMovementCode } from './goods-movement'
import { alpha, char, numc, odataDate, odataTime, toSapDateTime, sapQuantity, unitAsGiven, type SapUnitOf } from './sap-fields'

export const PROD_ORDER_CONF2_SERVICE = 'API_PROD_ORDER_CONFIRMATION_2_SRV'
export const MATERIAL_DOCUMENT_SERVICE = 'API_MATERIAL_DOCUMENT_SRV'

/** The ProdnOrdConf2 properties the hub writes: Edm type and MaxLength (from SAP's API and BAPI_PP_TIMETICKET). */
export const PROD_ORDER_CONF2_PROPERTIES: Readonly<Record<string, { type: string, maxLength?: number }>> = {
  OrderID: { type: 'Edm.String', maxLength: 12 },
  OrderOperation: { type: 'Edm.String', maxLength: 4 },
  Sequence: { type: 'Edm.String', maxLength: 6 },
  Plant: { type: 'Edm.String', maxLength: 4 },
  WorkCenter: { type: 'Edm.String', maxLength: 8 },
  FinalConfirmationType: { type: 'Edm.String', maxLength: 1 },
  IsFinalConfirmation: { type: 'Edm.Boolean' },
  OpenReservationsIsCleared: { type: 'Edm.Boolean' },
  PostingDate: { type: 'Edm.DateTime' },
  ConfirmationUnit: { type: 'Edm.String', maxLength: 3 },
  ConfirmationYieldQuantity: { type: 'Edm.Decimal' },
  ConfirmationScrapQuantity: { type: 'Edm.Decimal' },
  ConfirmationReworkQuantity: { type: 'Edm.Decimal' },
  VarianceReasonCode: { type: 'Edm.String', maxLength: 4 },
  ConfirmationText: { type: 'Edm.String', maxLength: 40 },
  ConfirmedExecutionEndDate: { type: 'Edm.DateTime' },
  ConfirmedExecutionEndTime: { type: 'Edm.Time' },
  EnteredByExternalUser: { type: 'Edm.String', maxLength: 12 },
  ...Object.fromEntries([1, 2, 3, 4, 5, 6].flatMap((n) => [
    [`OpConfirmedWorkQuantity${n}`, { type: 'Edm.Decimal' }],
    [`OpWorkQuantityUnit${n}`, { type: 'Edm.String', maxLength: 3 }]
  ]))
}

export type ODataBody = Record<string, string | boolean | ODataBody[] | { results: ODataBody[] }>

export interface ConfirmationBodyOptions extends ConfirmationMapping {
  /** The routing sequence (Sequence); default '0', the standard sequence. */
  sequence?: string
}

/** The body of POST /ProdnOrdConf2 for one confirmation. */
export function prodnOrdConf2Body (c: Confirmation, opts: ConfirmationBodyOptions): ODataBody {
  const v = sapConfirmationValues(c, opts, 'ProdnOrdConf2')
  const body: ODataBody = {
    OrderID: v.orderId,
    OrderOperation: v.operation,
    Sequence: char(opts.sequence ?? '0', 6, 'ProdnOrdConf2', 'Sequence'),
    ...(v.plant !== undefined ? { Plant: v.plant } : {}),
    WorkCenter: v.workCenter,
    FinalConfirmationType: v.finalType,
    IsFinalConfirmation: v.finalType === 'X',
    OpenReservationsIsCleared: v.clearReservations,
    PostingDate: odataDate(v.posting.date),
    ConfirmationUnit: v.unit,
    ConfirmationYieldQuantity: v.yield,
    ConfirmationScrapQuantity: v.scrap,
    ConfirmationReworkQuantity: v.rework,
    ...(v.varianceReason !== undefined ? { VarianceReasonCode: v.varianceReason } : {}),
    ConfirmationText: v.text,
    ConfirmedExecutionEndDate: odataDate(v.posting.date),
    ConfirmedExecutionEndTime: odataTime(v.posting.time),
    EnteredByExternalUser: v.enteredBy
  }
  for (const a of v.activities) {
    body[`OpConfirmedWorkQuantity${a.slot}`] = a.quantity
    body[`OpWorkQuantityUnit${a.slot}`] = a.unit
  }
  return body
}

/**
 * The $filter that finds a confirmation posted before (a post whose answer was lost): by our key in
 * ConfirmationText alone. Not by OrderID as well: SAP answers and filters the order number in its external form
 * (ALPHA output, `1000002`), the body carries the internal one (`000001000002`), and a filter in the wrong form finds
 * nothing, so the confirmation would be posted twice. The caller checks the order of what it finds (sameAlpha).
 * Quotes in the key are doubled as OData v2 string literals require.
 */
export function prodnOrdConf2LookupFilter (c: Pick<Confirmation, 'idempotencyKey'>): string {
  return `ConfirmationText eq ${odataString(c.idempotencyKey)}`
}

/** An OData v2 string literal: quoted, a quote inside doubled. */
export function odataString (s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

export interface MaterialDocumentBodyOptions {
  timeZone: string
  toSapUnit?: SapUnitOf
}

/** The body of POST /A_MaterialDocumentHeader with its items (deep insert) for one goods movement. */
export function materialDocumentBody (gm: GoodsMovement, opts: MaterialDocumentBodyOptions): ODataBody {
  const code = goodsMovementCode(gm)
  const unitOf = opts.toSapUnit ?? unitAsGiven
  const posting = toSapDateTime(gm.at, opts.timeZone, 'A_MaterialDocumentHeader', 'PostingDate')
  const items: ODataBody[] = gm.items.map((it, n) => {
    const src = `to_MaterialDocumentItem[${n}]`
    const item: ODataBody = {
      Material: char(it.material, 40, src, 'Material'),
      Plant: char(it.plant, 4, src, 'Plant'),
      StorageLocation: char(it.storageLocation, 4, src, 'StorageLocation'),
      ...(it.batch !== undefined ? { Batch: char(it.batch, 10, src, 'Batch') } : {}),
      GoodsMovementType: it.movementType,
      QuantityInEntryUnit: sapQuantity(it.quantity, src, 'QuantityInEntryUnit'),
      EntryUnit: char(unitOf(it.unit), 3, src, 'EntryUnit'),
      ManufacturingOrder: alpha(it.orderNumber, 12, src, 'ManufacturingOrder'),
      // A receipt for a production order is SAP's movement indicator F (as KZBEW in the IDoc): SAP refuses a 101 to an
      // order without it.
      ...(it.movementType === '101' ? { GoodsMovementRefDocType: 'F', ManufacturingOrderItem: numc(it.orderItem ?? '1', 4, src, 'ManufacturingOrderItem') } : {}),
      ...(it.reservation !== undefined ? { Reservation: numc(it.reservation, 10, src, 'Reservation') } : {}),
      ...(it.reservationItem !== undefined ? { ReservationItem: numc(it.reservationItem, 4, src, 'ReservationItem') } : {}),
      ...(it.text !== undefined ? { MaterialDocumentItemText: char(it.text, 50, src, 'MaterialDocumentItemText') } : {})
    }
    if (it.serialNumbers !== undefined && it.serialNumbers.length > 0) {
      item.to_SerialNumbers = {
        results: it.serialNumbers.map((s) => ({ Material: item.Material as string, SerialNumber: char(s, 18, src, 'SerialNumber') }))
      }
    }
    return item
  })
  return {
    DocumentDate: odataDate(posting.date),
    PostingDate: odataDate(posting.date),
    GoodsMovementCode: code,
    // Our idempotency key (25 characters): a post whose answer was lost is found by $filter on it.
    MaterialDocumentHeaderText: char(gm.reference, 25, 'A_MaterialDocumentHeader', 'MaterialDocumentHeaderText'),
    to_MaterialDocumentItem: { results: items }
  }
}
