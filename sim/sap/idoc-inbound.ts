// The simulated SAP's IDoc inbound: the XML-HTTP service (`/sap/bc/idoc_xml`, one or several <IDOC> under a root
// named after the basic type) and IDoc-SOAP (`/sap/bc/srt/idoc`, the IDoc in a SOAP 1.1 body in the namespace
// urn:sap-com:document:sap:idoc:soap:messages). SAP assigns its own IDoc number (16 digits) to each inbound IDoc;
// the sender's DOCNUM is kept beside it. IDoc-SOAP is "exactly once" (SAP message EA728): exactly one IDoc per
// request, and the message id in ARCKEY (`urn:sap.com:msgid=<guid>`) identifies it, so the same ARCKEY again is
// answered as a success without a second IDoc; a request with several IDocs (MULTIPLE_IDOCS_NOT_ALLOWED) or without
// the message id (SOAP_MSGID_INITIAL) is a SOAP fault. XML-HTTP has no such key: the same document twice is two
// IDocs in SAP, which is what a sender that resends over XML-HTTP has to live with.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser'

export const IDOC_SOAP_NAMESPACE = 'urn:sap-com:document:sap:idoc:soap:messages'
const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
const MSGID_PREFIX = 'urn:sap.com:msgid='

export interface ReceivedIdoc {
  /** The number SAP gave it (EDIDC-DOCNUM on the receiving side). */
  readonly idocNumber: string
  readonly transport: 'xml-http' | 'soap'
  readonly idocType: string
  readonly messageType: string
  /** The sender's DOCNUM and ARCKEY as sent ('' when absent). */
  readonly senderDocnum: string
  readonly arckey: string
  /** The data segments' element names at the top level, in order (E1AFKOL, E1MARAM, ...). */
  readonly segments: readonly string[]
  readonly receivedAt: string
}

export interface InboundAnswer { readonly status: number, readonly contentType: string, readonly body: string, readonly idocs: readonly ReceivedIdoc[] }

type Node = Record<string, unknown>

// DOCTYPE refused before parsing and entities left alone: fast-xml-parser 5 cannot refuse a DOCTYPE by option.
const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, processEntities: false, isArray: (name) => name === 'IDOC' })
const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true })

class InboundRefusal extends Error {}

