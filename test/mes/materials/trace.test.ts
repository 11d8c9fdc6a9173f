// Backward and forward trace on both stores, over a three-level product built through the service: raw lots ->
// bracket serials -> finished serials, with a steel lot split in two and two bolt lots merged into one. The
// genealogy is a DAG: the merged bolt lot feeds three brackets, finished unit FG-1 holds two brackets, so lots and
// serials are reached by several paths and must appear once. Then a cycle (bad data) and the limits.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { threeLevels } from './three-levels'
import { TraceLimitError, NotFoundError } from '../../../mes/errors'
import { ValidationError } from '../../../core/errors'
import type { GenealogyLink, TraceResult } from '../../../mes/materials/types'

const edgeSet = (t: TraceResult): string[] => t.edges.map((l) => `${l.type} ${l.from.id}->${l.to.id}`).sort()
const nodeSet = (t: TraceResult): string[] => t.nodes.map((n) => `${n.kind} ${n.id} @${n.depth}`).sort()

function assertDag (t: TraceResult): void {
  const ids = t.nodes.map((n) => `${n.kind} ${n.id}`)
  assert.equal(new Set(ids).size, ids.length, 'each lot or serial once')
  assert.equal(new Set(t.edges.map((l) => l.id)).size, t.edges.length, 'each link once')
  assert.deepEqual(t.list.map((e) => e.node), t.nodes, 'the flat list holds the nodes in order')
  assert.deepEqual(t.list.flatMap((e) => e.via).map((l) => l.id).sort((a, b) => a - b), t.edges.map((l) => l.id),
    'each edge in the flat list once, under the node it leads to')
}

