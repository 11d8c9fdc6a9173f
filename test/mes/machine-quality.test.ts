// Inspection results from a gauge in the Unified Namespace, through a real hub and a real MQTT client: the press's
// machine account publishes a measurement on `<press>/quality/<characteristic>` and it is recorded against the job
// Running on the press; out of spec, the lot is held; refused results are reported on $hub/errors; a redelivered
// message is recorded once. Runs on the stores of HUB_TEST_STORES.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, unsValue } from '../support/hub-fixture'
import { hashPassword } from '../../core/passwords'
import { demoOrder, forEachHubStore, unsWatcher, type HubCtx } from './hub-stores'

const PRESS1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS2 = 'acme/dallas/press-shop/line-1/press-2'
const GAUGE = { username: 'press-1', password: 'press-1-secret' }
const SUPERVISOR = { who: 'supervisor.sue' }
const OP = 'op.oscar'

let passwordHash = ''
before(async function () { passwordHash = await hashPassword(GAUGE.password) })

/** Order `orderNumber` with op 10 Running on PRESS01 and its inspection plan: a thickness in MMT and a visual check, about lot `lotId`. */
async function inspectedJob (ctx: HubCtx, orderNumber: string, lotId: string): Promise<string> {
  const { mes } = ctx
  await mes.materials.receiveLot({ lotId, material: 'ENCL-600', quantity: 50, unit: 'PCE', who: 'wms:WH1' })
  await mes.workOrders.create(demoOrder(orderNumber), { who: 'erp:SAP' })
  await mes.workOrders.release(orderNumber, SUPERVISOR)
  await mes.quality.setInspectionPlan({
    orderNumber, lotId, who: 'sap-qm',
    operations: [{
      sequence: 10,
      characteristics: [
        { characteristic: '0010', description: 'sheet thickness', kind: 'quantitative', unit: 'MMT', lowerLimit: 1.95, upperLimit: 2.05, target: 2, defectCode: 'THK-OOT' },
        { characteristic: '0020', description: 'surface', kind: 'qualitative' }
      ]
    }]
  })
  const job = await mes.dispatch.dispatchOperation(orderNumber, 10, 'PRESS01', SUPERVISOR)
  await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
  return job.jobId
}

