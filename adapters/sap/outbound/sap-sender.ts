// Sends one outbox message to SAP, over the transport configured for its type: IDoc-XML to SAP's XML-HTTP port
// (/sap/bc/idoc_xml), IDoc-SOAP (/sap/bc/srt/idoc), or OData (API_PROD_ORDER_CONFIRMATION_2_SRV, API_MATERIAL_
// DOCUMENT_SRV). Nothing is posted twice: an IDoc carries a DOCNUM and ARCKEY derived from the message's idempotency
// key (SAP's duplicate check sees a resend as the same message), and before an OData post the document is looked up
// by our key in its text (ConfirmationText, MaterialDocumentHeaderText), so a post whose answer was lost (a timeout,
// a crash) is found instead of posted again. What SAP refuses for good (a business error, a wrong login) throws
// OutboxSendError with retryable false, and the outbox makes it a dead letter; the rest is retried with backoff.
// Exactly once holds for IDoc-SOAP (SAP's SOAP runtime checks the message id) and OData; SAP's XML-HTTP port has no
// duplicate check, so a resend after a lost answer is a second IDoc there (at least once: the README says so).
// An OData post whose outcome is unknown (a timeout, a dropped connection) is not looked up again at once: SAP may
// still be working on it and not have committed it; the retry waits sap.outbound.settleMs, then looks it up.
import type { Confirmation, OutboxMessage } from '../../../mes/service'
import { OutboxSendError } from '../../../mes/errors'
import { HubError } from '../../../core/errors'
import type { Idoc } from '../idoc/idoc'
import { writeIdocXml, type IdocPartners } from '../idoc/idoc-writer'
import { readSoapIdocResponse, soapIdocRequest } from '../idoc/soap-request'
import { confirmationIdoc } from './confirmation-idoc'
import { goodsMovementIdoc } from './goods-movement-idoc'
import type { GoodsMovement } from './goods-movement'
import {
  MATERIAL_DOCUMENT_SERVICE, PROD_ORDER_CONF2_SERVICE, materialDocumentBody, odataString, prodnOrdConf2Body, prodnOrdConf2LookupFilter
} from './odata-bodies'
import type { SapUnitOf } from './sap-fields'
import type { ODataClient } from '../odata/odata-client'
import { SapODataError } from '../odata/odata-errors'
import type { SapConfig, SapTransport } from '../config'
import { sameAlpha } from '../sap-values'
import type { UnmappedMovement } from './sap-feeders'

export const IDOC_XML_PORT = '/sap/bc/idoc_xml'
export const IDOC_SOAP_PORT = '/sap/bc/srt/idoc'

/** What the `idoc out` node enqueues: an IDoc to send as it is (its control record filled in by the flow). */
export interface IdocPayload { readonly idoc: Idoc }

export interface SapSenderOptions {
  readonly config: SapConfig
  readonly password: string
  readonly odata: ODataClient
  readonly toSapUnit: SapUnitOf
  readonly fetch?: typeof globalThis.fetch
}

function partnersOf (c: SapConfig): IdocPartners {
  const o = c.outbound
  return {
    senderPort: o.senderPort, senderPartnerType: 'LS', senderPartner: o.senderPartner,
    ...(o.receiverPort !== '' ? { receiverPort: o.receiverPort } : {}),
    receiverPartnerType: 'LS', receiverPartner: o.receiverPartner
  }
}

/** A failure of ours or SAP's as the outbox needs it: retryable or not, with a sentence for the dead-letter list. */
function asSendError (err: unknown, what: string): Error {
  if (err instanceof OutboxSendError) return err
  const retryable = (err as { retryable?: unknown }).retryable
  if (err instanceof HubError && typeof retryable === 'boolean') return new OutboxSendError(err.message, retryable, what)
  // A value SAP's fields cannot take (SapFieldError, IdocWriteError): resending the same message cannot help.
  if (err instanceof HubError) return new OutboxSendError(err.message, false, what, 'correct the message and resubmit it')
  return new OutboxSendError(`${what}: ${(err as Error)?.message ?? String(err)}`, true, what)
}

