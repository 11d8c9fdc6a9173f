// The WMS connector for SAP EWM (S/4HANA embedded or decentral), over EWM's warehouse task API
// API_WAREHOUSE_ORDER_TASK_2 (OData v4, the client in ../odata/odata-v4-client.ts):
// - 'staging-request': a product warehouse task to the production supply area (ProductionSupplyArea and its bin =
//   the work unit's supply location), with the staging process type; EWM picks the source bin and the batch.
// - 'put-away-request': a product warehouse task from the producing line's location (SourceStorageBin), the lot as
//   the batch where it fits EWM's 10 characters, with the put-away process type; EWM picks the destination bin.
// - 'staging-cancel': the bound action CancelWarehouseTask; a task already cancelled is accepted, a confirmed one is
//   refused (the material is at the line).
// Each create carries Repeatability-Request-ID `<type>:<requestId>`, so a create whose answer was lost, sent again,
// gets the first task back instead of a second one; a cancel of a request whose task the MES never learned sends
// that create again to learn it (a task that was never made is then made and cancelled at once: nothing is left
// open in the warehouse).
// EWM has no webhook to the hub. Its outbound messages for confirmed tasks are qRFC/IDoc (/SCWM/WMTOCO) to a
// partner system, which needs an RFC destination and partner profiles on the SAP side; the API is reachable with
// the same user as every other call. So confirmations come back by polling: `poll(open)` reads the tasks the MES
// still has open (it knows them: requests with a task reference, not yet staged, put away or cancelled) and answers
// one event per task EWM closed, in the neutral event form of the WMS adapter (adapters/wms/wms-schemas.ts
// WmsEvent), with an event id stable per task and outcome, so applying it through the inbox twice changes nothing.
// The adapter may not import the WMS adapter, so the types mirror adapters/wms/wms-connector.ts and the hub passes
// the WmsSendError constructor in (`refusal`).
import type { PutAwayRequest, StagingRequest } from '../../../mes/service'
import { createODataV4Client, type ODataV4Client } from '../odata/odata-v4-client'
import { sapPassword, type SapOutboundConfig } from '../config'
import { SapODataError } from '../odata/odata-errors'
import { isoUnit, sapUnit, type UnitCodes } from '../units'

export const EWM_SERVICE = 'API_WAREHOUSE_ORDER_TASK_2'
export const EWM_SERVICE_PATH = '/sap/opu/odata4/sap/api_warehouse_order_task_2/srvd_a2x/sap/warehouseorder/0001/'
export const EWM_NAMESPACE = 'com.sap.gateway.srvd_a2x.api_warehouse_order_task_2.v0001'

export interface SapEwmMessages {
  'staging-request': { request: StagingRequest }
  'staging-cancel': { request: StagingRequest, why: string }
  'put-away-request': { request: PutAwayRequest }
}
export type SapEwmMessageType = keyof SapEwmMessages

/** A task the MES has open: what `poll` asks EWM about. */
export interface OpenWarehouseTask {
  requestId: string
  type: 'staging' | 'put-away'
  /** `<WarehouseTask>/<WarehouseTaskItem>`, as `send` answered it. */
  taskRef: string
}

/** The WMS adapter's WmsEvent (adapters/wms/wms-schemas.ts), as EWM's closed task gives it. */
export interface EwmTaskEvent {
  eventId: string
  type: 'task.confirmed' | 'task.cancelled'
  occurredAt: string
  warehouse: string
  task: { taskId: string, requestId: string, type: 'staging' | 'put-away', material: string, quantity: number, unit: string, status: 'confirmed' | 'cancelled' }
  confirmation?: { quantity: number, differenceQuantity?: number, final: boolean, lots: Array<{ lotId: string, quantity: number, sourceBin?: string }>, destinationBin?: string }
  reason?: string
}

export interface SapEwmOptions {
  readonly client: ODataV4Client
  /** The EWM warehouse number (EWMWarehouse, 4 characters). */
  readonly warehouse: string
  /** Warehouse process types of the landscape's customizing for staging to production and for put-away from production. */
  readonly stagingProcessType: string
  readonly putAwayProcessType: string
  /** The MES's unit codes (sap.unitCodes); EWM takes SAP's internal ones. */
  readonly unitCodes?: UnitCodes
  /** Makes the WMS adapter's WmsSendError: (message, retryable, status). */
  readonly refusal: (message: string, retryable: boolean, status?: number) => Error
}

