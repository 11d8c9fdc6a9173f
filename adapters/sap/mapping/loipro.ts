// LOIPRO (production order, basic types LOIPRO01..05) -> the MES's work order input (schemas/mes/work-order.schema.json)
// and what the order's system statuses ask of the MES. The IDoc's tree, as SAP builds it for a production order:
//   E1AFKOL header (AUFNR, MATNR/MATNR_LONG, GAMNG+GMEIN, BMENGE+BMEINS, GSTRP/GSUZP, GLTRP/GLUZP, WERKS)
//     E1AFPOL order item (material, production version)
//     E1JSTKL order system status, once per active status (STAT, INACT = 'X' when no longer active)
//     E1AFFLL sequence (PLNFL; 0 is the standard sequence)
//       E1AFVOL operation (VORNR, ARBPL, LTXA1, MGVRG+MEINH, standard values VGW01/VGW02 per BMSCH)
//         E1RESBL component (POSNR, MATNR/MATNR_LONG, BDMNG+MEINS, POSTP, XLOEK)
//         E1JSTVL operation status, E1AFVOL2 ...
// Segments this mapping does not know (Z-segments, customer and namespaced ones) are returned as extensions.
import type { MaterialRequirementInput, OperationInput, WorkOrderInput } from '../../../mes/model/types'
import type { Idoc, IdocSegment } from '../idoc/idoc'
import { alphaOutput, materialNumber, UTC, type SapTimeZone } from '../sap-values'
import { unitOf, type UnitCodes } from '../units'
import { IdocReading, MES_WORK_CENTER, dateTime, decimal, extensionsOf, placedChildren, positive, type Extension, type Placed } from './idoc-reading'

/** SAP system statuses of an order (table TJ02, object type ORH) that the MES acts on. */
export const ORDER_STATUS: Readonly<Record<string, string>> = {
  I0001: 'CRTD', // created
  I0002: 'REL', // released
  I0009: 'CNF', // confirmed
  I0010: 'PCNF', // partially confirmed
  I0012: 'DLV', // delivered
  I0013: 'DLT', // deletion indicator
  I0043: 'LKD', // locked
  I0045: 'TECO', // technically completed
  I0046: 'CLSD', // closed
  I0076: 'DLFL' // deletion flag
}

/**
 * What the IDoc asks of the MES, in order: `upsert` (create the order, or change it when it exists), `release`,
 * `lock` (hold), `complete` (technical completion: no more work), `delete` (deletion flag: the order goes).
 */
export type OrderAction = 'upsert' | 'release' | 'lock' | 'complete' | 'delete'

export interface LoiproOptions {
  /** The sending system's time zone (SAP's dates and times are local to it). UTC by default. */
  readonly zone?: SapTimeZone
  /** Units in the MES as SAP's internal codes (default) or ISO codes. */
  readonly unitCodes?: UnitCodes
  /** The IDoc's position in its document, for the paths in problems (from 1). */
  readonly position?: number
  readonly source?: string
}

export interface LoiproResult {
  readonly order: WorkOrderInput
  readonly actions: OrderAction[]
  /** The active system statuses as SAP sent them (I0002, I0028, ...). */
  readonly statuses: string[]
  /** The SAP plant (WERKS) of the order. */
  readonly plant: string | undefined
  /** Unknown and Z-segments, whole, with where they were: to be passed on. */
  readonly extensions: Extension[]
  /** Things kept as they came that the caller should log (an unknown unit code). */
  readonly warnings: string[]
}

const KNOWN = new Set(['E1AFKOL', 'E1AFPOL', 'E1JSTKL', 'E1AFFLL', 'E1AFVOL', 'E1AFVOL2', 'E1RESBL', 'E1JSTVL'])

