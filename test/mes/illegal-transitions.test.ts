import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR, type Ctx } from './stores'
import { IllegalTransitionError, SignatureError, WipRuleError } from '../../mes/errors'
import { ValidationError } from '../../core/errors'
import { JOB_EVENTS, isAllowed } from '../../mes/job-state-machine'
import type { JobEventType, JobState } from '../../mes/model/types'
import { createMes } from '../../mes/index'

/** Observable state of a job: its row, its event count, the audit and confirmation counts. */
async function observe (c: Ctx, jobId: string): Promise<unknown> {
  return await c.store.read(async (tx) => ({
    job: await tx.get('SELECT * FROM job_orders WHERE job_id = ?', [jobId]),
    events: (await tx.get('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM job_events'))!.n,
    audit: (await tx.get('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM audit_trail'))!.n,
    confirmations: (await tx.get('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM confirmations'))!.n,
    ops: await tx.all('SELECT * FROM operations ORDER BY order_number, sequence'),
    orders: await tx.all('SELECT * FROM work_orders ORDER BY order_number')
  }))
}

/** Brings a fresh job of a one-operation order to `state`. */
async function jobIn (c: Ctx, state: JobState, n: number): Promise<string> {
  const orderNumber = `S${n}`
  await c.mes.workOrders.create(sampleOrder(orderNumber, { operations: [{ sequence: 10, workCenter: 'WC-CUT' }], materials: [] }), ERP)
  await c.mes.workOrders.release(orderNumber, SUPERVISOR)
  const job = await c.mes.dispatch.dispatchOperation(orderNumber, 10, `UNIT-${n}`, SUPERVISOR, { allowStart: state !== 'NotAllowedToStart' })
  const ev = async (event: JobEventType, extra: Record<string, unknown> = {}): Promise<void> => {
    await c.mes.wip.apply({ jobId: job.jobId, event, who: 'op', ...extra })
  }
  switch (state) {
    case 'NotAllowedToStart': case 'AllowedToStart': break
    case 'Running': await ev('start'); break
    case 'Interrupted.Paused': await ev('start'); await ev('pause'); break
    case 'Interrupted.Held': await ev('start'); await ev('hold'); break
    case 'Ended': await ev('start'); await ev('complete', { good: 1 }); break
    case 'Aborted': await ev('abort'); break
  }
  assert.equal((await c.mes.wip.getJob(job.jobId)).state, state)
  return job.jobId
}

const STATES: JobState[] = ['NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held', 'Ended', 'Aborted']

forEachStore('illegal job transitions', (ctx) => {
  it('refuses every event the table does not allow, with the reason, and changes nothing', async () => {
    const c = ctx()
    let n = 0
    let refused = 0
    for (const state of STATES) {
      const jobId = await jobIn(c, state, ++n)
      for (const event of JOB_EVENTS.filter((e) => !isAllowed(state, e))) {
        const before = await observe(c, jobId)
        await assert.rejects(c.mes.wip.apply({ jobId, event, who: 'op', good: event === 'report' || event === 'complete' ? 1 : undefined }),
          (err: unknown) => {
            assert.ok(err instanceof IllegalTransitionError, `${event} from ${state}: ${String(err)}`)
            assert.equal(err.code, 'MES_ILLEGAL_TRANSITION')
            assert.equal(err.state, state)
            assert.match(err.message, new RegExp(`^job ${jobId}: cannot ${event} job ${jobId} of order S${n}/op 10: job is ${state.replace('.', '\\.')}, not `))
            return true
          })
        assert.deepEqual(await observe(c, jobId), before, `${event} from ${state} changed something`)
        refused++
      }
    }
    assert.ok(refused >= 40, `refused ${refused}`)
  })

  it('says it like the spec: cannot complete job … job is AllowedToStart, not Running', async () => {
    const c = ctx()
    const jobId = await jobIn(c, 'AllowedToStart', 1)
    await assert.rejects(c.mes.wip.apply({ jobId, event: 'complete', who: 'op' }),
      { message: `job ${jobId}: cannot complete job ${jobId} of order S1/op 10: job is AllowedToStart, not Running` })
  })
})

