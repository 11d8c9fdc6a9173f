// The simulated SAP's EWM warehouse tasks, the smallest faithful subset of API_WAREHOUSE_ORDER_TASK_2 (OData v4):
// a product warehouse task (key EWMWarehouse, WarehouseTask, WarehouseTaskItem) made for staging to a production
// supply area or for a put-away, open (WarehouseTaskStatus ' ', shown as '') until it is confirmed ('C': the
// ConfirmWarehouseTaskExact action, as planned; ConfirmWarehouseTaskProduct, with an actual quantity and a
// difference) or cancelled ('A': CancelWarehouseTask). These status values are EWM's (domain /SCWM/DE_TOSTAT); a
// confirmed task is neither cancelled nor confirmed again, as EWM refuses both. The property and action names follow
// SAP's API reference of the warehouse order and task service (SAP Cloud SDK VDM "warehouse task service":
// WarehouseTaskType, CancelWarehouseTask, ConfirmWarehouseTaskExact/Product parameters). SAP's public material does
// not show how a product task is created through this API, so the create is a POST of the entity with the fields
// below; EWM's own bin and batch determination is modelled as a fixed source (staging) or destination (put-away) bin
// and a batch per product when the simulator is given one. Message class /SCWM/WT is illustrative.
import Big from 'big.js'
import type { Entity } from './odata-query'
import { BusinessRefusal } from './postings'

export const EWM_WAREHOUSE = '1710'
export const EWM_ACTIONS = ['ConfirmWarehouseTaskExact', 'ConfirmWarehouseTaskProduct', 'CancelWarehouseTask'] as const
export type EwmAction = typeof EWM_ACTIONS[number]

/** Where EWM's bin determination puts a staging task's source and a put-away's destination. */
const STOCK_BIN = 'BULK-01-01'
const PUT_AWAY_BIN = 'HRL-01-02'

/** MaxLength of the CSDL (metadata/API_WAREHOUSE_ORDER_TASK_2.xml), as the service checks it on a create. */
const MAX_LENGTH: Readonly<Record<string, number>> = { WarehouseProcessType: 4, Product: 40, Batch: 10, BaseUnit: 3, SourceStorageBin: 18, DestinationStorageBin: 18, ProductionSupplyArea: 10, ManufacturingOrder: 12 }

function refuse (code: string, message: string, target = ''): never {
  throw new BusinessRefusal([{ code, message, severity: 'error', target }])
}
const text = (b: Entity, k: string): string => (b[k] === undefined || b[k] === null ? '' : String(b[k]))

export class WarehouseTasks {
  private readonly tasks = new Map<string, Entity>()
  private next = 100_000_001

  /** `batches`: the batch EWM's stock determination picks for a product (staging). */
  constructor (private readonly batches: Readonly<Record<string, string>> = {}, readonly warehouse = EWM_WAREHOUSE) {}

  rows (): Entity[] { return [...this.tasks.values()] }

  find (key: Record<string, string>): Entity | undefined {
    return this.tasks.get(`${key.EWMWarehouse}/${key.WarehouseTask}/${key.WarehouseTaskItem}`)
  }

  create (body: Entity, user: string): Entity {
    const wh = text(body, 'EWMWarehouse')
    if (wh !== this.warehouse) refuse('/SCWM/WT/001', `Warehouse number '${wh}' does not exist`, 'EWMWarehouse')
    for (const k of ['WarehouseProcessType', 'Product', 'BaseUnit']) if (text(body, k) === '') refuse('/SCWM/WT/002', `Enter a value for ${k}`, k)
    for (const [k, max] of Object.entries(MAX_LENGTH)) {
      if (text(body, k).length > max) refuse('/SCWM/WT/006', `Value '${text(body, k)}' of ${k} is longer than ${max} characters`, k)
    }
    const qty = text(body, 'TargetQuantityInBaseUnit')
    if (!/^\d+(\.\d+)?$/.test(qty) || new Big(qty).lte(0)) refuse('/SCWM/WT/003', `Quantity '${qty}' is not a positive number`, 'TargetQuantityInBaseUnit')
    const staging = text(body, 'ProductionSupplyArea') !== ''
    if (staging && text(body, 'DestinationStorageBin') === '') refuse('/SCWM/WT/004', 'Enter the destination bin of the production supply area', 'DestinationStorageBin')
    if (!staging && text(body, 'SourceStorageBin') === '') refuse('/SCWM/WT/005', 'Enter the source bin of the put-away', 'SourceStorageBin')
    const now = new Date().toISOString()
    const task: Entity = {
      EWMWarehouse: wh, WarehouseTask: String(this.next++).padStart(12, '0'), WarehouseTaskItem: '0001',
      WarehouseOrder: '', WarehouseProcessType: text(body, 'WarehouseProcessType'), WarehouseTaskStatus: '',
      Product: text(body, 'Product'), Batch: text(body, 'Batch') || (staging ? this.batches[text(body, 'Product')] ?? '' : ''),
      TargetQuantityInBaseUnit: new Big(qty).toString(), ActualQuantityInBaseUnit: '0', DifferenceQuantityInBaseUnit: '0', BaseUnit: text(body, 'BaseUnit'),
      SourceStorageBin: staging ? STOCK_BIN : text(body, 'SourceStorageBin'),
      DestinationStorageBin: staging ? text(body, 'DestinationStorageBin') : text(body, 'DestinationStorageBin') || PUT_AWAY_BIN,
      ProductionSupplyArea: text(body, 'ProductionSupplyArea'), ManufacturingOrder: text(body, 'ManufacturingOrder'),
      CreatedByUser: user, CreationDateTime: now, LastChangeDateTime: now, ConfirmationUTCDateTime: null
    }
    this.tasks.set(`${wh}/${String(task.WarehouseTask)}/${String(task.WarehouseTaskItem)}`, task)
    return task
  }

  act (action: EwmAction, key: Record<string, string>, params: Entity): Entity {
    const task = this.find(key)
    if (!task) refuse('/SCWM/WT/010', `Warehouse task ${key.WarehouseTask ?? ''} does not exist in warehouse ${key.EWMWarehouse ?? ''}`, 'WarehouseTask')
    const id = String(task.WarehouseTask)
    if (task.WarehouseTaskStatus === 'C') refuse('/SCWM/WT/020', `Warehouse task ${id} has already been confirmed`, 'WarehouseTask')
    if (task.WarehouseTaskStatus === 'A') refuse('/SCWM/WT/021', `Warehouse task ${id} has already been canceled`, 'WarehouseTask')
    const now = new Date().toISOString()
    task.LastChangeDateTime = now
    if (action === 'CancelWarehouseTask') {
      task.WarehouseTaskStatus = 'A'
      return task
    }
    const target = new Big(String(task.TargetQuantityInBaseUnit))
    let actual = target
    if (action === 'ConfirmWarehouseTaskProduct') {
      const a = text(params, 'ActualQuantityInAltvUnit')
      if (a !== '') {
        if (!/^\d+(\.\d+)?$/.test(a) || new Big(a).gt(target)) refuse('/SCWM/WT/030', `Actual quantity ${a} is not between 0 and the target ${target.toString()}`, 'ActualQuantityInAltvUnit')
        actual = new Big(a)
      }
      if (text(params, 'DestinationStorageBin') !== '') task.DestinationStorageBin = text(params, 'DestinationStorageBin')
    }
    task.ActualQuantityInBaseUnit = actual.toString()
    task.DifferenceQuantityInBaseUnit = target.minus(actual).toString()
    task.WarehouseTaskStatus = 'C'
    task.ConfirmationUTCDateTime = now
    return task
  }
}
