// Which work units get job control: those the MES knows by an SAP work center code (plant model `sap.workCenter` on
// the work unit), since the MES names a job's work unit by that code. The server adds the equipment object of each
// (the parent of its receiver and provider) when it installs job control.
import type { Equipment, PlantModel } from '../../../plant/plant-model'

export interface JobControlCandidate {
  readonly equipment: Equipment
  /** The unit's topic prefix in the namespace. */
  readonly topic: string
  /** The MES's code of the unit (its `sap.workCenter`). */
  readonly workUnit: string
}

/** The work units with an SAP work center code, in plant model order. */
export function jobControlUnits (model: PlantModel): JobControlCandidate[] {
  const units: JobControlCandidate[] = []
  for (const e of model.walk()) {
    const code = e.bindings.sap?.workCenter
    if (e.level === 'workUnit' && code !== undefined) units.push({ equipment: e, topic: e.topic, workUnit: code })
  }
  return units
}
