// Holds in the Unified Namespace, seen by a real MQTT client of a real hub: a lot's retained state carries its
// active holds (and every placement and release is a lot event); an order's and a work unit's active holds are
// retained beside their WIP; every placement and release is an event under the site. Topics only the MES writes.
// Runs on the stores of HUB_TEST_STORES.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl } from '../support/hub-fixture'
import { isMesWritten } from '../../plant/mes-topics'
import { HoldTargetError } from '../../mes/errors'
import { demoOrder, forEachHubStore, unsWatcher } from './hub-stores'

const PRESS1 = 'acme/dallas/press-shop/line-1/press-1'
const SITE = 'acme/dallas'
const QA = 'qa.quinn'

forEachHubStore('Holds in the Unified Namespace', (ctx) => {
  let sub: MqttClient
  let uns: ReturnType<typeof unsWatcher>
  before(async function () {
    await ctx().mes.materials.define({ material: 'STEEL-SHEET', unit: 'KG' }, 'erp:SAP')
    sub = await connect(mqttUrl(ctx().hub))
    uns = unsWatcher(sub)
    await sub.subscribeAsync(['acme/#'], { qos: 1 })
  })
  after(async function () { await sub.endAsync() })

  it('a held lot\'s retained state names its holds, one by one to none; each placement and release is a lot event', async function () {
    const { mes } = ctx()
    await mes.materials.receiveLot({ lotId: 'HL-1', material: 'STEEL-SHEET', quantity: 100, unit: 'KG', who: 'wms:WH1' })
    await mes.holds.place({ holdId: 'QN-1', target: { kind: 'lot', id: 'HL-1' }, reason: 'coating thickness', who: QA, source: 'qms', reference: '200000001' })
    await mes.holds.place({ holdId: 'NC-1', target: { kind: 'lot', id: 'HL-1' }, reason: 'scratches', who: QA, source: 'nonconformance' })
    const placed = await uns.waitFor(`${SITE}/materials/lot-events/HL-1`, (v) => v?.event === 'hold-placed' && v.holdId === 'QN-1')
    assert.deepEqual([placed.retain, placed.value?.status, placed.value?.reason, placed.value?.who, placed.value?.reference],
      [false, 'on-hold', 'coating thickness', QA, '200000001'])
    const both = await uns.waitFor(`${SITE}/materials/lots/HL-1`, (v) => (v?.holds as unknown[] | undefined)?.length === 2)
    assert.equal(both.value?.status, 'on-hold')
    assert.deepEqual((both.value?.holds as Array<Record<string, unknown>>).map((h) => `${String(h.holdId)} ${String(h.source)} ${String(h.placedBy)}: ${String(h.reason)}`),
      ['QN-1 qms qa.quinn: coating thickness', 'NC-1 nonconformance qa.quinn: scratches'])

    await mes.holds.release('QN-1', { who: 'qa.lead', why: 'within spec on re-measure' })
    // (The first placement's state had one hold too: QN-1.)
    const one = await uns.waitFor(`${SITE}/materials/lots/HL-1`, (v) => JSON.stringify((v?.holds as Array<{ holdId: string }> | undefined)?.map((h) => h.holdId)) === '["NC-1"]')
    assert.equal(one.value?.status, 'on-hold')
    const released = await uns.waitFor(`${SITE}/materials/lot-events/HL-1`, (v) => v?.event === 'hold-released' && v.holdId === 'QN-1')
    assert.deepEqual([released.value?.who, released.value?.why], ['qa.lead', 'within spec on re-measure'])
    await mes.holds.release('NC-1', { who: 'qa.lead', why: 'polished' })
    await uns.waitFor(`${SITE}/materials/lots/HL-1`, (v) => v?.status === 'released' && (v.holds as unknown[]).length === 0)
    // What a subscriber that comes later reads, retained.
    await ctx().hub.mes.materials.flush()
    const late = await connect(mqttUrl(ctx().hub))
    const lateUns = unsWatcher(late)
    await late.subscribeAsync(`${SITE}/materials/lots/HL-1`, { qos: 1 })
    const state = await lateUns.waitFor(`${SITE}/materials/lots/HL-1`)
    assert.deepEqual([state.retain, state.value?.status, state.value?.holds], [true, 'released', []])
    await late.endAsync()
  })

  it('an order\'s and a work unit\'s active holds are retained beside their WIP; every hold is an event under the site', async function () {
    const { mes, hub } = ctx()
    await mes.workOrders.create(demoOrder('9100'), { who: 'erp:SAP' })
    await mes.holds.place({ holdId: 'QN-9100', target: { kind: 'order', id: '9100' }, reason: 'first article pending', who: QA })
    await mes.holds.place({ holdId: 'CAL-P1', target: { kind: 'work-unit', id: 'PRESS01' }, reason: 'die calibration', who: 'maint.max' })
    const order = await uns.waitFor(`${SITE}/orders/9100/holds`, (v) => v?.held === true)
    assert.deepEqual(order.value?.orderNumber, '9100')
    assert.deepEqual((order.value?.holds as Array<Record<string, unknown>>).map((h) => [h.holdId, h.reason, h.placedBy]),
      [['QN-9100', 'first article pending', QA]])
    const unit = await uns.waitFor(`${PRESS1}/orders/holds`, (v) => v?.held === true)
    assert.deepEqual([unit.value?.workUnit, (unit.value?.holds as Array<{ holdId: string }>)[0]!.holdId], ['PRESS01', 'CAL-P1'])
    const event = await uns.waitFor(`${SITE}/events/hold/QN-9100`, (v) => v?.event === 'placed')
    assert.deepEqual([event.retain, (event.value?.target as { kind: string }).kind, event.value?.who], [false, 'order', QA])

    await mes.holds.release('QN-9100', { who: 'qa.lead', why: 'first article approved' })
    await mes.holds.release('CAL-P1', { who: 'maint.max', why: 'calibrated' })
    await uns.waitFor(`${SITE}/events/hold/QN-9100`, (v) => v?.event === 'released' && v.releaseWhy === 'first article approved')
    await uns.waitFor(`${SITE}/orders/9100/holds`, (v) => v?.held === false && (v.holds as unknown[]).length === 0)
    await uns.waitFor(`${PRESS1}/orders/holds`, (v) => v?.held === false)

    // A subscriber that comes later reads "free", retained; a machine may not publish there.
    await hub.mes.holds.flush()
    const late = await connect(mqttUrl(hub))
    const lateUns = unsWatcher(late)
    await late.subscribeAsync([`${PRESS1}/orders/holds`, `${SITE}/orders/9100/holds`], { qos: 1 })
    const states = await Promise.all([`${PRESS1}/orders/holds`, `${SITE}/orders/9100/holds`].map(async (t) => await lateUns.waitFor(t)))
    assert.deepEqual(states.map((m) => [m.retain, m.value?.held]), [[true, false], [true, false]])
    await late.endAsync()
    for (const t of [`${PRESS1}/orders/holds`, `${SITE}/orders/9100/holds`, `${SITE}/events/hold/QN-9100`, `${SITE}/orders/work-units/X-1/holds`]) {
      assert.equal(isMesWritten(t), true, t)
    }
    assert.equal(isMesWritten(`${PRESS1}/orders/current`), false)
  })

  it('holds only the work units the plant model binds (or that have run a job)', async function () {
    await assert.rejects(ctx().mes.holds.place({ target: { kind: 'work-unit', id: 'NOT-IN-MODEL' }, reason: 'x', who: QA }),
      (err: unknown) => err instanceof HoldTargetError && /work unit NOT-IN-MODEL is not in the plant model/.test(err.message))
    // The line (a work center), not a unit: refused as well.
    await assert.rejects(ctx().mes.holds.place({ target: { kind: 'work-unit', id: 'PRESSL1' }, reason: 'x', who: QA }), HoldTargetError)
  })
})
