// Quality on both stores: the inspection plan SAP QM sends, results evaluated against inclusive limits, every
// refusal changing nothing, an out-of-spec result that opens a nonconformance and holds its lot so that it cannot
// be consumed, the dispositions (use as is -> released -> consumed), the usage decision once, idempotent retries.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../stores'
import { INSPECTION_LOT, PLAN, inspectedOrder, qualityState } from './fixture'
import { MaterialRefusedError, NotFoundError, QualityRefusedError } from '../../../mes/errors'
import { ValidationError } from '../../../core/errors'
import { activeHoldsOn } from '../../../mes/holds/hold-writes'
import type { QualityEvent } from '../../../mes/service'

const holdsOn = async (c: Ctx, kind: 'lot' | 'order', id: string) =>
  await c.store.read(async (tx) => await activeHoldsOn(tx, { kind, id }))

async function refusedUnchanged (c: Ctx, run: () => Promise<unknown>, check: (err: unknown) => boolean): Promise<void> {
  const before = await qualityState(c)
  await assert.rejects(run, check)
  assert.equal(await qualityState(c), before, 'a refusal changes nothing')
}

const rule = (name: string, text?: RegExp) => (err: unknown): boolean =>
  err instanceof QualityRefusedError && err.rule === name && (text === undefined || text.test(err.message + ' ' + (err.hint ?? '')))

