// Process values of an operation captured from real UNS publishes (a real hub, a real mqtt.js client) while its
// job runs: the value at start and at complete, min/max/mean over the running time (not while paused), stored with
// the job and shown in the as-built record; and carried on across a hub restart.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, testConfig, unsValue } from '../support/hub-fixture'
import { silentLogger } from '../../core/logger'
import { startHub, type RunningHub } from '../../hub/hub'
import type { Mes } from '../../mes/index'
import type { ProcessValueRecorder } from '../../mes/process-values'
import { ValidationError } from '../../core/errors'
import { demoOrder, forEachHubStore } from './hub-stores'
import { assertPostgresReachable, storeKinds } from './stores'

const PRESS1 = 'acme/dallas/press-shop/line-1/press-1'
const HALL = 'acme/dallas/press-shop/measurements/hall-temp'
const SUPERVISOR = { who: 'supervisor.sue' }
const OP = 'op.oscar'

/** An order whose stamping operation captures the press force (relative topic) and the hall temperature (absolute). */
function order (orderNumber: string): Record<string, unknown> {
  const o = demoOrder(orderNumber)
  const [stamp, assemble] = o.operations as Array<Record<string, unknown>>
  return {
    ...o,
    operations: [{
      ...stamp,
      processValues: [{ name: 'force', topic: 'measurements/force', unit: 'kN' }, { name: 'hall-temp', topic: `/${HALL}`, unit: 'CEL' }]
    }, assemble]
  }
}

