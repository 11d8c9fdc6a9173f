// What SAP's ports deliver, stored before they are answered: an IDoc-XML document (one or several IDocs) or an
// IDoc-SOAP request (exactly one) is checked (size, DOCTYPE and entities refused, well-formed), parsed by local name,
// and every IDoc in it stored raw in the MES inbox in one transaction, keyed for exactly-once by the sender
// (SNDPRT/SNDPRN) with its DOCNUM and ARCKEY, or, when it has neither, by being the same content as the latest IDoc
// of its sender about the same object (material A, then B, then A again is news). Only then does the port get its
// 200; a duplicate is answered 200 too (SAP resends what it is not sure was received) and changes nothing. The
// IDocs are applied afterwards, in the order received (idoc-applier.ts), so that a slow mapping never times out
// SAP's port and an IDoc stored but not applied when the hub stopped is applied when it starts again.
import crypto from 'node:crypto'
import type { Inbox, InboxChannel, InboxReceipt, InboxReceive } from '../../../mes/service'
import type { Idoc } from '../idoc/idoc'
import { guardXml } from '../idoc/xml-guard'
import { parseIdocXml } from '../idoc/idoc-xml'
import { SAP_MSGID_PREFIX, unwrapIdocSoap } from '../idoc/soap-envelope'

export interface ReceivedIdoc {
  readonly idoc: Idoc
  readonly receipt: InboxReceipt
}

export interface Delivery {
  readonly channel: InboxChannel
  /** The authenticated user of the port. */
  readonly who: string
  readonly remote: string | undefined
}

/** The sender of an IDoc as its control record names it: `LS/PRDCLNT100`; DOCNUM and ARCKEY are unique per sender. */
export function senderOf (idoc: Idoc): string {
  const prt = idoc.control.SNDPRT ?? ''
  const prn = idoc.control.SNDPRN ?? ''
  return prt === '' ? prn : `${prt}/${prn}`
}

/** The IDoc's content, independent of how it was written (namespace, whitespace between elements, channel). */
export function contentHash (idoc: Idoc): string {
  return crypto.createHash('sha256').update(JSON.stringify([idoc.idocType, idoc.control, idoc.segments])).digest('hex')
}

/**
 * The text of each `<IDOC>` element of a document that has several, so that each stored IDoc is its own raw bytes
 * (the document once per IDoc would store a bulk packet N times). IDOC elements do not nest and the document has
 * been validated by the parser already; when the scan does not find as many as the parser did, undefined.
 */
export function idocTexts (text: string, expected: number): string[] | undefined {
  const out: string[] = []
  const open = /<([A-Za-z_][\w.-]*:)?IDOC[\s>/]/g
  for (let m = open.exec(text); m !== null; m = open.exec(text)) {
    const close = `</${m[1] ?? ''}IDOC>`
    const end = text.indexOf(close, m.index)
    if (end < 0) return undefined
    out.push(text.slice(m.index, end + close.length))
    open.lastIndex = end + close.length
  }
  return out.length === expected ? out : undefined
}

/**
 * Each IDoc's own text, when every piece the scan cut reads back as the IDoc the parser found (a `</IDOC>` inside a
 * CDATA section or a comment would cut one short); undefined otherwise, and the caller stores the whole document.
 */
function ownTexts (text: string, idocs: readonly Idoc[]): string[] | undefined {
  const texts = idocTexts(text, idocs.length)
  if (texts === undefined) return undefined
  const same = (a: Idoc, b: Idoc): boolean => JSON.stringify([a.control, a.segments]) === JSON.stringify([b.control, b.segments])
  for (const [i, t] of texts.entries()) {
    try {
      const back = parseIdocXml(t, { source: 'stored IDoc' })
      if (back.length !== 1 || !same(back[0]!, idocs[i]!)) return undefined
    } catch {
      return undefined
    }
  }
  return texts
}

/** Where an IDoc's first data segment names the object it is about: the order, the material, the work center. */
const OBJECT_KEYS: Readonly<Record<string, readonly [string, readonly string[]]>> = {
  LOIPRO: ['E1AFKOL', ['AUFNR']],
  MATMAS: ['E1MARAM', ['MATNR', 'MATNR_LONG']],
  LOIWCS: ['E1CRHDL', ['WERKS', 'ARBPL']]
}

/**
 * The scope of an IDoc without DOCNUM and ARCKEY: its message type and the object it is about, so that the same
 * content is a resend only after the same object's last IDoc (material A, B, then A again: news; A, A: a resend).
 */
export function scopeOf (idoc: Idoc): string {
  const type = idoc.messageType || idoc.idocType
  const at = OBJECT_KEYS[type]
  const head = at === undefined ? undefined : idoc.segments.find((s) => s.name === at[0])
  const key = head === undefined ? '' : at![1].map((f) => (head.fields[f] ?? '').trim().replace(/^0+(?=\d)/, '')).join('/')
  return `${type}:${key}`.slice(0, 64)
}

/** The arckey's message id, when it is SAP's `urn:sap.com:msgid=<guid>`. */
function arckeyOf (idoc: Idoc, messageId: string | undefined): string | undefined {
  const arckey = idoc.control.ARCKEY
  if (arckey !== undefined && arckey !== '') return arckey
  return messageId === undefined ? undefined : `${SAP_MSGID_PREFIX}${messageId}`
}

/**
 * Stores what a port delivered and returns each IDoc with its receipt. Throws the parser's typed errors (the port
 * answers them 400 or 413) before anything is stored.
 */
export async function receiveIdocs (inbox: Inbox, body: Buffer, d: Delivery, maxBytes: number): Promise<ReceivedIdoc[]> {
  const source = d.channel === 'idoc-soap' ? 'IDoc-SOAP request' : 'IDoc-XML document'
  const text = guardXml(body, { maxBytes, source })
  let idocs: Idoc[]
  let raws: string[]
  let messageId: string | undefined
  if (d.channel === 'idoc-soap') {
    const r = unwrapIdocSoap(text, { maxBytes, source })
    idocs = [r.idoc]
    raws = [text]
    messageId = r.messageId
  } else {
    idocs = parseIdocXml(text, { maxBytes, source })
    raws = idocs.length === 1 ? [text] : ownTexts(text, idocs) ?? idocs.map(() => text)
  }
  const messages: InboxReceive[] = idocs.map((idoc, i) => {
    const docnum = idoc.control.DOCNUM
    return {
      channel: d.channel,
      raw: raws[i]!,
      keys: { sender: senderOf(idoc), docnum: docnum === undefined || docnum === '' ? undefined : docnum, arckey: arckeyOf(idoc, messageId), contentHash: contentHash(idoc), scope: scopeOf(idoc) },
      meta: { idocType: idoc.idocType, messageType: idoc.messageType, position: i + 1, of: idocs.length, remote: d.remote },
      who: d.who
    }
  })
  const receipts = await inbox.receiveAll(messages)
  return idocs.map((idoc, i) => ({ idoc, receipt: receipts[i]! }))
}