export function sapSender (opts: SapSenderOptions): (m: OutboxMessage) => Promise<{ reference?: string }> {
  const { config } = opts
  const base = config.outbound.url.replace(/\/+$/, '')
  const fetchFn = opts.fetch ?? globalThis.fetch
  const authorization = 'Basic ' + Buffer.from(`${config.outbound.username}:${opts.password}`).toString('base64')
  const timeZone = config.timeZone
  const partners = partnersOf(config)

  const post = async (path: string, body: string, contentType: string): Promise<{ status: number, text: string }> => {
    const url = new URL(base + path)
    if (config.outbound.client !== '') url.searchParams.set('sap-client', config.outbound.client)
    let res: Response
    try {
      res = await fetchFn(url, { method: 'POST', headers: { authorization, 'content-type': contentType }, body, signal: AbortSignal.timeout(config.outbound.timeoutMs) })
    } catch (err) {
      const e = err as Error
      const why = e.name === 'TimeoutError' ? `no answer within ${config.outbound.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message
      throw new OutboxSendError(`SAP ${path} could not be reached: ${why}`, true, path)
    }
    return { status: res.status, text: await res.text() }
  }

  const sendIdoc = async (idoc: Idoc, transport: SapTransport): Promise<{ reference?: string }> => {
    const docnum = idoc.control.DOCNUM
    if (transport === 'idoc-soap') {
      const { status, text } = await post(IDOC_SOAP_PORT, soapIdocRequest(idoc), 'text/xml; charset=utf-8')
      const r = readSoapIdocResponse(status, text)
      return { reference: r.idocNumber !== undefined ? `IDoc ${r.idocNumber}` : `DOCNUM ${docnum ?? ''}`.trim() }
    }
    const { status, text } = await post(IDOC_XML_PORT, writeIdocXml(idoc), 'application/xml; charset=utf-8')
    if (status >= 200 && status < 300) return { reference: `DOCNUM ${docnum ?? ''}`.trim() }
    const retryable = status >= 500 || status === 408 || status === 429
    throw new OutboxSendError(`SAP ${IDOC_XML_PORT} answered HTTP ${status}: ${text.slice(0, 300).trim() || '(no text)'}`, retryable, IDOC_XML_PORT,
      status === 401 || status === 403 ? 'check sap.outbound.username and the password, then resubmit' : undefined)
  }

  /** An OData post; when its outcome is unknown, the retry waits until SAP has surely finished with it. */
  const postOnce = async (service: string, entitySet: string, body: unknown): Promise<Record<string, unknown>> => {
    try {
      return (await opts.odata.post<Record<string, unknown>>(service, entitySet, body)).data
    } catch (err) {
      if (err instanceof SapODataError && (err.kind === 'timeout' || err.kind === 'network')) {
        throw new OutboxSendError(`${err.message}; SAP may have posted it: it is looked up before it is posted again, in ${Math.round(config.outbound.settleMs / 1000)} s`,
          true, `${service}/${entitySet}`, undefined, config.outbound.settleMs)
      }
      throw err
    }
  }

  const confirmation = async (c: Confirmation): Promise<{ reference?: string }> => {
    const transport = config.outbound.confirmations
    if (transport !== 'odata') return await sendIdoc(confirmationIdoc(c, { partners, timeZone, toSapUnit: opts.toSapUnit }), transport)
    const found = await opts.odata.get<Array<Record<string, unknown>>>(PROD_ORDER_CONF2_SERVICE, 'ProdnOrdConf2', { $filter: prodnOrdConf2LookupFilter(c), $format: 'json' })
    const known = Array.isArray(found.data) ? found.data.find((r) => sameAlpha(String(r.OrderID ?? ''), c.orderNumber)) : undefined
    const row = known ?? (await postOnce(PROD_ORDER_CONF2_SERVICE, 'ProdnOrdConf2', prodnOrdConf2Body(c, { timeZone, toSapUnit: opts.toSapUnit })))
    return { reference: `${String(row.ConfirmationGroup ?? '')}/${String(row.ConfirmationCount ?? '')}` }
  }

  const goodsMovement = async (gm: GoodsMovement): Promise<{ reference?: string }> => {
    const transport = config.outbound.goodsMovements
    if (transport !== 'odata') return await sendIdoc(goodsMovementIdoc(gm, { partners, timeZone, toSapUnit: opts.toSapUnit }), transport)
    const found = await opts.odata.get<Array<Record<string, unknown>>>(MATERIAL_DOCUMENT_SERVICE, 'A_MaterialDocumentHeader',
      { $filter: `MaterialDocumentHeaderText eq ${odataString(gm.reference)}`, $format: 'json' })
    const known = Array.isArray(found.data) ? found.data[0] : undefined
    const row = known ?? (await postOnce(MATERIAL_DOCUMENT_SERVICE, 'A_MaterialDocumentHeader', materialDocumentBody(gm, { timeZone, toSapUnit: opts.toSapUnit })))
    return { reference: `${String(row.MaterialDocumentYear ?? '')}/${String(row.MaterialDocument ?? '')}` }
  }

  return async (m) => {
    const what = `${m.type} ${m.idempotencyKey}`
    try {
      switch (m.type) {
        case 'confirmation': return await confirmation(m.payload as Confirmation)
        case 'goods-movement': {
          const p = m.payload as GoodsMovement | UnmappedMovement
          if ('unmapped' in p) throw new OutboxSendError(p.unmapped, false, what, 'correct the payload (a goods movement) and resubmit it, or discard it')
          return await goodsMovement(p)
        }
        case 'idoc': return await sendIdoc((m.payload as IdocPayload).idoc, config.outbound.idocs)
        default: throw new OutboxSendError(`the SAP adapter sends confirmations, goods movements and IDocs, not '${m.type}'`, false, what)
      }
    } catch (err) {
      if (err instanceof SapODataError) throw new OutboxSendError(err.message, err.retryable, what)
      throw asSendError(err, what)
    }
  }
}