/** Waits until the recorder has seen `samples` values of a metric of a job (the publishes travel through the broker). */
async function samplesReach (rec: ProcessValueRecorder, jobId: string, name: string, samples: number): Promise<void> {
  const deadline = Date.now() + 5000
  for (;;) {
    const c = rec.captured(jobId).find((x) => x.name === name)
    if (c !== undefined && c.samples >= samples) return
    if (Date.now() > deadline) throw new Error(`${name} of job ${jobId}: ${c?.samples ?? 0} samples, not ${samples}, after 5 s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function startedJob (mes: Mes, rec: ProcessValueRecorder, orderNumber: string): Promise<string> {
  await mes.workOrders.create(order(orderNumber), { who: 'erp:SAP' })
  await mes.workOrders.release(orderNumber, SUPERVISOR)
  const job = await mes.dispatch.dispatchNext('PRESSL1', 'PRESS01', SUPERVISOR)
  assert.ok(job)
  await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
  await rec.idle()
  return job.jobId
}

async function defineSerials (mes: Mes): Promise<void> {
  await mes.materials.define({ material: 'ENCL-600', unit: 'PCE' }, 'erp:SAP')
}

forEachHubStore('process values of an operation, captured from the namespace', (ctx) => {
  let machine: MqttClient
  before(async function () { machine = await connect(mqttUrl(ctx().hub)) })
  after(async function () { await machine.endAsync() })
  const publish = async (topic: string, value: number, retain = false): Promise<void> => {
    await machine.publishAsync(topic, unsValue(value), { qos: 1, retain })
  }

  it('start and complete values, min/max/mean while running (not while paused), in the as-built record', async function () {
    const { mes, hub } = ctx()
    const rec = hub.mes.processValues
    await defineSerials(mes)
    await publish(`${PRESS1}/measurements/force`, 10, true)
    await publish(HALL, 21, true)
    const jobId = await startedJob(mes, rec, '7101')
    // The values at start (retained) are the first samples: a metric reported by exception may never change again.
    assert.deepEqual(rec.captured(jobId).map((c) => [c.name, c.topic, c.atStart, c.samples]),
      [['force', `${PRESS1}/measurements/force`, 10, 1], ['hall-temp', HALL, 21, 1]])
    for (const v of [20, 5, 15]) await publish(`${PRESS1}/measurements/force`, v)
    await samplesReach(rec, jobId, 'force', 4)
    await mes.wip.apply({ jobId, event: 'pause', who: OP, why: 'die change' })
    await rec.idle()
    await publish(`${PRESS1}/measurements/force`, 500)
    await publish(`${PRESS1}/measurements/force`, 30)
    await mes.wip.apply({ jobId, event: 'resume', who: OP })
    await rec.idle()
    // 500 came and went while paused; 30 is the value at resume and counts.
    await samplesReach(rec, jobId, 'force', 5)
    await publish(`${PRESS1}/measurements/force`, 40)
    await samplesReach(rec, jobId, 'force', 6)
    await mes.materials.produce({ jobId, who: OP, material: 'ENCL-600', serials: ['EN-1'] })
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
    await rec.idle()
    assert.deepEqual(rec.captured(jobId), [])

    const record = await mes.materials.asBuilt({ serial: 'EN-1' })
    assert.deepEqual(record.operations[0]!.processValues, [
      { name: 'force', topic: `${PRESS1}/measurements/force`, unit: 'kN', atStart: 10, atComplete: 40, min: 5, max: 40, mean: 20, samples: 6 },
      // Never published during the job: its value at start and again at resume are its samples.
      { name: 'hall-temp', topic: HALL, unit: 'CEL', atStart: 21, atComplete: 21, min: 21, max: 21, mean: 21, samples: 2 }
    ])
    // And in B2MML: SegmentData of the operation's SegmentResponse.
    const b2mml = await mes.materials.asBuiltB2mml({ serial: 'EN-1' })
    const seg = (b2mml.OperationsPerformance.OperationsPerformance as Record<string, any>).OperationsResponse[0].SegmentResponse[0] // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(seg.SegmentData.map((d: { ID: string }) => d.ID), [`${PRESS1}/measurements/force`, HALL])
  })

  it('a value that is not a number is not a sample; a job of an operation without process values captures nothing', async function () {
    const { mes, hub } = ctx()
    const rec = hub.mes.processValues
    await publish(`${PRESS1}/measurements/force`, 10, true)
    const jobId = await startedJob(mes, rec, '7102')
    await machine.publishAsync(`${PRESS1}/measurements/force`, unsValue('high'), { qos: 1 })
    await publish(`${PRESS1}/measurements/force`, 12)
    await samplesReach(rec, jobId, 'force', 2)
    assert.equal(rec.captured(jobId).find((c) => c.name === 'force')!.samples, 2)
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
    await rec.idle()
    // Operation 20 names none.
    const next = await mes.dispatch.dispatchOperation('7102', 20, 'ASSYA10', SUPERVISOR)
    await mes.wip.apply({ jobId: next.jobId, event: 'start', who: OP })
    await rec.idle()
    assert.deepEqual(rec.captured(next.jobId), [])
    await mes.wip.apply({ jobId: next.jobId, event: 'complete', who: OP, good: 1 })
  })

  it('an operation naming the same process value twice, or a wildcard topic, is refused', async function () {
    const { mes } = ctx()
    const o = order('7103') as { operations: Array<Record<string, unknown>> }
    o.operations[0]!.processValues = [{ name: 'force', topic: 'measurements/force' }, { name: 'force', topic: 'measurements/f2' }]
    await assert.rejects(mes.workOrders.create(o, { who: 'erp:SAP' }), (e: unknown) => e instanceof ValidationError &&
      e.problems.some((p) => p.path === '/operations/0/processValues/1/name' && /duplicate process value force/.test(p.message)))
    o.operations[0]!.processValues = [{ name: 'force', topic: 'measurements/#' }]
    await assert.rejects(mes.workOrders.create(o, { who: 'erp:SAP' }), (e: unknown) => e instanceof ValidationError &&
      e.problems.some((p) => p.path === '/operations/0/processValues/0/topic'))
  })
})

for (const make of storeKinds()) {
  const kind = make()
  describe(`process values across a hub restart [${kind.name}]`, function () {
    let hub: RunningHub | undefined
    before(async function () { if (kind.name === 'postgres') await assertPostgresReachable() })
    afterEach(async function () {
      await hub?.stop()
      hub = undefined
      await kind.cleanup()
    })

    it('the aggregate stored at stop is carried on by the next hub, which follows the Running job again', async function () {
      kind.prepare()
      const config = testConfig(undefined, (c) => { c.mes = { ...kind.hubConfig() } })
      hub = await startHub(config, silentLogger)
      let machine = await connect(mqttUrl(hub))
      await machine.publishAsync(`${PRESS1}/measurements/force`, unsValue(10), { qos: 1, retain: true })
      const jobId = await startedJob(hub.mes.mes, hub.mes.processValues, '7201')
      await machine.publishAsync(`${PRESS1}/measurements/force`, unsValue(30), { qos: 1 })
      await samplesReach(hub.mes.processValues, jobId, 'force', 2)
      await machine.endAsync()
      await hub.stop()

      hub = await startHub(config, silentLogger)
      const rec = hub.mes.processValues
      // Resumed from the store (10 at start, then 30); the value at restart (the retained 10) counts as a sample.
      const force = rec.captured(jobId).find((c) => c.name === 'force')!
      assert.equal(force.atStart, 10)
      assert.equal(force.min, 10)
      assert.equal(force.max, 30)
      machine = await connect(mqttUrl(hub))
      const before = force.samples
      await machine.publishAsync(`${PRESS1}/measurements/force`, unsValue(2), { qos: 1 })
      await samplesReach(rec, jobId, 'force', before + 1)
      await machine.endAsync()
      await hub.mes.mes.materials.define({ material: 'ENCL-600', unit: 'PCE' }, 'erp:SAP')
      await hub.mes.mes.materials.produce({ jobId, who: OP, material: 'ENCL-600', serials: ['EN-9'] })
      await hub.mes.mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
      await rec.idle()
      const pv = (await hub.mes.mes.materials.asBuilt({ serial: 'EN-9' })).operations[0]!.processValues.find((p) => p.name === 'force')!
      assert.deepEqual({ atStart: pv.atStart, atComplete: pv.atComplete, min: pv.min, max: pv.max }, { atStart: 10, atComplete: 2, min: 2, max: 30 })
      assert.equal(pv.samples, before + 1)
    })

    it('a job paused when the hub stops and aborted after its restart still gets its value at the end', async function () {
      kind.prepare()
      const config = testConfig(undefined, (c) => { c.mes = { ...kind.hubConfig() } })
      hub = await startHub(config, silentLogger)
      const machine = await connect(mqttUrl(hub))
      await machine.publishAsync(`${PRESS1}/measurements/force`, unsValue(10), { qos: 1, retain: true })
      const jobId = await startedJob(hub.mes.mes, hub.mes.processValues, '7202')
      await hub.mes.mes.materials.define({ material: 'ENCL-600', unit: 'PCE' }, 'erp:SAP')
      await hub.mes.mes.materials.produce({ jobId, who: OP, material: 'ENCL-600', serials: ['EN-8'] })
      await hub.mes.mes.wip.apply({ jobId, event: 'pause', who: OP })
      await hub.mes.processValues.idle()
      await machine.publishAsync(`${PRESS1}/measurements/force`, unsValue(12), { qos: 1, retain: true })
      await machine.endAsync()
      await hub.stop()

      hub = await startHub(config, silentLogger)
      assert.deepEqual(hub.mes.processValues.captured(jobId), [], 'a paused job is not followed')
      await hub.mes.mes.wip.apply({ jobId, event: 'abort', who: SUPERVISOR.who, why: 'die broken' })
      await hub.mes.processValues.idle()
      const pv = (await hub.mes.mes.materials.asBuilt({ serial: 'EN-8' })).operations[0]!.processValues.find((p) => p.name === 'force')!
      assert.deepEqual({ atStart: pv.atStart, atComplete: pv.atComplete, samples: pv.samples }, { atStart: 10, atComplete: 12, samples: 1 })
    })
  })
}
