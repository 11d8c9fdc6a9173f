// The QMS feeders over the real MES (SQLite and PostgreSQL): every inspection result and every nonconformance is put
// in the outbox once, however often the feeders run; their cursors survive a reopened store (a restarted hub
// enqueues nothing again); the QMS's numbers of nonconformances are recorded from the simulated QMS's answers, as
// they are sent and at start for those sent before; a usage decision a person makes is enqueued, one the QMS made
// (qms:*) is not sent back.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../../mes/stores'
import { inspectedOrder, INSPECTION_LOT, PLAN } from '../../mes/quality/fixture'
import { startQmsSimulator, DEFAULT_TOKEN, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import { genericQmsConnector } from '../../../adapters/qms/generic/generic-qms-connector'
import { QMS_SECTION } from '../../../adapters/qms/config'
import { QMS_DESTINATION, qmsSender } from '../../../adapters/qms/qms-sender'
import { QmsFeeders } from '../../../adapters/qms/qms-feeders'
import { createMes, type Mes } from '../../../mes/index'
import { silentLogger } from '../../../core/logger'
import { until } from '../../support/until'

const SIM_PLAN = {
  orderNumber: PLAN.orderNumber, material: 'FG-FRAME', inspectionLot: PLAN.inspectionLot, lotId: PLAN.lotId,
  operations: PLAN.operations.map((o) => ({ operation: o.sequence, characteristics: o.characteristics.map((c) => { const { defectCode: _d, ...rest } = c as typeof c & { defectCode?: string }; return rest as never }) }))
}

forEachStore('the QMS feeders', (ctx) => {
  let sim: RunningQmsSimulator
  let cutJob: string
  const stops: Array<() => void | Promise<void>> = []
  beforeEach(async () => {
    ({ cutJob } = await inspectedOrder(ctx()))
    sim = await startQmsSimulator({ plans: [SIM_PLAN] })
  })
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s()
    await sim.close()
  })

  const feeders = (mes: Mes = ctx().mes): QmsFeeders => {
    const f = new QmsFeeders(mes, silentLogger)
    stops.push(() => f.close())
    return f
  }
  const worker = (mes: Mes = ctx().mes) => {
    const connector = genericQmsConnector({ config: { ...QMS_SECTION.defaults(process.cwd()), url: sim.url, timeoutMs: 2000 }, token: DEFAULT_TOKEN })
    return mes.outbox.worker({ destination: QMS_DESTINATION, owner: 'hub-1', send: qmsSender(connector), leaseMs: 60_000, idleMs: 5 })
  }
  const outbox = async (c: Ctx = ctx()) => await c.mes.outbox.list({ destination: QMS_DESTINATION, limit: 1000 })
  const results = async (c: Ctx) => {
    await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 100.2, unit: 'MM', lotId: 'T-1', who: 'op.olga', resultId: 'r-1' })
    return await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 101.4, unit: 'MM', lotId: 'T-1', who: 'op.olga', resultId: 'r-2' })
  }

  it('puts each result and each nonconformance in the outbox once, however often it runs', async () => {
    const c = ctx()
    const { nonconformance: nc } = await results(c)
    const f = feeders()
    assert.deepEqual(await f.feed(), { results: 2, nonconformances: 1 })
    for (let i = 0; i < 12; i++) assert.deepEqual(await f.feed(), { results: 0, nonconformances: 0 }, `round ${i + 2} (the tenth re-reads the window)`)
    // The disposition changes the nonconformance again: not news for the QMS, nothing enqueued.
    await c.mes.quality.disposition(nc!.ncId, { disposition: 'use-as-is', who: 'qms:mrb.board' })
    assert.deepEqual(await f.feed(), { results: 0, nonconformances: 0 })
    const all = await outbox()
    assert.deepEqual(all.map((m) => [m.type, m.idempotencyKey]).sort(), [
      ['inspection-result', 'qms:result:1'], ['inspection-result', 'qms:result:2'], ['nonconformance', `qms:nc:${nc!.ncId}`]
    ])
  })

  it('keeps its cursors in the store: a reopened store (a restarted hub) enqueues nothing again', async () => {
    const c = ctx()
    await results(c)
    assert.deepEqual(await feeders().feed(), { results: 2, nonconformances: 1 })
    const store = await c.kind.reopen()
    stops.push(async () => await store.close())
    const again = createMes(store, { now: c.clock.now })
    assert.deepEqual(await feeders(again).feed(), { results: 0, nonconformances: 0 })
    await again.quality.recordResult({ jobId: cutJob, characteristic: '0020', attribute: 'accepted', lotId: 'T-1', who: 'op.olga' })
    assert.deepEqual(await feeders(again).feed(), { results: 1, nonconformances: 0 })
    assert.equal((await outbox()).length, 4)
  })

  it('records the QMS\'s number of a nonconformance from its answer, and at start for one sent before', async () => {
    const c = ctx()
    const { nonconformance: nc } = await results(c)
    const f = feeders()
    await f.feed()
    const w = worker()
    for (let i = 0; i < 3; i++) await w.runOnce()
    assert.deepEqual((await outbox()).map((m) => m.status), ['sent', 'sent', 'sent'])
    const number = sim.received().nonconformances[0]!.ncNumber
    assert.equal(sim.received().nonconformances.length, 1)
    assert.equal(sim.received().results.length, 2)
    await until('the reference recorded', async () => (await c.mes.quality.nonconformance(nc!.ncId)).qmsReference === number ? true : undefined)

    // Sent while no feeders listened (the hub stopped before the 'sent' change was handled): recorded at start.
    const { nonconformance: nc2 } = await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0020', attribute: 'rejected', lotId: 'T-2', who: 'op.olga' })
    await f.feed()
    f.close()
    for (let i = 0; i < 2; i++) await w.runOnce()
    assert.equal((await c.mes.quality.nonconformance(nc2!.ncId)).qmsReference, null)
    assert.equal(await feeders().catchUp(), 1)
    assert.equal((await c.mes.quality.nonconformance(nc2!.ncId)).qmsReference, sim.received().nonconformances[1]!.ncNumber)
    assert.equal(await feeders().catchUp(), 0, 'recorded once')
  })

  it('enqueues a usage decision a person makes in the MES, and not one the QMS made', async () => {
    const c = ctx()
    const f = feeders()
    await c.mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 100.1, unit: 'MM', lotId: 'T-1', who: 'op.olga' })
    await c.mes.quality.usageDecision(INSPECTION_LOT, { code: 'accept', who: 'qa.quinn', why: 'all in spec' })
    const decisions = async () => (await outbox()).filter((m) => m.type === 'usage-decision')
    await until('the decision enqueued', async () => (await decisions()).length === 1 ? true : undefined)
    const [d] = await decisions()
    assert.deepEqual([d!.idempotencyKey, d!.orderingKey, (d!.payload as { who: string }).who], [`qms:usage-decision:${INSPECTION_LOT}`, `inspection-lot:${INSPECTION_LOT}`, 'qa.quinn'])

    await c.mes.quality.setInspectionPlan({ ...PLAN, inspectionLot: '010000000002', lotId: 'T-2' })
    await c.mes.quality.usageDecision('010000000002', { code: 'reject', who: 'qms:quality.quinn' })
    await f.feed()
    await new Promise((r) => setTimeout(r, 100))
    assert.equal((await decisions()).length, 1, 'the QMS\'s own decision is not sent back')
  })
})
