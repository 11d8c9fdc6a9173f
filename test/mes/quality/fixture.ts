// The fixture of the quality tests: order 500 of the material tests (cut job running at SAW-1 on op 10, weld job at
// ROBOT-1 on op 20, lots T-1 ... received) with the inspection plan SAP QM would send for it: inspection lot
// 010000000001 about lot T-1, a length in MM (99.5 ..100.5) and a visual check at op 10, a weld strength at op 20.
import type { Ctx } from '../stores'
import { frameOrder } from '../materials/fixture'

export const INSPECTION_LOT = '010000000001'

export const PLAN = {
  orderNumber: '500',
  inspectionLot: INSPECTION_LOT,
  lotId: 'T-1',
  who: 'sap-qm',
  operations: [
    {
      sequence: 10,
      characteristics: [
        { characteristic: '0010', description: 'cut length', kind: 'quantitative', unit: 'MM', lowerLimit: 99.5, upperLimit: 100.5, target: 100, defectCode: 'LEN-OOT' },
        { characteristic: '0020', description: 'surface', kind: 'qualitative', defectCode: 'SCRATCH' }
      ]
    },
    { sequence: 20, characteristics: [{ characteristic: '0010', description: 'weld strength', kind: 'quantitative', unit: 'N', lowerLimit: 300 }] }
  ]
}

export async function inspectedOrder (c: Ctx): Promise<{ cutJob: string, weldJob: string }> {
  const jobs = await frameOrder(c)
  await c.mes.quality.setInspectionPlan(PLAN)
  return jobs
}

/** What a refused command must leave as it was: results, nonconformances, holds, the lots and the audit trail. */
export async function qualityState (c: Ctx): Promise<string> {
  const { mes } = c
  return JSON.stringify({
    results: await mes.quality.resultsOf({ orderNumber: '500' }),
    ncs: await mes.quality.listNonconformances(),
    lots: await Promise.all(['T-1', 'T-2'].map(async (id) => await mes.materials.lot(id))),
    inspectionLot: await mes.quality.inspectionLot(INSPECTION_LOT),
    audit: (await mes.audit.query({ limit: 100000 })).length
  })
}
