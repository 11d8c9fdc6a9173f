// IDoc-SOAP (SAP's /sap/bc/srt/idoc): a SOAP 1.1 envelope whose body is one IDoc-XML document in the namespace
// `urn:sap-com:document:sap:idoc:soap:messages`, exactly one IDoc per request (SAP refuses a bulk of IDocs over
// SOAP); and SAP's answer read into `{ ok, idocNumber? }` or a SapSoapError that says whether a retry can help.
// The IDoc service is asynchronous: SAP answers 200 or 202 with an empty body or an empty SOAP Body once the IDoc
// is stored; some releases (and PI/PO in front of SAP) return the new IDoc number. A fault is SOAP 1.1
// (faultcode, faultstring) or 1.2 (Code/Value, Reason/Text).
import { XMLParser } from 'fast-xml-parser'
import type { Idoc } from './idoc'
import { xmlName } from './idoc'
import { buildXml, idocNode } from './idoc-writer'
import { HubError } from '../../../core/errors'

export const IDOC_SOAP_NAMESPACE = 'urn:sap-com:document:sap:idoc:soap:messages'
export const SOAP11_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/'

/** The SOAP request text for one IDoc. */
export function soapIdocRequest (idoc: Idoc): string {
  return buildXml([{
    'soapenv:Envelope': [
      { 'soapenv:Header': [] },
      { 'soapenv:Body': [{ [xmlName(idoc.idocType)]: [idocNode(idoc)], ':@': { '@_xmlns': IDOC_SOAP_NAMESPACE } }] }
    ],
    ':@': { '@_xmlns:soapenv': SOAP11_ENVELOPE_NAMESPACE }
  }])
}

/** SAP's answer to an IDoc-SOAP request that failed; `retryable` when the same request may succeed later. */
export class SapSoapError extends HubError {
  readonly retryable: boolean
  readonly status: number
  readonly faultCode: string | undefined

  constructor (status: number, message: string, retryable: boolean, faultCode?: string) {
    super(retryable ? 'SAP_SOAP_TEMPORARY' : 'SAP_SOAP_REJECTED', message, { source: '/sap/bc/srt/idoc', path: `HTTP ${status}` },
      retryable ? 'the outbox retries it' : 'correct the message or the SAP configuration, then resubmit it')
    this.retryable = retryable
    this.status = status
    this.faultCode = faultCode
  }
}

export interface SoapIdocResult {
  ok: true
  /** SAP's IDoc number, when the answer carries one. */
  idocNumber?: string
}

/** HTTP statuses that say "later" rather than "no". */
const TEMPORARY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504])

const parser = new XMLParser({ removeNSPrefix: true, processEntities: false, ignoreAttributes: true, parseTagValue: false, trimValues: true })

function findLocal (node: unknown, names: readonly string[], depth = 0): string | undefined {
  if (node === null || typeof node !== 'object' || depth > 12) return undefined
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (names.includes(k) && (typeof v === 'string' || typeof v === 'number')) return String(v)
    const inner = findLocal(v, names, depth + 1)
    if (inner !== undefined) return inner
  }
  return undefined
}

function text (v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v)
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    if ('#text' in o) return String(o['#text'])
    if ('Text' in o) return text(o.Text)
    if ('Value' in o) return text(o.Value)
  }
  return ''
}

/** Reads SAP's answer (status and body text) to an IDoc-SOAP request. */
export function readSoapIdocResponse (status: number, body: string): SoapIdocResult {
  const trimmed = body.trim()
  if (/<!DOCTYPE/i.test(trimmed)) throw new SapSoapError(status, 'the answer has a DOCTYPE; refused unread', false)
  let doc: Record<string, unknown> | undefined
  if (trimmed.startsWith('<')) {
    try {
      doc = parser.parse(trimmed) as Record<string, unknown>
    } catch (e) {
      throw new SapSoapError(status, `the answer is not XML: ${(e as Error).message}`, TEMPORARY_STATUS.has(status))
    }
  }
  const envelope = doc?.Envelope as Record<string, unknown> | undefined
  const soapBody = envelope?.Body as Record<string, unknown> | undefined
  const fault = soapBody?.Fault as Record<string, unknown> | undefined
  if (fault !== undefined) {
    const code = text(fault.faultcode ?? fault.Code)
    const reason = text(fault.faultstring ?? fault.Reason) || 'SOAP fault without a reason'
    const detail = findLocal(fault.detail ?? fault.Detail, ['Text', 'text', 'message', 'MESSAGE'])
    // A Client/Sender fault is about the request itself: the same request fails again.
    const clientFault = /(^|:)(Client|Sender)/.test(code)
    throw new SapSoapError(status, `SAP refused the IDoc: ${reason}${detail !== undefined && detail !== reason ? ` (${detail})` : ''}`,
      !clientFault && (TEMPORARY_STATUS.has(status) || status === 200), code || undefined)
  }
  if (status === 401 || status === 403) {
    throw new SapSoapError(status, `SAP refused the login (HTTP ${status})`, false)
  }
  if (status < 200 || status >= 300) {
    throw new SapSoapError(status, `SAP answered HTTP ${status}${trimmed !== '' && doc === undefined ? `: ${trimmed.slice(0, 200)}` : ''}`,
      TEMPORARY_STATUS.has(status))
  }
  if (trimmed !== '' && doc === undefined) throw new SapSoapError(status, `the answer is not XML: ${trimmed.slice(0, 200)}`, false)
  if (doc !== undefined && envelope === undefined) throw new SapSoapError(status, 'the answer is XML but not a SOAP envelope', false)
  const idocNumber = findLocal(soapBody, ['DOCNUM', 'IDOC_NUMBER', 'IdocNumber', 'IDocNumber'])
  return idocNumber !== undefined && idocNumber !== '' ? { ok: true, idocNumber } : { ok: true }
}
