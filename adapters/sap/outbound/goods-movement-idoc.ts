// A goods movement as the IDoc SAP posts material documents from: message type WMMBXY, basic type WMMBID02
// (inbound function L_IDOC_INPUT_WMMBXY, the interface SAP offers external warehouse and production systems).
// Segments and fields (SAP segment documentation of WMMBID02; field lengths are those of MKPF/MSEG):
//   E1MBXYH  header: BLDAT document date, BUDAT posting date (DATS), XBLNR reference (16), BKTXT header text (25:
//            our idempotency key, so that a post whose answer was lost can be found by it), TCODE the transaction
//            SAP posts as (MB1A goods issue, MB31 goods receipt for an order: GM_CODE 03 and 02).
//   E1MBXYI  item (repeats): MATNR (18; MATNR_LONG 40 for longer numbers), WERKS plant, LGORT storage location,
//            CHARG batch (10), BWART movement type, ERFMG quantity in unit of entry (QUAN 13,3), ERFME unit of entry
//            (internal code), AUFNR order (ALPHA 12), KZBEW movement indicator (F: goods movement for an order,
//            for a 101), AUFPS order item, RSNUM/RSPOS reservation, SGTXT item text (50).
// WMMBID02 carries no serial numbers: a movement with serials goes out through API_MATERIAL_DOCUMENT_SRV
// (to_SerialNumbers), and is refused here with an error saying so.
import type { Idoc, IdocSegment } from '../idoc/idoc'
import { idocIdentityOf, inboundControlRecord, type IdocPartners } from '../idoc/idoc-writer'
import type { GoodsMovement } from './goods-movement'
import { goodsMovementCode } from './goods-movement'
import { alpha, char, numc, toSapDateTime, sapQuantity, SapFieldError, unitAsGiven, type SapUnitOf } from './sap-fields'

export const WMMBXY = { messageType: 'WMMBXY', idocType: 'WMMBID02' } as const

export interface GoodsMovementIdocOptions {
  partners: IdocPartners
  /** The plant's IANA time zone: posting and document date are the movement's date there. */
  timeZone: string
  toSapUnit?: SapUnitOf
  /** Transaction codes SAP posts as; default MB1A (issue) and MB31 (receipt for an order). */
  issueTransaction?: string
  receiptTransaction?: string
  /** Creation time of the IDoc (default now). */
  now?: Date
}

function materialFields (material: string, source: string): Record<string, string> {
  if (material.length > 40) throw new SapFieldError(source, 'MATNR', `'${material}' is longer than 40 characters`)
  if (/^\d+$/.test(material) && material.replace(/^0+/, '').length <= 18) return { MATNR: alpha(material, 18, source, 'MATNR') }
  if (material.length <= 18) return { MATNR: material }
  // A number longer than 18 characters: MATNR stays empty and MATNR_LONG carries it, as SAP does.
  return { MATNR: '', MATNR_LONG: material }
}

/** The WMMBID02 IDoc of a goods movement. */
export function goodsMovementIdoc (gm: GoodsMovement, opts: GoodsMovementIdocOptions): Idoc {
  const code = goodsMovementCode(gm)
  const unitOf = opts.toSapUnit ?? unitAsGiven
  const posting = toSapDateTime(gm.at, opts.timeZone, 'E1MBXYH', 'BUDAT')
  const header: Record<string, string> = {
    BLDAT: posting.date,
    BUDAT: posting.date,
    XBLNR: char(gm.reference.slice(0, 16), 16, 'E1MBXYH', 'XBLNR'),
    BKTXT: char(gm.reference, 25, 'E1MBXYH', 'BKTXT'),
    TCODE: code === '03' ? (opts.issueTransaction ?? 'MB1A') : (opts.receiptTransaction ?? 'MB31')
  }
  const items: IdocSegment[] = gm.items.map((it, n) => {
    const source = `E1MBXYI[${n}]`
    if ((it.serialNumbers?.length ?? 0) > 0) {
      throw new SapFieldError(source, 'serialNumbers', 'WMMBID02 has no serial numbers',
        'send serialized goods movements through OData (API_MATERIAL_DOCUMENT_SRV)')
    }
    const fields: Record<string, string> = {
      ...materialFields(it.material, source),
      WERKS: char(it.plant, 4, source, 'WERKS'),
      LGORT: char(it.storageLocation, 4, source, 'LGORT'),
      ...(it.batch !== undefined ? { CHARG: char(it.batch, 10, source, 'CHARG') } : {}),
      BWART: it.movementType,
      ERFMG: sapQuantity(it.quantity, source, 'ERFMG'),
      ERFME: char(unitOf(it.unit), 3, source, 'ERFME'),
      AUFNR: alpha(it.orderNumber, 12, source, 'AUFNR'),
      ...(it.movementType === '101' ? { KZBEW: 'F', AUFPS: numc(it.orderItem ?? '1', 4, source, 'AUFPS') } : {}),
      ...(it.reservation !== undefined ? { RSNUM: numc(it.reservation, 10, source, 'RSNUM') } : {}),
      ...(it.reservationItem !== undefined ? { RSPOS: numc(it.reservationItem, 4, source, 'RSPOS') } : {}),
      ...(it.text !== undefined ? { SGTXT: char(it.text, 50, source, 'SGTXT') } : {})
    }
    return { name: 'E1MBXYI', fields, segments: [] }
  })
  const created = toSapDateTime((opts.now ?? new Date()).toISOString(), opts.timeZone, 'EDI_DC40', 'CREDAT')
  const id = idocIdentityOf(gm.reference)
  const control = inboundControlRecord({
    idocType: WMMBXY.idocType,
    messageType: WMMBXY.messageType,
    partners: opts.partners,
    docnum: id.docnum,
    messageId: id.messageId,
    createdDate: created.date,
    createdTime: created.time
  })
  return {
    idocType: WMMBXY.idocType,
    messageType: WMMBXY.messageType,
    control,
    segments: [{ name: 'E1MBXYH', fields: header, segments: items }]
  }
}
