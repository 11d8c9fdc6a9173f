// A work unit's supply location in the plant model: where the WMS stages its material (SAP EWM's production supply
// area). Optional; a unit without one is staged to under its own code (mes/logistics).
import assert from 'node:assert/strict'
import { ValidationError } from '../../core/errors'
import { parsePlantModel } from '../../plant/load-plant-model'

const plant = (unit: string): string => `version: 1
enterprise: { id: acme, name: ACME }
sites:
  - id: dallas
    name: Dallas
    areas:
      - id: press-shop
        name: Press shop
        workCenters:
          - id: line-1
            name: Line 1
            kind: ProductionLine
            workUnits:
              - ${unit}
              - { id: press-2, name: Press 2, kind: WorkCell }
`

describe('a work unit\'s supply location', () => {
  it('is read from the plant model, and absent on a unit that names none', () => {
    const model = parsePlantModel(plant('{ id: press-1, name: Press 1, kind: WorkCell, supplyLocation: PSA-PRESS-1 }'), 'plant.yaml')
    assert.equal(model.byTopic('acme/dallas/press-shop/line-1/press-1')?.supplyLocation, 'PSA-PRESS-1')
    assert.equal(model.byTopic('acme/dallas/press-shop/line-1/press-2')?.supplyLocation, undefined)
  })

  it('refuses an empty one, naming where', () => {
    assert.throws(() => parsePlantModel(plant('{ id: press-1, name: Press 1, kind: WorkCell, supplyLocation: "" }'), 'plant.yaml'),
      (err: unknown) => err instanceof ValidationError && err.problems.some((p) => p.path.endsWith('/workUnits/0/supplyLocation')))
  })
})