/** The work order and actions of a LOIPRO IDoc. Throws IdocMappingError with every problem. */
export function mapLoipro (idoc: Idoc, opts: LoiproOptions = {}): LoiproResult {
  const r = new IdocReading(opts.source ?? `LOIPRO ${idoc.control.DOCNUM ?? ''}`.trim())
  const zone = opts.zone ?? UTC
  const codes = opts.unitCodes ?? 'sap'
  const root = `IDOC ${opts.position ?? 1}`
  const headers = placedChildren(idoc, root, 'E1AFKOL', false)
  if (headers.length !== 1) {
    r.problem(root, headers.length === 0 ? 'E1AFKOL (order header) missing' : `${headers.length} E1AFKOL headers; LOIPRO carries one order`)
    r.check()
  }
  const h = headers[0]
  const item = placedChildren(h.segment, h.path, 'E1AFPOL')[0]

  const orderNumber = r.id(h, 'AUFNR', alphaOutputOf(r.required(h, 'AUFNR')))
  const matnr = materialNumber(h.segment.fields) ?? (item === undefined ? undefined : materialNumber(item.segment.fields))
  if (matnr === undefined) r.problem(h.path, 'MATNR_LONG/MATNR missing (also in E1AFPOL)')
  const material = r.id(h, 'MATNR', matnr)
  const [qtyField, unitField] = r.text(h, 'GAMNG') !== undefined ? ['GAMNG', 'GMEIN'] : ['BMENGE', 'BMEINS']
  const quantity = positive(r, h, qtyField)
  if (r.text(h, qtyField) === undefined) r.problem(h.path, 'GAMNG/BMENGE (order quantity) missing')
  const unit = unitOf(r.text(h, unitField) ?? r.text(h, 'BMEINS') ?? r.text(h, 'PLNME'), r.text(h, `${unitField}_ISO`), codes)
  if (unit === undefined) r.problem(h.path, `${unitField} (unit of ${qtyField}) missing`)
  else if (unit.warning !== undefined) r.warn(h.path, unit.warning)
  const dueDate = dateTime(r, h, 'GLTRP', 'GLUZP', zone) ?? dateTime(r, h, 'GLTRS', 'GLUZS', zone)
  if (dueDate === undefined) r.problem(h.path, 'GLTRP (basic finish date) missing')
  const plannedStart = dateTime(r, h, 'GSTRP', 'GSUZP', zone) ?? dateTime(r, h, 'GSTRS', 'GSUZS', zone)

  const operations: OperationInput[] = []
  const materials: MaterialRequirementInput[] = []
  const seen = new Map<number, string>()
  const items = new Map<number, string>()
  for (const seq of placedChildren(h.segment, h.path, 'E1AFFLL')) {
    for (const op of placedChildren(seq.segment, seq.path, 'E1AFVOL')) {
      const o = operation(r, op, seen, codes)
      if (o !== undefined) operations.push(o)
      for (const c of placedChildren(op.segment, op.path, 'E1RESBL')) {
        const m = component(r, c, o?.sequence, codes, items)
        if (m !== undefined) materials.push(m)
      }
    }
  }
  // Components not assigned to an operation sit under the header.
  for (const c of placedChildren(h.segment, h.path, 'E1RESBL')) {
    const m = component(r, c, undefined, codes, items)
    if (m !== undefined) materials.push(m)
  }
  if (operations.length === 0 && r.problems.length === 0) r.problem(h.path, 'no operation (E1AFFLL > E1AFVOL)')

  const statuses = placedChildren(h.segment, h.path, 'E1JSTKL')
    .filter((s) => r.text(s, 'INACT') !== 'X')
    .map((s) => r.text(s, 'STAT'))
    .filter((s): s is string => s !== undefined)
  const description = r.text(h, 'KTEXT')
  r.check()

  const order: WorkOrderInput = {
    orderNumber: orderNumber!,
    material: material!,
    quantity: quantity!,
    unit: unit!.code,
    dueDate: dueDate!,
    ...(plannedStart !== undefined ? { plannedStart } : {}),
    ...(description !== undefined ? { description: description.slice(0, 200) } : {}),
    operations,
    ...(materials.length > 0 ? { materials } : {})
  }
  return { order, actions: actionsOf(statuses), statuses, plant: r.text(h, 'WERKS'), extensions: extensionsOf(idoc.segments, root, KNOWN), warnings: r.warnings }
}

/** What the active system statuses ask of the MES (see OrderAction). */
export function actionsOf (statuses: readonly string[]): OrderAction[] {
  const has = (code: string): boolean => statuses.some((s) => ORDER_STATUS[s] === code)
  if (has('DLFL') || has('DLT')) return ['delete']
  const actions: OrderAction[] = ['upsert']
  const done = has('TECO') || has('CLSD')
  if (has('REL') && !done) actions.push('release')
  if (has('LKD')) actions.push('lock')
  if (done) actions.push('complete')
  return actions
}

