// An Idoc (the shared model, idoc.ts) as IDoc-XML, the form SAP's XML-HTTP port (/sap/bc/idoc_xml) takes and the
// body of an IDoc-SOAP request: a root element named by the basic type, one `<IDOC BEGIN="1">` per IDoc, the
// control record `EDI_DC40 SEGMENT="1"` first, then the data segments with SEGMENT="1" in document order. SAP's
// names with `/` are written `_-`. Built with fast-xml-parser's XMLBuilder (preserveOrder keeps repeated and
// interleaved segments in their order), which also escapes &, < and > in field text.
//
// The control record of an inbound IDoc (SAP's documentation of EDI_DC40, "Control record documentation"):
// TABNAM 'EDI_DC40'; DIRECT '2' (inbound); IDOCTYP and MESTYP select the inbound process code through the partner
// profile (WE20) of the sender SNDPRN/SNDPRT at port SNDPOR; RCVPRN/RCVPRT/RCVPOR name the SAP system; MANDT and
// DOCREL should be left empty by an external system (SAP checks them against its client and release and sets the
// IDoc in error when they differ); DOCNUM is the sender's number, kept by SAP as the external reference; ARCKEY
// `urn:sap.com:msgid=<guid>` is the message id SAP's IDoc-SOAP runtime de-duplicates by; CREDAT/CRETIM the sender's
// creation date and time. Fields are written in the structure's order.
import { createHash } from 'node:crypto'
import { XMLBuilder } from 'fast-xml-parser'
import type { Idoc, IdocSegment } from './idoc'
import { xmlName } from './idoc'
import { HubError } from '../../../core/errors'

/** EDI_DC40's fields in the structure's order (SAP DDIC structure EDI_DC40). */
export const EDI_DC40_FIELDS = [
  'TABNAM', 'MANDT', 'DOCNUM', 'DOCREL', 'STATUS', 'DIRECT', 'OUTMOD', 'EXPRSS', 'TEST', 'IDOCTYP', 'CIMTYP', 'MESTYP',
  'MESCOD', 'MESFCT', 'STD', 'STDVRS', 'STDMES', 'SNDPOR', 'SNDPRT', 'SNDPFC', 'SNDPRN', 'SNDSAD', 'SNDLAD', 'RCVPOR',
  'RCVPRT', 'RCVPFC', 'RCVPRN', 'RCVSAD', 'RCVLAD', 'CREDAT', 'CRETIM', 'REFINT', 'REFGRP', 'REFMES', 'ARCKEY', 'SERIAL'
] as const

/** What SAP needs in an inbound control record before it can find the partner profile. */
export const REQUIRED_INBOUND_CONTROL = ['TABNAM', 'DIRECT', 'IDOCTYP', 'MESTYP', 'SNDPOR', 'SNDPRT', 'SNDPRN', 'RCVPRT', 'RCVPRN'] as const

/** The partners of an outbound (SAP-inbound) IDoc, as configured per SAP landscape. */
export interface IdocPartners {
  /** Sender port, e.g. 'HUB' (a port of type XML-HTTP defined in SAP for the hub). */
  senderPort: string
  /** Sender partner type, usually 'LS' (logical system). */
  senderPartnerType: string
  /** Sender partner number: the hub's logical system, e.g. 'ISA95HUB'. */
  senderPartner: string
  /** Receiver port, e.g. 'SAPS4H'. */
  receiverPort?: string
  receiverPartnerType: string
  /** The SAP system's logical system, e.g. 'S4HCLNT100'. */
  receiverPartner: string
}

export interface ControlRecordInput {
  idocType: string
  messageType: string
  partners: IdocPartners
  /** The sender's IDoc number (up to 16 digits). */
  docnum: string
  /** The message GUID for ARCKEY (32 hex digits, or 36 with dashes). */
  messageId: string
  /** SAP date and time of creation (YYYYMMDD, HHMMSS). */
  createdDate: string
  createdTime: string
  /** Set only where a landscape asks for it: SAP checks it against its client. */
  client?: string
}

/** An inbound control record with the fields SAP requires, in the structure's order. */
export function inboundControlRecord (c: ControlRecordInput): Record<string, string> {
  if (!/^\d{1,16}$/.test(c.docnum)) throw new IdocWriteError('EDI_DC40', 'DOCNUM', `'${c.docnum}' is not a number of up to 16 digits`)
  if (!/^[0-9a-fA-F]{32}$|^[0-9a-fA-F-]{36}$/.test(c.messageId)) {
    throw new IdocWriteError('EDI_DC40', 'ARCKEY', `'${c.messageId}' is not a GUID`)
  }
  const p = c.partners
  const fields: Record<string, string> = {
    TABNAM: 'EDI_DC40',
    ...(c.client !== undefined ? { MANDT: c.client } : {}),
    DOCNUM: c.docnum.padStart(16, '0'),
    DIRECT: '2',
    IDOCTYP: c.idocType,
    MESTYP: c.messageType,
    SNDPOR: p.senderPort,
    SNDPRT: p.senderPartnerType,
    SNDPRN: p.senderPartner,
    ...(p.receiverPort !== undefined ? { RCVPOR: p.receiverPort } : {}),
    RCVPRT: p.receiverPartnerType,
    RCVPRN: p.receiverPartner,
    CREDAT: c.createdDate,
    CRETIM: c.createdTime,
    ARCKEY: `urn:sap.com:msgid=${c.messageId.toLowerCase()}`
  }
  return fields
}

