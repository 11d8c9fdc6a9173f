// The fixture of the material tests: order 500 with its material definitions, two running jobs and received lots.
import { ERP, SUPERVISOR, type Ctx } from '../stores'

export const credentials = (user: string, password: string): boolean => user === 'qa.quinn' && password === 'correct horse'

/** Order 500 makes FG-FRAME: op 10 cuts RM-TUBE (400 M, alternate RM-TUBE-B, 5 % tolerance; overrides allowed), op 20 welds RM-WIRE. */
export async function frameOrder (c: Ctx): Promise<{ cutJob: string, weldJob: string }> {
  const { mes } = c
  for (const d of [
    { material: 'RM-TUBE', unit: 'M' }, { material: 'RM-TUBE-B', unit: 'M' }, { material: 'RM-WIRE', unit: 'KG' },
    { material: 'RM-PAINT', unit: 'L' }, { material: 'FG-FRAME', unit: 'PCE', serialPattern: 'FR-{order}-{yyyy}{mm}{dd}-{n:4}' }
  ]) await mes.materials.define(d, 'erp:SAP-PRD')
  await mes.workOrders.create({
    orderNumber: '500', material: 'FG-FRAME', quantity: 10, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z', overlap: 'overlapping',
    operations: [{ sequence: 10, workCenter: 'WC-CUT', bomOverride: true }, { sequence: 20, workCenter: 'WC-WELD' }],
    materials: [
      { item: 1, material: 'RM-TUBE', quantity: 400, unit: 'M', operationSequence: 10, alternates: ['RM-TUBE-B'], tolerancePct: 5 },
      { item: 2, material: 'RM-WIRE', quantity: 5, unit: 'KG', operationSequence: 20 }
    ]
  }, ERP)
  await mes.workOrders.release('500', SUPERVISOR)
  const cut = await mes.dispatch.dispatchOperation('500', 10, 'SAW-1', SUPERVISOR)
  await mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })
  await mes.wip.apply({ jobId: cut.jobId, event: 'report', who: 'op.olga', good: 1 })
  const weld = await mes.dispatch.dispatchOperation('500', 20, 'ROBOT-1', SUPERVISOR)
  await mes.wip.apply({ jobId: weld.jobId, event: 'start', who: 'op.olga' })
  for (const [lotId, material, quantity, unit] of [['T-1', 'RM-TUBE', 300, 'M'], ['T-2', 'RM-TUBE', 300, 'M'], ['TB-1', 'RM-TUBE-B', 50, 'M'],
    ['W-1', 'RM-WIRE', 10, 'KG'], ['P-1', 'RM-PAINT', 20, 'L']] as const) {
    await mes.materials.receiveLot({ lotId, material, quantity, unit, who: 'wms:WH1', expiresAt: '2026-01-01T00:00:00Z' })
  }
  return { cutJob: cut.jobId, weldJob: weld.jobId }
}
