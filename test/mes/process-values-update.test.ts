// An ERP update that changes the process values of an operation, seen from real UNS publishes (a real hub, a real
// mqtt.js client): a Running job of the operation follows the change at once, without a restart (an added metric is
// captured from then on, without a value at start; a removed one keeps what it captured); the change is stored and
// is one of the update's changes; a completed operation's list is closed; the same list again is no change.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, unsValue } from '../support/hub-fixture'
import type { Mes } from '../../mes/index'
import { UpdateRefusedError } from '../../mes/errors'
import type { ProcessValueRecorder } from '../../mes/process-values'
import { demoOrder, forEachHubStore } from './hub-stores'

const PRESS1 = 'acme/dallas/press-shop/line-1/press-1'
const HALL = 'acme/dallas/press-shop/measurements/hall-temp'
const SUPERVISOR = { who: 'supervisor.sue' }
const ERP = { who: 'erp:SAP' }
const OP = 'op.oscar'

const FORCE = { name: 'force', topic: 'measurements/force', unit: 'kN' }
const HALL_TEMP = { name: 'hall-temp', topic: `/${HALL}`, unit: 'CEL' }
const PRESSURE = { name: 'pressure', topic: 'measurements/pressure', unit: 'bar' }

/** The demo order's routing with these process values on the stamping operation (10). */
function routing (processValues: unknown[]): Array<Record<string, unknown>> {
  const [stamp, assemble] = demoOrder('x').operations as Array<Record<string, unknown>>
  return [{ ...stamp, processValues }, assemble!]
}

async function runningJob (mes: Mes, rec: ProcessValueRecorder, orderNumber: string, processValues: unknown[]): Promise<string> {
  await mes.workOrders.create(demoOrder(orderNumber, { operations: routing(processValues) }), ERP)
  await mes.workOrders.release(orderNumber, SUPERVISOR)
  const job = await mes.dispatch.dispatchOperation(orderNumber, 10, 'PRESS01', SUPERVISOR)
  await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
  await rec.idle()
  return job.jobId
}