/** An IDoc that cannot be written as SAP would take it; nothing was sent. */
export class IdocWriteError extends HubError {
  constructor (segment: string, field: string | undefined, message: string) {
    super('IDOC_WRITE_INVALID', message, { source: segment, path: field })
  }
}

type OrderedNode = Record<string, unknown>

const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: false })

const FIELD_NAME = /^[A-Z0-9_/]+$/i

function fieldNodes (segment: string, fields: Readonly<Record<string, string>>): OrderedNode[] {
  return Object.entries(fields).map(([name, value]) => {
    if (!FIELD_NAME.test(name)) throw new IdocWriteError(segment, name, 'is not an SAP field name')
    if (typeof value !== 'string') throw new IdocWriteError(segment, name, 'has no text')
    return { [xmlName(name)]: value === '' ? [] : [{ '#text': value }] }
  })
}

function segmentNode (s: IdocSegment): OrderedNode {
  if (!FIELD_NAME.test(s.name)) throw new IdocWriteError(s.name, undefined, 'is not an SAP segment name')
  return { [xmlName(s.name)]: [...fieldNodes(s.name, s.fields), ...s.segments.map(segmentNode)], ':@': { '@_SEGMENT': '1' } }
}

function orderedControl (control: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of EDI_DC40_FIELDS) if (control[f] !== undefined) out[f] = control[f]
  for (const [k, v] of Object.entries(control)) if (!(k in out)) out[k] = v
  return out
}

/** Checks that SAP can route the IDoc: the required control fields are there and agree with the IDoc's types. */
export function checkInboundControl (idoc: Idoc): void {
  for (const f of REQUIRED_INBOUND_CONTROL) {
    if ((idoc.control[f] ?? '') === '') throw new IdocWriteError('EDI_DC40', f, 'is required for an inbound IDoc')
  }
  if (idoc.control.IDOCTYP !== idoc.idocType) {
    throw new IdocWriteError('EDI_DC40', 'IDOCTYP', `'${idoc.control.IDOCTYP}' differs from the IDoc's type '${idoc.idocType}'`)
  }
  if (idoc.control.MESTYP !== idoc.messageType) {
    throw new IdocWriteError('EDI_DC40', 'MESTYP', `'${idoc.control.MESTYP}' differs from the IDoc's message type '${idoc.messageType}'`)
  }
  if (idoc.control.DIRECT !== '2') throw new IdocWriteError('EDI_DC40', 'DIRECT', "must be '2' (inbound) for SAP")
}

/** The `<IDOC BEGIN="1">` node of one IDoc (for a document, or for the body of an IDoc-SOAP request). */
export function idocNode (idoc: Idoc): OrderedNode {
  checkInboundControl(idoc)
  return {
    IDOC: [
      { EDI_DC40: fieldNodes('EDI_DC40', orderedControl(idoc.control)), ':@': { '@_SEGMENT': '1' } },
      ...idoc.segments.map(segmentNode)
    ],
    ':@': { '@_BEGIN': '1' }
  }
}

/** Builds XML text from XMLBuilder's ordered form (shared with the SOAP envelope). */
export function buildXml (nodes: OrderedNode[]): string {
  return builder.build([{ '?xml': [{ '#text': '' }], ':@': { '@_version': '1.0', '@_encoding': 'UTF-8' } }, ...nodes]) as string
}

/**
 * IDoc-XML of one IDoc or several of the same basic type (SAP's XML-HTTP port takes several `<IDOC>` in one
 * document); the root element is the basic type.
 */
export function writeIdocXml (idocs: Idoc | readonly Idoc[]): string {
  const list: readonly Idoc[] = Array.isArray(idocs) ? idocs : [idocs as Idoc]
  if (list.length === 0) throw new IdocWriteError('IDOC', undefined, 'a document needs at least one IDoc')
  const type = list[0].idocType
  for (const i of list) {
    if (i.idocType !== type) throw new IdocWriteError('IDOC', 'IDOCTYP', `one document holds one basic type: '${i.idocType}' beside '${type}'`)
  }
  return buildXml([{ [xmlName(type)]: list.map(idocNode) }])
}

/**
 * The message GUID and sender's IDoc number of an outbound message, derived from its idempotency key: a resend
 * after a timeout or a crash carries the same ARCKEY and DOCNUM, so SAP's duplicate check sees the same message.
 */
export function idocIdentityOf (idempotencyKey: string): { messageId: string, docnum: string } {
  const h = createHash('sha256').update('idoc:' + idempotencyKey).digest('hex')
  // A version-4-shaped GUID of the hash's first 128 bits (variant and version bits set), as SAP writes message ids.
  const g = h.slice(0, 12) + '4' + h.slice(13, 16) + ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16) + h.slice(17, 32)
  const messageId = `${g.slice(0, 8)}-${g.slice(8, 12)}-${g.slice(12, 16)}-${g.slice(16, 20)}-${g.slice(20, 32)}`
  const docnum = (BigInt('0x' + h.slice(32, 64)) % 10_000_000_000_000_000n).toString().padStart(16, '0')
  return { messageId, docnum }
}
