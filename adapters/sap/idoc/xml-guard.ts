// What is refused before any XML parser sees a document: more bytes than the limit, a document type declaration
// (`<!DOCTYPE`, the door to entity expansion and external entities: billion laughs, XXE), an entity declaration,
// and bytes that are not text in the declared encoding. fast-xml-parser 5 has no option to refuse a DOCTYPE and
// expands internal entities by default, so the check happens here, on the raw text, anywhere in it (after a BOM,
// comments or a processing instruction too). IDoc-XML never needs a DOCTYPE: SAP's XML-HTTP and SOAP ports send none.
import { IdocRefusedError } from '../errors'

export interface XmlGuardOptions {
  /** Largest accepted document, in bytes. */
  readonly maxBytes: number
  /** Names the document in errors (an endpoint, a file). */
  readonly source?: string
}

const FORBIDDEN: ReadonlyArray<{ re: RegExp, code: 'IDOC_DOCTYPE' | 'IDOC_ENTITY', what: string }> = [
  { re: /<!DOCTYPE/i, code: 'IDOC_DOCTYPE', what: 'a document type declaration (<!DOCTYPE)' },
  { re: /<!ENTITY/i, code: 'IDOC_ENTITY', what: 'an entity declaration (<!ENTITY)' }
]

/** Encodings a document may declare, as TextDecoder names them (IDoc-XML is UTF-8 in practice). */
const DECODERS: Readonly<Record<string, string>> = {
  'utf-8': 'utf-8', utf8: 'utf-8', 'iso-8859-1': 'latin1', latin1: 'latin1', 'us-ascii': 'utf-8', 'windows-1252': 'windows-1252'
}

/**
 * The document as text, once it passed the checks: decoded from its bytes (UTF-8 unless a UTF-16 BOM or the XML
 * declaration says otherwise), the BOM removed. Throws IdocRefusedError naming what was found and where.
 */
export function guardXml (xml: string | Buffer, opts: XmlGuardOptions): string {
  const source = opts.source ?? 'IDoc-XML'
  const bytes = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.length
  if (bytes > opts.maxBytes) {
    throw new IdocRefusedError('IDOC_TOO_LARGE', `document of ${bytes} bytes is over the limit of ${opts.maxBytes} bytes`, source,
      undefined, 'split the IDocs into smaller packets (SAP: fewer IDocs per packet in the partner profile)')
  }
  const text = typeof xml === 'string' ? xml.replace(/^\uFEFF/, '') : decode(xml, source)
  for (const f of FORBIDDEN) {
    const m = f.re.exec(text)
    if (m !== null) {
      throw new IdocRefusedError(f.code, `${f.what} is not accepted`, source, place(text, m.index),
        'IDoc-XML needs no DTD; remove it (entity expansion and external entities are refused)')
    }
  }
  return text
}

/** `byte N, line L` of a character index (bytes of the UTF-8 text, lines from 1). */
function place (text: string, index: number): string {
  const before = text.slice(0, index)
  let line = 1
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++
  return `byte ${Buffer.byteLength(before, 'utf8')}, line ${line}`
}

function decode (buf: Buffer, source: string): string {
  let encoding = 'utf-8'
  let start = 0
  if (buf[0] === 0xEF && buf[1] === 0xBB && buf[2] === 0xBF) start = 3
  else if (buf[0] === 0xFF && buf[1] === 0xFE) { encoding = 'utf-16le'; start = 2 } else if (buf[0] === 0xFE && buf[1] === 0xFF) { encoding = 'utf-16be'; start = 2 } else {
    // The declaration is ASCII in every encoding this accepts: read it from the first bytes.
    const decl = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(buf.subarray(0, 200).toString('latin1'))
    if (decl !== null) {
      const name = DECODERS[decl[1].toLowerCase()]
      if (name === undefined) {
        throw new IdocRefusedError('IDOC_ENCODING', `encoding '${decl[1]}' is not supported`, source, 'line 1', 'send UTF-8')
      }
      encoding = name
    }
  }
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(buf.subarray(start))
  } catch {
    throw new IdocRefusedError('IDOC_ENCODING', `the bytes are not valid ${encoding}`, source, undefined, 'send UTF-8 as the XML declaration says')
  }
}