forEachStore('quality: inspection plans, results, nonconformances, usage decisions', (ctx) => {
  it('stores the plan of an order\'s operations; a plan naming another order\'s operation is refused', async () => {
    const c = ctx()
    await inspectedOrder(c)
    const lot = await c.mes.quality.inspectionLot(INSPECTION_LOT)
    assert.deepEqual([lot.orderNumber, lot.lotId, lot.status, lot.usageDecision, lot.createdBy], ['500', 'T-1', 'created', null, 'sap-qm'])
    assert.deepEqual((await c.mes.quality.inspectionLotsOf('500')).map((l) => l.inspectionLot), [INSPECTION_LOT])
    const op10 = await c.mes.quality.characteristics('500', 10)
    assert.deepEqual(op10.map((x) => [x.characteristic, x.kind, x.unit, x.lowerLimit, x.upperLimit, x.defectCode]),
      [['0010', 'quantitative', 'MM', 99.5, 100.5, 'LEN-OOT'], ['0020', 'qualitative', null, null, null, 'SCRATCH']])

    await refusedUnchanged(c, async () => await c.mes.quality.setInspectionPlan({ ...PLAN, operations: [{ sequence: 30, characteristics: PLAN.operations[1]!.characteristics }] }),
      (err) => err instanceof ValidationError && /order 500 has no operation 30 \(its operations: 10, 20\)/.test(err.message))
    await refusedUnchanged(c, async () => await c.mes.quality.setInspectionPlan({ ...PLAN, orderNumber: '999' }), (err) => err instanceof NotFoundError)
    await refusedUnchanged(c, async () => await c.mes.quality.setInspectionPlan({
      ...PLAN, inspectionLot: '010000000002', operations: [{ sequence: 10, characteristics: [{ characteristic: 'X', kind: 'quantitative', unit: 'MM', lowerLimit: 5, upperLimit: 1 }] }]
    }), (err) => err instanceof ValidationError && /lower limit 5 is above upper limit 1/.test(err.message))
  })

  it('keeps the limits of a characteristic with results: a changed limit is refused, a new description accepted', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 100.1, unit: 'MM', lotId: 'T-1', who: 'op.olga' })
    const tighter = structuredClone(PLAN)
    ;(tighter.operations[0]!.characteristics[0] as { upperLimit: number }).upperLimit = 100.05
    await refusedUnchanged(c, async () => await c.mes.quality.setInspectionPlan(tighter),
      rule('characteristic-has-results', /characteristic 0010 of operation 10 has results evaluated against quantitative in MM, limits 99.5..100.5; the plan sends .*limits 99.5..100.05/))
    const renamed = structuredClone(PLAN)
    renamed.operations[0]!.characteristics[0]!.description = 'cut length (saw)'
    await c.mes.quality.setInspectionPlan(renamed)
    assert.equal((await c.mes.quality.characteristics('500', 10))[0]!.description, 'cut length (saw)')
  })

  it('refuses a result for an unknown characteristic, another unit, the wrong kind of value, an unknown lot or serial: nothing stored', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const base = { jobId: cutJob, who: 'op.olga' }
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, characteristic: '0030', value: 1 }),
      rule('unknown-characteristic', /operation 10 of order 500 has no characteristic 0030 \(its characteristics: 0010, 0020\)/))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, characteristic: '0010', value: 10, unit: 'CM' }),
      rule('unit-mismatch', /measured in MM, the result is in CM/))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, characteristic: '0020', value: 1 }),
      rule('characteristic-kind', /0020 is qualitative/))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, characteristic: '0010', attribute: 'accepted' }),
      rule('characteristic-kind', /0010 is quantitative/))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, characteristic: '0010', value: 100, lotId: 'NO-SUCH' }),
      (err) => err instanceof NotFoundError && /lot NO-SUCH/.test(err.message))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, characteristic: '0010', value: 100, serial: 'NO-SUCH' }),
      (err) => err instanceof NotFoundError && /serial NO-SUCH/.test(err.message))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ orderNumber: '500', sequence: 30, characteristic: '0010', value: 1, who: 'op.olga' }),
      rule('unknown-characteristic', /no inspection plan names this operation/))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...base, sequence: 20, characteristic: '0010', value: 1 }),
      (err) => err instanceof ValidationError && /is operation 10, not 20/.test(err.message))
  })

  it('accepts a value inside or on the limits (SAP valuates inclusively); the inspection lot has results recorded', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const events: QualityEvent[] = []
    c.mes.quality.onEvent((e) => events.push(e))
    for (const value of [100, 99.5, 100.5]) {
      const r = await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value, lotId: 'T-1', equipment: 'CALIPER-7', who: 'op.olga', at: '2025-03-03T05:59:00Z' })
      assert.deepEqual([r.result.evaluation, r.result.unit, r.result.orderNumber, r.result.sequence, r.result.equipment, r.result.at, r.nonconformance],
        ['accepted', 'MM', '500', 10, 'CALIPER-7', '2025-03-03T05:59:00.000Z', null])
    }
    assert.equal((await c.mes.quality.inspectionLot(INSPECTION_LOT)).status, 'results-recorded')
    assert.equal((await c.mes.materials.lot('T-1')).status, 'released')
    assert.deepEqual(events.map((e) => e.kind), ['result', 'result', 'result'])
    assert.deepEqual((await c.mes.quality.resultsAfter(0)).map((r) => r.value), [100, 99.5, 100.5])
    assert.deepEqual((await c.mes.quality.resultsOf({ lotId: 'T-1' })).length, 3)
  })

  it('an out-of-spec result opens a nonconformance and holds the lot: its consumption is refused; use as is releases it and it is consumed', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const events: QualityEvent[] = []
    c.mes.quality.onEvent((e) => events.push(e))
    const r = await c.mes.quality.recordResult({ resultId: 'caliper-7:1', jobId: cutJob, characteristic: '0010', value: 100.6, lotId: 'T-1', who: 'op.olga' })
    assert.equal(r.result.evaluation, 'rejected')
    const nc = r.nonconformance!
    assert.equal(r.result.ncId, nc.ncId)
    assert.deepEqual([nc.status, nc.source, nc.lotId, nc.orderNumber, nc.sequence, nc.jobId, nc.defectCode, nc.quantity, nc.unit, nc.resultId],
      ['open', 'result', 'T-1', '500', 10, cutJob, 'LEN-OOT', 300, 'M', r.result.id])
    assert.match(nc.description, /characteristic 0010 \(cut length\) of order 500\/op 10: 100.6 MM outside 99.5..100.5/)
    assert.deepEqual(events.map((e) => e.kind), ['result', 'nonconformance'])

    const lot = await c.mes.materials.lot('T-1')
    assert.equal(lot.status, 'on-hold')
    const holds = await holdsOn(c, 'lot', 'T-1')
    assert.deepEqual(holds.map((h) => [h.holdId, h.source, h.reference]), [[nc.holdId, 'nonconformance', nc.ncId]])

    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10 }),
      (err: unknown) => err instanceof MaterialRefusedError && (err.rule === 'lot-status' || err.rule === 'hold'))
    assert.equal((await c.mes.materials.lot('T-1')).quantity, 300, 'nothing consumed')

    const done = await c.mes.quality.disposition(nc.ncId, { disposition: 'use-as-is', who: 'qa.quinn', why: '0.1 mm over is within the drawing\'s general tolerance' })
    assert.deepEqual([done.status, done.disposition, done.dispositionBy], ['dispositioned', 'use-as-is', 'qa.quinn'])
    assert.deepEqual(await holdsOn(c, 'lot', 'T-1'), [])
    assert.equal((await c.mes.materials.lot('T-1')).status, 'released')
    const used = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10 })
    assert.equal(used.lot?.quantity, 290)

    await refusedUnchanged(c, async () => await c.mes.quality.disposition(nc.ncId, { disposition: 'scrap', who: 'qa.quinn' }),
      rule('disposition-applied', /has its disposition already: use-as-is by qa.quinn/))
    assert.deepEqual((await c.mes.audit.forEntity('Nonconformance', nc.ncId)).map((a) => a.action), ['open', 'disposition'])
    assert.equal((await c.mes.audit.verify()).ok, true)
  })

  it('rework leaves the lot quarantined, scrap and return blocked, each releasing its nonconformance\'s hold', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    for (const [lotId, disposition, status] of [['T-1', 'rework', 'quarantined'], ['T-2', 'scrap', 'blocked'], ['TB-1', 'return', 'blocked']] as const) {
      const { nonconformance: nc } = await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0020', attribute: 'rejected', lotId, who: 'op.olga' })
      assert.equal(nc!.defectCode, 'SCRATCH')
      assert.equal((await c.mes.materials.lot(lotId)).status, 'on-hold')
      const done = await c.mes.quality.disposition(nc!.ncId, { disposition, who: 'qa.quinn', reference: `QN-${lotId}` })
      assert.equal(done.disposition, disposition)
      assert.deepEqual(await holdsOn(c, 'lot', lotId), [], `${disposition}: the hold is released`)
      const lot = await c.mes.materials.lot(lotId)
      assert.deepEqual([lot.status, lot.statusReason], [status, `nonconformance ${nc!.ncId} dispositioned ${disposition}`])
    }
  })

  it('announces the holds and lot statuses it sets to the holds\' and the materials\' listeners (the UNS hears them), after commit', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const heard: string[] = []
    c.mes.holds.onEvent((e) => heard.push(`${e.kind} ${e.hold.target.kind} ${e.hold.target.id} by ${e.who}`))
    c.mes.materials.onEvent((e) => { if (e.kind === 'lot-status') heard.push(`lot-status ${e.lot.lotId} ${e.from} -> ${e.lot.status}`) })
    const { nonconformance: nc } = await c.mes.quality.recordResult({ resultId: 'r-1', jobId: cutJob, characteristic: '0020', attribute: 'rejected', lotId: 'T-1', who: 'op.olga' })
    assert.deepEqual(heard, ['hold-placed lot T-1 by op.olga'])
    await c.mes.quality.recordResult({ resultId: 'r-1', jobId: cutJob, characteristic: '0020', attribute: 'rejected', lotId: 'T-1', who: 'op.olga' })
    assert.deepEqual(heard, ['hold-placed lot T-1 by op.olga'], 'a retry already applied announces nothing')
    await c.mes.quality.disposition(nc!.ncId, { disposition: 'rework', who: 'qa.quinn' })
    assert.deepEqual(heard.slice(1), ['hold-released lot T-1 by qa.quinn', 'lot-status T-1 on-hold -> quarantined'])
    await c.mes.quality.reportNonconformance({ ncId: 'NC-ORDER', orderNumber: '500', quantity: 1, defectCode: 'DOC', description: 'traveller missing', who: 'op.olga' })
    assert.equal(heard.at(-1), 'hold-placed order 500 by op.olga')
    await c.mes.quality.setInspectionPlan({ ...PLAN, inspectionLot: '010000000009', lotId: 'T-2' })
    await c.mes.quality.usageDecision('010000000009', { code: 'reject', who: 'qa.quinn', why: 'burrs' })
    assert.equal(heard.at(-1), 'lot-status T-2 released -> blocked')
  })

  it('an operator\'s report without a lot holds the order; the same ncId again is applied once, another report under it refused', async () => {
    const c = ctx()
    const { weldJob } = await inspectedOrder(c)
    const report = { ncId: 'NC-77', jobId: weldJob, quantity: 2, unit: 'PCE', defectCode: 'SPATTER', description: 'weld spatter on two frames', who: 'op.olga' }
    const first = await c.mes.quality.reportNonconformance(report)
    assert.deepEqual([first.duplicate, first.nonconformance.source, first.nonconformance.orderNumber, first.nonconformance.sequence], [false, 'operator', '500', 20])
    assert.deepEqual((await holdsOn(c, 'order', '500')).map((h) => h.reference), ['NC-77'])
    const again = await c.mes.quality.reportNonconformance(report)
    assert.deepEqual([again.duplicate, again.nonconformance.holdId], [true, first.nonconformance.holdId])
    await refusedUnchanged(c, async () => await c.mes.quality.reportNonconformance({ ...report, quantity: 3 }), rule('nc-id', /quantity 2/))
    await c.mes.quality.disposition('NC-77', { disposition: 'rework', who: 'qa.quinn' })
    assert.deepEqual(await holdsOn(c, 'order', '500'), [])
  })

  it('records a result once under its resultId; another result under the same id is refused', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const result = { resultId: 'r-1', jobId: cutJob, characteristic: '0010', value: 101, lotId: 'T-1', who: 'op.olga' }
    const first = await c.mes.quality.recordResult(result)
    const again = await c.mes.quality.recordResult(result)
    assert.deepEqual([again.duplicate, again.result.id, again.nonconformance?.ncId], [true, first.result.id, first.nonconformance!.ncId])
    assert.equal((await c.mes.quality.listNonconformances()).length, 1)
    assert.equal((await holdsOn(c, 'lot', 'T-1')).length, 1)
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ ...result, value: 100 }), rule('result-id', /other value/))
  })

  it('the same result sent twice at once is recorded once, with one nonconformance and one hold', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const result = { resultId: 'r-race', jobId: cutJob, characteristic: '0010', value: 120, lotId: 'T-1', who: 'op.olga' }
    const both = await Promise.all([c.mes.quality.recordResult(result), c.mes.quality.recordResult(result)])
    assert.deepEqual(both.map((r) => r.duplicate).sort(), [false, true])
    assert.equal(both[0].result.id, both[1].result.id)
    assert.equal((await c.mes.quality.resultsOf({ lotId: 'T-1' })).length, 1)
    assert.equal((await c.mes.quality.listNonconformances()).length, 1)
    assert.equal((await holdsOn(c, 'lot', 'T-1')).length, 1)
  })

  it('nonconformancesAfter walks opened and dispositioned nonconformances in change order', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const a = (await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0020', attribute: 'rejected', lotId: 'T-1', who: 'op.olga' })).nonconformance!
    const b = (await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0020', attribute: 'rejected', lotId: 'T-2', who: 'op.olga' })).nonconformance!
    const page = await c.mes.quality.nonconformancesAfter(0)
    assert.deepEqual(page.map((p) => p.nonconformance.ncId), [a.ncId, b.ncId])
    await c.mes.quality.disposition(a.ncId, { disposition: 'use-as-is', who: 'qa.quinn' })
    const next = await c.mes.quality.nonconformancesAfter(page[1]!.seq)
    assert.deepEqual(next.map((p) => [p.nonconformance.ncId, p.nonconformance.status]), [[a.ncId, 'dispositioned']])
    const withRef = await c.mes.quality.setQmsReference(b.ncId, '200000123')
    assert.equal(withRef.qmsReference, '200000123')
    assert.deepEqual(await c.mes.quality.nonconformancesAfter(next[0]!.seq), [], 'the QMS\'s own reference is not a change to send back')
    assert.deepEqual((await c.mes.quality.listNonconformances({ status: 'open' })).map((n) => n.ncId), [b.ncId])
  })

  it('the usage decision: refused while the lot is held (naming the hold); accept releases it; a second decision is refused as SAP does (QA 501)', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const { nonconformance: nc } = await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 99, lotId: 'T-1', who: 'op.olga' })
    await refusedUnchanged(c, async () => await c.mes.quality.usageDecision(INSPECTION_LOT, { code: 'accept', who: 'qa.quinn' }),
      rule('lot-held', new RegExp(`lot T-1 of inspection lot ${INSPECTION_LOT} is held by ${nc!.holdId!}`)))
    await c.mes.quality.disposition(nc!.ncId, { disposition: 'use-as-is', who: 'qa.quinn' })
    const decided = await c.mes.quality.usageDecision(INSPECTION_LOT, { code: 'accept', who: 'qa.quinn' })
    assert.deepEqual([decided.status, decided.usageDecision?.code, decided.usageDecision?.who], ['decided', 'accept', 'qa.quinn'])
    assert.equal((await c.mes.materials.lot('T-1')).status, 'released')
    await refusedUnchanged(c, async () => await c.mes.quality.usageDecision(INSPECTION_LOT, { code: 'reject', who: 'qa.quinn' }),
      rule('usage-decision-made', /has its usage decision already: accept by qa.quinn.*QA 501/))
    await refusedUnchanged(c, async () => await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 100, who: 'op.olga' }),
      rule('inspection-lot-decided', /takes no more results/))
    await refusedUnchanged(c, async () => await c.mes.quality.setInspectionPlan(PLAN), rule('inspection-lot-decided'))
  })

  it('reject blocks the lot; restricted use releases it with the restriction as its reason', async () => {
    const c = ctx()
    await inspectedOrder(c)
    await c.mes.quality.usageDecision(INSPECTION_LOT, { code: 'reject', who: 'qa.quinn', why: 'wall thickness' })
    assert.equal((await c.mes.materials.lot('T-1')).status, 'blocked')
    await c.mes.quality.setInspectionPlan({ ...PLAN, inspectionLot: '010000000002', lotId: 'T-2' })
    await assert.rejects(c.mes.quality.usageDecision('010000000002', { code: 'restricted', who: 'qa.quinn' }), ValidationError, 'restricted use says why')
    await c.mes.quality.usageDecision('010000000002', { code: 'restricted', who: 'qa.quinn', why: 'only for frames painted black' })
    const t2 = await c.mes.materials.lot('T-2')
    assert.deepEqual([t2.status, t2.statusReason], ['released', 'restricted use: only for frames painted black'])
    await assert.rejects(c.mes.quality.usageDecision('NO-SUCH', { code: 'accept', who: 'qa.quinn' }), NotFoundError)
  })
})
