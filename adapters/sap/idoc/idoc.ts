// An IDoc as the adapter holds it, whatever form it came in (XML-HTTP without namespace, IDoc-SOAP with the
// default namespace `urn:sap-com:document:sap:idoc:soap:messages`, SEGMENT attributes or not): the control record
// EDI_DC40 as fields, and the data segments as a tree in document order. Every segment is kept, known or not
// (Z-segments, customer structures), so that what the hub does not map is still passed on and can be written out
// again as it came.
//
// Names are SAP's: a `/` in a namespaced SAP name is written `_-` in XML element names (`_-SCWM_-E1LTORH` is
// segment `/SCWM/E1LTORH`); here they are held with `/`, and written back with `_-`.

/** One segment: its SAP name, its fields (text as sent, '' for an empty element) in document order, its children. */
export interface IdocSegment {
  readonly name: string
  /** Field name -> text as sent (no trimming of meaning: leading zeros, trailing zeros, `00000000` stay as they are). */
  readonly fields: Readonly<Record<string, string>>
  /** Child segments in document order; a segment may repeat any number of times. */
  readonly segments: readonly IdocSegment[]
}

/** One IDoc: the control record (EDI_DC40) and its data segments. */
export interface Idoc {
  /** The basic type (IDOCTYP, else the document's root element name for a one-IDoc document), e.g. 'LOIPRO05'. */
  readonly idocType: string
  /** The message type (MESTYP), e.g. 'LOIPRO'; '' when the control record has none. */
  readonly messageType: string
  /** EDI_DC40's fields as sent (DOCNUM, IDOCTYP, MESTYP, SNDPRN, ARCKEY, ...). */
  readonly control: Readonly<Record<string, string>>
  /** The data segments under IDOC, in document order (E1AFKOL, E1MARAM, ...). */
  readonly segments: readonly IdocSegment[]
}

/** The text of a field, or undefined when the segment does not have it. */
export function field (s: IdocSegment, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(s.fields, name) ? s.fields[name] : undefined
}

/** The direct children of a segment with this name, in order. */
export function children (s: IdocSegment | Idoc, name: string): IdocSegment[] {
  return s.segments.filter((c) => c.name === name)
}

/** SAP name -> XML element name (`/SCWM/E1LTORH` -> `_-SCWM_-E1LTORH`). */
export function xmlName (sapName: string): string {
  return sapName.replace(/\//g, '_-')
}

/** XML element name -> SAP name (`_-SCWM_-E1LTORH` -> `/SCWM/E1LTORH`). */
export function sapName (xmlElementName: string): string {
  return xmlElementName.replace(/_-/g, '/')
}