type Row = Record<string, unknown>
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v))
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`
/** The lengths of EWM's fields the hub fills from the MES (an EWM field longer is refused before it is sent). */
const FIELD_LENGTHS: Readonly<Record<string, number>> = { Product: 40, ProductionSupplyArea: 10, DestinationStorageBin: 18, SourceStorageBin: 18, BaseUnit: 3, ManufacturingOrder: 12 }
/** EWM's task status (/SCWM/DE_TOSTAT): ' ' open, 'C' confirmed, 'A' cancelled, 'B' waiting. */
const CONFIRMED = 'C'
const CANCELLED = 'A'

/** The task's resource path, or undefined when the reference is not `<WarehouseTask>/<WarehouseTaskItem>`. */
function pathOfTask (warehouse: string, taskRef: string): string | undefined {
  const m = /^(\d{1,12})\/(\d{1,4})$/.exec(taskRef)
  return m ? `WarehouseTask(EWMWarehouse=${quote(warehouse)},WarehouseTask=${quote(m[1]!)},WarehouseTaskItem=${quote(m[2]!)})` : undefined
}
const notATaskRef = (taskRef: string): string => `'${taskRef}' is not an EWM task reference (<WarehouseTask>/<WarehouseTaskItem>)`

export class SapEwmConnector {
  readonly system = 'sap-ewm'

  constructor (private readonly opts: SapEwmOptions) {}

  async send<T extends SapEwmMessageType> (type: T, payload: SapEwmMessages[T], _idempotencyKey: string): Promise<{ taskRef?: string }> {
    try {
      switch (type) {
        case 'staging-request': return { taskRef: await this.createStaging((payload as SapEwmMessages['staging-request']).request) }
        case 'put-away-request': return { taskRef: await this.createPutAway((payload as SapEwmMessages['put-away-request']).request) }
        case 'staging-cancel': return { taskRef: await this.cancel(payload as SapEwmMessages['staging-cancel']) }
        default: throw this.opts.refusal(`the SAP EWM connector sends staging requests, cancels and put-aways, not '${String(type)}'`, false)
      }
    } catch (err) {
      if (err instanceof SapODataError) throw this.opts.refusal(err.message, err.retryable, err.status)
      throw err
    }
  }

  /**
   * One event per open task that EWM confirmed or cancelled; tasks still open give none. EWM down or failing throws
   * (retryable: poll again later); a task EWM refuses to read (unknown, a wrong reference) is a problem for a person
   * and does not stop the others.
   */
  async poll (open: readonly OpenWarehouseTask[]): Promise<{ events: EwmTaskEvent[], problems: string[] }> {
    const events: EwmTaskEvent[] = []
    const problems: string[] = []
    for (const t of open) {
      const path = pathOfTask(this.opts.warehouse, t.taskRef)
      if (path === undefined) { problems.push(notATaskRef(t.taskRef)); continue }
      let row: Row
      try {
        row = await this.opts.client.get<Row>(path)
      } catch (err) {
        if (!(err instanceof SapODataError)) throw err
        const message = `polling EWM task ${t.taskRef} of ${t.requestId}: ${err.message}`
        if (!err.retryable) { problems.push(message); continue }
        throw this.opts.refusal(message, true, err.status)
      }
      const e = this.eventOf(t, row)
      if (e !== undefined) events.push(e)
    }
    return { events, problems }
  }

  private eventOf (t: OpenWarehouseTask, row: Row): EwmTaskEvent | undefined {
    const status = str(row.WarehouseTaskStatus).trim()
    if (status !== CONFIRMED && status !== CANCELLED) return undefined
    const task = {
      taskId: t.taskRef, requestId: t.requestId, type: t.type, material: str(row.Product),
      quantity: Number(str(row.TargetQuantityInBaseUnit)), unit: this.unitOut(str(row.BaseUnit)), status: status === CONFIRMED ? 'confirmed' as const : 'cancelled' as const
    }
    const base = { eventId: `ewm:${this.opts.warehouse}:${t.taskRef}:${status}`, occurredAt: new Date(str(row.ConfirmationUTCDateTime) || str(row.LastChangeDateTime) || Date.now()).toISOString(), warehouse: this.opts.warehouse, task }
    if (status === CANCELLED) return { ...base, type: 'task.cancelled', reason: `warehouse task ${t.taskRef} cancelled in EWM warehouse ${this.opts.warehouse}` }
    const actual = Number(str(row.ActualQuantityInBaseUnit))
    const difference = Number(str(row.DifferenceQuantityInBaseUnit) || '0')
    const batch = str(row.Batch)
    return {
      ...base,
      type: 'task.confirmed',
      confirmation: {
        quantity: actual,
        ...(difference !== 0 ? { differenceQuantity: difference } : {}),
        // A confirmed EWM task is closed: what is short is a difference, not an open remainder.
        final: true,
        lots: batch !== '' && t.type === 'staging' ? [{ lotId: batch, quantity: actual, ...(str(row.SourceStorageBin) !== '' ? { sourceBin: str(row.SourceStorageBin) } : {}) }] : [],
        ...(str(row.DestinationStorageBin) !== '' ? { destinationBin: str(row.DestinationStorageBin) } : {})
      }
    }
  }

  private unitIn (mesUnit: string): string { return this.opts.unitCodes === 'iso' ? sapUnit(mesUnit).code : mesUnit }
  private unitOut (sap: string): string { return this.opts.unitCodes === 'iso' ? isoUnit(sap).code : sap }

  private pathOf (taskRef: string): string {
    const path = pathOfTask(this.opts.warehouse, taskRef)
    if (path === undefined) throw this.opts.refusal(notATaskRef(taskRef), false)
    return path
  }

  private async create (body: Row, repeatabilityId: string): Promise<string> {
    for (const [field, max] of Object.entries(FIELD_LENGTHS)) {
      const v = body[field]
      if (typeof v === 'string' && v.length > max) {
        throw this.opts.refusal(`${repeatabilityId}: ${field} '${v}' is longer than EWM's ${max} characters; give the plant model's supply location an EWM name that fits`, false)
      }
    }
    const row = await this.opts.client.post<Row>('WarehouseTask', { EWMWarehouse: this.opts.warehouse, ...body }, repeatabilityId)
    return `${str(row.WarehouseTask)}/${str(row.WarehouseTaskItem)}`
  }

  private stagingBody (r: StagingRequest): Row {
    return {
      WarehouseProcessType: this.opts.stagingProcessType, Product: r.material, TargetQuantityInBaseUnit: String(r.quantity), BaseUnit: this.unitIn(r.unit),
      ProductionSupplyArea: r.location, DestinationStorageBin: r.location, ManufacturingOrder: r.orderNumber
    }
  }

  private async createStaging (r: StagingRequest): Promise<string> {
    return await this.create(this.stagingBody(r), `staging:${r.requestId}${r.attempt > 1 ? `#${r.attempt}` : ''}`)
  }

  private async createPutAway (r: PutAwayRequest): Promise<string> {
    return await this.create({
      WarehouseProcessType: this.opts.putAwayProcessType, Product: r.material, TargetQuantityInBaseUnit: String(r.quantity), BaseUnit: this.unitIn(r.unit),
      SourceStorageBin: r.fromLocation, ...(r.lotId.length <= 10 ? { Batch: r.lotId } : {})
    }, `put-away:${r.requestId}`)
  }

  private async cancel (p: SapEwmMessages['staging-cancel']): Promise<string> {
    const taskRef = p.request.taskRef ?? await this.createStaging(p.request)
    const row = await this.opts.client.get<Row>(this.pathOf(taskRef))
    const status = str(row.WarehouseTaskStatus).trim()
    if (status === CANCELLED) return taskRef
    if (status === CONFIRMED) {
      throw this.opts.refusal(`EWM warehouse task ${taskRef} of ${p.request.requestId} is already confirmed (${str(row.ActualQuantityInBaseUnit)} ${str(row.BaseUnit)} at ${str(row.DestinationStorageBin)}): ` +
        'it cannot be cancelled; move the material back with a new task if it is not needed', false)
    }
    await this.opts.client.post(`${this.pathOf(taskRef)}/${EWM_NAMESPACE}.CancelWarehouseTask`, {})
    return taskRef
  }
}

/** The connector over the SAP settings (url, client, user, password file), EWM's service at its standard path. */
export function sapEwmConnector (outbound: SapOutboundConfig, opts: Omit<SapEwmOptions, 'client'> & { fetch?: typeof globalThis.fetch }): SapEwmConnector {
  const client = createODataV4Client({
    baseUrl: outbound.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: outbound.username, password: sapPassword(outbound),
    timeoutMs: outbound.timeoutMs, ...(outbound.client !== '' ? { sapClient: outbound.client } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {})
  })
  return new SapEwmConnector({ ...opts, client })
}