forEachStore('genealogy trace', (ctx) => {
  it('traces a finished serial backward through brackets, the merged bolt lot and the split steel lot, each once', async () => {
    const c = ctx()
    const jobs = await threeLevels(c)
    const t = await c.mes.materials.trace({ direction: 'backward', serial: 'FG-1' })
    assert.deepEqual(t.start, { kind: 'serial', id: 'FG-1' })
    assert.deepEqual(nodeSet(t), [
      'lot B-1 @3', 'lot B-2 @3', 'lot B-M @2', 'lot S-1 @3', 'lot S-1.1 @2', 'lot S-1.2 @2',
      'serial FG-1 @0', 'serial SA-1 @1', 'serial SA-3 @1'
    ].sort())
    assert.deepEqual(edgeSet(t), [
      'consumption SA-1->FG-1', 'consumption SA-3->FG-1',
      'consumption S-1.1->SA-1', 'consumption B-M->SA-1', 'consumption S-1.2->SA-3', 'consumption B-M->SA-3',
      'split S-1->S-1.1', 'split S-1->S-1.2', 'merge B-1->B-M', 'merge B-2->B-M'
    ].sort())
    assertDag(t)
    // Each step says which job, operation, work unit, person and time.
    const step = t.edges.find((l) => l.from.id === 'S-1.2' && l.to.id === 'SA-3')!
    assert.deepEqual([step.jobId, step.orderNumber, step.sequence, step.workUnit, step.who, step.quantity, step.unit, step.at],
      [jobs.bracketB, '601', 10, 'PRESS-2', 'op.pete', 10, 'KG', '2025-03-03T06:30:00.000Z'])
    const bm = t.nodes.find((n) => n.id === 'B-M')!
    assert.deepEqual([bm.material, bm.quantity, bm.unit, bm.status, bm.depth], ['RM-BOLT', 88, 'PCE', 'released', 2])
    const sa1 = t.nodes.find((n) => n.id === 'SA-1')!
    assert.deepEqual([sa1.material, sa1.quantity, sa1.unit, sa1.status], ['SA-BRACKET', 1, 'PCE', 'consumed'])
    assert.deepEqual(t.nodes.find((n) => n.id === 'S-1.1')!.lotId, 'S-1', 'a sublot names its parent')
    // The flat list: start first, then by depth; B-M is reached from SA-1 and SA-3, both links under it.
    assert.deepEqual(t.list[0]!.node.id, 'FG-1')
    assert.deepEqual(t.list[0]!.via, [])
    assert.deepEqual(t.list.find((e) => e.node.id === 'B-M')!.via.map((l: GenealogyLink) => l.to.id).sort(), ['SA-1', 'SA-3'])
    assert.deepEqual(t.list.map((e) => e.node.depth), [...t.list.map((e) => e.node.depth)].sort((a, b) => a - b))
  })

  it('traces a raw lot forward to every finished serial, each once', async () => {
    const c = ctx()
    await threeLevels(c)
    const steel = await c.mes.materials.trace({ direction: 'forward', lotId: 'S-1' })
    assert.deepEqual(nodeSet(steel), [
      'lot S-1 @0', 'lot S-1.1 @1', 'lot S-1.2 @1', 'serial SA-1 @2', 'serial SA-2 @2', 'serial SA-3 @2', 'serial FG-1 @3', 'serial FG-2 @3'
    ].sort())
    assert.deepEqual(edgeSet(steel), [
      'split S-1->S-1.1', 'split S-1->S-1.2', 'consumption S-1.1->SA-1', 'consumption S-1.1->SA-2', 'consumption S-1.2->SA-3',
      'consumption SA-1->FG-1', 'consumption SA-3->FG-1', 'consumption SA-2->FG-2'
    ].sort())
    assertDag(steel)
    assert.deepEqual(steel.list.find((e) => e.node.id === 'FG-1')!.via.map((l) => l.from.id).sort(), ['SA-1', 'SA-3'])

    const bolt = await c.mes.materials.trace({ direction: 'forward', lotId: 'B-2' })
    assert.deepEqual(nodeSet(bolt), [
      'lot B-2 @0', 'lot B-M @1', 'serial SA-1 @2', 'serial SA-2 @2', 'serial SA-3 @2', 'serial FG-1 @3', 'serial FG-2 @3'
    ].sort())
    assertDag(bolt)
    // A finished serial goes into nothing (yet); the sublot S-1.2 only into SA-3 and FG-1.
    assert.deepEqual(nodeSet(await c.mes.materials.trace({ direction: 'forward', serial: 'FG-2' })), ['serial FG-2 @0'])
    assert.deepEqual(nodeSet(await c.mes.materials.trace({ direction: 'forward', lotId: 'S-1.2' })),
      ['lot S-1.2 @0', 'serial SA-3 @1', 'serial FG-1 @2'].sort())
    // Backward from a raw lot: nothing went into it.
    assert.deepEqual(edgeSet(await c.mes.materials.trace({ direction: 'backward', lotId: 'B-1' })), [])
  })

  it('ends on a cycle in bad data, each node once', async () => {
    const c = ctx()
    await threeLevels(c)
    // No command makes a cycle; a hand-written row (an import gone wrong) may.
    await c.store.transaction(async (tx) => await tx.run(`INSERT INTO genealogy_links (link_type, from_kind, from_id, to_kind, to_id, who, at)
      VALUES ('consumption', 'serial', 'FG-1', 'lot', 'S-1', 'import', '2025-03-03T08:00:00.000Z')`))
    const t = await c.mes.materials.trace({ direction: 'forward', lotId: 'S-1' })
    assert.deepEqual(nodeSet(t), [
      'lot S-1 @0', 'lot S-1.1 @1', 'lot S-1.2 @1', 'serial SA-1 @2', 'serial SA-2 @2', 'serial SA-3 @2', 'serial FG-1 @3', 'serial FG-2 @3'
    ].sort())
    assert.ok(edgeSet(t).includes('consumption FG-1->S-1'))
    assertDag(t)
    const back = await c.mes.materials.trace({ direction: 'backward', serial: 'FG-1' })
    assert.equal(back.nodes.length, 9)
    assertDag(back)
  })

  it('refuses a trace over its size or depth limit, an unknown start and a malformed query, clearly', async () => {
    const c = ctx()
    await threeLevels(c)
    const m = c.mes.materials
    assert.equal((await m.trace({ direction: 'backward', serial: 'FG-1', maxNodes: 9, maxDepth: 3 })).nodes.length, 9, 'exactly at the limits')
    await assert.rejects(m.trace({ direction: 'backward', serial: 'FG-1', maxNodes: 8 }), (err: unknown) =>
      err instanceof TraceLimitError && err.code === 'MES_TRACE_LIMIT' &&
      err.message === 'backward trace of serial FG-1: the trace reaches more than 8 lots and serials (narrow the trace (a sublot, a serial) or raise maxNodes / maxDepth)')
    await assert.rejects(m.trace({ direction: 'backward', serial: 'FG-1', maxDepth: 2 }), (err: unknown) =>
      err instanceof TraceLimitError && /backward trace of serial FG-1: the trace is deeper than 2 links/.test(err.message))
    await assert.rejects(m.trace({ direction: 'forward', lotId: 'NOPE' }), (err: unknown) => err instanceof NotFoundError && /lot NOPE not found/.test(err.message))
    await assert.rejects(m.trace({ direction: 'sideways', lotId: 'S-1' }), ValidationError)
    await assert.rejects(m.trace({ direction: 'forward', lotId: 'S-1', serial: 'FG-1' }), ValidationError)
  })
})
