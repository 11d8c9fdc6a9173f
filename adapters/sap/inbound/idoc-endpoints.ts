// SAP's inbound paths on the hub's HTTP port, so that an RFC destination (SM59, type G) only changes its host:
//   POST /sap/bc/idoc_xml   IDoc-XML, one or several IDocs in a document (SAP's XML-HTTP port)
//   POST /sap/bc/srt/idoc   IDoc-SOAP, exactly one IDoc per request (SAP's SOAP port)
// Behind HTTP Basic authentication (the hub hands the middleware in: editor users with sap.write; a wrong login is
// a 401, never a 500). A delivery is answered once every IDoc in it is stored (idoc-receiver.ts): 200 with what was
// stored, for the XML-HTTP port as JSON, for SOAP as an empty SOAP Body, as SAP's own IDoc service answers. What is
// refused before anything is stored: 413 for a document over sap.maxDocumentBytes, 400 for malformed XML, a
// DOCTYPE or entity, or what is not an IDoc (as a SOAP fault for the SOAP port); a store that fails is a 503 with
// Retry-After, so that SAP keeps the IDoc and sends it again.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { XMLBuilder } from 'fast-xml-parser'
import { HubError } from '../../../core/errors'
import { clientText } from '../../../core/client-text'
import type { Logger } from '../../../core/logger'
import type { Inbox, InboxChannel } from '../../../mes/service'
import { receiveIdocs, type ReceivedIdoc } from './idoc-receiver'

export const IDOC_XML_PATH = '/sap/bc/idoc_xml'
export const IDOC_SOAP_PATH = '/sap/bc/srt/idoc'

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/'
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope'

export interface IdocEndpointsOptions {
  readonly inbox: Inbox
  /** HTTP Basic of a user with sap.write (hub/basic-auth.ts); sets the user for `userOf`. */
  readonly authenticate: RequestHandler
  readonly userOf: (req: Request) => string | undefined
  readonly maxDocumentBytes: number
  /** Called with the stored IDocs of each delivery, after the answer (the applier). */
  readonly received: (idocs: ReceivedIdoc[]) => void
  readonly log: Logger
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true })

function soapAnswer (version: '1.1' | '1.2', body: Record<string, unknown>): string {
  const ns = version === '1.2' ? SOAP12 : SOAP11
  return '<?xml version="1.0" encoding="UTF-8"?>' + builder.build({ 'soap:Envelope': { '@_xmlns:soap': ns, 'soap:Body': body } }) as string
}

/** A SOAP fault: 1.1 (faultcode soap:Client or soap:Server, HTTP 500) or 1.2 (Sender or Receiver, HTTP 400 or 500). */
function soapFault (res: Response, version: '1.1' | '1.2', sender: boolean, text: string, status?: number): void {
  const fault = version === '1.2'
    ? { 'soap:Code': { 'soap:Value': sender ? 'soap:Sender' : 'soap:Receiver' }, 'soap:Reason': { 'soap:Text': { '@_xml:lang': 'en', '#text': text } } }
    : { faultcode: sender ? 'soap:Client' : 'soap:Server', faultstring: text }
  res.status(status ?? (version === '1.2' && sender ? 400 : 500))
    .type(version === '1.2' ? 'application/soap+xml' : 'text/xml').send(soapAnswer(version, { 'soap:Fault': fault }))
}

function soapVersionOf (req: Request): '1.1' | '1.2' {
  return (req.headers['content-type'] ?? '').includes('application/soap+xml') ? '1.2' : '1.1'
}

export function idocEndpoints (opts: IdocEndpointsOptions): Array<{ path: string, handler: RequestHandler }> {
  const body = express.raw({ type: () => true, limit: opts.maxDocumentBytes })
  const handle = (channel: InboxChannel): RequestHandler => (req, res) => {
    const soap = channel === 'idoc-soap'
    const who = opts.userOf(req) ?? 'sap'
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    receiveIdocs(opts.inbox, raw, { channel, who, remote: req.socket.remoteAddress }, opts.maxDocumentBytes).then((idocs) => {
      const stored = idocs.map((r) => ({ id: r.receipt.id, idocType: r.idoc.idocType, docnum: r.idoc.control.DOCNUM ?? null, duplicate: r.receipt.duplicate, status: r.receipt.status }))
      // What SAP sent is quoted through clientText: a DOCNUM with a newline must not forge a log line.
      opts.log.info(`${channel} from ${clientText(who)}: ${clientText(stored.map((s) => `${s.idocType}${s.docnum !== null ? ` ${s.docnum}` : ''} -> inbox ${s.id}${s.duplicate ? ' (duplicate)' : ''}`).join(', '), 2000)}`)
      if (soap) res.status(200).type(soapVersionOf(req) === '1.2' ? 'application/soap+xml' : 'text/xml').send(soapAnswer(soapVersionOf(req), {}))
      else res.status(200).json({ stored })
      opts.received(idocs)
    }, (err: unknown) => {
      if (err instanceof HubError && err.code.startsWith('IDOC_')) {
        const status = err.code === 'IDOC_TOO_LARGE' ? 413 : 400
        opts.log.warn(`${channel} from ${clientText(who)} refused: ${clientText(err.message, 1000)}`)
        if (soap) return soapFault(res, soapVersionOf(req), true, err.message, status === 413 ? 413 : undefined)
        return res.status(status).type('text/plain').send(err.message + '\n')
      }
      opts.log.error(`${channel} from ${clientText(who)}: the IDocs could not be stored: ${(err as Error)?.stack ?? String(err)}`)
      res.setHeader('Retry-After', '30')
      const text = 'the hub could not store the IDoc; nothing was accepted; send it again later'
      if (soap) return soapFault(res, soapVersionOf(req), false, text, 503)
      res.status(503).type('text/plain').send(text + '\n')
    })
  }
  // The body parser's own errors (over the limit, a broken stream) in the port's terms, not an HTML page.
  const bodyErrors = (channel: InboxChannel) => (err: { type?: string, status?: number, message?: string }, req: Request, res: Response, _next: NextFunction): void => {
    const tooLarge = err.type === 'entity.too.large'
    const text = tooLarge ? `document is over the limit of ${opts.maxDocumentBytes} bytes (sap.maxDocumentBytes)` : `the request body could not be read: ${err.message ?? 'unknown error'}`
    if (channel === 'idoc-soap') return soapFault(res, soapVersionOf(req), true, text, tooLarge ? 413 : 400)
    res.status(tooLarge ? 413 : 400).type('text/plain').send(text + '\n')
  }
  const route = (channel: InboxChannel): RequestHandler => {
    const r = express.Router()
    r.post('/', opts.authenticate, body, handle(channel), bodyErrors(channel))
    r.all('/', (req, res) => { res.setHeader('Allow', 'POST'); res.status(405).type('text/plain').send(`${req.method} is not supported here: POST the IDoc\n`) })
    return r
  }
  return [
    { path: IDOC_XML_PATH, handler: route('idoc-xml') },
    { path: IDOC_SOAP_PATH, handler: route('idoc-soap') }
  ]
}
