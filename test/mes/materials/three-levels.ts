// A three-level product built through the service, for the trace tests: raw lots -> bracket serials -> finished
// serials, with a steel lot split in two and two bolt lots merged into one.
import { ERP, SUPERVISOR, type Ctx } from '../stores'

async function runningJob (c: Ctx, orderNumber: string, material: string, components: Array<[string, number, string]>, workUnit: string): Promise<string> {
  const { mes } = c
  await mes.workOrders.create({
    orderNumber, material, quantity: 2, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z',
    operations: [{ sequence: 10, workCenter: 'WC-ASSY' }],
    materials: components.map(([m, quantity, unit], i) => ({ item: i + 1, material: m, quantity, unit, operationSequence: 10 }))
  }, ERP)
  await mes.workOrders.release(orderNumber, SUPERVISOR)
  const job = await mes.dispatch.dispatchOperation(orderNumber, 10, workUnit, SUPERVISOR)
  await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
  return job.jobId
}

/** Raw lots S-1 (split into S-1.1, S-1.2), B-1 + B-2 (merged into B-M); brackets SA-1..3; finished FG-1 (SA-1, SA-3), FG-2 (SA-2). */
export async function threeLevels (c: Ctx): Promise<Record<string, string>> {
  const m = c.mes.materials
  for (const d of [{ material: 'RM-STEEL', unit: 'KG' }, { material: 'RM-BOLT', unit: 'PCE' }, { material: 'SA-BRACKET', unit: 'PCE' },
    { material: 'FG-UNIT', unit: 'PCE' }]) await m.define(d, 'erp:SAP-PRD')
  await m.receiveLot({ lotId: 'S-1', material: 'RM-STEEL', quantity: 100, unit: 'KG', who: 'wms:WH1' })
  await m.receiveLot({ lotId: 'B-1', material: 'RM-BOLT', quantity: 50, unit: 'PCE', who: 'wms:WH1' })
  await m.receiveLot({ lotId: 'B-2', material: 'RM-BOLT', quantity: 50, unit: 'PCE', who: 'wms:WH1' })
  await m.split({ lotId: 'S-1', into: [{ lotId: 'S-1.1', quantity: 40 }, { lotId: 'S-1.2', quantity: 30 }], who: 'wms:WH1' })
  await m.merge({ lotIds: ['B-1', 'B-2'], into: 'B-M', who: 'wms:WH1' })

  const bracketA = await runningJob(c, '600', 'SA-BRACKET', [['RM-STEEL', 40, 'KG'], ['RM-BOLT', 20, 'PCE']], 'PRESS-1')
  await m.consume({ jobId: bracketA, who: 'op.olga', lotId: 'S-1.1', quantity: 20 })
  await m.consume({ jobId: bracketA, who: 'op.olga', lotId: 'B-M', quantity: 8 })
  await m.produce({ jobId: bracketA, who: 'op.olga', material: 'SA-BRACKET', serials: ['SA-1', 'SA-2'] })
  c.clock.advance(30)
  const bracketB = await runningJob(c, '601', 'SA-BRACKET', [['RM-STEEL', 40, 'KG'], ['RM-BOLT', 20, 'PCE']], 'PRESS-2')
  await m.produce({ jobId: bracketB, who: 'op.pete', material: 'SA-BRACKET', serials: ['SA-3'] })
  // Consumed after the production: linked to what the job had already produced.
  await m.consume({ jobId: bracketB, who: 'op.pete', lotId: 'S-1.2', quantity: 10 })
  await m.consume({ jobId: bracketB, who: 'op.pete', lotId: 'B-M', quantity: 4 })
  c.clock.advance(30)
  const unit1 = await runningJob(c, '700', 'FG-UNIT', [['SA-BRACKET', 2, 'PCE']], 'ASSY-1')
  await m.consume({ jobId: unit1, who: 'op.anna', serial: 'SA-1' })
  await m.consume({ jobId: unit1, who: 'op.anna', serial: 'SA-3' })
  await m.produce({ jobId: unit1, who: 'op.anna', material: 'FG-UNIT', serials: ['FG-1'] })
  const unit2 = await runningJob(c, '701', 'FG-UNIT', [['SA-BRACKET', 2, 'PCE']], 'ASSY-2')
  await m.consume({ jobId: unit2, who: 'op.anna', serial: 'SA-2' })
  await m.produce({ jobId: unit2, who: 'op.anna', material: 'FG-UNIT', serials: ['FG-2'] })
  return { bracketA, bracketB, unit1, unit2 }
}
