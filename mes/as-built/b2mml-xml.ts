// The as-built record's B2MML V7 documents as XML (fast-xml-parser's XMLBuilder). MESA's JSON form maps to the XSD
// one to one: a property is an element of that name, "$" is an element's text and "@x" its attribute x, an array
// is the element repeated. The JSON form lists properties alphabetically while the XSD's sequences fix an order, so
// children are written in the order of schemas/b2mml-v7/element-order.json (generated from MESA's XSD by
// scripts/b2mml-element-order.js), each element's type taken from the JSON schema.
//
// XML has one root: the two documents sit in a hub element (AS_BUILT_XML_NAMESPACE) with the subject and time as
// attributes; each of them is a B2MML element in MESA's namespace that a reader can take out and validate on its own.
import { XMLBuilder } from 'fast-xml-parser'
import b2mml from '../../schemas/b2mml-v7/AllSchemas.json'
import elementOrder from '../../schemas/b2mml-v7/element-order.json'
import type { B2mmlExport } from './b2mml-export'

export const B2MML_NAMESPACE = 'http://www.mesa.org/xml/B2MML'
export const AS_BUILT_XML_NAMESPACE = 'urn:isa95-hub:as-built:1'

type Json = Record<string, unknown>
/** XMLBuilder's ordered form: { tag: children, ':@': attributes } or { '#text': text }. */
type Ordered = Record<string, unknown>

const defs = (b2mml as unknown as { $defs: Record<string, Json> }).$defs
const ORDER = elementOrder as Record<string, string[]>
const REF = '#/$defs/'

/** The $defs name a property schema points at (through items and anyOf [null, type]), if any. */
function typeOf (schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined
  const s = schema as Json
  if (typeof s.$ref === 'string' && s.$ref.startsWith(REF)) return resolve(s.$ref.slice(REF.length))
  if (s.items !== undefined) return typeOf(s.items)
  if (Array.isArray(s.anyOf)) {
    for (const branch of s.anyOf) {
      const t = typeOf(branch)
      if (t !== undefined) return t
    }
  }
  return undefined
}

/** A definition that is only a $ref to another (OperationsPerformance -> OperationsPerformanceType) is that other. */
function resolve (name: string): string {
  const d = defs[name]
  if (d !== undefined && typeof d.$ref === 'string' && d.properties === undefined) return typeOf(d) ?? name
  return name
}

function childType (type: string | undefined, key: string): string | undefined {
  if (type === undefined) return undefined
  const props = defs[type]?.properties as Json | undefined
  return props === undefined ? undefined : typeOf(props[key])
}

function orderedKeys (type: string | undefined, value: Json): string[] {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined && k !== '$' && !k.startsWith('@'))
  const order = type !== undefined ? ORDER[type] : undefined
  if (order === undefined) return keys
  const rank = (k: string): number => { const i = order.indexOf(k); return i < 0 ? order.length : i }
  return keys.map((k, i) => ({ k, i })).sort((a, b) => rank(a.k) - rank(b.k) || a.i - b.i).map((e) => e.k)
}

// Characters XML 1.0 cannot hold, not even as a character reference (C0 controls but tab, newline and carriage
// return; U+FFFE, U+FFFF; lone surrogates). Free text of the record (a reason, a why) may carry them, and one would
// make the whole document ill-formed to every XML parser: each is written as U+FFFD, the replacement character.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** A value as XML text (the builder escapes markup: &, <, >, quotes). */
const xmlText = (v: unknown): string => String(v).replace(NOT_XML, '\ufffd')

function element (tag: string, value: unknown, type: string | undefined, attrs: Json = {}): Ordered[] {
  if (Array.isArray(value)) return value.flatMap((v) => element(tag, v, type, attrs))
  const node: Ordered = {}
  if (value === null || typeof value !== 'object') {
    node[tag] = [{ '#text': xmlText(value) }]
  } else {
    const v = value as Json
    const own: Json = { ...attrs }
    for (const [k, a] of Object.entries(v)) if (k.startsWith('@') && a !== undefined) own[`@_${k.slice(1)}`] = xmlText(a)
    const children: Ordered[] = v.$ !== undefined ? [{ '#text': xmlText(v.$) }] : []
    for (const k of orderedKeys(type, v)) children.push(...element(k, v[k], childType(type, k)))
    node[tag] = children
    if (Object.keys(own).length > 0) node[':@'] = own
  }
  return [node]
}

const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ' })

/** One XML document holding the export's OperationsPerformance and MaterialLot. */
export function b2mmlXml (doc: B2mmlExport, about: { subject: string, generatedAt: string }): string {
  const ns = { '@_xmlns': B2MML_NAMESPACE }
  const root: Ordered = {
    AsBuilt: [
      ...element('OperationsPerformance', doc.OperationsPerformance.OperationsPerformance, resolve('OperationsPerformance'), ns),
      ...element('MaterialLot', doc.MaterialLot.MaterialLot, resolve('MaterialLot'), ns)
    ],
    ':@': { '@_xmlns': AS_BUILT_XML_NAMESPACE, '@_subject': xmlText(about.subject), '@_generatedAt': about.generatedAt }
  }
  const decl: Ordered = { '?xml': [{ '#text': '' }], ':@': { '@_version': '1.0', '@_encoding': 'UTF-8' } }
  return builder.build([decl, root]) as string
}
