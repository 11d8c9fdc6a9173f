// LOIWCS (work center, basic types LOIWCS01..03) -> work center records, checked against the plant model's SAP
// bindings (`sap: { plant, workCenter }` on a node). The IDoc's tree:
//   E1CRHDL work center header, one per work center (OBJID, ARBPL, WERKS, VERWE, LVORM deletion flag)
//     E1CRTXL text by language (SPRAS, KTEXT)
//     E1CRCOL formula parameters, E1KAKOL capacities, ...
// A work center the plant model does not bind is reported, not refused: the IDoc is still applied and its status
// says which work centers the hub cannot place (the plant model is changed on the hub's side, not in SAP).
import type { Idoc } from '../idoc/idoc'
import { IdocReading, MES_WORK_CENTER, extensionsOf, placedChildren, type Extension } from './idoc-reading'

/** What this mapping needs of the plant model (PlantModel fits). */
export interface SapWorkCenterLookup {
  bySapWorkCenter: (plant: string, workCenter: string) => { readonly topic: string } | undefined
}

export interface WorkCenterRecord {
  readonly plant: string
  readonly workCenter: string
  /** OBJID, SAP's internal object id of the work center (CR object type A). */
  readonly objectId: string | undefined
  readonly description: string | undefined
  readonly deletionFlag: boolean
  /** The UNS topic of the plant model node bound to it; undefined when none is. */
  readonly boundTo: string | undefined
}

export interface LoiwcsResult {
  readonly workCenters: WorkCenterRecord[]
  /** One line per work center the plant model does not bind, with its segment path. */
  readonly unbound: string[]
  readonly extensions: Extension[]
  readonly warnings: string[]
}

export interface LoiwcsOptions {
  /** The text's language (SPRAS, SAP's one-letter key; default 'E'); else the first text sent. */
  readonly language?: string
  readonly position?: number
  readonly source?: string
}

const KNOWN = new Set(['E1CRHDL', 'E1CRTXL', 'E1CRCOL', 'E1KAKOL'])

/** The work centers of a LOIWCS IDoc and which of them the plant model binds. Throws IdocMappingError. */
export function mapLoiwcs (idoc: Idoc, plant: SapWorkCenterLookup, opts: LoiwcsOptions = {}): LoiwcsResult {
  const r = new IdocReading(opts.source ?? `LOIWCS ${idoc.control.DOCNUM ?? ''}`.trim())
  const root = `IDOC ${opts.position ?? 1}`
  const language = (opts.language ?? 'E').toUpperCase()
  const heads = placedChildren(idoc, root, 'E1CRHDL')
  if (heads.length === 0) r.problem(root, 'E1CRHDL (work center header) missing')
  const workCenters: WorkCenterRecord[] = []
  const unbound: string[] = []
  for (const h of heads) {
    const werks = r.required(h, 'WERKS')
    const arbpl = r.id(h, 'ARBPL', r.required(h, 'ARBPL'), MES_WORK_CENTER)
    const texts = placedChildren(h.segment, h.path, 'E1CRTXL')
    const text = texts.find((t) => (r.text(t, 'SPRAS') ?? '').toUpperCase() === language) ?? texts[0]
    if (werks === undefined || arbpl === undefined) continue
    const bound = plant.bySapWorkCenter(werks, arbpl)
    if (bound === undefined) unbound.push(`${h.path}: work center ${arbpl} in plant ${werks} is not bound in the plant model (add sap: { plant: '${werks}', workCenter: '${arbpl}' } to its node)`)
    workCenters.push({
      plant: werks,
      workCenter: arbpl,
      objectId: r.text(h, 'OBJID'),
      description: text === undefined ? undefined : r.text(text, 'KTEXT'),
      deletionFlag: r.text(h, 'LVORM') === 'X',
      boundTo: bound?.topic
    })
  }
  r.check()
  return { workCenters, unbound, extensions: extensionsOf(idoc.segments, root, KNOWN), warnings: r.warnings }
}
