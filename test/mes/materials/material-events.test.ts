// Material events (Materials.onEvent), on both stores: each committed receive, status change, consumption,
// production, split and merge is announced once with the lots as they are after it; a refusal or a retried
// consumption already applied announces nothing; a listener that throws is reported and the change stays. Plus
// Materials.bomRemainder, which a barcode scan without a quantity consumes.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { frameOrder } from './fixture'
import { MaterialRefusedError } from '../../../mes/errors'
import type { MaterialEvent } from '../../../mes/service'

forEachStore('material events', (ctx) => {
  it('announces every committed change once, after it committed, with the lots as they are', async () => {
    const { mes } = ctx()
    const { cutJob } = await frameOrder(ctx())
    const seen: MaterialEvent[] = []
    mes.materials.onEvent((e) => seen.push(e))

    await mes.materials.receiveLot({ lotId: 'T-9', material: 'RM-TUBE', quantity: 100, unit: 'M', who: 'wms:WH1' })
    await mes.materials.setLotStatus('T-9', { status: 'on-hold', who: 'qms:QM1', why: 'wall thickness' })
    await mes.materials.setLotStatus('T-9', { status: 'released', who: 'qms:QM1', why: 'measured again' })
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-9', quantity: 40, eventId: 'e-1' })
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-9', quantity: 40, eventId: 'e-1' }) // a retry: nothing new
    await assert.rejects(mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'W-1', quantity: 1 }), MaterialRefusedError)
    await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 1 })
    await mes.materials.split({ lotId: 'T-9', into: [{ lotId: 'T-9a', quantity: 20 }], who: 'wms:WH1' })
    await mes.materials.merge({ lotIds: ['T-9', 'T-9a'], into: 'T-9m', who: 'wms:WH1' })

    assert.deepEqual(seen.map((e) => e.kind), ['lot-received', 'lot-status', 'lot-status', 'consumed', 'produced', 'lot-split', 'lot-merged'])
    const [received, held, , consumed, produced, split, merged] = seen as [
      Extract<MaterialEvent, { kind: 'lot-received' }>, Extract<MaterialEvent, { kind: 'lot-status' }>, unknown,
      Extract<MaterialEvent, { kind: 'consumed' }>, Extract<MaterialEvent, { kind: 'produced' }>,
      Extract<MaterialEvent, { kind: 'lot-split' }>, Extract<MaterialEvent, { kind: 'lot-merged' }>]
    assert.deepEqual([received.lot.quantity, received.who], [100, 'wms:WH1'])
    assert.deepEqual([held.from, held.lot.status, held.why, held.who], ['released', 'on-hold', 'wall thickness', 'qms:QM1'])
    assert.deepEqual([consumed.actual.quantity, consumed.lot?.quantity, consumed.actual.jobId, consumed.who], [40, 60, cutJob, 'op.olga'])
    assert.deepEqual(produced.serials.map((s) => s.serial), ['FR-500-20250303-0001'])
    assert.deepEqual(produced.links.map((l) => l.from.id), ['T-9'])
    assert.deepEqual([split.lot.quantity, split.sublots.map((l) => [l.lotId, l.quantity])], [40, [['T-9a', 20]]])
    assert.deepEqual([merged.lot.lotId, merged.lot.quantity, merged.sources.map((l) => [l.lotId, l.status])],
      ['T-9m', 60, [['T-9', 'consumed'], ['T-9a', 'consumed']]])
    assert.deepEqual(await mes.materials.lot('T-9m'), merged.lot, 'the event carries the committed lot')
  })

  it('a listener that throws is reported and undoes nothing; the other listeners still hear', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    const reported: string[] = []
    const heard: string[] = []
    mes.materials.onListenerError((err, e) => reported.push(`${e.kind}: ${(err as Error).message}`))
    mes.materials.onEvent(() => { throw new Error('listener broke') })
    const off = mes.materials.onEvent((e) => heard.push(e.kind))
    await mes.materials.setLotStatus('P-1', { status: 'blocked', who: 'qms:QM1', why: 'contaminated' })
    assert.deepEqual(reported, ['lot-status: listener broke'])
    assert.deepEqual(heard, ['lot-status'])
    assert.equal((await mes.materials.lot('P-1')).status, 'blocked')
    off()
    await mes.materials.setLotStatus('P-1', { status: 'released', who: 'qms:QM1', why: 'cleaned' })
    assert.deepEqual(heard, ['lot-status'], 'unsubscribed')
  })

  it('bomRemainder: what the order still needs of a component (or an alternate of it) at the job\'s operation', async () => {
    const { mes } = ctx()
    const { cutJob, weldJob } = await frameOrder(ctx())
    assert.deepEqual(await mes.materials.bomRemainder(cutJob, 'RM-TUBE'), { item: 1, material: 'RM-TUBE', quantity: 400, unit: 'M' })
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 300 })
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'TB-1', quantity: 50 })
    // The alternate counts against item 1, and asking for it names the component.
    assert.deepEqual(await mes.materials.bomRemainder(cutJob, 'RM-TUBE-B'), { item: 1, material: 'RM-TUBE', quantity: 50, unit: 'M' })
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-2', quantity: 60 }) // within the 5 % tolerance
    assert.equal((await mes.materials.bomRemainder(cutJob, 'RM-TUBE'))?.quantity, 0, 'never below 0')
    assert.equal(await mes.materials.bomRemainder(cutJob, 'RM-WIRE'), null, 'a component of operation 20, not of 10')
    assert.equal((await mes.materials.bomRemainder(weldJob, 'RM-WIRE'))?.quantity, 5)
    assert.equal(await mes.materials.bomRemainder(cutJob, 'RM-PAINT'), null)
  })
})
