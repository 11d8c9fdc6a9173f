// A production order read from S/4HANA over OData (API_PRODUCTION_ORDER_2_SRV: A_ProductionOrder_2 with
// $expand=to_ProductionOrderOperation,to_ProductionOrderComponent), for landscapes where the hub pulls orders
// instead of SAP pushing LOIPRO: into the same work order input and status actions as a LOIPRO, with every problem
// named by entity and property. Property names are those of SAP's $metadata (the shared edmx); OData v2 JSON writes
// Edm.Decimal as a string, Edm.DateTime as `/Date(ms)/` (the date at 00:00 UTC) and Edm.Time as `PT06H00M00S`.
import type { MaterialRequirementInput, OperationInput, WorkOrderInput } from '../../../mes/model/types'
import { alphaOutput, UTC, type SapTimeZone } from '../sap-values'
import { unitOf, type UnitCodes } from '../units'
import { IdocReading, MES_WORK_CENTER, dateTime, decimal, positive, type Placed } from './idoc-reading'
import type { OrderAction } from './loipro'

export type ODataEntity = Record<string, unknown>

export interface ODataOrderResult {
  readonly order: WorkOrderInput
  readonly actions: OrderAction[]
  readonly plant: string | undefined
  readonly warnings: string[]
}

/** `/Date(1717372800000)/` -> `20240603`; undefined for anything else. */
function edmDate (v: unknown): string | undefined {
  const m = typeof v === 'string' ? /^\/Date\((-?\d+)(?:[+-]\d+)?\)\/$/.exec(v) : null
  if (m === null) return undefined
  const d = new Date(Number(m[1]))
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`
}

/** `PT06H30M00S` -> `063000`; undefined for anything else. */
function edmTime (v: unknown): string | undefined {
  const m = typeof v === 'string' ? /^PT(\d{1,2})H(\d{1,2})M(\d{1,2})S$/.exec(v) : null
  return m === null ? undefined : `${m[1]!.padStart(2, '0')}${m[2]!.padStart(2, '0')}${m[3]!.padStart(2, '0')}`
}

/** An entity as a placed segment of text fields, dates and times in SAP's internal forms, for IdocReading. */
function placed (e: ODataEntity, path: string): Placed {
  const fields: Record<string, string> = {}
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string') fields[k] = edmDate(v) ?? edmTime(v) ?? v
    else if (typeof v === 'number' || typeof v === 'boolean') fields[k] = String(v)
  }
  return { segment: { name: path, fields, segments: [] }, path }
}

function expanded (e: ODataEntity, nav: string): ODataEntity[] {
  const v = e[nav] as { results?: unknown } | unknown[] | undefined
  const list = Array.isArray(v) ? v : Array.isArray((v as { results?: unknown })?.results) ? (v as { results: unknown[] }).results : []
  return list.filter((x): x is ODataEntity => typeof x === 'object' && x !== null)
}

/** The work order of one A_ProductionOrder_2 entity (expanded). Throws IdocMappingError with every problem. */
export function mapODataOrder (e: ODataEntity, opts: { zone?: SapTimeZone, unitCodes?: UnitCodes } = {}): ODataOrderResult {
  const zone = opts.zone ?? UTC
  const codes = opts.unitCodes ?? 'sap'
  const key = typeof e.ManufacturingOrder === 'string' ? e.ManufacturingOrder : '?'
  const r = new IdocReading(`A_ProductionOrder_2('${key}')`)
  const h = placed(e, `A_ProductionOrder_2('${key}')`)
  const orderNumber = r.id(h, 'ManufacturingOrder', (() => { const v = r.required(h, 'ManufacturingOrder'); return v === undefined ? undefined : alphaOutput(v) })())
  const material = r.id(h, 'Material', r.required(h, 'Material'))
  const quantity = positive(r, h, 'TotalQuantity')
  if (r.text(h, 'TotalQuantity') === undefined) r.problem(h.path, 'TotalQuantity missing')
  const unit = unitOf(r.text(h, 'ProductionUnitSAPCode') ?? r.text(h, 'ProductionUnit'), r.text(h, 'ProductionUnitISOCode'), codes)
  if (unit === undefined) r.problem(h.path, 'ProductionUnit missing')
  else if (unit.warning !== undefined) r.warn(h.path, unit.warning)
  const dueDate = dateTime(r, h, 'MfgOrderPlannedEndDate', 'MfgOrderPlannedEndTime', zone)
  if (dueDate === undefined) r.problem(h.path, 'MfgOrderPlannedEndDate missing')
  const plannedStart = dateTime(r, h, 'MfgOrderPlannedStartDate', 'MfgOrderPlannedStartTime', zone)

  const operations: OperationInput[] = []
  const seen = new Set<number>()
  for (const [i, op] of expanded(e, 'to_ProductionOrderOperation').entries()) {
    const p = placed(op, `${h.path}/to_ProductionOrderOperation(${i + 1})`)
    const number = r.required(p, 'ManufacturingOrderOperation')
    const sequence = number !== undefined && /^\d{1,5}$/.test(number) ? Number(number) : undefined
    if (number !== undefined && (sequence === undefined || sequence < 1)) r.problem(p.path, `ManufacturingOrderOperation '${number}' is not an operation number from 1 to 99999`)
    const workCenter = r.id(p, 'WorkCenter', r.required(p, 'WorkCenter'), MES_WORK_CENTER)
    const qty = decimal(r, p, 'OpPlannedTotalQuantity')
    const text = r.text(p, 'MfgOrderOperationText')
    if (sequence === undefined || sequence < 1 || workCenter === undefined || seen.has(sequence)) continue
    seen.add(sequence)
    operations.push({ sequence, workCenter, ...(text !== undefined ? { description: text.slice(0, 200) } : {}), ...(qty !== undefined && qty > 0 ? { quantity: qty } : {}) })
  }
  if (operations.length === 0 && r.problems.length === 0) r.problem(h.path, 'no operation in to_ProductionOrderOperation ($expand it)')

  const materials: MaterialRequirementInput[] = []
  for (const [i, c] of expanded(e, 'to_ProductionOrderComponent').entries()) {
    const p = placed(c, `${h.path}/to_ProductionOrderComponent(${i + 1})`)
    const itemText = r.required(p, 'ReservationItem')
    const item = itemText !== undefined && /^\d{1,6}$/.test(itemText) && Number(itemText) > 0 ? Number(itemText) : undefined
    if (itemText !== undefined && item === undefined) r.problem(p.path, `ReservationItem '${itemText}' is not an item number`)
    const m = r.id(p, 'Material', r.required(p, 'Material'))
    const q = decimal(r, p, 'RequiredQuantity')
    const u = unitOf(r.text(p, 'BaseUnitSAPCode') ?? r.text(p, 'BaseUnit'), r.text(p, 'BaseUnitISOCode'), codes)
    if (u === undefined) r.problem(p.path, 'BaseUnit missing')
    const opText = r.text(p, 'ManufacturingOrderOperation')
    const operationSequence = opText !== undefined && /^\d{1,5}$/.test(opText) && Number(opText) > 0 ? Number(opText) : undefined
    if (item === undefined || m === undefined || q === undefined || q < 0 || u === undefined) continue
    materials.push({ item, material: m, quantity: q, unit: u.code, ...(operationSequence !== undefined && seen.has(operationSequence) ? { operationSequence } : {}) })
  }
  r.check()

  const flag = (name: string): boolean => r.text(h, name) === 'X'
  const actions: OrderAction[] = flag('OrderIsDeleted') ? ['delete'] : ['upsert']
  if (!flag('OrderIsDeleted')) {
    if (flag('OrderIsReleased') && !flag('OrderIsTechnicallyCompleted')) actions.push('release')
    if (flag('OrderIsLocked')) actions.push('lock')
    if (flag('OrderIsTechnicallyCompleted') || flag('OrderIsClosed')) actions.push('complete')
  }
  const order: WorkOrderInput = {
    orderNumber: orderNumber!, material: material!, quantity: quantity!, unit: unit!.code, dueDate: dueDate!,
    ...(plannedStart !== undefined ? { plannedStart } : {}), operations, ...(materials.length > 0 ? { materials } : {})
  }
  return { order, actions, plant: r.text(h, 'ProductionPlant'), warnings: r.warnings }
}
