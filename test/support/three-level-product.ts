// The three-level product of the trace tests (test/mes/materials/three-levels.ts) as a list of material commands
// that a test sends through a front door of its choice: the HTTP API, the Node-RED nodes. Raw lots S-1 (split into
// S-1.1, S-1.2), B-1 + B-2 (merged into B-M); brackets SA-1..3; finished FG-1 (SA-1, SA-3) and FG-2 (SA-2). The
// orders and their running jobs are made through the service (they are not what these tests are about).
import { ERP, SUPERVISOR, type Ctx } from '../mes/stores'

export type MaterialCommand = 'define' | 'receive' | 'split' | 'merge' | 'consume' | 'produce'

/** Sends one command (with `who`: the person or system doing it) through the front door under test. */
export type SendMaterialCommand = (command: MaterialCommand, input: Record<string, unknown>) => Promise<void>

async function runningJob (c: Ctx, orderNumber: string, material: string, components: Array<[string, number, string]>, workUnit: string): Promise<string> {
  await c.mes.workOrders.create({
    orderNumber, material, quantity: 2, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z',
    operations: [{ sequence: 10, workCenter: 'WC-ASSY' }],
    materials: components.map(([m, quantity, unit], i) => ({ item: i + 1, material: m, quantity, unit, operationSequence: 10 }))
  }, ERP)
  await c.mes.workOrders.release(orderNumber, SUPERVISOR)
  const job = await c.mes.dispatch.dispatchOperation(orderNumber, 10, workUnit, SUPERVISOR)
  await c.mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
  return job.jobId
}

export async function buildThreeLevels (c: Ctx, send: SendMaterialCommand): Promise<void> {
  for (const d of [{ material: 'RM-STEEL', unit: 'KG' }, { material: 'RM-BOLT', unit: 'PCE' }, { material: 'SA-BRACKET', unit: 'PCE' },
    { material: 'FG-UNIT', unit: 'PCE' }]) await send('define', { ...d, who: 'erp:SAP-PRD' })
  await send('receive', { lotId: 'S-1', material: 'RM-STEEL', quantity: 100, unit: 'KG', who: 'wms:WH1' })
  await send('receive', { lotId: 'B-1', material: 'RM-BOLT', quantity: 50, unit: 'PCE', who: 'wms:WH1' })
  await send('receive', { lotId: 'B-2', material: 'RM-BOLT', quantity: 50, unit: 'PCE', who: 'wms:WH1' })
  await send('split', { lotId: 'S-1', into: [{ lotId: 'S-1.1', quantity: 40 }, { lotId: 'S-1.2', quantity: 30 }], who: 'wms:WH1' })
  await send('merge', { lotIds: ['B-1', 'B-2'], into: 'B-M', who: 'wms:WH1' })

  const bracketA = await runningJob(c, '600', 'SA-BRACKET', [['RM-STEEL', 40, 'KG'], ['RM-BOLT', 20, 'PCE']], 'PRESS-1')
  await send('consume', { jobId: bracketA, who: 'op.olga', lotId: 'S-1.1', quantity: 20 })
  await send('consume', { jobId: bracketA, who: 'op.olga', lotId: 'B-M', quantity: 8 })
  await send('produce', { jobId: bracketA, who: 'op.olga', material: 'SA-BRACKET', serials: ['SA-1', 'SA-2'] })
  c.clock.advance(30)
  const bracketB = await runningJob(c, '601', 'SA-BRACKET', [['RM-STEEL', 40, 'KG'], ['RM-BOLT', 20, 'PCE']], 'PRESS-2')
  await send('produce', { jobId: bracketB, who: 'op.pete', material: 'SA-BRACKET', serials: ['SA-3'] })
  await send('consume', { jobId: bracketB, who: 'op.pete', lotId: 'S-1.2', quantity: 10 })
  await send('consume', { jobId: bracketB, who: 'op.pete', lotId: 'B-M', quantity: 4 })
  c.clock.advance(30)
  const unit1 = await runningJob(c, '700', 'FG-UNIT', [['SA-BRACKET', 2, 'PCE']], 'ASSY-1')
  await send('consume', { jobId: unit1, who: 'op.anna', serial: 'SA-1' })
  await send('consume', { jobId: unit1, who: 'op.anna', serial: 'SA-3' })
  await send('produce', { jobId: unit1, who: 'op.anna', material: 'FG-UNIT', serials: ['FG-1'] })
  const unit2 = await runningJob(c, '701', 'FG-UNIT', [['SA-BRACKET', 2, 'PCE']], 'ASSY-2')
  await send('consume', { jobId: unit2, who: 'op.anna', serial: 'SA-2' })
  await send('produce', { jobId: unit2, who: 'op.anna', material: 'FG-UNIT', serials: ['FG-2'] })
}

/** What a backward trace of FG-1 reaches: both of its brackets, their sublots and the merged lot, and what those came from. */
export const BACKWARD_FROM_FG1 = [
  'lot B-1', 'lot B-2', 'lot B-M', 'lot S-1', 'lot S-1.1', 'lot S-1.2', 'serial FG-1', 'serial SA-1', 'serial SA-3'
].sort()

/** What a forward trace of S-1 reaches: its sublots, the three brackets made of them and both finished units. */
export const FORWARD_FROM_S1 = [
  'lot S-1', 'lot S-1.1', 'lot S-1.2', 'serial FG-1', 'serial FG-2', 'serial SA-1', 'serial SA-2', 'serial SA-3'
].sort()

/** A forward trace of the bolt lot B-2: the merged lot, the brackets it went into, and both units. */
export const FORWARD_FROM_B2 = ['lot B-2', 'lot B-M', 'serial FG-1', 'serial FG-2', 'serial SA-1', 'serial SA-2', 'serial SA-3'].sort()

export const nodeIds = (t: { nodes: Array<{ kind: string, id: string }> }): string[] => t.nodes.map((n) => `${n.kind} ${n.id}`).sort()

/** The links, as a set: type, from, to, job and who (the job ids are the service's). */
export const linkSet = (links: Array<{ type: string, from: { id: string }, to: { id: string }, who: string, quantity: number | null }>): string[] =>
  links.map((l) => `${l.type} ${l.from.id}->${l.to.id} ${l.quantity ?? '-'} by ${l.who}`).sort()
