// IDoc-XML in: guard + parse + LOIPRO mapping of a generated order with 50 operations and 200 components, beside
// fast-xml-parser's bare parse (default options) of the same bytes, in the same run: alternating rounds, medians.
import { XMLParser } from 'fast-xml-parser'
import { parseIdocXml } from '../adapters/sap/idoc/idoc-xml'
import { mapLoipro } from '../adapters/sap/mapping/loipro'
import type { Benchmark, BenchResult } from './bench-result'

const TARGET_RATIO = 0.5
const ROUNDS = 7

/** A LOIPRO05 as SAP's XML-HTTP port writes it: SEGMENT attributes, leading zeros, four components per operation. */
export function generatedLoipro (operations = 50, components = 200): Buffer {
  const perOp = Math.ceil(components / operations)
  let item = 0
  const ops: string[] = []
  for (let o = 1; o <= operations; o++) {
    const comps: string[] = []
    for (let c = 0; c < perOp && item < components; c++) {
      item++
      comps.push(`<E1RESBL SEGMENT="1"><RSNUM>0000012345</RSNUM><RSPOS>${String(item).padStart(4, '0')}</RSPOS><POSTP>L</POSTP>` +
        `<POSNR>${String(item * 10).padStart(4, '0')}</POSNR><MATNR></MATNR><MATNR_LONG>RM-${String(item).padStart(6, '0')}</MATNR_LONG>` +
        `<BDMNG>${item}.250</BDMNG><MEINS>KG</MEINS><BDTER>20240312</BDTER><WERKS>1000</WERKS><LGORT>0001</LGORT></E1RESBL>`)
    }
    ops.push(`<E1AFVOL SEGMENT="1"><VORNR>${String(o * 10).padStart(4, '0')}</VORNR><STEUS>PP01</STEUS><ARBPL>WC_${o % 8}</ARBPL>` +
      `<WERKS>1000</WERKS><LTXA1>Operation ${o}</LTXA1><MEINH>ST</MEINH><MGVRG>1.000000000000000E+02</MGVRG><VGW01>10.000</VGW01>` +
      `<VGE01>MIN</VGE01><FSAVD>20240312</FSAVD><FSAVZ>060000</FSAVZ><FSEDD>20240312</FSEDD><FSEDZ>240000</FSEDZ>` +
      `<E1JSTVL SEGMENT="1"><STAT>I0002</STAT></E1JSTVL>${comps.join('')}</E1AFVOL>`)
  }
  return Buffer.from('<?xml version="1.0" encoding="UTF-8"?><LOIPRO05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM>' +
    '<DOCNUM>0000000000123401</DOCNUM><IDOCTYP>LOIPRO05</IDOCTYP><MESTYP>LOIPRO</MESTYP><SNDPRN>S4HCLNT100</SNDPRN></EDI_DC40>' +
    '<E1AFKOL SEGMENT="1"><AUFNR>000001895938</AUFNR><WERKS>1000</WERKS><MATNR_LONG>FG-1000</MATNR_LONG><GAMNG>100.000</GAMNG>' +
    '<GMEIN>ST</GMEIN><GSTRP>20240312</GSTRP><GSUZP>060000</GSUZP><GLTRP>20240315</GLTRP><GLUZP>240000</GLUZP>' +
    '<E1JSTKL SEGMENT="1"><STAT>I0001</STAT></E1JSTKL><E1JSTKL SEGMENT="1"><STAT>I0002</STAT></E1JSTKL>' +
    `<E1AFFLL SEGMENT="1"><PLNFL>0</PLNFL>${ops.join('')}</E1AFFLL></E1AFKOL></IDOC></LOIPRO05>`)
}

/** Runs fn for about `seconds`, returns runs per second. */
function rate (fn: () => unknown, seconds: number): number {
  const start = process.hrtime.bigint()
  const until = start + BigInt(Math.round(seconds * 1e9))
  let n = 0
  let now = start
  while (now < until) {
    fn()
    n++
    now = process.hrtime.bigint()
  }
  return n / (Number(now - start) / 1e9)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function run (progress: (line: string) => void = () => {}): Promise<BenchResult[]> {
  const bytes = generatedLoipro()
  const bare = new XMLParser()
  const ours = (): unknown => mapLoipro(parseIdocXml(bytes)[0])
  const theirs = (): unknown => bare.parse(bytes)
  const check = mapLoipro(parseIdocXml(bytes)[0]).order
  if (check.operations.length !== 50 || check.materials?.length !== 200) throw new Error('generated LOIPRO does not map to 50 operations and 200 components')
  for (let i = 0; i < 50; i++) { ours(); theirs() } // warm up
  const a: number[] = []
  const b: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    a.push(rate(ours, 0.5))
    b.push(rate(theirs, 0.5))
    progress(`round ${round + 1}: ${a[round].toFixed(0)} vs bare parse ${b[round].toFixed(0)} IDocs/s`)
  }
  const idocs = median(a)
  const base = median(b)
  const mb = bytes.length / 1e6
  const ratio = Math.round((idocs / base) * 1000) / 1000
  return [
    { name: `IDoc-XML parse + map LOIPRO (50 ops, 200 comps, ${bytes.length} bytes)`, unit: 'IDocs/s', value: Math.round(idocs), baseline: Math.round(base), baselineName: 'fast-xml-parser bare parse', ratio, target: `>= ${TARGET_RATIO}`, met: ratio >= TARGET_RATIO },
    { name: 'IDoc-XML parse + map LOIPRO', unit: 'MB/s', value: Math.round(idocs * mb * 100) / 100, baseline: Math.round(base * mb * 100) / 100, baselineName: 'fast-xml-parser bare parse', ratio }
  ]
}

export const benchmark: Benchmark = { title: 'SAP IDoc-XML in: parse and map', run }

if (require.main === module) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)), (err) => { console.error(err); process.exitCode = 1 })
}
