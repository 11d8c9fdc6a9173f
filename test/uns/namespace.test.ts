// The namespace tree: last values by topic, browse by path, and the count per kind of source that a source's own
// limit reads (sparkplug.maxTopics counts Sparkplug topics, not what the MES or a flow published).
import assert from 'node:assert/strict'
import { Namespace, sourceKind, type NamespaceEntry } from '../../uns/namespace'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'

function entry (tag: string, source: string, value: unknown = 1): NamespaceEntry {
  return { topic: `${PRESS_1}/measurements/${tag}`, equipment: PRESS_1, kind: 'measurements', tag, datatype: 'Double', value, timestamp: 1, quality: 'GOOD', source }
}

describe('namespace tree', function () {
  it('names the kind of a source by what comes before its first / or :', function () {
    assert.deepEqual(['spBv1.0/dallas/press-line-1#Speed', 'flow:node-1', 'mes:uns-bridge', 'plain'].map(sourceKind), ['spBv1.0', 'flow', 'mes', 'plain'])
  })

  it('counts entries per kind of source through adds, replacements by another source and deletions', function () {
    const ns = new Namespace()
    ns.set(entry('speed', 'spBv1.0/dallas/press-line-1/press-1#Speed'))
    ns.set(entry('force', 'spBv1.0/dallas/press-line-1/press-1#Force'))
    ns.set(entry('note', 'flow:node-1'))
    assert.deepEqual([ns.size, ns.sizeOf('spBv1.0'), ns.sizeOf('flow'), ns.sizeOf('mes')], [3, 2, 1, 0])
    ns.set(entry('note', 'spBv1.0/dallas/press-line-1/press-1#Note'))
    assert.deepEqual([ns.size, ns.sizeOf('spBv1.0'), ns.sizeOf('flow')], [3, 3, 0])
    ns.delete(`${PRESS_1}/measurements/speed`)
    assert.deepEqual([ns.size, ns.sizeOf('spBv1.0')], [2, 2])
    assert.equal(ns.delete(`${PRESS_1}/measurements/speed`), false, 'a second delete changes nothing')
    assert.equal(ns.sizeOf('spBv1.0'), 2)
  })

  it('browses by level and prunes the levels a deletion leaves empty', function () {
    const ns = new Namespace()
    ns.set(entry('speed', 'flow:a', 10))
    ns.set({ ...entry('x', 'flow:a'), topic: 'acme/dallas/state/mode', equipment: 'acme/dallas', kind: 'state', tag: 'mode', value: 'AUTO' })
    assert.deepEqual(ns.browse('').map((c) => [c.name, c.children]), [['acme', 1]])
    assert.deepEqual(ns.browse('acme/dallas').map((c) => [c.name, c.children]), [['press-shop', 1], ['state', 1]])
    assert.deepEqual(ns.browse(`${PRESS_1}/measurements`).map((c) => [c.name, c.entry?.value]), [['speed', 10]])
    ns.delete(`${PRESS_1}/measurements/speed`)
    assert.deepEqual(ns.browse('acme/dallas').map((c) => c.name), ['state'], 'press-shop went with its last topic')
    assert.deepEqual(ns.browse(`${PRESS_1}/measurements`), [])
  })
})
