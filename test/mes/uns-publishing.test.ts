// What the MES commits appears in the Unified Namespace under the plant model's equipment, for a real MQTT
// subscriber: job events under the work unit, the dispatched job retained under the unit, and retained WIP per
// work center, work unit and order. Runs on the stores of HUB_TEST_STORES (SQLite; PostgreSQL in test:system).
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, testConfig } from '../support/hub-fixture'
import { createLogger, silentLogger } from '../../core/logger'
import { startHub } from '../../hub/hub'
import { assertPostgresReachable, storeKinds } from './stores'
import { DispatchRefusedError } from '../../mes/errors'
import { demoOrder, forEachHubStore, unsWatcher } from './hub-stores'

const LINE1 = 'acme/dallas/press-shop/line-1'
const PRESS1 = `${LINE1}/press-1`
const SITE = 'acme/dallas'
const SUPERVISOR = { who: 'supervisor.sue' }
const OP = 'op.oscar'

const warnings: string[] = []
const log = createLogger('warn', 'hub', (line) => { warnings.push(line) })

forEachHubStore('MES events in the Unified Namespace', (ctx) => {
  let sub: MqttClient
  let uns: ReturnType<typeof unsWatcher>
  before(async function () {
    sub = await connect(mqttUrl(ctx().hub))
    uns = unsWatcher(sub)
    await sub.subscribeAsync('acme/#', { qos: 1 })
  })
  after(async function () { await sub.endAsync() })

  it('publishes an order from release to completion under the plant equipment, WIP always current', async function () {
    const { mes } = ctx()
    await mes.workOrders.create(demoOrder('7001'), { who: 'erp:SAP' })
    await uns.waitFor(`${SITE}/events/order/7001`, (v) => v?.action === 'create')
    await mes.workOrders.release('7001', SUPERVISOR)
    const released = await uns.waitFor(`${SITE}/orders/7001/wip`, (v) => v?.status === 'released')
    assert.equal(released.retain, false, 'a live message to a subscriber is not flagged retained')
    assert.deepEqual(released.value?.queued, { count: 2, quantity: 100 })
    await uns.waitFor(`${LINE1}/orders/wip`, (v) => (v?.queued as { count: number }).count === 1)

    // Dispatch: the job appears under the press, retained, for the press and its terminal.
    const job = await mes.dispatch.dispatchNext('PRESSL1', 'PRESS01', SUPERVISOR)
    assert.ok(job)
    const dispatched = await uns.waitFor(`${PRESS1}/orders/dispatched/${job.jobId}`)
    assert.equal(dispatched.value?.state, 'AllowedToStart')
    assert.equal(dispatched.value?.material, 'ENCL-600')
    assert.equal(dispatched.value?.operationDescription, 'Stamp panels')
    assert.equal(dispatched.value?.quantity, 50)
    await uns.waitFor(`${SITE}/events/order/7001`, (v) => v?.action === 'dispatch' && v.jobId === job.jobId)
    await uns.waitFor(`${PRESS1}/orders/wip`, (v) => (v?.queued as { count: number }).count === 1)

    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
    const started = await uns.waitFor(`${PRESS1}/events/job/${job.jobId}`, (v) => v?.event === 'start')
    assert.equal(started.value?.from, 'AllowedToStart')
    assert.equal(started.value?.to, 'Running')
    assert.equal(started.value?.who, OP)
    await uns.waitFor(`${PRESS1}/orders/dispatched/${job.jobId}`, (v) => v?.state === 'Running')

    const r = await mes.wip.apply({ jobId: job.jobId, event: 'report', who: OP, good: 20, scrap: 1, scrapReason: 'SCR-CRACK' })
    const reported = await uns.waitFor(`${PRESS1}/events/job/${job.jobId}`, (v) => v?.event === 'report')
    assert.equal(reported.value?.good, 20)
    assert.equal(reported.value?.confirmationKey, r.confirmationKey)
    const unitWip = await uns.waitFor(`${PRESS1}/orders/wip`, (v) => (v?.done as { good: number }).good === 20)
    assert.deepEqual(unitWip.value, { workUnit: 'PRESS01', workCenter: 'PRESSL1', queued: { count: 0, quantity: 0 },
      running: { count: 1, quantity: 29 }, done: { good: 20, scrap: 1, rework: 0 } })
    const lineWip = await uns.waitFor(`${LINE1}/orders/wip`, (v) => (v?.done as { good: number }).good === 20)
    assert.deepEqual(lineWip.value?.running, { count: 1, quantity: 29 })

    await mes.wip.apply({ jobId: job.jobId, event: 'complete', who: OP, good: 29 })
    // The ended job's retained message is cleared: a press that reconnects does not see it again.
    await uns.waitFor(`${PRESS1}/orders/dispatched/${job.jobId}`, (_v, m) => m.payload.length === 0)
    const orderWip = await uns.waitFor(`${SITE}/orders/7001/wip`, (v) =>
      (v?.operations as Array<{ status: string }>)[0]!.status === 'completed')
    assert.equal(orderWip.value?.status, 'in-progress')
    assert.deepEqual(orderWip.value?.queued, { count: 1, quantity: 50 })
    await uns.waitFor(`acme/dallas/assembly/line-a/orders/wip`, (v) => (v?.queued as { count: number }).count === 1)

    // A subscriber that comes later gets the current state, retained.
    await ctx().hub.mes.bridge.flush()
    const late = await connect(mqttUrl(ctx().hub))
    const lateUns = unsWatcher(late)
    await late.subscribeAsync(`${PRESS1}/orders/#`, { qos: 1 })
    const current = await lateUns.waitFor(`${PRESS1}/orders/wip`)
    assert.equal(current.retain, true)
    assert.deepEqual(current.value?.done, { good: 49, scrap: 1, rework: 0 })
    assert.deepEqual(current.value?.running, { count: 0, quantity: 0 })
    await ctx().hub.mes.bridge.flush()
    assert.equal(lateUns.seen.filter((m) => m.topic.includes('/dispatched/')).length, 0, 'no retained job order for an ended job')
    await late.endAsync()
  })

  it('republishes open jobs when their order is held and released, and clears them when it is cancelled', async function () {
    const { mes } = ctx()
    await mes.workOrders.create(demoOrder('7002'), { who: 'erp:SAP' })
    await mes.workOrders.release('7002', SUPERVISOR)
    const job = await mes.dispatch.dispatchOperation('7002', 10, 'PRESS02', SUPERVISOR)
    const topic = `${LINE1}/press-2/orders/dispatched/${job.jobId}`
    await uns.waitFor(topic, (v) => v?.state === 'AllowedToStart')
    await mes.workOrders.hold('7002', SUPERVISOR)
    await uns.waitFor(`${SITE}/orders/7002/wip`, (v) => v?.status === 'held')
    await mes.workOrders.release('7002', SUPERVISOR)
    await uns.waitFor(`${SITE}/orders/7002/wip`, (v) => v?.status === 'released')
    await uns.waitFor(`${SITE}/events/order/7002`, (v) => v?.action === 'release')
    await mes.workOrders.cancel('7002', SUPERVISOR)
    await uns.waitFor(topic, (_v, m) => m.payload.length === 0)
    await uns.waitFor(`${SITE}/events/order/7002`, (v) => v?.action === 'cancel' && v.status === 'cancelled')
  })

  it('refuses to dispatch to a work unit of another work center, by the plant model', async function () {
    const { mes } = ctx()
    await mes.workOrders.create(demoOrder('7003'), { who: 'erp:SAP' })
    await mes.workOrders.release('7003', SUPERVISOR)
    await assert.rejects(mes.dispatch.dispatchNext('PRESSL1', 'ASSYA10', SUPERVISOR), (err: Error) => {
      assert.ok(err instanceof DispatchRefusedError)
      assert.match(err.message, /work unit ASSYA10 does not belong to work center PRESSL1/)
      return true
    })
    assert.equal((await mes.dispatch.list('PRESSL1')).some((d) => d.orderNumber === '7003'), true, 'still waiting for dispatch')
  })

  it('publishes codes the plant model does not know under the site, and says so once in the log', async function () {
    const { mes } = ctx()
    warnings.length = 0
    await mes.workOrders.create(demoOrder('7004', { operations: [{ sequence: 10, workCenter: 'WC-X', runTimePerUnit: 1 }] }), { who: 'erp:SAP' })
    await mes.workOrders.release('7004', SUPERVISOR)
    const job = await mes.dispatch.dispatchNext('WC-X', 'UNIT-9', SUPERVISOR)
    assert.ok(job)
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
    await mes.wip.apply({ jobId: job.jobId, event: 'report', who: OP, good: 5 })
    await uns.waitFor(`${SITE}/orders/work-units/UNIT-9/dispatched/${job.jobId}`, (v) => v?.state === 'Running')
    await uns.waitFor(`${SITE}/events/work-units/UNIT-9/job/${job.jobId}`, (v) => v?.event === 'report')
    await uns.waitFor(`${SITE}/orders/work-units/UNIT-9/wip`, (v) => (v?.done as { good: number }).good === 5)
    await uns.waitFor(`${SITE}/orders/work-centers/WC-X/wip`, (v) => (v?.done as { good: number }).good === 5)
    assert.equal(warnings.filter((l) => l.includes("work center 'WC-X'")).length, 1, warnings.join('\n'))
    assert.equal(warnings.filter((l) => l.includes("work unit 'UNIT-9'")).length, 1, warnings.join('\n'))
    assert.match(warnings.find((l) => l.includes("'WC-X'"))!, /sap: \{ workCenter: WC-X \}/)
  })
}, { log })