function operation (r: IdocReading, op: Placed, seen: Map<number, string>, codes: UnitCodes): OperationInput | undefined {
  const vornr = r.required(op, 'VORNR')
  let sequence: number | undefined
  if (vornr !== undefined) {
    sequence = /^[0-9]{1,5}$/.test(vornr) ? Number(vornr) : undefined
    if (sequence === undefined || sequence < 1) r.problem(op.path, `VORNR '${vornr}' is not an operation number from 1 to 99999`)
    else if (seen.has(sequence)) r.problem(op.path, `VORNR ${vornr} twice (also at ${seen.get(sequence)!})`)
    else seen.set(sequence, op.path)
  }
  const workCenter = r.id(op, 'ARBPL', r.required(op, 'ARBPL'), MES_WORK_CENTER)
  const qty = decimal(r, op, 'MGVRG')
  const unit = unitOf(r.text(op, 'MEINH'), r.text(op, 'MEINH_ISO'), codes)
  if (unit?.warning !== undefined) r.warn(op.path, unit.warning)
  if (sequence === undefined || sequence < 1 || workCenter === undefined) return undefined
  const description = r.text(op, 'LTXA1')
  // Standard values: VGW01 (setup) and VGW02 (machine time, per BMSCH units of the base quantity), each in the
  // unit beside it (VGE01, VGE02), as the work center's standard value key usually assigns them.
  const setup = minutes(r, op, 'VGW01', 'VGE01')
  const run = minutes(r, op, 'VGW02', 'VGE02')
  const base = decimal(r, op, 'BMSCH')
  const perUnit = run === undefined ? undefined : run / (base !== undefined && base > 0 ? base : 1)
  return {
    sequence,
    workCenter,
    ...(description !== undefined ? { description } : {}),
    ...(qty !== undefined && qty > 0 ? { quantity: qty } : {}),
    ...(setup !== undefined ? { setupTime: setup } : {}),
    ...(perUnit !== undefined ? { runTimePerUnit: perUnit } : {})
  }
}

/** Minutes per time unit, SAP's internal codes and their ISO codes. */
const MINUTES: Readonly<Record<string, number>> = { MIN: 1, H: 60, HUR: 60, S: 1 / 60, SEC: 1 / 60, TAG: 1440, DAY: 1440 }

/** A standard value in minutes; undefined when absent or zero, a warning when its unit is not a time the hub knows. */
function minutes (r: IdocReading, op: Placed, value: string, unit: string): number | undefined {
  const v = decimal(r, op, value)
  if (v === undefined || v === 0) return undefined
  if (v < 0) {
    r.problem(op.path, `${value} ${v} is negative`)
    return undefined
  }
  const u = (r.text(op, unit) ?? '').toUpperCase()
  const factor = MINUTES[u]
  if (factor === undefined) {
    r.warn(op.path, `${value} ${v} is in '${u}', not a unit of time the hub converts (MIN, H, S, TAG): not taken as a standard time`)
    return undefined
  }
  return v * factor
}

function component (r: IdocReading, c: Placed, operationSequence: number | undefined, codes: UnitCodes,
  items: Map<number, string>): MaterialRequirementInput | undefined {
  // A deleted reservation item (XLOEK) and a text item (POSTP T) have nothing to consume.
  if (r.text(c, 'XLOEK') === 'X' || r.text(c, 'POSTP') === 'T') return undefined
  const posnr = r.required(c, 'POSNR')
  const item = posnr !== undefined && /^[0-9]{1,6}$/.test(posnr) && Number(posnr) > 0 ? Number(posnr) : undefined
  if (posnr !== undefined && item === undefined) r.problem(c.path, `POSNR '${posnr}' is not an item number`)
  else if (item !== undefined && items.has(item)) r.problem(c.path, `POSNR ${posnr} twice (also at ${items.get(item)!})`)
  else if (item !== undefined) items.set(item, c.path)
  const matnr = materialNumber(c.segment.fields)
  if (matnr === undefined) r.problem(c.path, 'MATNR_LONG/MATNR missing')
  const material = r.id(c, 'MATNR', matnr)
  const quantity = decimal(r, c, 'BDMNG')
  if (r.text(c, 'BDMNG') === undefined) r.problem(c.path, 'BDMNG missing')
  else if (quantity !== undefined && quantity < 0) r.problem(c.path, `BDMNG ${quantity} is negative`)
  const unit = unitOf(r.text(c, 'MEINS'), r.text(c, 'MEINS_ISO'), codes)
  if (unit === undefined) r.problem(c.path, 'MEINS missing')
  else if (unit.warning !== undefined) r.warn(c.path, unit.warning)
  if (item === undefined || material === undefined || quantity === undefined || quantity < 0 || unit === undefined) return undefined
  return { item, material, quantity, unit: unit.code, ...(operationSequence !== undefined ? { operationSequence } : {}) }
}

function alphaOutputOf (v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  const o = alphaOutput(v)
  return o === '' ? undefined : o
}
