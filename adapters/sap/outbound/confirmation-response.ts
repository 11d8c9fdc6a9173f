// SAP's answer to a production-order confirmation through the RFC CO_MES_PRODORDCONF_CREATE_TT (SOAP-RFC, the
// shape of test/fixtures/sap/rfc/PRODORDCONF_CREATE_TT_RESPONSE.xml): ES_RETURN (BAPIRET1: the call as a whole)
// and ET_DETAIL_RETURN items (BAPI_CORU_RETURN: one per time ticket, with CONF_NO and CONF_CNT, the confirmation
// number and counter SAP saved it under, and FLG_LOCKED when the order was locked by someone else).
// BAPI message types: S success, I information, W warning, E error, A abort. An E is SAP refusing the content
// (order not released, quantity over tolerance): the same post fails again, so it is not retryable; a lock
// (FLG_LOCKED) and an A (the call aborted, nothing was posted) are.
import { XMLParser } from 'fast-xml-parser'
import { HubError } from '../../../core/errors'

export interface SapMessage {
  type: string
  id: string
  number: string
  message: string
}

export interface ConfirmationPosted {
  ok: true
  /** `CONF_NO/CONF_CNT`, e.g. '0000001114/00000001'. */
  reference: string
  confirmationNumber: string
  confirmationCounter: string
  warnings: SapMessage[]
  messages: SapMessage[]
}

/** SAP did not post the confirmation. */
export class SapConfirmationError extends HubError {
  readonly retryable: boolean
  readonly messages: readonly SapMessage[]

  constructor (message: string, retryable: boolean, messages: readonly SapMessage[], path?: string) {
    super(retryable ? 'SAP_CONFIRMATION_TEMPORARY' : 'SAP_CONFIRMATION_REJECTED', message,
      { source: 'CO_MES_PRODORDCONF_CREATE_TT', path },
      retryable ? 'the outbox retries it' : 'correct the confirmation in the dead-letter list and resubmit it')
    this.retryable = retryable
    this.messages = messages
  }
}

const parser = new XMLParser({
  removeNSPrefix: true, processEntities: false, parseTagValue: false, ignoreAttributes: true, trimValues: true,
  isArray: (name, path) => String(path).endsWith('ET_DETAIL_RETURN.item')
})

type Row = Record<string, unknown>
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number') ? String(v) : ''

function toMessage (r: Row): SapMessage {
  return { type: str(r.TYPE), id: str(r.ID), number: str(r.NUMBER), message: str(r.MESSAGE) }
}

/** Reads the RFC response text into the posted confirmation, or throws SapConfirmationError. */
export function readConfirmationResponse (xml: string): ConfirmationPosted {
  if (/<!DOCTYPE/i.test(xml)) throw new SapConfirmationError('the response has a DOCTYPE; refused unread', false, [])
  let doc: Row
  try {
    doc = parser.parse(xml, true) as Row
  } catch (e) {
    throw new SapConfirmationError(`the response is not XML: ${(e as Error).message}`, true, [])
  }
  const root = Object.entries(doc).find(([k]) => k.endsWith('.Response'))?.[1] as Row | undefined
  if (root === undefined) {
    throw new SapConfirmationError('not a CO_MES_PRODORDCONF_CREATE_TT.Response', false, [], Object.keys(doc).join(','))
  }
  const es = (root.ES_RETURN ?? {}) as Row
  const details = ((root.ET_DETAIL_RETURN as Row | undefined)?.item ?? []) as Row[]
  const all = [...(str(es.TYPE) !== '' ? [{ row: es, path: 'ES_RETURN' }] : []),
    ...details.map((row, n) => ({ row, path: `ET_DETAIL_RETURN/item[${n + 1}]` }))]
  const messages = all.map((m) => toMessage(m.row))
  const failed = all.filter((m) => ['E', 'A'].includes(str(m.row.TYPE)))
  if (failed.length > 0) {
    const retryable = failed.every((m) => str(m.row.TYPE) === 'A' || str(m.row.FLG_LOCKED) === 'X')
    const text = failed.map((m) => `${str(m.row.TYPE)} ${str(m.row.ID)} ${str(m.row.NUMBER)}: ${str(m.row.MESSAGE)}`).join('; ')
    throw new SapConfirmationError(`SAP did not post the confirmation: ${text}`, retryable, messages, failed[0].path)
  }
  const saved = details.find((r) => str(r.CONF_NO) !== '')
  if (saved === undefined) {
    throw new SapConfirmationError('SAP answered without a confirmation number (CONF_NO) and without an error', false, messages,
      'ET_DETAIL_RETURN')
  }
  const confirmationNumber = str(saved.CONF_NO)
  const confirmationCounter = str(saved.CONF_CNT)
  return {
    ok: true,
    reference: `${confirmationNumber}/${confirmationCounter}`,
    confirmationNumber,
    confirmationCounter,
    warnings: messages.filter((m) => m.type === 'W'),
    messages
  }
}
