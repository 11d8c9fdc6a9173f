import assert from 'node:assert/strict'
import path from 'node:path'
import { loadPlantModel } from '../../plant/load-plant-model'
import { PlantModel, sapPlantOf } from '../../plant/plant-model'

const DEMO_PLANT = path.join(__dirname, '..', '..', 'plant', 'demo-plant.yaml')

describe('the plant model index', () => {
  const model = loadPlantModel(DEMO_PLANT)

  it('finds equipment by topic path and by path of ids, with level, kind, parent and children', () => {
    const press = model.byTopic('acme/dallas/press-shop/line-1/press-1')
    assert.ok(press)
    assert.equal(press.level, 'workUnit')
    assert.equal(press.kind, 'WorkCell')
    assert.deepEqual(press.path, ['acme', 'dallas', 'press-shop', 'line-1', 'press-1'])
    assert.equal(press.parent?.topic, 'acme/dallas/press-shop/line-1')
    assert.equal(press.parent?.level, 'workCenter')
    assert.deepEqual(press.parent?.children.map((c) => c.id), ['press-1', 'press-2'])
    assert.equal(model.byPath(['acme', 'dallas', 'press-shop', 'line-1', 'press-1']), press)
    assert.equal(model.byPath(['acme', 'dallas', 'nowhere']), undefined)
    assert.equal(model.byTopic('acme/dallas/nowhere'), undefined)
    assert.equal(model.byTopic('acme')?.level, 'enterprise')
  })

  it('finds equipment by SAP work center, inheriting the plant from the site', () => {
    const press = model.bySapWorkCenter('1000', 'PRESS01')
    assert.equal(press?.topic, 'acme/dallas/press-shop/line-1/press-1')
    assert.deepEqual(press?.bindings.sap, { plant: '1000', workCenter: 'PRESS01' })
    assert.equal(model.bySapWorkCenter('2000', 'PRESS01'), undefined)
    assert.equal(model.bySapPlant('1000')?.topic, 'acme/dallas')
    assert.equal(sapPlantOf(model.byTopic('acme/dallas/assembly')), '1000')
  })

  it('finds equipment by Sparkplug group, edge node and device', () => {
    assert.equal(model.bySparkplug('dallas', 'press-line-1')?.topic, 'acme/dallas/press-shop/line-1')
    assert.equal(model.bySparkplug('dallas', 'press-line-1', 'press-2')?.topic, 'acme/dallas/press-shop/line-1/press-2')
    assert.equal(model.bySparkplug('dallas', 'press-line-1', 'press-9'), undefined)
    // An unbound device's data belongs to its edge node's equipment.
    assert.equal(model.sparkplugOwner('dallas', 'press-line-1', 'press-9')?.topic, 'acme/dallas/press-shop/line-1')
    assert.equal(model.sparkplugOwner('dallas', 'nobody'), undefined)
  })

  it('walks every node once, parents before children, in file order', () => {
    const all = [...model.walk()]
    assert.equal(all.length, model.size)
    assert.equal(new Set(all).size, all.length)
    for (const e of all) {
      if (e.parent) assert.ok(all.indexOf(e.parent) < all.indexOf(e), `${e.parent.topic} before ${e.topic}`)
    }
    const line1 = model.byTopic('acme/dallas/press-shop/line-1')
    assert.ok(line1)
    assert.deepEqual([...model.walk(line1)].map((e) => e.id), ['line-1', 'press-1', 'press-2'])
  })

  it('refuses to build a hand-made document with a binding used twice', () => {
    const unit = { id: 'u', name: 'U', kind: 'WorkCell' as const, sparkplug: { groupId: 'g', edgeNodeId: 'n' } }
    assert.throws(() => new PlantModel({
      version: 1,
      enterprise: { id: 'acme', name: 'ACME' },
      sites: [{ id: 's', name: 'S', areas: [{ id: 'a', name: 'A', workCenters: [{ id: 'w', name: 'W', kind: 'ProductionLine', workUnits: [unit, { ...unit, id: 'v' }] }] }] }]
    }, 'hand-made'), /Sparkplug binding 'g\/n' is used twice/)
  })
})
