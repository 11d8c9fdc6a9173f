// The IDoc-SOAP request as SAP's inbound service (/sap/bc/srt/idoc, transaction SRTIDOC) takes it: a SOAP 1.1 or 1.2
// envelope whose body holds the basic type in the namespace `urn:sap-com:document:sap:idoc:soap:messages`
// (`<urn:LOIPRO05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1">...`). SAP's rules for that namespace (message EA728,
// "IDoc SOAP Namespace - Violation"): exactly one IDoc per request (MULTIPLE_IDOCS_NOT_ALLOWED), and the message id
// for exactly-once in the control record's ARCKEY with the prefix `urn:sap.com:msgid=` (SOAP_MSGID_PREFIX_INVALID).
// A WS-Addressing MessageID header, as middleware sends it, is taken when ARCKEY carries none.
import type { Idoc } from './idoc'
import { DEFAULT_MAX_IDOC_BYTES, attributesOf, childrenOf, findIdocs, idocOf, localName, parseXmlNodes, tagOf, type IdocElement, type XmlNode } from './idoc-xml'
import { IdocSoapError } from '../errors'

export const IDOC_SOAP_NAMESPACE = 'urn:sap-com:document:sap:idoc:soap:messages'
export const SAP_MSGID_PREFIX = 'urn:sap.com:msgid='

const SOAP_VERSIONS: Readonly<Record<string, '1.1' | '1.2'>> = {
  'http://schemas.xmlsoap.org/soap/envelope/': '1.1',
  'http://www.w3.org/2003/05/soap-envelope': '1.2'
}

export interface IdocSoapRequest {
  readonly idoc: Idoc
  /** The envelope's SOAP version: a fault goes back in the same one. */
  readonly soapVersion: '1.1' | '1.2'
  /** ARCKEY `urn:sap.com:msgid=<guid>` (the guid), else the WS-Addressing MessageID; undefined when neither is sent. */
  readonly messageId: string | undefined
}

export interface IdocSoapOptions {
  readonly maxBytes?: number
  readonly source?: string
}

/** The one IDoc of an IDoc-SOAP request. Throws IdocSoapError (and the parser's errors) naming what is wrong. */
export function unwrapIdocSoap (xml: string | Buffer, opts: IdocSoapOptions = {}): IdocSoapRequest {
  const source = opts.source ?? 'IDoc-SOAP request'
  const nodes = parseXmlNodes(xml, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_IDOC_BYTES, source })
  const envelope = nodes.find((n) => tagOf(n) !== undefined)
  const etag = envelope === undefined ? undefined : tagOf(envelope)
  if (envelope === undefined || etag === undefined || localName(etag) !== 'Envelope') {
    throw new IdocSoapError(`the root element is ${etag === undefined ? 'missing' : `'${localName(etag)}'`}, not a SOAP Envelope`, source,
      'send the IDoc inside a SOAP envelope, or post it to /sap/bc/idoc_xml')
  }
  const soapVersion = SOAP_VERSIONS[namespaceOf(etag, [envelope]) ?? '']
  if (soapVersion === undefined) {
    throw new IdocSoapError(`the Envelope's namespace '${namespaceOf(etag, [envelope]) ?? ''}' is neither SOAP 1.1 nor SOAP 1.2`, source)
  }
  const parts = childrenOf(envelope, etag).filter((n) => tagOf(n) !== undefined)
  const body = parts.find((n) => localName(tagOf(n)!) === 'Body')
  if (body === undefined) throw new IdocSoapError('the envelope has no Body', source)
  const header = parts.find((n) => localName(tagOf(n)!) === 'Header')

  const found: IdocElement[] = []
  for (const c of childrenOf(body, tagOf(body)!)) findIdocs(c, undefined, found)
  if (found.length !== 1) {
    throw new IdocSoapError(found.length === 0 ? 'the SOAP body holds no IDOC' : `the SOAP body holds ${found.length} IDOCs; SAP takes exactly one per request (MULTIPLE_IDOCS_NOT_ALLOWED)`,
      source, found.length === 0 ? 'put the basic type with its IDOC in the body' : 'send each IDoc in a request of its own, or post the packet to /sap/bc/idoc_xml')
  }
  const idoc = idocOf(found[0], 'IDOC 1', source)
  return { idoc, soapVersion, messageId: messageIdOf(idoc, header, source) }
}

function messageIdOf (idoc: Idoc, header: XmlNode | undefined, source: string): string | undefined {
  const arckey = (idoc.control.ARCKEY ?? '').trim()
  if (arckey !== '') {
    if (!arckey.startsWith(SAP_MSGID_PREFIX) || arckey.length === SAP_MSGID_PREFIX.length) {
      throw new IdocSoapError(`ARCKEY '${arckey}' does not start with the prefix '${SAP_MSGID_PREFIX}' (SOAP_MSGID_PREFIX_INVALID)`, source,
        `write the message id as ${SAP_MSGID_PREFIX}<guid>`)
    }
    return arckey.slice(SAP_MSGID_PREFIX.length)
  }
  if (header === undefined) return undefined
  for (const h of childrenOf(header, tagOf(header)!)) {
    const t = tagOf(h)
    if (t !== undefined && localName(t) === 'MessageID') {
      const text = childrenOf(h, t).map((x) => typeof x['#text'] === 'string' ? x['#text'] : '').join('').trim()
      return text === '' ? undefined : text
    }
  }
  return undefined
}

/** The namespace URI of a qualified name, from the xmlns declarations on the given elements (innermost first). */
function namespaceOf (qname: string, scope: readonly XmlNode[]): string | undefined {
  const i = qname.indexOf(':')
  const attr = i === -1 ? 'xmlns' : `xmlns:${qname.slice(0, i)}`
  for (const el of scope) {
    const v = attributesOf(el)[attr]
    if (v !== undefined) return v
  }
  return undefined
}
