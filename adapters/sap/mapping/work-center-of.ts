// SAP's work center (ARBPL) as the MES's: in SAP a work center is often the machine itself, which the plant model
// binds as a work unit (press 1 is SAP work center PRESS01, under line PRESSL1). The MES dispatches an operation of
// a work center to one of its units, so an operation on a code the model binds to a work unit goes to that unit's
// work center; codes bound to a work center, or not bound at all, stay as SAP sent them.
import type { PlantModel } from '../../../plant/plant-model'
import type { WorkOrderInput } from '../../../mes/model/types'

export function mesWorkCenter (model: PlantModel, plant: string | undefined, arbpl: string): string {
  const bound = plant !== undefined ? model.bySapWorkCenter(plant, arbpl) : [...model.walk()].find((e) => e.bindings.sap?.workCenter === arbpl)
  if (bound?.level !== 'workUnit') return arbpl
  return bound.parent?.bindings.sap?.workCenter ?? arbpl
}

/** The order with each operation's work center as the MES knows it (see mesWorkCenter). */
export function onPlantModel (order: WorkOrderInput, model: PlantModel, plant: string | undefined): WorkOrderInput {
  return { ...order, operations: order.operations.map((op) => ({ ...op, workCenter: mesWorkCenter(model, plant, op.workCenter) })) }
}
