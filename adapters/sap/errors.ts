// Typed errors of the SAP adapter's inbound side. Each says what failed and where: a byte offset and line for a
// refused document, line and column for malformed XML, the IDoc's position in the document, the segment path and
// field for a mapping. `code` is for the caller that answers SAP (a status record, an HTTP or SOAP fault).
import { HubError, ValidationError, type Problem } from '../../core/errors'

/** Refused before parsing: too large, a DOCTYPE, an entity declaration, or bytes that are not the declared text. */
export type IdocRefusal = 'IDOC_TOO_LARGE' | 'IDOC_DOCTYPE' | 'IDOC_ENTITY' | 'IDOC_ENCODING'

export class IdocRefusedError extends HubError {
  constructor (code: IdocRefusal, message: string, source: string, path?: string, hint?: string) {
    super(code, message, { source, path }, hint)
  }
}

/** Not well-formed XML (fast-xml-parser's validator: line and column). */
export class IdocMalformedError extends HubError {
  readonly line: number
  readonly column: number
  constructor (message: string, source: string, line: number, column: number) {
    super('IDOC_MALFORMED', message, { source, path: `line ${line}, column ${column}` }, 'send well-formed XML')
    this.line = line
    this.column = column
  }
}

/** Well-formed XML that is not an IDoc as SAP sends it: no IDOC, no EDI_DC40, a field twice, text where a segment goes. */
export class IdocStructureError extends HubError {
  constructor (message: string, source: string, path?: string, hint?: string) {
    super('IDOC_STRUCTURE', message, { source, path }, hint)
  }
}

/** An IDoc-SOAP request that breaks SAP's rules for it (one IDoc per request, a SOAP envelope and body). */
export class IdocSoapError extends HubError {
  constructor (message: string, source: string, hint?: string) {
    super('IDOC_SOAP', message, { source }, hint)
  }
}

/** One SAP value that cannot be read (a date, a time, a decimal, an ALPHA number too long). */
export class SapValueError extends HubError {
  constructor (message: string, hint?: string) {
    super('SAP_VALUE', message, {}, hint)
  }
}

/** An IDoc whose content cannot become MES input: every problem at once, each named by segment path and field. */
export class IdocMappingError extends ValidationError {
  constructor (source: string, problems: readonly Problem[]) {
    super(source, problems, 'correct the IDoc in SAP and send it again')
  }
}
