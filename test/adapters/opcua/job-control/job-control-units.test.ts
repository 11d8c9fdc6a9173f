import assert from 'node:assert/strict'
import path from 'node:path'
import { loadPlantModel } from '../../../../plant/load-plant-model'
import { jobControlUnits } from '../../../../adapters/opcua/job-control/job-control-units'

const DEMO_PLANT = path.join(__dirname, '..', '..', '..', '..', '..', 'plant', 'demo-plant.yaml')

describe('which work units get OPC UA job control', function () {
  it('every work unit with an SAP work center code, by that code; work centers and units without one get none', function () {
    const units = jobControlUnits(loadPlantModel(DEMO_PLANT))
    assert.deepEqual(units.map((u) => [u.workUnit, u.topic]), [
      ['PRESS01', 'acme/dallas/press-shop/line-1/press-1'],
      ['PRESS02', 'acme/dallas/press-shop/line-1/press-2'],
      ['ASSYA10', 'acme/dallas/assembly/line-a/station-10'],
      ['ASSYA20', 'acme/dallas/assembly/line-a/station-20']
    ])
    assert.ok(units.every((u) => u.equipment.level === 'workUnit'))
  })
})