/** Waits until the recorder holds what `probe` looks for (the publishes and the update's event travel). */
async function recorderShows (what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`recorder: ${what}, not within 5 s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

forEachHubStore('process values changed by an ERP update', (ctx) => {
  let machine: MqttClient
  before(async function () {
    machine = await connect(mqttUrl(ctx().hub))
    await ctx().mes.materials.define({ material: 'ENCL-600', unit: 'PCE' }, 'erp:SAP')
  })
  after(async function () { await machine.endAsync() })
  const publish = async (topic: string, value: number, retain = false): Promise<void> => {
    await machine.publishAsync(topic, unsValue(value), { qos: 1, retain })
  }
  const capture = (rec: ProcessValueRecorder, jobId: string, name: string) => rec.captured(jobId).find((c) => c.name === name)

  it('a Running job captures a process value the update adds, and stops following one it removes, keeping what it captured', async function () {
    const { mes, hub } = ctx()
    const rec = hub.mes.processValues
    await publish(`${PRESS1}/measurements/force`, 10, true)
    await publish(HALL, 21, true)
    await publish(`${PRESS1}/measurements/pressure`, 6, true)
    const jobId = await runningJob(mes, rec, '7201', [FORCE, HALL_TEMP])
    await publish(HALL, 23)
    await recorderShows('hall-temp has 2 samples', () => capture(rec, jobId, 'hall-temp')?.samples === 2)

    const r = await mes.workOrders.update('7201', { operations: routing([FORCE, PRESSURE]) }, ERP)
    assert.deepEqual(r.changes, ['operation 10 process values: added pressure; removed hall-temp'])
    const audit = (await mes.audit.forEntity('WorkOrder', '7201')).at(-1)!
    assert.equal(audit.action, 'update')
    assert.deepEqual((JSON.parse(String(audit.newValue)) as { changes: string[] }).changes, r.changes)
    // Followed at once: the value now (retained) is its first sample; it was not heard at start.
    await recorderShows('pressure followed', () => capture(rec, jobId, 'pressure')?.samples === 1)
    assert.equal(capture(rec, jobId, 'pressure')!.atStart, null)
    assert.equal(capture(rec, jobId, 'hall-temp'), undefined)
    for (const v of [8, 4]) await publish(`${PRESS1}/measurements/pressure`, v)
    await publish(HALL, 99)
    await recorderShows('pressure has 3 samples', () => capture(rec, jobId, 'pressure')?.samples === 3)

    await mes.materials.produce({ jobId, who: OP, material: 'ENCL-600', serials: ['EN-7201'] })
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
    await rec.idle()
    const record = await mes.materials.asBuilt({ serial: 'EN-7201' })
    assert.deepEqual(record.operations[0]!.processValues, [
      { name: 'force', topic: `${PRESS1}/measurements/force`, unit: 'kN', atStart: 10, atComplete: 10, min: 10, max: 10, mean: 10, samples: 1 },
      // Removed by the update: what it captured until then (21, 23; not the 99 after), no value at complete.
      { name: 'hall-temp', topic: HALL, unit: 'CEL', atStart: 21, atComplete: null, min: 21, max: 23, mean: 22, samples: 2 },
      // Added by the update: from then on, no value at start.
      { name: 'pressure', topic: `${PRESS1}/measurements/pressure`, unit: 'bar', atStart: null, atComplete: 4, min: 4, max: 8, mean: 6, samples: 3 }
    ])
  })

  it('a Running job of an operation that named none follows the process values an update gives it', async function () {
    const { mes, hub } = ctx()
    const rec = hub.mes.processValues
    await publish(`${PRESS1}/measurements/pressure`, 5, true)
    const jobId = await runningJob(mes, rec, '7202', [])
    assert.deepEqual(rec.captured(jobId), [])
    const r = await mes.workOrders.update('7202', { operations: routing([PRESSURE]) }, ERP)
    assert.deepEqual(r.changes, ['operation 10 process values: added pressure'])
    await recorderShows('pressure followed', () => capture(rec, jobId, 'pressure')?.samples === 1)
    await publish(`${PRESS1}/measurements/pressure`, 7)
    await recorderShows('pressure has 2 samples', () => capture(rec, jobId, 'pressure')?.samples === 2)
    assert.equal(capture(rec, jobId, 'pressure')!.max, 7)
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
    await rec.idle()
  })

  it('the same list again, in another order, is no change', async function () {
    const { mes, hub } = ctx()
    const jobId = await runningJob(mes, hub.mes.processValues, '7203', [FORCE, HALL_TEMP])
    const audits = (await mes.audit.forEntity('WorkOrder', '7203')).length
    const r = await mes.workOrders.update('7203', { operations: routing([HALL_TEMP, FORCE]) }, ERP)
    assert.deepEqual(r.changes, [])
    assert.equal((await mes.audit.forEntity('WorkOrder', '7203')).length, audits)
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
    await hub.mes.processValues.idle()
  })

  it('refuses a change of a completed operation\'s process values, and a changed topic under a name already captured', async function () {
    const { mes, hub } = ctx()
    const jobId = await runningJob(mes, hub.mes.processValues, '7204', [FORCE])
    await assert.rejects(mes.workOrders.update('7204', { operations: routing([{ ...FORCE, topic: 'measurements/force-2' }]) }, ERP),
      (e: unknown) => e instanceof UpdateRefusedError &&
        e.reasons.some((x) => /operation 10 process values: force cannot change topic or unit: the operation has started/.test(x)))
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 1 })
    await hub.mes.processValues.idle()
    await assert.rejects(mes.workOrders.update('7204', { operations: routing([FORCE, PRESSURE]) }, ERP),
      (e: unknown) => e instanceof UpdateRefusedError &&
        e.reasons.includes('operation 10 process values cannot change: the operation is completed and its record is closed'))
    // Nothing applied: the operation's next job (if any) would capture force only.
    const update = await mes.workOrders.update('7204', { operations: routing([FORCE]) }, ERP)
    assert.deepEqual(update.changes, [])
  })

  it('refuses a name removed from a started operation coming back with another topic or unit (what it captured would mix two signals)', async function () {
    const { mes, hub } = ctx()
    const rec = hub.mes.processValues
    await publish(`${PRESS1}/measurements/force`, 10, true)
    const jobId = await runningJob(mes, rec, '7205', [FORCE, PRESSURE])
    await recorderShows('force followed', () => capture(rec, jobId, 'force')?.samples === 1)
    await mes.workOrders.update('7205', { operations: routing([PRESSURE]) }, ERP)
    await rec.idle()
    for (const back of [{ ...FORCE, topic: 'measurements/force-2' }, { ...FORCE, unit: 'N' }, { ...FORCE, topic: `/${PRESS1}/measurements/force-2` }]) {
      await assert.rejects(mes.workOrders.update('7205', { operations: routing([PRESSURE, back]) }, ERP),
        (e: unknown) => e instanceof UpdateRefusedError &&
          e.reasons.some((x) => /operation 10 process values: force cannot change topic or unit: the operation has started/.test(x)), JSON.stringify(back))
    }
    // The same metric back (relative, or the same topic written absolute) carries on what it captured.
    const r = await mes.workOrders.update('7205', { operations: routing([PRESSURE, { ...FORCE, topic: `/${PRESS1}/measurements/force` }]) }, ERP)
    assert.deepEqual(r.changes, ['operation 10 process values: added force'])
  })
})
