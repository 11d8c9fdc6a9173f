import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR } from './stores'
import { confirmationKey } from '../../mes/confirmations'
import { SignatureError } from '../../mes/errors'
import type { MesEvent } from '../../mes/model/types'

const credentials = (user: string, password: string): boolean => user === 'qa.quinn' && password === 'correct horse'

forEachStore('a whole production order', (ctx) => {
  it('runs create → release → dispatch → start → report → pause/resume → hold/release → complete, op by op', async () => {
    const { mes, clock, store } = ctx()
    const seen: MesEvent[] = []
    mes.onEvent((e) => seen.push(e))

    const created = await mes.workOrders.create(sampleOrder(), ERP)
    assert.equal(created.status, 'created')
    assert.equal(created.operations.length, 3)
    assert.equal(created.operations[1]!.critical, true)
    assert.equal(created.operations[0]!.quantity, 100, 'operation quantity defaults to the order quantity')
    assert.equal(created.materials.length, 2)
    assert.deepEqual(await mes.dispatch.list('WC-CUT'), [], 'nothing is dispatched before release')

    const released = await mes.workOrders.release('1000', SUPERVISOR)
    assert.equal(released.status, 'released')
    const cutList = await mes.dispatch.list('WC-CUT')
    assert.deepEqual(cutList.map((d) => `${d.orderNumber}/${d.sequence}`), ['1000/10'])
    assert.equal(cutList[0]!.material, 'FG-4711')
    assert.equal(cutList[0]!.processingMinutes, 30 + 1.5 * 100)
    assert.deepEqual(await mes.dispatch.list('WC-WELD'), [], 'strict routing: op 20 waits for op 10')

    // ---- operation 10 ----
    const job = await mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR)
    assert.ok(job)
    assert.equal(job.jobId, '1000-10-1')
    assert.equal(job.state, 'AllowedToStart')
    assert.equal(job.quantity, 100)
    assert.deepEqual(await mes.dispatch.list('WC-CUT'), [], 'a dispatched operation leaves the list')
    assert.equal(await mes.dispatch.dispatchNext('WC-CUT', 'SAW-02', SUPERVISOR), null)

    const op = 'op.oscar'
    let r = await mes.wip.apply({ jobId: job.jobId, event: 'start', who: op })
    assert.equal(r.job.state, 'Running')
    assert.equal(r.orderStatus, 'in-progress')
    assert.equal(r.operation.status, 'in-progress')
    assert.equal(r.confirmationKey, null)

    clock.advance(30)
    r = await mes.wip.apply({ jobId: job.jobId, event: 'report', who: op, good: 40, scrap: 2, scrapReason: 'SCR-BURR', eventId: 'hmi-1' })
    assert.equal(r.job.state, 'Running')
    assert.equal(r.job.goodQuantity, 40)
    assert.equal(r.operation.scrapQuantity, 2)
    const key1 = r.confirmationKey
    assert.equal(key1, confirmationKey(job.jobId, 2), 'key = hash(job id, event sequence)')

    // A retried HMI message (same eventId) is not applied twice and yields the same confirmation key.
    const again = await mes.wip.apply({ jobId: job.jobId, event: 'report', who: op, good: 40, scrap: 2, scrapReason: 'SCR-BURR', eventId: 'hmi-1' })
    assert.equal(again.duplicate, true)
    assert.equal(again.confirmationKey, key1)
    assert.equal(again.job.goodQuantity, 40)

    const wc = await mes.wip.wipByWorkCenter('WC-CUT')
    assert.deepEqual(wc, { scope: 'workCenter', id: 'WC-CUT', queued: { count: 0, quantity: 0 }, running: { count: 1, quantity: 58 }, done: { good: 40, scrap: 2, rework: 0 } })
    const unit = await mes.wip.wipByWorkUnit('SAW-01')
    assert.equal(unit.running.count, 1)
    assert.equal(unit.done.good, 40)
    const weldQueue = await mes.wip.wipByWorkCenter('WC-WELD')
    assert.deepEqual(weldQueue.queued, { count: 1, quantity: 100 })

    r = await mes.wip.apply({ jobId: job.jobId, event: 'pause', who: op, why: 'blade change' })
    assert.equal(r.job.state, 'Interrupted.Paused')
    clock.advance(10)
    r = await mes.wip.apply({ jobId: job.jobId, event: 'resume', who: op })
    assert.equal(r.job.state, 'Running')
    r = await mes.wip.apply({ jobId: job.jobId, event: 'hold', who: 'qa.quinn', why: 'material check' })
    assert.equal(r.job.state, 'Interrupted.Held')
    r = await mes.wip.apply({ jobId: job.jobId, event: 'release', who: 'qa.quinn', why: 'material ok' })
    assert.equal(r.job.state, 'Interrupted.Paused', 'released from hold, a job that was running comes back paused')
    r = await mes.wip.apply({ jobId: job.jobId, event: 'resume', who: op })
    assert.equal(r.job.state, 'Running')
    clock.advance(20)
    r = await mes.wip.apply({ jobId: job.jobId, event: 'complete', who: op, good: 58, final: true })
    assert.equal(r.job.state, 'Ended')
    assert.equal(r.operation.status, 'completed')
    assert.equal(r.operation.goodQuantity, 98)
    assert.equal(r.job.runMinutes, 50, '30 + 20 minutes running; the 10 minutes paused do not count')

    const resp = await mes.wip.jobResponse(job.jobId)
    assert.equal(resp.actualStart, '2025-03-03T06:00:00.000Z')
    assert.equal(resp.actualEnd, '2025-03-03T07:00:00.000Z')
    assert.deepEqual(resp.reports.map((x) => [x.good, x.scrap, x.scrapReason]), [[40, 2, 'SCR-BURR'], [58, 0, null]])
    assert.deepEqual(resp.events.map((x) => x.event), ['start', 'report', 'pause', 'resume', 'hold', 'release', 'resume', 'complete'])

    // ---- operation 20 (critical: e-signature) ----
    const weldList = await mes.dispatch.list('WC-WELD')
    assert.deepEqual(weldList.map((d) => [d.sequence, d.remaining, d.critical]), [[20, 100, true]])
    const j2 = (await mes.dispatch.dispatchNext('WC-WELD', 'ROBOT-1', SUPERVISOR))!
    await mes.wip.apply({ jobId: j2.jobId, event: 'start', who: op })
    clock.advance(60)
    await mes.wip.apply({ jobId: j2.jobId, event: 'report', who: op, good: 95, rework: 3, reworkReason: 'RW-SEAM' })
    const before = await mes.wip.getJob(j2.jobId)
    await assert.rejects(mes.wip.apply({ jobId: j2.jobId, event: 'complete', who: op }),
      (err: unknown) => err instanceof SignatureError && /critical: completing it needs an electronic signature/.test(err.message))
    await assert.rejects(mes.wip.apply({ jobId: j2.jobId, event: 'complete', who: op, signature: { user: 'qa.quinn', password: 'wrong', meaning: 'approved' } }),
      (err: unknown) => err instanceof SignatureError && /could not be verified/.test(err.message))
    assert.deepEqual(await mes.wip.getJob(j2.jobId), before, 'refused completions change nothing')
    r = await mes.wip.apply({ jobId: j2.jobId, event: 'complete', who: op, signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'weld inspected and approved' } })
    assert.equal(r.job.state, 'Ended')
    const signed = (await mes.audit.forEntity('JobOrder', j2.jobId)).find((a) => a.action === 'complete')!
    assert.deepEqual(JSON.parse(signed.signature!), { user: 'qa.quinn', meaning: 'weld inspected and approved', at: clock.iso() })
    assert.ok(!JSON.stringify(signed).includes('correct horse'), 'the password is never stored')

    // ---- operation 30: completes the order ----
    const j3 = (await mes.dispatch.dispatchNext('WC-ASSY', 'BENCH-3', SUPERVISOR))!
    await mes.wip.apply({ jobId: j3.jobId, event: 'start', who: op })
    clock.advance(45)
    await assert.rejects(mes.wip.apply({ jobId: j3.jobId, event: 'complete', who: op, good: 96 }), /exceed the 95 good from predecessor operation 20/)
    r = await mes.wip.apply({ jobId: j3.jobId, event: 'complete', who: op, good: 95 })
    assert.equal(r.orderStatus, 'completed')
    const done = await mes.workOrders.get('1000')
    assert.equal(done.status, 'completed')
    assert.equal(done.completedAt, clock.iso())
    const orderWip = await mes.wip.wipByOrder('1000')
    assert.deepEqual(orderWip.done, { good: 95, scrap: 2, rework: 3 })
    assert.deepEqual(orderWip.queued, { count: 0, quantity: 0 })

    // ---- confirmations ----
    const pending = await mes.confirmations.pending()
    assert.deepEqual(pending.map((c) => [c.sequence, c.yield, c.scrap, c.rework, c.final, c.runMinutes]), [
      [10, 40, 2, 0, false, 30],
      [10, 58, 0, 0, true, 20],
      [20, 95, 0, 3, false, 60],
      [20, 0, 0, 0, true, 0],
      [30, 95, 0, 0, true, 45]
    ])
    assert.equal(pending[0]!.idempotencyKey, key1)
    assert.equal(pending[0]!.scrapReason, 'SCR-BURR')
    assert.equal(pending[2]!.reworkReason, 'RW-SEAM')
    assert.equal(new Set(pending.map((c) => c.idempotencyKey)).size, 5)
    for (const c of pending) assert.equal(c.idempotencyKey, confirmationKey(c.jobId, c.eventSeq))
    const ack = await mes.confirmations.acknowledge(key1!, { erpReference: 'CONF-0001' })
    assert.equal(ack.status, 'acknowledged')
    const ack2 = await mes.confirmations.acknowledge(key1!, { erpReference: 'CONF-9999' })
    assert.equal(ack2.erpReference, 'CONF-0001', 'a second acknowledgement keeps the first')
    const failed = await mes.confirmations.recordFailure(pending[1]!.idempotencyKey, 'ERP timeout')
    assert.equal(failed.attempts, 1)
    assert.equal((await mes.confirmations.pending()).length, 4)

    // ---- audit trail ----
    const v = await mes.audit.verify()
    assert.ok(v.ok, JSON.stringify(v))
    const orderAudit = await mes.audit.forEntity('WorkOrder', '1000')
    assert.deepEqual(orderAudit.map((a) => a.action), ['create', 'release', 'start', 'complete'])
    await store.transaction(async (tx) => {
      await tx.run(`UPDATE audit_trail SET new_value = '{"state":"Ended","good":1000}' WHERE entity = 'JobOrder' AND entity_id = ? AND action = 'complete'`, [job.jobId])
    })
    const tampered = await mes.audit.verify()
    assert.equal(tampered.ok, false)
    const seqOfTampered = (await mes.audit.forEntity('JobOrder', job.jobId)).find((a) => a.action === 'complete')!.seq
    assert.ok(!tampered.ok && tampered.brokenAt === seqOfTampered && /altered/.test(tampered.reason))

    // ---- UNS events, after commit, in order ----
    const wip = seen.filter((e) => e.kind === 'wip')
    assert.deepEqual(wip.slice(0, 8).map((e) => e.kind === 'wip' ? `${e.event}:${e.to}` : ''), [
      'start:Running', 'report:Running', 'pause:Interrupted.Paused', 'resume:Running', 'hold:Interrupted.Held',
      'release:Interrupted.Paused', 'resume:Running', 'complete:Ended'])
    assert.equal(seen.filter((e) => e.kind === 'wip' && e.event === 'complete').length, 3, 'refused events are not published')
  })

  it('overlapping routing: a successor starts once its predecessor reported good quantity, capped by it', async () => {
    const { mes, clock } = ctx()
    await mes.workOrders.create(sampleOrder('2000', { overlap: 'overlapping', operations: [
      { sequence: 10, workCenter: 'WC-CUT', runTimePerUnit: 1 },
      { sequence: 20, workCenter: 'WC-ASSY', runTimePerUnit: 1 }
    ], materials: [] }), ERP)
    await mes.workOrders.release('2000', SUPERVISOR)
    const j1 = (await mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    const early = await mes.dispatch.dispatchOperation('2000', 20, 'BENCH-1', SUPERVISOR)
    assert.equal(early.state, 'NotAllowedToStart', 'dispatched ahead of material, the job may not start yet')
    await mes.wip.apply({ jobId: early.jobId, event: 'allowStart', who: 'supervisor.sue' })
    await assert.rejects(mes.wip.apply({ jobId: early.jobId, event: 'start', who: 'op' }), /predecessor operation 10 has reported no good quantity yet/)
    await mes.wip.apply({ jobId: j1.jobId, event: 'start', who: 'op' })
    clock.advance(10)
    await mes.wip.apply({ jobId: j1.jobId, event: 'report', who: 'op', good: 10 })
    await mes.wip.apply({ jobId: early.jobId, event: 'start', who: 'op2' })
    await mes.wip.apply({ jobId: early.jobId, event: 'report', who: 'op2', good: 10 })
    await assert.rejects(mes.wip.apply({ jobId: early.jobId, event: 'report', who: 'op2', good: 1 }),
      /cannot report job 2000-20-1 of order 2000\/op 20: 11 PCE would exceed the 10 good from predecessor operation 10/)
    await mes.wip.apply({ jobId: j1.jobId, event: 'report', who: 'op', good: 5 })
    const r = await mes.wip.apply({ jobId: early.jobId, event: 'report', who: 'op2', good: 5 })
    assert.equal(r.operation.goodQuantity, 15)
  })

  it('partial completion ends the job and sends the remaining quantity back to dispatch', async () => {
    const { mes, clock } = ctx()
    await mes.workOrders.create(sampleOrder('3000', { operations: [{ sequence: 10, workCenter: 'WC-CUT', setupTime: 0, runTimePerUnit: 1 }], materials: [] }), ERP)
    await mes.workOrders.release('3000', SUPERVISOR)
    const j1 = (await mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await mes.wip.apply({ jobId: j1.jobId, event: 'start', who: 'op' })
    clock.advance(60)
    const r = await mes.wip.apply({ jobId: j1.jobId, event: 'complete', who: 'op', good: 60, final: false, why: 'end of shift' })
    assert.equal(r.job.state, 'Ended')
    assert.equal(r.operation.status, 'in-progress')
    const list = await mes.dispatch.list('WC-CUT')
    assert.deepEqual(list.map((d) => [d.orderNumber, d.remaining, d.processingMinutes]), [['3000', 40, 40]])
    const j2 = (await mes.dispatch.dispatchNext('WC-CUT', 'SAW-02', SUPERVISOR))!
    assert.equal(j2.jobId, '3000-10-2')
    assert.equal(j2.quantity, 40)
    await mes.wip.apply({ jobId: j2.jobId, event: 'start', who: 'op' })
    const fin = await mes.wip.apply({ jobId: j2.jobId, event: 'complete', who: 'op', good: 40 })
    assert.equal(fin.orderStatus, 'completed')
    const confs = await mes.confirmations.forOrder('3000')
    assert.deepEqual(confs.map((c) => [c.jobId, c.yield, c.final]), [['3000-10-1', 60, false], ['3000-10-2', 40, true]])
  })
}, { verifyCredentials: credentials })
