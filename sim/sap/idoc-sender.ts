// The simulated SAP as the sender of IDocs: what SAP's outbound processing does with a production order (message
// type LOIPRO, basic type LOIPRO05, e.g. from transaction POIT or at release with ALE change pointers) through a port
// of type XML-HTTP (WE21): the IDoc-XML is POSTed to the partner's URL (an SM59 connection of type G to the hub's
// /sap/bc/idoc_xml) with the connection's user in HTTP Basic. The document is written as SAP writes it: no namespace,
// the basic type as root, SEGMENT="1" on every segment, AUFNR with leading zeros (ALPHA), dates YYYYMMDD, times
// HHMMSS, quantities with three decimals, one E1JSTKL per system status (I0001 CRTD, inactive once
// I0002 REL is set).
import { XMLBuilder } from 'fast-xml-parser'
import { alphaIn, PLANT, type SeedOrder } from './production-orders'

/** Where SAP sends IDocs to: the hub (the partner's RFC destination of type G). */
export interface IdocPartner {
  /** The hub's HTTP root, e.g. http://127.0.0.1:1880; IDocs go to <url>/sap/bc/idoc_xml. */
  readonly url: string
  readonly user: string
  readonly password: string
}

/** What the partner answered to one IDoc document. */
export interface SentIdoc {
  readonly docnum: string
  readonly status: number
  readonly answer: string
}

export const PARTNER_PATH = '/sap/bc/idoc_xml'

/** The logical systems and ports of the simulated SAP and of the hub in the control record. */
export const SIM_LOGICAL_SYSTEM = 'SIMCLNT100'
export const SIM_PORT = 'SAPSIM'
export const HUB_LOGICAL_SYSTEM = 'ISA95HUB'

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: false })

const seg = (fields: Record<string, unknown>): Record<string, unknown> => ({ '@_SEGMENT': '1', ...fields })
const ymd = (isoDate: string): string => isoDate.replace(/-/g, '')
/** Quantities as SAP writes QUAN fields of 3 decimals into IDoc-XML: 100.000. */
const quan = (q: string): string => (q.includes('.') ? q : `${q}.000`)

function stamp (at: Date): { date: string, time: string } {
  const iso = at.toISOString()
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') }
}

/** The LOIPRO05 IDoc-XML document of one order, as SAP's XML-HTTP port posts it. */
export function loiproDocument (order: SeedOrder, docnum: string, at: Date = new Date()): string {
  const { date, time } = stamp(at)
  const control = seg({
    TABNAM: 'EDI_DC40', MANDT: '100', DOCNUM: docnum, DOCREL: '757', STATUS: '30', DIRECT: '1', OUTMOD: '2',
    IDOCTYP: 'LOIPRO05', MESTYP: 'LOIPRO', SNDPOR: SIM_PORT, SNDPRT: 'LS', SNDPRN: SIM_LOGICAL_SYSTEM,
    RCVPOR: HUB_LOGICAL_SYSTEM, RCVPRT: 'LS', RCVPRN: HUB_LOGICAL_SYSTEM, CREDAT: date, CRETIM: time
  })
  const operations = order.operations.map((op) => seg({
    VORNR: op.operation, ARBPL: op.workCenter, WERKS: PLANT, LTXA1: op.text, MEINH: order.unit, MGVRG: quan(op.quantity),
    // Reservation items are numbered over the whole order (RESB-RSPOS), not per operation.
    E1RESBL: order.components.map((c, i) => ({ c, posnr: String((i + 1) * 10).padStart(4, '0') })).filter(({ c }) => c.operation === op.operation).map(({ c, posnr }) => seg({
      POSNR: posnr, MATNR: c.material, WERKS: PLANT, LGORT: c.storageLocation, BDMNG: quan(c.quantity), MEINS: c.unit
    }))
  }))
  // Release makes CRTD inactive (INACT X) and sets REL.
  const statuses = order.released ? [seg({ STAT: 'I0001', INACT: 'X' }), seg({ STAT: 'I0002' })] : [seg({ STAT: 'I0001' })]
  const header = seg({
    AUFNR: alphaIn(order.order), AUTYP: '10', AUART: 'PP01', WERKS: PLANT, MATNR: order.material,
    GAMNG: quan(order.quantity), GMEIN: order.unit,
    GSTRP: ymd(order.start), GSUZP: '060000', GLTRP: ymd(order.end), GLUZP: '220000',
    E1AFPOL: seg({ POSNR: '0001', MATNR: order.material, PSMNG: quan(order.quantity), MEINS: order.unit }),
    E1JSTKL: statuses,
    E1AFFLL: seg({ PLNFL: '000000', E1AFVOL: operations })
  })
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, LOIPRO05: { IDOC: { '@_BEGIN': '1', EDI_DC40: control, E1AFKOL: header } } }) as string
}

/**
 * A change of an order in SAP before it is sent, as a planner makes it in CO02: an operation moved to another work
 * center, e.g. { "operations": { "0010": { "workCenter": "PRESSL1" } } }. It stays changed (OData reads it too).
 */
export interface OrderChange {
  operations: Record<string, { workCenter: string }>
}

/** Validates a change from JSON; the message names what is wrong. */
export function parseOrderChange (body: unknown): OrderChange {
  const ops = (body as { operations?: unknown } | null)?.operations
  if (ops === null || typeof ops !== 'object' || Array.isArray(ops)) throw new Error("an order change is { \"operations\": { \"0010\": { \"workCenter\": \"PRESSL1\" } } }")
  const out: OrderChange = { operations: {} }
  for (const [op, c] of Object.entries(ops as Record<string, unknown>)) {
    const wc = (c as { workCenter?: unknown } | null)?.workCenter
    // ARBPL is CHAR 8 in SAP (CRHD-ARBPL).
    if (typeof wc !== 'string' || !/^[A-Z0-9_-]{1,8}$/.test(wc)) throw new Error(`operations.${op}.workCenter must be an SAP work center (1 to 8 of A-Z, 0-9, _ and -), not ${JSON.stringify(wc)}`)
    out.operations[op] = { workCenter: wc }
  }
  return out
}

/** Applies a change to the simulator's order; an operation the order does not have is refused before anything changes. */
export function changeOrder (order: SeedOrder, change: OrderChange): void {
  for (const op of Object.keys(change.operations)) {
    if (!order.operations.some((o) => o.operation === op)) throw new Error(`order ${order.order} has no operation ${op} (${order.operations.map((o) => o.operation).join(', ')})`)
  }
  for (const o of order.operations) {
    const c = change.operations[o.operation]
    if (c !== undefined) o.workCenter = c.workCenter
  }
}

/** Posts one IDoc-XML document to the partner, as SAP's XML-HTTP port does; the partner's answer comes back. */
export async function postToPartner (partner: IdocPartner, xml: string, docnum: string): Promise<SentIdoc> {
  const url = partner.url.replace(/\/+$/, '') + PARTNER_PATH
  const authorization = 'Basic ' + Buffer.from(`${partner.user}:${partner.password}`).toString('base64')
  let res: Response
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/xml; charset=utf-8' }, body: xml })
  } catch (err) {
    const cause = (err as { cause?: { code?: string, message?: string } }).cause
    throw new Error(`the partner ${url} could not be reached: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
  }
  return { docnum, status: res.status, answer: (await res.text()).slice(0, 2000) }
}
