import assert from 'node:assert/strict'
import path from 'node:path'
import { HubError } from '../../core/errors'
import { loadPlantModel } from '../../plant/load-plant-model'
import { DATA_KINDS, DATA_KIND_NAMES, isDataKind, parseUnsTopic, unsTopic } from '../../plant/uns-topic'

const DEMO_PLANT = path.join(__dirname, '..', '..', 'plant', 'demo-plant.yaml')

describe('UNS topics', () => {
  const model = loadPlantModel(DEMO_PLANT)

  function accepted (topic: string): { equipment: string, kind: string, tag: string } {
    const r = parseUnsTopic(model, topic)
    assert.ok(r.ok, `'${topic}' should be accepted: ${r.ok ? '' : r.reason}`)
    return { equipment: r.equipment.topic, kind: r.kind, tag: r.tag }
  }

  function rejected (topic: string): { reason: string, notUns: boolean } {
    const r = parseUnsTopic(model, topic)
    assert.ok(!r.ok, `'${topic}' should be rejected`)
    return { reason: r.reason, notUns: r.notUns }
  }

  it('lists eight data kinds, each with a meaning', () => {
    assert.deepEqual(DATA_KIND_NAMES, ['measurements', 'state', 'events', 'orders', 'commands', 'alarms', 'quality', 'materials'])
    for (const k of DATA_KIND_NAMES) assert.ok(DATA_KINDS[k].length > 10)
    assert.ok(isDataKind('alarms'))
    assert.ok(!isDataKind('alarm'))
  })

  it('a publish to a work unit is split into equipment, data kind and tag', () => {
    assert.deepEqual(accepted('acme/dallas/press-shop/line-1/press-1/measurements/hydraulic/pressure'),
      { equipment: 'acme/dallas/press-shop/line-1/press-1', kind: 'measurements', tag: 'hydraulic/pressure' })
  })

  it('data may belong to any level: enterprise, site, area or work center', () => {
    assert.deepEqual(accepted('acme/orders/backlog'), { equipment: 'acme', kind: 'orders', tag: 'backlog' })
    assert.deepEqual(accepted('acme/dallas/state/shift'), { equipment: 'acme/dallas', kind: 'state', tag: 'shift' })
    assert.deepEqual(accepted('acme/dallas/assembly/events/andon'), { equipment: 'acme/dallas/assembly', kind: 'events', tag: 'andon' })
    assert.deepEqual(accepted('acme/dallas/assembly/warehouse/materials/bin-4'), { equipment: 'acme/dallas/assembly/warehouse', kind: 'materials', tag: 'bin-4' })
  })

  it('a tag may repeat a data kind word below the data kind', () => {
    assert.equal(accepted('acme/dallas/quality/state/last').tag, 'state/last')
  })

  it('an unknown equipment segment is named with the node it is under and what exists there', () => {
    assert.equal(rejected('acme/dallas/paint-shop/measurements/temp').reason,
      "unknown equipment 'paint-shop' under 'acme/dallas' (its children are press-shop, assembly) and not a data kind (expected one of measurements, state, events, orders, commands, alarms, quality, materials)")
  })

  it('an unknown data kind after a work unit lists the data kinds', () => {
    assert.equal(rejected('acme/dallas/press-shop/line-1/press-1/measurement/tonnage').reason,
      "unknown data kind 'measurement' after 'acme/dallas/press-shop/line-1/press-1' (expected one of measurements, state, events, orders, commands, alarms, quality, materials)")
  })

  it('a topic of equipment only says the data kind is missing', () => {
    assert.match(rejected('acme/dallas/press-shop').reason, /^missing data kind after 'acme\/dallas\/press-shop'/)
    assert.match(rejected('acme').reason, /^missing data kind after 'acme'/)
  })

  it('a topic that ends at the data kind says the tag is missing', () => {
    assert.match(rejected('acme/dallas/press-shop/line-1/state').reason, /^missing tag after 'acme\/dallas\/press-shop\/line-1\/state'/)
    assert.match(rejected('acme/dallas/press-shop/line-1/state/').reason, /^missing tag/)
  })

  it('empty levels are refused wherever they are', () => {
    for (const t of ['/acme/state/x', 'acme//state/x', 'acme/dallas/state/a//b', 'acme/dallas/state/a/']) {
      assert.match(rejected(t).reason, /^empty level at character \d+ of/, t)
    }
    assert.equal(rejected('').reason, 'empty topic')
  })

  it('a wildcard in a publish topic is refused', () => {
    assert.match(rejected('acme/+/state/x').reason, /wildcards \('\+', '#'\) are only allowed in subscriptions/)
    assert.match(rejected('acme/dallas/state/#').reason, /wildcards/)
  })

  it('a topic of another enterprise is refused, naming the hub\'s root', () => {
    assert.equal(rejected('globex/dallas/state/x').reason, "unknown enterprise 'globex': this hub's namespace starts with 'acme/'")
  })

  it('Sparkplug and system topics are not UNS topics and are marked so the broker lets them pass', () => {
    for (const t of ['spBv1.0/dallas/DDATA/press-line-1/press-1', 'spBv1.0/STATE/host', '$SYS/broker/uptime', '$hub/errors/x', '$sparkplug/certificates/x']) {
      const r = rejected(t)
      assert.equal(r.notUns, true, t)
    }
    assert.equal(rejected('acme/nowhere/state/x').notUns, false)
  })

  it('builds a topic from equipment, data kind and tag', () => {
    const press = model.byTopic('acme/dallas/press-shop/line-1/press-1')
    assert.ok(press)
    const topic = unsTopic(press, 'alarms', ['hydraulic', 'overpressure'])
    assert.equal(topic, 'acme/dallas/press-shop/line-1/press-1/alarms/hydraulic/overpressure')
    assert.deepEqual(accepted(topic), { equipment: press.topic, kind: 'alarms', tag: 'hydraulic/overpressure' })
    assert.throws(() => unsTopic(press, 'state', ''), (e: unknown) => e instanceof HubError && e.code === 'UNS_TOPIC')
    assert.throws(() => unsTopic(press, 'state', 'a/+'), /wildcard/)
    assert.throws(() => unsTopic(press, 'state', 'a//b'), /empty level/)
  })

  it('parses 100k topics in well under a second', () => {
    const topics = ['acme/dallas/press-shop/line-1/press-1/measurements/tonnage', 'spBv1.0/dallas/DDATA/press-line-1/press-1',
      'acme/dallas/assembly/line-a/station-20/state/mode', 'acme/dallas/nowhere/state/x']
    const start = process.hrtime.bigint()
    let ok = 0
    for (let i = 0; i < 100_000; i++) if (parseUnsTopic(model, topics[i & 3]).ok) ok++
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    assert.equal(ok, 50_000)
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`)
  })
})