forEachHubStore('Inspection results from a gauge in the Unified Namespace', (ctx) => {
  let admin: MqttClient
  let seen: ReturnType<typeof unsWatcher>
  let gauge: MqttClient
  before(async function () {
    await ctx().mes.materials.define({ material: 'ENCL-600', unit: 'PCE' }, 'erp:SAP')
    admin = await connect(mqttUrl(ctx().hub))
    seen = unsWatcher(admin)
    await admin.subscribeAsync(['$hub/errors/#'], { qos: 1 })
    gauge = await connect(mqttUrl(ctx().hub), GAUGE)
  })
  after(async function () { await Promise.all([admin.endAsync(), gauge.endAsync()]) })

  /** The report on $hub/errors of a refused result on `topic`. */
  const reportOn = async (topic: string, pred: (r: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> => {
    const m = await seen.waitFor(`$hub/errors/${topic}`, (_v, m) => pred(JSON.parse(m.payload.toString()) as Record<string, unknown>))
    return JSON.parse(m.payload.toString()) as Record<string, unknown>
  }

  it('a measurement in spec is recorded against the running job, as the press\'s machine account, at the gauge\'s time', async function () {
    const { mes, hub } = ctx()
    const jobId = await inspectedJob(ctx(), '9101', 'QL-1')
    const at = Date.parse('2026-11-30T08:15:00.000Z')
    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(2.01, { timestamp: at, unit: 'MMT', properties: { lotId: 'QL-1', source: 'gauge-7' } }), { qos: 1 })
    await gauge.publishAsync(`${PRESS1}/quality/0020`, unsValue('accepted'), { qos: 1 })
    await hub.mes.machineQuality.flush()
    const results = await mes.quality.resultsOf({ orderNumber: '9101' })
    assert.deepEqual(results.map((r) => [r.characteristic, r.value, r.unit, r.attribute, r.evaluation, r.jobId, r.equipment, r.who, r.lotId]), [
      ['0010', 2.01, 'MMT', null, 'accepted', jobId, 'PRESS01', 'machine:press-1', 'QL-1'],
      ['0020', null, null, 'accepted', 'accepted', jobId, 'PRESS01', 'machine:press-1', null]
    ])
    assert.equal(results[0]!.at, '2026-11-30T08:15:00.000Z')
    assert.match(results[0]!.resultId!, new RegExp(`^uns:PRESS01:0010@${at}:[0-9a-f]{16}$`))
    assert.equal((await mes.materials.lot('QL-1')).status, 'released')
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 50 })
  })

  it('out of spec: the result is rejected, a nonconformance opened and the lot held', async function () {
    const { mes, hub } = ctx()
    const jobId = await inspectedJob(ctx(), '9102', 'QL-2')
    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(2.2, { unit: 'MMT', properties: { lotId: 'QL-2', resultId: 'g-1' } }), { qos: 1 })
    await hub.mes.machineQuality.flush()
    const [result] = await mes.quality.resultsOf({ orderNumber: '9102' })
    assert.equal(result!.evaluation, 'rejected')
    assert.equal(result!.resultId, 'uns:PRESS01:g-1')
    const nc = await mes.quality.nonconformance(result!.ncId!)
    assert.deepEqual([nc.lotId, nc.defectCode, nc.jobId, nc.reportedBy], ['QL-2', 'THK-OOT', jobId, 'machine:press-1'])
    assert.match(nc.description, /2\.2 MMT outside 1\.95\.\.2\.05/)
    assert.equal((await mes.materials.lot('QL-2')).status, 'on-hold')
    assert.equal((await mes.holds.get(nc.holdId!)).status, 'active')
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 50 })
  })

  it('a redelivered message, or the same resultId again, is recorded once', async function () {
    const { mes, hub } = ctx()
    const jobId = await inspectedJob(ctx(), '9103', 'QL-3')
    const message = unsValue(1.99, { unit: 'MMT' })
    await gauge.publishAsync(`${PRESS1}/quality/0010`, message, { qos: 1 })
    await gauge.publishAsync(`${PRESS1}/quality/0010`, message, { qos: 1, dup: true })
    // The gauge's own id, sent again (it did not hear the PUBACK): the same result.
    const named = unsValue(2.0, { unit: 'MMT', properties: { resultId: 'g-2' } })
    await gauge.publishAsync(`${PRESS1}/quality/0010`, named, { qos: 1 })
    await gauge.publishAsync(`${PRESS1}/quality/0010`, named, { qos: 1 })
    // Published with retain, for the dashboards: recorded when it arrives, like any other, in arrival order.
    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(2.02, { unit: 'MMT' }), { qos: 1, retain: true })
    await hub.mes.machineQuality.flush()
    const results = await mes.quality.resultsOf({ orderNumber: '9103' })
    assert.deepEqual(results.map((r) => r.value), [1.99, 2.0, 2.02])
    // A different result under a used resultId is no redelivery: refused and reported, the first one stands.
    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(2.03, { unit: 'MMT', properties: { resultId: 'g-2' } }), { qos: 1 })
    const report = await reportOn(`${PRESS1}/quality/0010`, (r) => String(r.reason).includes('g-2'))
    assert.match(String(report.reason), /result uns:PRESS01:g-2 was recorded already with other (at, )?value/)
    assert.equal((await mes.quality.resultsOf({ orderNumber: '9103' })).length, 3)
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 50 })
  })

  it('refused results are reported on $hub/errors with the reason, nothing recorded', async function () {
    const { mes, hub } = ctx()
    const jobId = await inspectedJob(ctx(), '9104', 'QL-4')
    const before = await mes.quality.resultsOf({ orderNumber: '9104' })

    await gauge.publishAsync(`${PRESS1}/quality/0099`, unsValue(2.0, { unit: 'MMT' }), { qos: 1 })
    const unknown = await reportOn(`${PRESS1}/quality/0099`)
    assert.equal(unknown.error, 'QUALITY_REFUSED')
    assert.deepEqual(unknown.publisher, { kind: 'mes', id: 'machine-quality' })
    assert.match(String(unknown.reason), /operation 10 of order 9104 has no characteristic 0099 \(its characteristics: 0010, 0020\)/)

    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(0.079, { unit: 'INH' }), { qos: 1 })
    const unit = await reportOn(`${PRESS1}/quality/0010`, (r) => String(r.reason).includes('INH'))
    assert.match(String(unit.reason), /characteristic 0010 is measured in MMT, the result is in INH/)

    await gauge.publishAsync(`${PRESS1}/quality/0020`, unsValue(3), { qos: 1 })
    await reportOn(`${PRESS1}/quality/0020`, (r) => /qualitative/.test(String(r.reason)))

    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(2.0, { unit: 'MMT', quality: 'BAD' }), { qos: 1 })
    await reportOn(`${PRESS1}/quality/0010`, (r) => /quality is BAD/.test(String(r.reason)))

    await gauge.publishAsync(`${PRESS1}/quality/0010`, unsValue(2.0, { unit: 'MMT', properties: { lotId: 42 } }), { qos: 1 })
    await reportOn(`${PRESS1}/quality/0010`, (r) => /properties\/lotId/.test(String(r.reason)))

    // No job Running on press 2 (an admin publishes there: the press's account may not).
    await admin.publishAsync(`${PRESS2}/quality/0010`, unsValue(2.0, { unit: 'MMT' }), { qos: 1 })
    const idle = await reportOn(`${PRESS2}/quality/0010`)
    assert.match(String(idle.reason), /no job is Running on work unit PRESS02/)

    await hub.mes.machineQuality.flush()
    assert.deepEqual(await mes.quality.resultsOf({ orderNumber: '9104' }), before)
    assert.equal((await mes.materials.lot('QL-4')).status, 'released')
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 50 })
  })
}, {
  patch: (c) => {
    c.mqtt.accounts = [{ username: 'press-1', passwordHash, role: 'machine', equipment: [PRESS1] }]
  }
})