for (const make of storeKinds()) {
  const kind = make()
  describe(`MES open jobs after a restart [${kind.name}]`, function () {
    before(async function () { if (kind.name === 'postgres') await assertPostgresReachable() })
    after(async function () { await kind.cleanup() })

    it('republishes the open jobs and their WIP at start, also into a broker that lost its retained messages', async function () {
      kind.prepare()
      const first = await startHub(testConfig(undefined, (c) => { c.mes = kind.hubConfig() }), silentLogger)
      let jobId: string
      try {
        await first.mes.mes.workOrders.create(demoOrder('7101'), { who: 'erp:SAP' })
        await first.mes.mes.workOrders.release('7101', SUPERVISOR)
        const job = await first.mes.mes.dispatch.dispatchNext('PRESSL1', 'PRESS02', SUPERVISOR)
        jobId = job!.jobId
        await first.mes.mes.wip.apply({ jobId, event: 'start', who: OP })
      } finally {
        await first.stop()
      }
      // A new data directory: no retained messages; the MES store is the same.
      const second = await startHub(testConfig(undefined, (c) => { c.mes = kind.hubConfig() }), silentLogger)
      try {
        const sub = await connect(mqttUrl(second))
        const uns = unsWatcher(sub)
        await sub.subscribeAsync('acme/#', { qos: 1 })
        const dispatched = await uns.waitFor(`${LINE1}/press-2/orders/dispatched/${jobId}`)
        assert.equal(dispatched.retain, true)
        assert.equal(dispatched.value?.state, 'Running')
        const wip = await uns.waitFor(`${LINE1}/press-2/orders/wip`)
        assert.deepEqual(wip.value?.running, { count: 1, quantity: 50 })
        await uns.waitFor(`${SITE}/orders/7101/wip`, (v) => v?.status === 'in-progress')
        await sub.endAsync()
      } finally {
        await second.stop()
      }
    })
  })
}
