// IDoc-XML as SAP's ports send it, into the IDoc model (idoc.ts). Elements are read by local name whatever the
// namespace or prefix: no namespace from the XML-HTTP port (/sap/bc/idoc_xml), the default namespace
// `urn:sap-com:document:sap:idoc:soap:messages` from IDoc-SOAP, prefixes from middleware. The document's root is the
// basic type (LOIPRO05) or a wrapper around it; each `<IDOC>` under it is one IDoc (several in a bulk packet), with
// EDI_DC40 as its control record. An element with child elements or a SEGMENT attribute is a segment, a leaf is a
// field (an empty element is the field with ''): SAP omits SEGMENT="1" in some outputs, and writes every segment
// that can repeat as often as it occurs. Field text is kept as sent (no number parsing: leading zeros stay).
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { guardXml } from './xml-guard'
import { sapName, type Idoc, type IdocSegment } from './idoc'
import { IdocMalformedError, IdocStructureError } from '../errors'

/** Default size limit of one IDoc-XML document (a bulk packet of a few hundred orders fits). */
export const DEFAULT_MAX_IDOC_BYTES = 16 * 1024 * 1024

export interface IdocXmlOptions {
  /** Largest accepted document in bytes (DEFAULT_MAX_IDOC_BYTES). */
  readonly maxBytes?: number
  /** Names the document in errors (an endpoint, a file). */
  readonly source?: string
}

/** One node of fast-xml-parser's ordered output: `{ tag: children, ':@': attributes }`, `{ '#text': '...' }`. */
export type XmlNode = Record<string, unknown>

const ATTRS = ':@'
const TEXT = '#text'
const CDATA = '#cdata'

// Entities stay unexpanded in the parser (processEntities: false, defence in depth behind the DOCTYPE refusal);
// the five predefined XML entities and character references are decoded here, by the XML 1.0 rules (section 4.6).
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA
})

/** Every IDoc of an IDoc-XML document, in document order. Throws the adapter's typed errors (errors.ts). */
export function parseIdocXml (xml: string | Buffer, opts: IdocXmlOptions = {}): Idoc[] {
  const source = opts.source ?? 'IDoc-XML'
  const nodes = parseXmlNodes(xml, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_IDOC_BYTES, source })
  const found: IdocElement[] = []
  for (const n of nodes) if (tagOf(n) !== undefined) findIdocs(n, undefined, found)
  if (found.length === 0) throw new IdocStructureError('no IDOC element in the document', source, undefined, 'IDoc-XML holds <IDOC> elements under the basic type, e.g. <LOIPRO05><IDOC>')
  return found.map((f, i) => idocOf(f, `IDOC ${i + 1}`, source))
}

/** The guarded, validated, ordered tree of a document (shared with the SOAP unwrapping). */
export function parseXmlNodes (xml: string | Buffer, opts: { maxBytes: number, source: string }): XmlNode[] {
  const text = guardXml(xml, opts)
  const verdict = XMLValidator.validate(text)
  if (verdict !== true) throw new IdocMalformedError(verdict.err.msg, opts.source, verdict.err.line, verdict.err.col)
  return parser.parse(text) as XmlNode[]
}

export interface IdocElement {
  readonly node: XmlNode
  /** The local name of the element around IDOC: the basic type (LOIPRO05), unless it is a wrapper. */
  readonly around: string | undefined
}

/** The IDOC elements under a node (not inside an IDOC), with the name of the element each sits in. */
export function findIdocs (node: XmlNode, around: string | undefined, out: IdocElement[]): void {
  const tag = tagOf(node)
  if (tag === undefined) return
  const name = localName(tag)
  if (name === 'IDOC') {
    out.push({ node, around })
    return
  }
  for (const c of childrenOf(node, tag)) findIdocs(c, name, out)
}

