// The fixture of the logistics tests: order 700 makes FG-CART. Op 10 (WC-CUT) cuts RM-TUBE (400 M); RM-PAINT (2 L)
// names no operation, so it goes to the first; op 20 (WC-WELD) welds RM-WIRE (5 KG). Lots of each are received.
import { ERP, SUPERVISOR, type Ctx } from '../stores'
import type { MesOptions } from '../../../mes/index'

/** SAW-1 stages to its production supply area PSA-SAW; ROBOT-1 has none (its own code). */
export const LOGISTICS_OPTIONS: MesOptions = { supplyLocationOf: (u) => u === 'SAW-1' ? 'PSA-SAW' : undefined }

export async function cartOrder (c: Ctx): Promise<void> {
  const { mes } = c
  for (const d of [{ material: 'RM-TUBE', unit: 'M' }, { material: 'RM-WIRE', unit: 'KG' }, { material: 'RM-PAINT', unit: 'L' }, { material: 'FG-CART', unit: 'PCE' }]) {
    await mes.materials.define(d, 'erp:SAP-PRD')
  }
  await mes.workOrders.create({
    orderNumber: '700', material: 'FG-CART', quantity: 10, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z', overlap: 'overlapping',
    operations: [{ sequence: 10, workCenter: 'WC-CUT' }, { sequence: 20, workCenter: 'WC-WELD' }],
    materials: [
      { item: 1, material: 'RM-TUBE', quantity: 400, unit: 'M', operationSequence: 10 },
      { item: 2, material: 'RM-WIRE', quantity: 5, unit: 'KG', operationSequence: 20 },
      { item: 3, material: 'RM-PAINT', quantity: 2, unit: 'L' }
    ]
  }, ERP)
  await mes.workOrders.release('700', SUPERVISOR)
  for (const [lotId, material, quantity, unit] of [['T-1', 'RM-TUBE', 300, 'M'], ['T-2', 'RM-TUBE', 300, 'M'], ['W-1', 'RM-WIRE', 10, 'KG'],
    ['P-1', 'RM-PAINT', 20, 'L']] as const) {
    await mes.materials.receiveLot({ lotId, material, quantity, unit, who: 'wms:WH1' })
  }
}