function parse (xml: string): Node {
  if (/<!DOCTYPE/i.test(xml)) throw new InboundRefusal('a DOCTYPE is not accepted')
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw new InboundRefusal(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`)
  return parser.parse(xml) as Node
}

function rootElement (doc: Node): [string, Node] {
  const names = Object.keys(doc).filter((k) => !k.startsWith('?'))
  if (names.length !== 1) throw new InboundRefusal('the document must have one root element')
  const v = doc[names[0]!]
  return [names[0]!, (v && typeof v === 'object' ? v : {}) as Node]
}

function textOf (v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'object') return String((v as Node)['#text'] ?? '')
  return String(v)
}

export class IdocInbound {
  readonly received: ReceivedIdoc[] = []
  private next = 100_001

  private take (root: string, idoc: Node, transport: ReceivedIdoc['transport'], position: number): ReceivedIdoc {
    const dc = idoc.EDI_DC40
    if (!dc || typeof dc !== 'object') throw new InboundRefusal(`IDOC ${position}: the control record EDI_DC40 is missing`)
    const control = dc as Node
    const idocType = textOf(control.IDOCTYP) || root
    return {
      idocNumber: String(this.next++).padStart(16, '0'),
      transport,
      idocType,
      messageType: textOf(control.MESTYP),
      senderDocnum: textOf(control.DOCNUM),
      arckey: textOf(control.ARCKEY),
      segments: Object.keys(idoc).filter((k) => k !== 'EDI_DC40' && !k.startsWith('@_') && k !== '#text'),
      receivedAt: new Date().toISOString()
    }
  }

  /** POST /sap/bc/idoc_xml. 200 with a short text naming the IDoc numbers; a bad document is a 400 with the reason. */
  xmlHttp (xml: string): InboundAnswer {
    try {
      const [root, body] = rootElement(parse(xml))
      const idocs = (body.IDOC as Node[] | undefined) ?? []
      if (idocs.length === 0) throw new InboundRefusal(`no IDOC element under <${root}>`)
      const taken = idocs.map((d, i) => this.take(root, d, 'xml-http', i + 1))
      this.received.push(...taken)
      return { status: 200, contentType: 'text/plain; charset=utf-8', body: `IDoc-XML received: ${taken.map((t) => t.idocNumber).join(', ')}\n`, idocs: taken }
    } catch (err) {
      if (!(err instanceof InboundRefusal)) throw err
      return { status: 400, contentType: 'text/plain; charset=utf-8', body: `IDoc-XML inbound: ${err.message}\n`, idocs: [] }
    }
  }

  /** POST /sap/bc/srt/idoc. 200 with an empty SOAP body (the call is asynchronous: no payload answers it); else a SOAP fault. */
  soap (xml: string): InboundAnswer {
    try {
      const [rootName, env] = rootElement(parse(xml))
      if (rootName !== 'Envelope') throw new InboundRefusal('not a SOAP envelope')
      const body = env.Body as Node | undefined
      const names = body && typeof body === 'object' ? Object.keys(body).filter((k) => !k.startsWith('@_') && k !== '#text') : []
      if (names.length !== 1) throw new InboundRefusal('the SOAP body must hold one IDoc document')
      const root = names[0]!
      const doc = (body![root] && typeof body![root] === 'object' ? body![root] : {}) as Node
      // removeNSPrefix drops xmlns attributes, so the IDoc element's namespace is read from the text itself.
      const declared = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${root}\\b[^>]*\\bxmlns(?::[\\w.-]+)?="${IDOC_SOAP_NAMESPACE}"`)
      if (!declared.test(xml)) throw new InboundRefusal(`<${root}> is not in the namespace ${IDOC_SOAP_NAMESPACE}`)
      const idocs = (doc.IDOC as Node[] | undefined) ?? []
      if (idocs.length !== 1) throw new InboundRefusal(idocs.length === 0 ? 'no IDOC in the request' : 'IDoc-SOAP rule violated (MULTIPLE_IDOCS_NOT_ALLOWED): a SOAP request can contain only one IDoc')
      const arckey = textOf((idocs[0]!.EDI_DC40 as Node | undefined)?.ARCKEY)
      if (!arckey.startsWith(MSGID_PREFIX) || arckey.length === MSGID_PREFIX.length) {
        throw new InboundRefusal(`IDoc-SOAP rule violated (SOAP_MSGID_INITIAL): the control record's ARCKEY must carry the message id as ${MSGID_PREFIX}<guid>`)
      }
      const earlier = this.received.find((r) => r.transport === 'soap' && r.arckey === arckey)
      if (earlier) return { status: 200, contentType: 'text/xml; charset=utf-8', body: emptyEnvelope(), idocs: [earlier] }
      const taken = this.take(root, idocs[0]!, 'soap', 1)
      this.received.push(taken)
      return { status: 200, contentType: 'text/xml; charset=utf-8', body: emptyEnvelope(), idocs: [taken] }
    } catch (err) {
      if (!(err instanceof InboundRefusal)) throw err
      return { status: 500, contentType: 'text/xml; charset=utf-8', body: soapFault(err.message), idocs: [] }
    }
  }
}

function envelope (body: Node | string): string {
  return '<?xml version="1.0" encoding="utf-8"?>' + builder.build({
    'soap-env:Envelope': { '@_xmlns:soap-env': SOAP_ENV, 'soap-env:Header': '', 'soap-env:Body': body }
  }) as string
}

function emptyEnvelope (): string {
  return envelope('')
}

export function soapFault (text: string): string {
  return envelope({ 'soap-env:Fault': { faultcode: 'soap-env:Client', faultstring: { '@_xml:lang': 'en', '#text': text } } })
}
