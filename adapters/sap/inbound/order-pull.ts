// Production orders pulled from S/4HANA (API_PRODUCTION_ORDER_2_SRV) for landscapes that do not push LOIPRO: every
// sap.pull.intervalMs the orders the filter selects are read page by page with their operations and components,
// mapped as a LOIPRO is (mapping/odata-order.ts) and applied to the order backbone. Applying an order that has not
// changed changes nothing, so pulling the same orders again is harmless; an order that cannot be mapped or that the
// MES refuses is logged with the reason and tried again at the next pull (it may have been corrected in SAP).
import type { Mes } from '../../../mes/service'
import type { Logger } from '../../../core/logger'
import { HubError } from '../../../core/errors'
import { clientText } from '../../../core/client-text'
import type { ODataClient } from '../odata/odata-client'
import { mapODataOrder, type ODataEntity } from '../mapping/odata-order'
import type { SapTimeZone } from '../sap-values'
import type { UnitCodes } from '../units'
import { applyOrderFromSap, type OrderApplied } from './order-idoc-apply'
import { onPlantModel } from '../mapping/work-center-of'
import type { PlantModel } from '../../../plant/plant-model'

export const PRODUCTION_ORDER_SERVICE = 'API_PRODUCTION_ORDER_2_SRV'
const PAGE = 100

export interface OrderPullOptions {
  readonly odata: ODataClient
  readonly mes: Mes
  readonly model: PlantModel
  /** An OData $filter on A_ProductionOrder_2, e.g. "ProductionPlant eq '1000' and OrderIsReleased eq 'X'". */
  readonly filter: string
  readonly zone: SapTimeZone
  readonly unitCodes: UnitCodes
  readonly log: Logger
}

export interface PullResult {
  readonly read: number
  readonly changed: OrderApplied[]
  /** Orders not applied, each with the reason. */
  readonly refused: Array<{ order: string, reason: string }>
}

/** One pull: every selected order read and applied. SAP not reachable throws (the caller logs it and tries later). */
export async function pullOrders (o: OrderPullOptions): Promise<PullResult> {
  let read = 0
  const changed: OrderApplied[] = []
  const refused: Array<{ order: string, reason: string }> = []
  for (let skip = 0; ; skip += PAGE) {
    const page = await o.odata.get<ODataEntity[]>(PRODUCTION_ORDER_SERVICE, 'A_ProductionOrder_2', {
      ...(o.filter !== '' ? { $filter: o.filter } : {}),
      $expand: 'to_ProductionOrderOperation,to_ProductionOrderComponent',
      // Pages by $skip in the service's own order (the key); an order a change shifts past a page is read at the next pull.
      $top: String(PAGE), $skip: String(skip), $format: 'json'
    })
    const rows = Array.isArray(page.data) ? page.data : []
    for (const e of rows) {
      read++
      const key = typeof e.ManufacturingOrder === 'string' ? e.ManufacturingOrder : '?'
      try {
        const m = mapODataOrder(e, { zone: o.zone, unitCodes: o.unitCodes })
        const actions = m.actions.filter((a): a is 'release' | 'lock' | 'complete' | 'delete' => a !== 'upsert')
        const applied = await applyOrderFromSap(o.mes, { order: onPlantModel(m.order, o.model, m.plant) as never, actions }, { who: 'sap:odata' })
        if (applied.changes.length > 0) changed.push(applied)
      } catch (err) {
        if (!(err instanceof HubError)) throw err
        refused.push({ order: key, reason: err.message })
        o.log.warn(`SAP order ${clientText(key)} (OData) not applied: ${clientText(err.message, 1000)}`)
      }
    }
    if (rows.length < PAGE) break
  }
  return { read, changed, refused }
}
