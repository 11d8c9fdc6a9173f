// Holds on lots, orders and work units, on both stores: what a quality engineer places stops the material, the
// order's jobs and the unit's dispatch for real, with the hold's reason, who and id in every refusal, until it is
// released; a hold placed again is the same hold; a released hold is not released twice.
import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR } from '../stores'
import { frameOrder } from '../materials/fixture'
import {
  DispatchRefusedError, HoldStateError, HoldTargetError, MaterialRefusedError, NotFoundError, WipRuleError
} from '../../../mes/errors'
import { ValidationError } from '../../../core/errors'
import type { HoldEvent } from '../../../mes/service'

const QA = 'qa.quinn'
const KNOWN_UNITS = new Set(['SAW-1', 'SAW-2', 'CUT-1', 'CUT-2'])

forEachStore('holds', (ctx) => {
  const events: HoldEvent[] = []
  beforeEach(() => {
    events.length = 0
    ctx().mes.holds.onEvent((e) => events.push(e))
  })

  it('a held lot is not consumed, split or merged, with the hold named; after its release it is consumed', async () => {
    const { mes } = ctx()
    const { cutJob } = await frameOrder(ctx())
    const { hold, duplicate } = await mes.holds.place({ holdId: 'QN-100', target: { kind: 'lot', id: 'T-1' }, reason: 'wall thickness below spec', who: QA, source: 'qms', reference: '200000123' })
    assert.equal(duplicate, false)
    assert.deepEqual({ ...hold, placedAt: undefined }, {
      holdId: 'QN-100', target: { kind: 'lot', id: 'T-1' }, reason: 'wall thickness below spec', source: 'qms', reference: '200000123',
      status: 'active', placedBy: QA, placedAt: undefined, releasedBy: null, releasedAt: null, releaseWhy: null
    })
    const lot = await mes.materials.lot('T-1')
    assert.deepEqual([lot.status, lot.statusReason], ['on-hold', 'hold QN-100 by qa.quinn: wall thickness below spec'])

    await assert.rejects(mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10 }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'lot-status' &&
        /lot T-1 is on-hold \(hold QN-100 by qa\.quinn: wall thickness below spec\), not released/.test(err.message))
    await assert.rejects(mes.materials.split({ lotId: 'T-1', into: [{ lotId: 'T-1a', quantity: 10 }], who: 'wms:WH1' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'lot-held' && /hold QN-100 by qa\.quinn: wall thickness/.test(err.message))
    await assert.rejects(mes.materials.merge({ lotIds: ['T-2', 'T-1'], into: 'T-M', who: 'wms:WH1' }),
      (err: unknown) => err instanceof MaterialRefusedError && /lot T-1 is on-hold \(hold QN-100 by qa\.quinn: wall thickness below spec\), not released/.test(err.message))
    assert.equal((await mes.materials.lot('T-1')).quantity, 300, 'nothing taken')

    const released = await mes.holds.release('QN-100', { who: 'qa.lead', why: 're-measured: within spec' })
    assert.deepEqual([released.status, released.releasedBy, released.releaseWhy], ['released', 'qa.lead', 're-measured: within spec'])
    assert.equal((await mes.materials.lot('T-1')).status, 'released')
    const r = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10 })
    assert.equal(r.lot?.quantity, 290)

    assert.deepEqual(events.map((e) => `${e.kind} ${e.hold.holdId} ${e.hold.status} by ${e.who}`),
      ['hold-placed QN-100 active by qa.quinn', 'hold-released QN-100 released by qa.lead'])
    assert.deepEqual((await mes.audit.forEntity('MaterialLot', 'T-1')).map((a) => `${a.action} ${a.who} ${a.why ?? ''}`), [
      'receive wms:WH1 ', 'hold qa.quinn wall thickness below spec', 'release-hold qa.lead re-measured: within spec', 'consume op.olga '
    ])
    assert.equal((await mes.audit.verify()).ok, true)
  })

  it('places a hold once: the same holdId again (also at the same time) answers the stored hold and changes nothing', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    const input = { holdId: 'QN-7', target: { kind: 'lot', id: 'W-1' }, reason: 'moisture', who: QA }
    await mes.holds.place(input)
    const audit = (await mes.audit.query({ limit: 100000 })).length
    const again = await mes.holds.place({ ...input, reason: 'a different text' })
    assert.deepEqual([again.duplicate, again.hold.reason], [true, 'moisture'])
    const both = await Promise.all([
      mes.holds.place({ ...input, holdId: 'QN-8' }), mes.holds.place({ ...input, holdId: 'QN-8' })
    ])
    assert.deepEqual(both.map((b) => b.duplicate).sort(), [false, true])
    assert.equal((await mes.holds.activeOn({ kind: 'lot', id: 'W-1' })).length, 2)
    assert.equal((await mes.audit.query({ limit: 100000 })).length, audit + 1, 'only QN-8 recorded')
    assert.deepEqual(events.map((e) => `${e.kind} ${e.hold.holdId}`), ['hold-placed QN-7', 'hold-placed QN-8'])
  })

  it('refuses a holdId placed again on another target, naming the hold it is (the other target is not held silently)', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    await mes.holds.place({ holdId: 'QN-9', target: { kind: 'lot', id: 'W-1' }, reason: 'moisture', who: QA, source: 'qms', reference: 'QN-9' })
    const audit = (await mes.audit.query({ limit: 100000 })).length
    await assert.rejects(mes.holds.place({ holdId: 'QN-9', target: { kind: 'lot', id: 'T-1' }, reason: 'moisture', who: QA, source: 'qms', reference: 'QN-9' }),
      (err: unknown) => err instanceof HoldStateError && /QN-9/.test(err.message) && /lot W-1/.test(err.message) && /lot T-1/.test(err.message))
    assert.equal((await mes.materials.lot('T-1')).status, 'released')
    assert.equal((await mes.audit.query({ limit: 100000 })).length, audit, 'nothing recorded')
    assert.deepEqual(events.map((e) => `${e.kind} ${e.hold.holdId}`), ['hold-placed QN-9'])
  })

  it('refuses a second release (MES_HOLD_RELEASED, with who released it) and an unknown hold, changing nothing', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    await mes.holds.place({ holdId: 'QN-9', target: { kind: 'order', id: '500' }, reason: 'customer complaint', who: QA })
    await mes.holds.release('QN-9', { who: 'qa.lead', why: 'complaint withdrawn' })
    const audit = (await mes.audit.query({ limit: 100000 })).length
    await assert.rejects(mes.holds.release('QN-9', { who: 'qa.other', why: 'again' }), (err: unknown) =>
      err instanceof HoldStateError && err.code === 'MES_HOLD_RELEASED' &&
      /hold QN-9: cannot release hold QN-9: it was released by qa\.lead at .* \(complaint withdrawn\)/.test(err.message) &&
      err.hint !== undefined && /nothing was changed/.test(err.hint))
    await assert.rejects(mes.holds.release('QN-404', { who: QA, why: 'x' }), NotFoundError)
    await assert.rejects(mes.holds.release('QN-9', { who: QA }), (err: unknown) => err instanceof ValidationError && /why/.test(err.message))
    assert.equal((await mes.audit.query({ limit: 100000 })).length, audit)
    assert.equal((await mes.holds.get('QN-9')).releasedBy, 'qa.lead')
  })

  it('two holds on one lot: still held after the first release, set released refused naming the rest, free after the last', async () => {
    const { mes } = ctx()
    const { cutJob } = await frameOrder(ctx())
    await mes.holds.place({ holdId: 'NC-1', target: { kind: 'lot', id: 'T-2' }, reason: 'dent', who: QA, source: 'nonconformance' })
    await mes.holds.place({ holdId: 'QN-2', target: { kind: 'lot', id: 'T-2' }, reason: 'supplier recall 88', who: 'qms:SAP-QM', source: 'qms' })
    assert.equal((await mes.materials.lot('T-2')).statusReason, 'hold NC-1 by qa.quinn: dent; hold QN-2 by qms:SAP-QM: supplier recall 88')

    await mes.holds.release('NC-1', { who: 'qa.lead', why: 'dent within tolerance' })
    const lot = await mes.materials.lot('T-2')
    assert.deepEqual([lot.status, lot.statusReason], ['on-hold', 'hold QN-2 by qms:SAP-QM: supplier recall 88'])
    await assert.rejects(mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-2', quantity: 1 }),
      (err: unknown) => err instanceof MaterialRefusedError && /supplier recall 88/.test(err.message))
    await assert.rejects(mes.materials.setLotStatus('T-2', { status: 'released', who: 'wms:WH1', why: 'looks fine' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'lot-held' &&
        /lot T-2: is held \(hold QN-2 by qms:SAP-QM: supplier recall 88\); it cannot be set released \(release its holds first \(QN-2\)/.test(err.message))
    assert.deepEqual((await mes.holds.list({ target: { kind: 'lot', id: 'T-2' }, status: 'active' })).map((h) => h.holdId), ['QN-2'])

    await mes.holds.release('QN-2', { who: 'qms:SAP-QM', why: 'usage decision A' })
    assert.equal((await mes.materials.lot('T-2')).status, 'released')
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-2', quantity: 1 })
  })

  it('gives a lot back the status it had: blocked while held stays blocked; on-hold by hand stays on-hold', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    await mes.holds.place({ holdId: 'H-1', target: { kind: 'lot', id: 'TB-1' }, reason: 'check', who: QA })
    await mes.materials.setLotStatus('TB-1', { status: 'blocked', who: QA, why: 'scrap decision' })
    await mes.holds.release('H-1', { who: QA, why: 'done' })
    assert.equal((await mes.materials.lot('TB-1')).status, 'blocked')

    await mes.materials.setLotStatus('P-1', { status: 'on-hold', who: 'wms:WH1', why: 'label torn' })
    await mes.holds.place({ holdId: 'H-2', target: { kind: 'lot', id: 'P-1' }, reason: 'viscosity', who: QA })
    await mes.holds.release('H-2', { who: QA, why: 'viscosity fine' })
    assert.equal((await mes.materials.lot('P-1')).status, 'on-hold')
    // A lot of no holds that is on-hold by hand is released by a status change, as before.
    assert.equal((await mes.materials.setLotStatus('P-1', { status: 'released', who: 'wms:WH1', why: 'relabelled' })).status, 'released')
  })

  it('gives a lot back the status set while it was held, whichever of its holds is released last', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    // H-A holds the released lot; it is blocked (scrapped) while held; H-B holds it again; H-B goes first, H-A last.
    await mes.holds.place({ holdId: 'H-A', target: { kind: 'lot', id: 'TB-1' }, reason: 'crack', who: QA })
    await mes.materials.setLotStatus('TB-1', { status: 'blocked', who: QA, why: 'scrap decision' })
    await mes.holds.place({ holdId: 'H-B', target: { kind: 'lot', id: 'TB-1' }, reason: 'supplier claim', who: QA, source: 'qms' })
    assert.equal((await mes.materials.lot('TB-1')).status, 'on-hold')
    await mes.holds.release('H-B', { who: QA, why: 'claim filed' })
    assert.equal((await mes.materials.lot('TB-1')).status, 'on-hold', 'H-A still holds it')
    await mes.holds.release('H-A', { who: QA, why: 'crack documented' })
    assert.equal((await mes.materials.lot('TB-1')).status, 'blocked', 'a scrapped lot is not released by its last hold')
  })

  it('a held order\'s jobs do not start, resume, report or complete, nor is it dispatched; after the release they do', async () => {
    const { mes } = ctx()
    const { cutJob } = await frameOrder(ctx())
    await mes.workOrders.create(sampleOrder('1000'), ERP)
    await mes.workOrders.release('1000', SUPERVISOR)
    const job = await mes.dispatch.dispatchOperation('1000', 10, 'CUT-1', SUPERVISOR)
    await mes.holds.place({ holdId: 'QN-1000', target: { kind: 'order', id: '1000' }, reason: 'drawing revision pending', who: QA })
    await mes.holds.place({ holdId: 'QN-500', target: { kind: 'order', id: '500' }, reason: 'weld spatter', who: QA })

    const held = (rx: RegExp) => (err: unknown) => err instanceof WipRuleError && err.rule === 'order-held' && rx.test(err.message)
    await assert.rejects(mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' }),
      held(/order 1000 is held \(hold QN-1000 by qa\.quinn: drawing revision pending\); release its holds first/))
    await assert.rejects(mes.wip.apply({ jobId: cutJob, event: 'report', who: 'op.olga', good: 1 }), held(/hold QN-500 by qa\.quinn: weld spatter/))
    await assert.rejects(mes.wip.apply({ jobId: cutJob, event: 'complete', who: 'op.olga', good: 1 }), held(/QN-500/))
    // Stopping work is never refused by a hold; going on again is.
    await mes.wip.apply({ jobId: cutJob, event: 'hold', who: 'sup.sue', why: 'quality hold' })
    await mes.wip.apply({ jobId: cutJob, event: 'release', who: 'sup.sue' })
    assert.equal((await mes.wip.getJob(cutJob)).state, 'Interrupted.Paused', 'a job held while Running comes back Paused')
    await assert.rejects(mes.wip.apply({ jobId: cutJob, event: 'resume', who: 'op.olga' }), held(/QN-500/))
    await assert.rejects(mes.dispatch.dispatchOperation('1000', 20, 'ROBOT-1', SUPERVISOR), held(/QN-1000/))
    await mes.workOrders.create(sampleOrder('1002'), ERP)
    await mes.workOrders.release('1002', SUPERVISOR)
    assert.deepEqual((await mes.dispatch.list('WC-CUT')).map((i) => i.orderNumber), ['1002'])
    await mes.holds.place({ holdId: 'QN-1002', target: { kind: 'order', id: '1002' }, reason: 'material shortage', who: QA })
    assert.deepEqual((await mes.dispatch.list('WC-CUT')).map((i) => i.orderNumber), [], 'held orders are off the dispatch list')
    assert.equal(await mes.dispatch.dispatchNext('WC-CUT', 'CUT-2', SUPERVISOR), null, 'nothing else is ready')
    assert.equal((await mes.wip.getJob(job.jobId)).state, 'AllowedToStart')

    await mes.holds.release('QN-1000', { who: 'qa.lead', why: 'revision C released' })
    await mes.holds.release('QN-500', { who: 'qa.lead', why: 'spatter removed' })
    assert.equal((await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })).job.state, 'Running')
    await mes.wip.apply({ jobId: cutJob, event: 'resume', who: 'op.olga' })
    assert.equal((await mes.wip.apply({ jobId: cutJob, event: 'report', who: 'op.olga', good: 1 })).job.goodQuantity, 2)
    assert.deepEqual((await mes.audit.forEntity('WorkOrder', '1000')).filter((a) => a.action.includes('hold')).map((a) => `${a.action} ${a.who}`),
      ['hold qa.quinn', 'release-hold qa.lead'])
  })

  it('a held work unit takes no dispatch (by hand or by rule: a refusal naming the hold, not null) and starts nothing', async () => {
    const { mes } = ctx()
    await mes.workOrders.create(sampleOrder('1000'), ERP)
    await mes.workOrders.release('1000', SUPERVISOR)
    await mes.workOrders.create(sampleOrder('1001', { priority: 20 }), ERP)
    await mes.workOrders.release('1001', SUPERVISOR)
    const early = await mes.dispatch.dispatchOperation('1001', 10, 'CUT-2', SUPERVISOR)
    await mes.holds.place({ holdId: 'CAL-1', target: { kind: 'work-unit', id: 'CUT-1' }, reason: 'calibration overdue', who: 'maint.max' })
    await mes.holds.place({ holdId: 'CAL-2', target: { kind: 'work-unit', id: 'CUT-2' }, reason: 'blade broken', who: 'maint.max' })

    const refused = (rx: RegExp) => (err: unknown) => err instanceof DispatchRefusedError && err.code === 'MES_DISPATCH_REFUSED' && rx.test(err.message)
    await assert.rejects(mes.dispatch.dispatchOperation('1000', 10, 'CUT-1', SUPERVISOR),
      refused(/work unit CUT-1 is held \(hold CAL-1 by maint\.max: calibration overdue\)/))
    await assert.rejects(mes.dispatch.dispatchNext('WC-CUT', 'CUT-1', SUPERVISOR), refused(/hold CAL-1 by maint\.max: calibration overdue/))
    await assert.rejects(mes.wip.apply({ jobId: early.jobId, event: 'start', who: 'op.olga' }),
      (err: unknown) => err instanceof WipRuleError && err.rule === 'work-unit-held' && /hold CAL-2 by maint\.max: blade broken/.test(err.message))
    assert.equal((await mes.dispatch.list('WC-CUT')).length, 1, 'the operation stays on the list for another unit')

    await mes.holds.release('CAL-1', { who: 'maint.max', why: 'calibrated' })
    const job = await mes.dispatch.dispatchNext('WC-CUT', 'CUT-1', SUPERVISOR)
    assert.equal(job?.orderNumber, '1000')
    await mes.holds.release('CAL-2', { who: 'maint.max', why: 'blade replaced' })
    assert.equal((await mes.wip.apply({ jobId: early.jobId, event: 'start', who: 'op.olga' })).job.state, 'Running')
  })

  it('refuses a hold on what the MES does not know, and bad input with its JSON path, storing nothing', async () => {
    const { mes } = ctx()
    await frameOrder(ctx())
    const audit = (await mes.audit.query({ limit: 100000 })).length
    const target = (kind: string, rx: RegExp) => (err: unknown) => err instanceof HoldTargetError && err.code === 'MES_HOLD_TARGET' && err.kind === kind && rx.test(err.message)
    await assert.rejects(mes.holds.place({ target: { kind: 'lot', id: 'NOPE' }, reason: 'x', who: QA }), target('lot', /lot NOPE: no lot NOPE/))
    await assert.rejects(mes.holds.place({ target: { kind: 'order', id: '999' }, reason: 'x', who: QA }), target('order', /no work order 999/))
    await assert.rejects(mes.holds.place({ target: { kind: 'work-unit', id: 'PRESS-9' }, reason: 'x', who: QA }),
      target('work-unit', /work unit PRESS-9 is not in the plant model and has had no job/))
    await assert.rejects(mes.holds.place({ target: { kind: 'machine', id: 'SAW-1' }, reason: 'x', who: QA }),
      (err: unknown) => err instanceof ValidationError && /\/target\/kind/.test(err.message))
    await assert.rejects(mes.holds.place({ target: { kind: 'lot', id: 'T-1' }, who: QA }),
      (err: unknown) => err instanceof ValidationError && /reason/.test(err.message))
    assert.equal((await mes.audit.query({ limit: 100000 })).length, audit)
    assert.deepEqual(await mes.holds.list(), [])
    // A unit the model knows, and one it does not but that has run a job, are held.
    await mes.holds.place({ target: { kind: 'work-unit', id: 'SAW-2' }, reason: 'x', who: QA })
    await mes.holds.place({ target: { kind: 'work-unit', id: 'ROBOT-1' }, reason: 'x', who: QA })
    assert.equal((await mes.holds.list({ status: 'active' })).length, 2)
  })

  it('lists holds by target and status, in pages', async () => {
    const { mes, clock } = ctx()
    await frameOrder(ctx())
    for (const [id, lot] of [['A', 'T-1'], ['B', 'T-2'], ['C', 'T-1'], ['D', 'W-1']] as const) {
      clock.advance(1)
      await mes.holds.place({ holdId: id, target: { kind: 'lot', id: lot }, reason: `r ${id}`, who: QA })
    }
    await mes.holds.release('A', { who: QA, why: 'ok' })
    assert.deepEqual((await mes.holds.list()).map((h) => h.holdId), ['A', 'B', 'C', 'D'])
    assert.deepEqual((await mes.holds.list({ status: 'active' })).map((h) => h.holdId), ['B', 'C', 'D'])
    assert.deepEqual((await mes.holds.list({ target: { kind: 'lot', id: 'T-1' } })).map((h) => h.holdId), ['A', 'C'])
    assert.deepEqual((await mes.holds.list({ limit: 2 })).map((h) => h.holdId), ['A', 'B'])
    assert.deepEqual((await mes.holds.list({ limit: 2, after: 'B' })).map((h) => h.holdId), ['C', 'D'])
    assert.deepEqual((await mes.holds.activeOn({ kind: 'lot', id: 'T-1' })).map((h) => h.holdId), ['C'])
    await assert.rejects(mes.holds.list({ after: 'Z' }), NotFoundError)
  })
}, { isWorkUnit: (code) => KNOWN_UNITS.has(code) })
