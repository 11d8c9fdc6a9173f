// A MES confirmation as the IDoc SAP takes production-order confirmations from an external system in: message type
// PPCC2PRETTICKET, the ALE interface of BAPI_PRODORDCONF_CREATE_TT (business object ProdOrdConfirmation,
// CreateTimeTicket), which SAP's PP-PDC interface documents for subsystems ("Upload time tickets: IDoc type
// PPCC2PRETTICKET01, segment E1BP_PP_TIMETICKET, BAPI structure BAPI_PP_TIMETICKET"). CONF21 is the PP-PI process
// order (process message) variant, not for production orders.
// The segment's fields are those of BAPI_PP_TIMETICKET (SAP DDIC): ORDERID CHAR 12 (ALPHA), OPERATION CHAR 4
// (VORNR, '0010'), SEQUENCE CHAR 6, FIN_CONF ('' partial, '1' automatic final, 'X' final), CLEAR_RES ('X': clear
// open reservations), POSTG_DATE DATS, DEV_REASON CHAR 4 (variance reason), CONF_TEXT CHAR 40, PLANT CHAR 4,
// WORK_CNTR CHAR 8, CONF_QUAN_UNIT UNIT 3, YIELD/SCRAP/REWORK QUAN 13,3, CONF_ACTIVITY1..6 with CONF_ACTI_UNIT1..6
// (the activities of the operation's standard value key, e.g. SAP_1: 1 setup, 2 machine, 3 labour),
// EXEC_FIN_DATE/TIME, EX_CREATED_BY CHAR 12, EX_CREATED_DATE/TIME.
import type { Confirmation } from '../../../mes/model/types'
import type { Idoc } from '../idoc/idoc'
import { idocIdentityOf, inboundControlRecord, type IdocPartners } from '../idoc/idoc-writer'
import { alpha, char, isZero, numc, toSapDateTime, sapQuantity, SapFieldError, unitAsGiven, type SapUnitOf } from './sap-fields'

export const PPCC2PRETTICKET = { messageType: 'PPCC2PRETTICKET', idocType: 'PPCC2PRETTICKET01' } as const

/** How a confirmation maps onto SAP's fields, per landscape. */
export interface ConfirmationMapping {
  /** The plant's IANA time zone; posting date and times are written in it. */
  timeZone: string
  /** The plant (PLANT / Plant) of the orders; optional, SAP finds it from the order. */
  plant?: string
  toSapUnit?: SapUnitOf
  /** Activity slot (1..6) that setup minutes go into; default 1 (SAP_1: setup). */
  setupActivity?: number
  /** Activity slots that run minutes go into (machine and labour); default [2, 3]. */
  runActivities?: readonly number[]
  /** SAP's unit of the activities; default 'MIN'. */
  activityUnit?: string
  /** A final confirmation also clears open reservations (CLEAR_RES 'X'); default true. */
  clearReservationsOnFinal?: boolean
  /** FIN_CONF of a partial confirmation: '' partial, '1' automatic final confirmation; default ''. */
  partialConfirmation?: '' | '1'
  /** The MES scrap reason as SAP's variance reason code (4 characters); none by default. */
  varianceReasonOf?: (scrapReason: string) => string | undefined
}

/** The values a confirmation has in SAP's terms, shared by the IDoc and the OData body. */
export interface SapConfirmationValues {
  orderId: string
  operation: string
  finalType: '' | '1' | 'X'
  clearReservations: boolean
  posting: { date: string, time: string }
  unit: string
  yield: string
  scrap: string
  rework: string
  activities: Array<{ slot: number, quantity: string, unit: string }>
  varianceReason?: string
  text: string
  enteredBy: string
  workCenter: string
  plant?: string
}

