// Holds in the as-built record, on both stores: the holds placed and released on the lots that went into a finished
// lot and on the order that made it, with who, when, why, who released them and why; in its B2MML as properties of
// the lot's MaterialLot (the export valid against MESA's schema).
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { frameOrder } from '../materials/fixture'

forEachStore('holds in the as-built record', (ctx) => {
  it('shows the holds of its lots and its order, released or not, in the record and in its B2MML', async () => {
    const { mes, clock } = ctx()
    const { cutJob } = await frameOrder(ctx())
    const placedAt = clock.advance(1)
    await mes.holds.place({ holdId: 'QN-31', target: { kind: 'lot', id: 'T-1' }, reason: 'ovality out of spec', who: 'qms:SAP-QM', source: 'qms', reference: '200000031' })
    const releasedAt = clock.advance(30)
    await mes.holds.release('QN-31', { who: 'qa.quinn', why: 'usage decision: use as is' })
    await mes.holds.place({ holdId: 'NC-5', target: { kind: 'order', id: '500' }, reason: 'first article check', who: 'qa.quinn', source: 'nonconformance' })
    await mes.holds.place({ holdId: 'QN-99', target: { kind: 'lot', id: 'P-1' }, reason: 'not in this record', who: 'qa.quinn' })
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 100 })
    await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', lotId: 'FR-L1', quantity: 1 })

    const r = await mes.materials.asBuilt({ lotId: 'FR-L1' })
    const ours = r.holds.filter((h) => h.holdId !== undefined)
    assert.deepEqual(ours, [
      {
        target: { kind: 'lot', id: 'T-1' }, status: 'released', reason: 'ovality out of spec', by: 'qms:SAP-QM', at: placedAt,
        holdId: 'QN-31', source: 'qms', reference: '200000031', releasedBy: 'qa.quinn', releasedAt, releaseWhy: 'usage decision: use as is'
      },
      { target: { kind: 'order', id: '500' }, status: 'on-hold', reason: 'first article check', by: 'qa.quinn', at: releasedAt, holdId: 'NC-5', source: 'nonconformance' }
    ])

    const doc = await mes.materials.asBuiltB2mml({ lotId: 'FR-L1' })
    const json = JSON.stringify(doc)
    assert.match(json, /"holdId"/)
    assert.match(json, /QN-31/)
    assert.match(json, /usage decision: use as is/)
    const xml = await mes.materials.asBuiltB2mmlXml({ lotId: 'FR-L1' })
    assert.match(xml, /QN-31/)
  })
})