/** One IDOC element as an Idoc; `where` names it in errors (`IDOC 2`). */
export function idocOf (el: IdocElement, where: string, source: string): Idoc {
  const tag = tagOf(el.node)!
  let control: Record<string, string> | undefined
  const segments: IdocSegment[] = []
  for (const c of childrenOf(el.node, tag)) {
    const ctag = tagOf(c)
    if (ctag === undefined) {
      checkNoText(c, where, source)
      continue
    }
    const name = sapName(localName(ctag))
    if (name === 'EDI_DC40') {
      if (control !== undefined) throw new IdocStructureError('a second EDI_DC40 control record', source, where, 'an IDoc has one control record')
      control = segmentOf(c, ctag, `${where} > EDI_DC40`, source).fields as Record<string, string>
    } else if (isSegment(c, ctag)) {
      segments.push(segmentOf(c, ctag, `${where} > ${name}`, source))
    } else if (leafText(c, ctag, where, source) === '') {
      segments.push({ name, fields: {}, segments: [] }) // an empty segment written without SEGMENT="1"
    } else {
      throw new IdocStructureError(`text in element ${name} directly under IDOC, where only segments go`, source, where)
    }
  }
  if (control === undefined) {
    throw new IdocStructureError('the control record EDI_DC40 is missing', source, where, 'every inbound IDoc needs its EDI_DC40 (SAP refuses one without it)')
  }
  return {
    idocType: control.IDOCTYP || el.around || '',
    messageType: control.MESTYP ?? '',
    control,
    segments
  }
}

function segmentOf (node: XmlNode, tag: string, path: string, source: string): IdocSegment {
  const fields: Record<string, string> = {}
  const segments: IdocSegment[] = []
  for (const c of childrenOf(node, tag)) {
    const ctag = tagOf(c)
    if (ctag === undefined) {
      checkNoText(c, path, source)
      continue
    }
    const name = sapName(localName(ctag))
    if (isSegment(c, ctag)) {
      segments.push(segmentOf(c, ctag, `${path} > ${name}`, source))
    } else {
      if (Object.prototype.hasOwnProperty.call(fields, name)) throw new IdocStructureError(`field ${name} appears twice`, source, path)
      fields[name] = leafText(c, ctag, path, source)
    }
  }
  return { name: sapName(localName(tag)), fields, segments }
}

/** A segment has child elements or carries SEGMENT (any prefix); anything else is a field. */
function isSegment (node: XmlNode, tag: string): boolean {
  const attrs = node[ATTRS] as Record<string, string> | undefined
  if (attrs !== undefined) for (const a of Object.keys(attrs)) if (localName(a) === 'SEGMENT') return true
  for (const c of childrenOf(node, tag)) if (tagOf(c) !== undefined) return true
  return false
}

/** The text of a leaf element, entities and character references decoded, CDATA as it is. */
function leafText (node: XmlNode, tag: string, path: string, source: string): string {
  let text = ''
  for (const c of childrenOf(node, tag)) {
    if (typeof c[TEXT] === 'string') text += decodeEntities(c[TEXT], path, source)
    else if (Array.isArray(c[CDATA])) for (const d of c[CDATA] as XmlNode[]) text += String(d[TEXT] ?? '')
  }
  return text
}

function checkNoText (node: XmlNode, path: string, source: string): void {
  const t = node[TEXT]
  if (typeof t === 'string' && t.trim() !== '') {
    throw new IdocStructureError(`text '${t.trim().slice(0, 40)}' between segments`, source, path, 'fields are elements of their own')
  }
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function decodeEntities (text: string, path: string, source: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new IdocStructureError(`a bare '&' in text ('${whole}')`, source, path, "write '&amp;'")
    const named = PREDEFINED[ref]
    if (named !== undefined) return named
    const code = /^#x([0-9A-Fa-f]{1,6})$/.exec(ref) ?? /^#([0-9]{1,7})$/.exec(ref)
    if (code !== null) {
      const cp = parseInt(code[1], ref[1] === 'x' ? 16 : 10)
      if (cp <= 0x10FFFF && cp !== 0) return String.fromCodePoint(cp)
    }
    throw new IdocStructureError(`undefined entity reference '&${ref};'`, source, path, 'only the five XML entities and character references are accepted')
  })
}

/** The element name of a node, or undefined for text. */
export function tagOf (node: XmlNode): string | undefined {
  for (const k in node) if (k !== ATTRS && k !== TEXT && k !== CDATA) return k
  return undefined
}

export function childrenOf (node: XmlNode, tag: string): XmlNode[] {
  const c = node[tag]
  return Array.isArray(c) ? c as XmlNode[] : []
}

export function attributesOf (node: XmlNode): Readonly<Record<string, string>> {
  return (node[ATTRS] as Record<string, string> | undefined) ?? {}
}

export function localName (qname: string): string {
  const i = qname.indexOf(':')
  return i === -1 ? qname : qname.slice(i + 1)
}
