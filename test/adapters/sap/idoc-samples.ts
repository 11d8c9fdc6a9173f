// The shared SAP samples (test/fixtures/sap/idoc, see PROVENANCE.md) and IDoc-XML written the way SAP's own ports
// send it (ours: no namespace from XML-HTTP, SEGMENT="1" on every segment, leading zeros, full control records).
import fs from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../../support/child-hub'

export const SAMPLES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'sap', 'idoc')

export function sample (name: string): Buffer {
  return fs.readFileSync(path.join(SAMPLES, name))
}

export function sampleFiles (): string[] {
  return fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.xml')).sort()
}

/** An EDI_DC40 as SAP fills it for an outbound LOIPRO (XML-HTTP port). */
export function controlRecord (docnum: string, extra = ''): string {
  return `<EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM><MANDT>100</MANDT><DOCNUM>${docnum}</DOCNUM><DOCREL>757</DOCREL>` +
    '<STATUS>30</STATUS><DIRECT>1</DIRECT><OUTMOD>2</OUTMOD><IDOCTYP>LOIPRO05</IDOCTYP><MESTYP>LOIPRO</MESTYP>' +
    '<SNDPOR>SAPS4H</SNDPOR><SNDPRT>LS</SNDPRT><SNDPRN>S4HCLNT100</SNDPRN><RCVPOR>ISA95HUB</RCVPOR><RCVPRT>LS</RCVPRT>' +
    `<RCVPRN>ISA95HUB</RCVPRN><CREDAT>20240311</CREDAT><CRETIM>101500</CRETIM>${extra}</EDI_DC40>`
}

export interface OrderVariant {
  aufnr?: string
  statuses?: string[]
  operations?: string
  header?: string
  trailer?: string
}

/** One LOIPRO IDOC as SAP writes it: SEGMENT attributes, AUFNR with leading zeros, times, E1JSTKL per status. */
export function loiproIdoc (docnum: string, v: OrderVariant = {}): string {
  const statuses = (v.statuses ?? ['I0001', 'I0002']).map((s) => `<E1JSTKL SEGMENT="1"><STAT>${s}</STAT></E1JSTKL>`).join('')
  const operations = v.operations ??
    '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESS01</ARBPL><LTXA1>Press</LTXA1><MEINH>ST</MEINH><MGVRG>1.000000000000000E+01</MGVRG>' +
    '<E1RESBL SEGMENT="1"><POSNR>0010</POSNR><MATNR></MATNR><MATNR_LONG>000000000000004711</MATNR_LONG><BDMNG>2.500</BDMNG><MEINS>KG</MEINS></E1RESBL>' +
    '</E1AFVOL>' +
    '<E1AFVOL SEGMENT="1"><VORNR>0020</VORNR><ARBPL>ASSY-2</ARBPL><LTXA1>Assemble</LTXA1><MGVRG>10.000</MGVRG></E1AFVOL>'
  return `<IDOC BEGIN="1">${controlRecord(docnum)}` +
    `<E1AFKOL SEGMENT="1"><AUFNR>${v.aufnr ?? '000001895938'}</AUFNR><AUTYP>10</AUTYP><WERKS>1000</WERKS><MATNR></MATNR>` +
    '<MATNR_LONG>FG-1000-LONG-MATERIAL-NUMBER-40-CHARS</MATNR_LONG><GAMNG>10.000</GAMNG><GMEIN>ST</GMEIN>' +
    `<GSTRP>20240312</GSTRP><GSUZP>000000</GSUZP><GLTRP>20240315</GLTRP><GLUZP>240000</GLUZP><GSTRS>00000000</GSTRS>${v.header ?? ''}` +
    '<E1AFPOL SEGMENT="1"><POSNR>0001</POSNR><MATNR_LONG>FG-1000-LONG-MATERIAL-NUMBER-40-CHARS</MATNR_LONG></E1AFPOL>' +
    statuses +
    `<E1AFFLL SEGMENT="1"><PLNFL>000000</PLNFL>${operations}</E1AFFLL>` +
    `${v.trailer ?? ''}</E1AFKOL></IDOC>`
}

/** A document as SAP's XML-HTTP port posts it: no namespace, the basic type as root. */
export function xmlHttp (...idocs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<LOIPRO05>\n${idocs.join('\n')}\n</LOIPRO05>\n`
}
