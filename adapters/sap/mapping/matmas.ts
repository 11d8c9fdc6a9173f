// MATMAS (material master, basic types MATMAS03..05) -> the MES's material definition (schemas/mes/materials.schema.json
// `definition`: material, description, unit) and the master data around it. The IDoc's tree:
//   E1MARAM general data (MATNR/MATNR_LONG, MEINS base unit, MTART, LVORM deletion flag, MSGFN function)
//     E1MAKTM description, one per language (SPRAS, SPRAS_ISO, MAKTX)
//     E1MARCM plant data, one per plant (WERKS)
//     E1MARMM alternative unit (MEINH, UMREZ/UMREN: UMREZ base units = UMREN of MEINH)
import type { MaterialDefinitionInput } from '../../../mes/service'
import type { Idoc } from '../idoc/idoc'
import { materialNumber, sapDecimal } from '../sap-values'
import { unitOf, type UnitCodes } from '../units'
import { IdocReading, extensionsOf, placedChildren, type Extension } from './idoc-reading'

export interface MatmasOptions {
  /** The description's language, as SPRAS_ISO (default 'EN'); else the first description sent. */
  readonly language?: string
  readonly unitCodes?: UnitCodes
  readonly position?: number
  readonly source?: string
}

export interface AlternativeUnit {
  readonly unit: string
  /** `numerator` base units are `denominator` of this unit (SAP's UMREZ / UMREN), canonical decimal strings. */
  readonly numerator: string
  readonly denominator: string
}

export interface MatmasResult {
  readonly definition: MaterialDefinitionInput
  /** Descriptions by language (SPRAS_ISO, else SPRAS). */
  readonly descriptions: Readonly<Record<string, string>>
  readonly materialType: string | undefined
  /** Plants (WERKS) the material is extended to. */
  readonly plants: string[]
  readonly alternativeUnits: AlternativeUnit[]
  /** LVORM set, or the IDoc's function MSGFN 003 (delete). */
  readonly deletionFlag: boolean
  readonly extensions: Extension[]
  readonly warnings: string[]
}

const KNOWN = new Set(['E1MARAM', 'E1MAKTM', 'E1MARCM', 'E1MARMM'])

/** The material definition of a MATMAS IDoc. Throws IdocMappingError with every problem. */
export function mapMatmas (idoc: Idoc, opts: MatmasOptions = {}): MatmasResult {
  const r = new IdocReading(opts.source ?? `MATMAS ${idoc.control.DOCNUM ?? ''}`.trim())
  const codes = opts.unitCodes ?? 'sap'
  const root = `IDOC ${opts.position ?? 1}`
  const heads = placedChildren(idoc, root, 'E1MARAM', false)
  if (heads.length !== 1) {
    r.problem(root, heads.length === 0 ? 'E1MARAM (material general data) missing' : `${heads.length} E1MARAM segments; MATMAS carries one material`)
    r.check()
  }
  const m = heads[0]
  const matnr = materialNumber(m.segment.fields)
  if (matnr === undefined) r.problem(m.path, 'MATNR_LONG/MATNR missing')
  const material = r.id(m, 'MATNR', matnr)
  const unit = unitOf(r.text(m, 'MEINS'), r.text(m, 'MEINS_ISO'), codes)
  if (unit === undefined) r.problem(m.path, 'MEINS (base unit) missing')
  else if (unit.warning !== undefined) r.warn(m.path, unit.warning)

  const descriptions: Record<string, string> = {}
  for (const d of placedChildren(m.segment, m.path, 'E1MAKTM')) {
    const lang = r.text(d, 'SPRAS_ISO') ?? r.text(d, 'SPRAS')
    const text = r.text(d, 'MAKTX')
    if (lang === undefined) r.problem(d.path, 'SPRAS_ISO/SPRAS missing')
    else if (text !== undefined) descriptions[lang.toUpperCase()] = text
  }
  const language = (opts.language ?? 'EN').toUpperCase()
  const description = descriptions[language] ?? Object.values(descriptions)[0]

  const plants: string[] = []
  for (const p of placedChildren(m.segment, m.path, 'E1MARCM')) {
    const werks = r.required(p, 'WERKS')
    if (werks !== undefined) plants.push(werks)
  }
  const alternativeUnits: AlternativeUnit[] = []
  for (const u of placedChildren(m.segment, m.path, 'E1MARMM')) {
    const alt = unitOf(r.text(u, 'MEINH'), r.text(u, 'MEINH_ISO'), codes)
    if (alt === undefined) r.problem(u.path, 'MEINH missing')
    else if (alt.warning !== undefined) r.warn(u.path, alt.warning)
    const num = r.value(u, 'UMREZ', () => sapDecimal(u.segment.fields.UMREZ ?? ''))
    const den = r.value(u, 'UMREN', () => sapDecimal(u.segment.fields.UMREN ?? ''))
    if (num === undefined || num === '0') r.problem(u.path, 'UMREZ missing or 0')
    if (den === undefined || den === '0') r.problem(u.path, 'UMREN missing or 0')
    if (alt !== undefined && num !== undefined && den !== undefined) alternativeUnits.push({ unit: alt.code, numerator: num, denominator: den })
  }
  r.check()
  return {
    definition: { material: material!, unit: unit!.code, ...(description !== undefined ? { description: description.slice(0, 200) } : {}) },
    descriptions,
    materialType: r.text(m, 'MTART'),
    plants,
    alternativeUnits,
    deletionFlag: r.text(m, 'LVORM') === 'X' || r.text(m, 'MSGFN') === '003',
    extensions: extensionsOf(idoc.segments, root, KNOWN),
    warnings: r.warnings
  }
}