forEachStore('WIP rules', (ctx) => {
  const refusedWith = (rule: string, text: RegExp) => (err: unknown): boolean => {
    assert.ok(err instanceof WipRuleError, String(err))
    assert.equal(err.rule, rule)
    assert.match(err.message, text)
    return true
  }

  it('strict sequence: an operation does not start before its predecessor is completed', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder(), ERP)
    await c.mes.workOrders.release('1000', SUPERVISOR)
    const j20 = await c.mes.dispatch.dispatchOperation('1000', 20, 'ROBOT-1', SUPERVISOR)
    assert.equal(j20.state, 'NotAllowedToStart')
    await c.mes.wip.apply({ jobId: j20.jobId, event: 'allowStart', who: 'sue' })
    const before = await observe(c, j20.jobId)
    await assert.rejects(c.mes.wip.apply({ jobId: j20.jobId, event: 'start', who: 'op' }),
      refusedWith('sequence', /cannot start job 1000-20-1 of order 1000\/op 20: predecessor operation 10 is not completed \(routing is strict\)/))
    assert.deepEqual(await observe(c, j20.jobId), before)
  })

  it('refuses over-reporting beyond the tolerance, reports without quantity and quantities on other events', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder('1', { operations: [{ sequence: 10, workCenter: 'WC-CUT' }], materials: [] }), ERP)
    await c.mes.workOrders.release('1', SUPERVISOR)
    const j = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })
    await c.mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op', good: 95, scrap: 5, scrapReason: 'S1' })
    const before = await observe(c, j.jobId)
    await assert.rejects(c.mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op', good: 1 }),
      refusedWith('over-report', /101 PCE would exceed the operation quantity 100 \(no over-delivery tolerance\); already reported 100/))
    await assert.rejects(c.mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op' }), refusedWith('nothing-reported', /needs a good, scrap or rework quantity/))
    await assert.rejects(c.mes.wip.apply({ jobId: j.jobId, event: 'pause', who: 'op', good: 1 }), refusedWith('no-quantity-here', /not pause/))
    assert.deepEqual(await observe(c, j.jobId), before)
  })

  it('allows over-reporting within the configured tolerance', async () => {
    const c = ctx()
    const mes = createMes(c.store, { now: c.clock.now, overReportTolerancePct: 5 })
    await mes.workOrders.create(sampleOrder('1', { operations: [{ sequence: 10, workCenter: 'WC-CUT' }], materials: [] }), ERP)
    await mes.workOrders.release('1', SUPERVISOR)
    const j = (await mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })
    await mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op', good: 105 })
    await assert.rejects(mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op', good: 0.5 }), /plus 5% tolerance \(105\)/)
  })

  it('a work unit runs one job at a time', async () => {
    const c = ctx()
    for (const o of ['A', 'B']) {
      await c.mes.workOrders.create(sampleOrder(o, { operations: [{ sequence: 10, workCenter: 'WC-CUT' }], materials: [] }), ERP)
      await c.mes.workOrders.release(o, SUPERVISOR)
    }
    const a = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    const b = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await c.mes.wip.apply({ jobId: a.jobId, event: 'start', who: 'op' })
    await assert.rejects(c.mes.wip.apply({ jobId: b.jobId, event: 'start', who: 'op' }), refusedWith('work-unit-busy', /work unit SAW-01 is running job A-10-1/))
    await c.mes.wip.apply({ jobId: a.jobId, event: 'pause', who: 'op' })
    await c.mes.wip.apply({ jobId: b.jobId, event: 'start', who: 'op' })
    await assert.rejects(c.mes.wip.apply({ jobId: a.jobId, event: 'resume', who: 'op' }), refusedWith('work-unit-busy', /running job B-10-1/))
    // Concurrent starts of two jobs on one unit: exactly one wins (unique index backstop on PostgreSQL).
    await c.mes.wip.apply({ jobId: b.jobId, event: 'complete', who: 'op', good: 1, final: false })
    const x = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await c.mes.wip.apply({ jobId: a.jobId, event: 'abort', who: 'op' })
    const y = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    const results = await Promise.allSettled([x, y].map((j) => c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })))
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.ok(failure.reason instanceof WipRuleError && failure.reason.rule === 'work-unit-busy', String(failure.reason))
  })

  it('nothing starts or resumes on a held order; cancelling needs started jobs ended first', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder(), ERP)
    await c.mes.workOrders.release('1000', SUPERVISOR)
    const j = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await c.mes.workOrders.hold('1000', { who: 'qa', why: 'customer complaint' })
    await assert.rejects(c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' }), refusedWith('order-not-open', /order is held/))
    await c.mes.workOrders.release('1000', SUPERVISOR)
    await c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })
    await c.mes.wip.apply({ jobId: j.jobId, event: 'pause', who: 'op' })
    await c.mes.workOrders.hold('1000', { who: 'qa' })
    assert.deepEqual(await c.mes.dispatch.list('WC-CUT'), [])
    await assert.rejects(c.mes.wip.apply({ jobId: j.jobId, event: 'resume', who: 'op' }), /order is held/)
    await assert.rejects(c.mes.workOrders.hold('1000', { who: 'qa' }), /cannot hold order 1000: order is held, not released or in-progress/)
    await assert.rejects(c.mes.workOrders.cancel('1000', { who: 'erp' }), /job 1000-10-1 \(Interrupted.Paused\) must be ended or aborted first/)
    await c.mes.wip.apply({ jobId: j.jobId, event: 'abort', who: 'op' })
    const cancelled = await c.mes.workOrders.cancel('1000', { who: 'erp' })
    assert.equal(cancelled.status, 'cancelled')
    assert.ok(cancelled.operations.every((o) => o.status === 'cancelled'))
    await assert.rejects(c.mes.workOrders.release('1000', SUPERVISOR), /order is cancelled, not created or held/)
  })

  it('technical completion (TECO) needs started jobs ended, aborts dispatched ones, closes what is open, keeps what was reported', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder(), ERP)
    await c.mes.workOrders.release('1000', SUPERVISOR)
    const j = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
    await c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })
    await c.mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op', good: 40 })
    await assert.rejects(c.mes.workOrders.complete('1000', { who: 'erp' }), /cannot complete order 1000: job 1000-10-1 \(Running\) must be ended first/)
    await c.mes.wip.apply({ jobId: j.jobId, event: 'complete', who: 'op' })
    const next = (await c.mes.dispatch.dispatchNext('WC-WELD', 'WELD-01', SUPERVISOR, { rule: 'fifo' }))
    const done = await c.mes.workOrders.complete('1000', { who: 'erp', why: 'TECO in SAP' })
    assert.equal(done.status, 'completed')
    assert.deepEqual(done.operations.map((o) => o.status), ['completed', 'cancelled', 'cancelled'])
    assert.ok(next, 'operation 20 was dispatched before the TECO')
    assert.equal((await c.mes.wip.getJob(next.jobId)).state, 'Aborted')
    assert.equal((await c.mes.wip.jobResponse(j.jobId)).goodQuantity, 40, 'what was reported stays')
    await assert.rejects(c.mes.workOrders.complete('1000', { who: 'erp' }), /order is already completed/)
    await assert.rejects(c.mes.workOrders.cancel('1000', { who: 'erp' }), /order is already completed/)
    const audit = await c.mes.audit.forEntity('WorkOrder', '1000')
    assert.deepEqual(JSON.parse(String(audit.at(-1)!.newValue)), { status: 'completed' })
  })

  it('validates event input against the JSON Schema, naming the JSON path', async () => {
    const c = ctx()
    await assert.rejects(c.mes.wip.apply({ jobId: 'x', event: 'report', who: 'op', good: -1, scrap: 2, colour: 'red' }), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.deepEqual(err.problems.map((p) => p.path).sort(), ['/colour', '/good', '/scrapReason'])
      return true
    })
    await assert.rejects(c.mes.wip.apply({ jobId: 'nope', event: 'start', who: 'op' }), /job nope not found/)
    await assert.rejects(c.mes.workOrders.create({ ...sampleOrder(), quantity: 0, operations: [{ sequence: 10, workCenter: 'A' }, { sequence: 10, workCenter: 'B' }] }, ERP),
      (err: unknown) => err instanceof ValidationError && err.problems.some((p) => p.path === '/quantity') === true)
    await assert.rejects(c.mes.workOrders.create({ ...sampleOrder(), operations: [{ sequence: 10, workCenter: 'A' }, { sequence: 10, workCenter: 'B' }], materials: [] }, ERP),
      (err: unknown) => err instanceof ValidationError && err.problems[0]!.path === '/operations/1/sequence')
  })

  it('a critical operation completes only with a verified signature; without a credential check, never', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder('9', { operations: [{ sequence: 10, workCenter: 'WC-WELD', critical: true }], materials: [] }), ERP)
    await c.mes.workOrders.release('9', SUPERVISOR)
    const j = (await c.mes.dispatch.dispatchNext('WC-WELD', 'ROBOT-1', SUPERVISOR))!
    await c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })
    await assert.rejects(c.mes.wip.apply({ jobId: j.jobId, event: 'complete', who: 'op', good: 100, signature: { user: 'qa', password: 'x', meaning: 'approved' } }),
      (err: unknown) => err instanceof SignatureError && /no credential check is configured/.test(err.message))
    assert.equal((await c.mes.wip.getJob(j.jobId)).state, 'Running')
  })
})