export function sapConfirmationValues (c: Confirmation, m: ConfirmationMapping, segment: string): SapConfirmationValues {
  const unitOf = m.toSapUnit ?? unitAsGiven
  const activityUnit = m.activityUnit ?? 'MIN'
  const setupSlot = m.setupActivity ?? 1
  const runSlots = m.runActivities ?? [2, 3]
  for (const s of [setupSlot, ...runSlots]) {
    if (!Number.isInteger(s) || s < 1 || s > 6) throw new SapFieldError(segment, 'CONF_ACTIVITY', `activity slot ${s} is not 1..6`)
  }
  const minutes = new Map<number, string>()
  const setup = sapQuantity(c.setupMinutes, segment, `CONF_ACTIVITY${setupSlot}`)
  if (!isZero(setup)) minutes.set(setupSlot, setup)
  const run = sapQuantity(c.runMinutes, segment, 'CONF_ACTIVITY')
  if (!isZero(run)) for (const s of runSlots) minutes.set(s, run)
  const reason = c.scrapReason !== null && m.varianceReasonOf !== undefined ? m.varianceReasonOf(c.scrapReason) : undefined
  return {
    orderId: alpha(c.orderNumber, 12, segment, 'ORDERID'),
    operation: numc(c.sequence, 4, segment, 'OPERATION'),
    finalType: c.final ? 'X' : (m.partialConfirmation ?? ''),
    clearReservations: c.final && (m.clearReservationsOnFinal ?? true),
    posting: toSapDateTime(c.at, m.timeZone, segment, 'POSTG_DATE'),
    unit: char(unitOf(c.unit), 3, segment, 'CONF_QUAN_UNIT'),
    yield: sapQuantity(c.yield, segment, 'YIELD'),
    scrap: sapQuantity(c.scrap, segment, 'SCRAP'),
    rework: sapQuantity(c.rework, segment, 'REWORK'),
    activities: [...minutes.entries()].sort((a, b) => a[0] - b[0]).map(([slot, quantity]) => ({ slot, quantity, unit: activityUnit })),
    ...(reason !== undefined ? { varianceReason: char(reason, 4, segment, 'DEV_REASON') } : {}),
    // Our idempotency key (40 hex characters) in the confirmation text: a post that timed out is looked up by it.
    text: char(c.idempotencyKey, 40, segment, 'CONF_TEXT'),
    // EX_CREATED_BY is 12 characters; the operator's id is informational there, so it is shortened, never refused.
    enteredBy: c.who.slice(0, 12),
    workCenter: char(c.workCenter, 8, segment, 'WORK_CNTR'),
    ...(m.plant !== undefined ? { plant: char(m.plant, 4, segment, 'PLANT') } : {})
  }
}

export interface ConfirmationIdocOptions extends ConfirmationMapping {
  partners: IdocPartners
  /** Creation time of the IDoc (default now). */
  now?: Date
}

/** The PPCC2PRETTICKET01 IDoc of one confirmation (one time ticket). */
export function confirmationIdoc (c: Confirmation, opts: ConfirmationIdocOptions): Idoc {
  const seg = 'E1BP_PP_TIMETICKET'
  const v = sapConfirmationValues(c, opts, seg)
  const fields: Record<string, string> = {
    ORDERID: v.orderId,
    OPERATION: v.operation,
    FIN_CONF: v.finalType,
    CLEAR_RES: v.clearReservations ? 'X' : '',
    POSTG_DATE: v.posting.date,
    ...(v.varianceReason !== undefined ? { DEV_REASON: v.varianceReason } : {}),
    CONF_TEXT: v.text,
    ...(v.plant !== undefined ? { PLANT: v.plant } : {}),
    WORK_CNTR: v.workCenter,
    CONF_QUAN_UNIT: v.unit,
    YIELD: v.yield,
    SCRAP: v.scrap,
    REWORK: v.rework
  }
  for (const a of v.activities) {
    fields[`CONF_ACTI_UNIT${a.slot}`] = a.unit
    fields[`CONF_ACTIVITY${a.slot}`] = a.quantity
  }
  Object.assign(fields, {
    EXEC_FIN_DATE: v.posting.date,
    EXEC_FIN_TIME: v.posting.time,
    EX_CREATED_BY: v.enteredBy,
    EX_CREATED_DATE: v.posting.date,
    EX_CREATED_TIME: v.posting.time
  })
  const created = toSapDateTime((opts.now ?? new Date()).toISOString(), opts.timeZone, 'EDI_DC40', 'CREDAT')
  const id = idocIdentityOf(c.idempotencyKey)
  return {
    idocType: PPCC2PRETTICKET.idocType,
    messageType: PPCC2PRETTICKET.messageType,
    control: inboundControlRecord({
      idocType: PPCC2PRETTICKET.idocType,
      messageType: PPCC2PRETTICKET.messageType,
      partners: opts.partners,
      docnum: id.docnum,
      messageId: id.messageId,
      createdDate: created.date,
      createdTime: created.time
    }),
    segments: [{ name: seg, fields, segments: [] }]
  }
}
