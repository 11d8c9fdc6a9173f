// The simulated SAP's production orders (API_PRODUCTION_ORDER_2_SRV): a few orders of the demo plant (plant 1000;
// work centers PRESS01, PRESS02, ASSYA10 from plant/demo-plant.yaml), with their operations and components, in the
// property names of the published $metadata (sim/sap/metadata/API_PRODUCTION_ORDER_2_SRV.edmx). Quantities are
// Edm.Decimal, which OData v2 JSON writes as strings; key fields as SAP writes them (ManufacturingOrder without
// leading zeros, the ALPHA conversion's output form).
import { edmDate, edmTime, type Entity } from './odata-query'

export const PLANT = '1000'

export interface SeedOperation { operation: string, workCenter: string, text: string, quantity: string }
export interface SeedComponent { material: string, quantity: string, unit: string, operation: string, storageLocation: string }
export interface SeedOrder {
  order: string
  material: string
  quantity: string
  unit: string
  start: string
  end: string
  released: boolean
  operations: SeedOperation[]
  components: SeedComponent[]
}

export function demoOrders (): SeedOrder[] {
  const press = (order: string, material: string, qty: string, released: boolean): SeedOrder => ({
    order, material, quantity: qty, unit: 'ST', start: '2024-06-03', end: '2024-06-04', released,
    operations: [
      { operation: '0010', workCenter: 'PRESS01', text: 'Stamp side panel', quantity: qty },
      { operation: '0020', workCenter: 'PRESS02', text: 'Stamp back panel', quantity: qty }
    ],
    components: [
      { material: 'RM-STEEL-COIL', quantity: (Number(qty) * 2.5).toFixed(3), unit: 'KG', operation: '0010', storageLocation: '0001' },
      { material: 'RM-STEEL-SHEET', quantity: qty + '.000', unit: 'ST', operation: '0020', storageLocation: '0001' }
    ]
  })
  return [
    press('1000001', 'FG-PANEL-100', '100', true),
    press('1000002', 'FG-PANEL-200', '50', true),
    {
      order: '1000003', material: 'FG-ENCL-300', quantity: '20', unit: 'ST', start: '2024-06-04', end: '2024-06-05', released: false,
      operations: [{ operation: '0010', workCenter: 'ASSYA10', text: 'Mount frame', quantity: '20' }],
      components: [
        { material: 'FG-PANEL-100', quantity: '40.000', unit: 'ST', operation: '0010', storageLocation: '0002' },
        { material: 'RM-SCREW-M6', quantity: '160.000', unit: 'ST', operation: '0010', storageLocation: '0002' }
      ]
    }
  ]
}

/** ALPHA conversion (input side): the 12-character internal form with leading zeros, for numeric order numbers. */
export function alphaIn (order: string, length = 12): string {
  return /^\d+$/.test(order) ? order.padStart(length, '0') : order
}

/** The internal routing number (AUFPL) of an order: SAP numbers them; here a stable function of the order. */
export function routingOf (order: SeedOrder): string {
  return String(Number(order.order) % 1_000_000 + 1_000_000).padStart(10, '0')
}

/** The confirmation group (RUECK) of an operation: what ProdnOrdConf2 confirmations are counted under. */
export function confirmationGroupOf (order: SeedOrder, index: number): string {
  return String((Number(order.order) % 100_000) * 10 + index + 1).padStart(10, '0')
}

export function orderEntity (o: SeedOrder): Entity {
  return {
    ManufacturingOrder: o.order,
    ManufacturingOrderCategory: '10',
    ManufacturingOrderType: 'PP01',
    OrderIsCreated: 'X',
    OrderIsReleased: o.released ? 'X' : '',
    OrderIsTechnicallyCompleted: '',
    OrderIsDeleted: '',
    Material: o.material,
    ProductionPlant: PLANT,
    Plant: PLANT,
    MRPController: '001',
    ProductionSupervisor: '001',
    OrderInternalBillOfOperations: routingOf(o),
    MfgOrderPlannedStartDate: edmDate(o.start),
    MfgOrderPlannedStartTime: edmTime('060000'),
    MfgOrderPlannedEndDate: edmDate(o.end),
    MfgOrderPlannedEndTime: edmTime('220000'),
    ProductionUnit: o.unit,
    ProductionUnitISOCode: o.unit === 'ST' ? 'PCE' : o.unit,
    ProductionUnitSAPCode: o.unit,
    TotalQuantity: o.quantity + '.000',
    MfgOrderPlannedScrapQty: '0.000',
    MfgOrderConfirmedYieldQty: '0.000'
  }
}

export function operationEntities (o: SeedOrder): Entity[] {
  return o.operations.map((op, i) => ({
    OrderInternalBillOfOperations: routingOf(o),
    OrderIntBillOfOperationsItem: String(i + 1).padStart(8, '0'),
    ManufacturingOrder: o.order,
    ManufacturingOrderSequence: '0',
    ManufacturingOrderOperation: op.operation,
    ManufacturingOrderCategory: '10',
    ManufacturingOrderType: 'PP01',
    MfgOrderOperationText: op.text,
    OperationIsReleased: o.released ? 'X' : '',
    OperationIsConfirmed: '',
    ProductionPlant: PLANT,
    WorkCenterTypeCode: 'A',
    WorkCenter: op.workCenter,
    OperationControlProfile: 'PP01',
    OpErlstSchedldExecStrtDte: edmDate(o.start),
    OpErlstSchedldExecStrtTme: edmTime('060000'),
    OpErlstSchedldExecEndDte: edmDate(o.end),
    OpErlstSchedldExecEndTme: edmTime('220000'),
    OperationUnit: o.unit,
    OperationUnitISOCode: o.unit === 'ST' ? 'PCE' : o.unit,
    OperationUnitSAPCode: o.unit,
    OpPlannedTotalQuantity: op.quantity + '.000',
    OpTotalConfirmedYieldQty: '0.000'
  }))
}

export function componentEntities (o: SeedOrder): Entity[] {
  return o.components.map((c, i) => ({
    Reservation: String(Number(o.order) % 1_000_000 + 5_000_000).padStart(10, '0'),
    ReservationItem: String(i + 1).padStart(4, '0'),
    ReservationRecordType: '',
    Material: c.material,
    Plant: PLANT,
    ManufacturingOrder: o.order,
    ManufacturingOrderSequence: '0',
    ManufacturingOrderOperation: c.operation,
    ProductionPlant: PLANT,
    StorageLocation: c.storageLocation,
    Batch: '',
    GoodsMovementType: '261',
    BaseUnit: c.unit,
    RequiredQuantity: c.quantity,
    WithdrawnQuantity: '0.000',
    MatlCompRequirementDate: edmDate(o.start)
  }))
}
