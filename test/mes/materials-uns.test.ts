// Material in the Unified Namespace, seen by real MQTT clients of a real hub: consumption and production under the
// work unit, every lot change and the retained lot state under the site, a barcode scan at a press that becomes a
// consumption (or a refusal the terminal reads), and a trace asked and answered over MQTT. Topics only the MES writes
// are refused to machines. Runs on the stores of HUB_TEST_STORES.
import assert from 'node:assert/strict'
import { MAX_WAITING_TRACE_REQUESTS } from '../../mes/trace-requests'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, sleep, startTestHub, testConfig, unsValue } from '../support/hub-fixture'
import { hashPassword } from '../../core/passwords'
import { createLogger, silentLogger } from '../../core/logger'
import { loadPlantModel } from '../../plant/load-plant-model'
import { DEMO_PLANT_MODEL } from '../../hub/own-config'
import { MesTopics } from '../../mes/uns-bridge'
import { lotEventTopic, lotTopic, unitMaterials } from '../../mes/materials-uns'
import { isMesWritten, MES_TAGS } from '../../plant/mes-topics'
import { demoOrder, forEachHubStore, unsWatcher, type HubCtx } from './hub-stores'

const PRESS1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS2 = 'acme/dallas/press-shop/line-1/press-2'
const SITE = 'acme/dallas'
const SUPERVISOR = { who: 'supervisor.sue' }
const OP = 'op.oscar'
const TERMINAL = { username: 'press-1', password: 'press-1-secret' }

let passwordHash = ''
const lines: string[] = []
const log = createLogger('info', 'hub', (line) => { lines.push(line) })

/** An order on press line 1 whose operation 10 needs 60 KG of STEEL-SHEET and 2 HINGE serials, its job Running on the unit. */
async function runningJob (ctx: HubCtx, orderNumber: string, workUnit = 'PRESS01'): Promise<string> {
  const { mes } = ctx
  await mes.workOrders.create(demoOrder(orderNumber, {
    materials: [
      { item: 1, material: 'STEEL-SHEET', quantity: 60, unit: 'KG', operationSequence: 10 },
      { item: 2, material: 'HINGE', quantity: 2, unit: 'PCE', operationSequence: 10 }
    ]
  }), { who: 'erp:SAP' })
  await mes.workOrders.release(orderNumber, SUPERVISOR)
  const job = await mes.dispatch.dispatchOperation(orderNumber, 10, workUnit, SUPERVISOR)
  await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
  return job.jobId
}

async function defineMaterials (ctx: HubCtx): Promise<void> {
  const m = ctx.mes.materials
  await m.define({ material: 'STEEL-SHEET', unit: 'KG' }, 'erp:SAP')
  await m.define({ material: 'HINGE', unit: 'PCE', serialPattern: 'H-{n:4}' }, 'erp:SAP')
  await m.define({ material: 'PANEL', unit: 'PCE' }, 'erp:SAP')
  await m.define({ material: 'PAINT', unit: 'L' }, 'erp:SAP')
}

forEachHubStore('Material in the Unified Namespace', (ctx) => {
  let sub: MqttClient
  let uns: ReturnType<typeof unsWatcher>
  before(async function () {
    await defineMaterials(ctx())
    sub = await connect(mqttUrl(ctx().hub))
    uns = unsWatcher(sub)
    await sub.subscribeAsync(['acme/#'], { qos: 1 })
  })
  after(async function () { await sub.endAsync() })

  it('publishes consumption and production under the press and every lot change under the site, lot state retained', async function () {
    const { mes, hub } = ctx()
    await mes.materials.receiveLot({ lotId: 'SH-1', material: 'STEEL-SHEET', quantity: 100, unit: 'KG', who: 'wms:WH1' })
    const received = await uns.waitFor(`${SITE}/materials/lot-events/SH-1`, (v) => v?.event === 'received')
    assert.equal(received.value?.quantity, 100)
    assert.equal(received.value?.who, 'wms:WH1')
    await uns.waitFor(`${SITE}/materials/lots/SH-1`, (v) => v?.quantity === 100 && v.status === 'released')

    const jobId = await runningJob(ctx(), '8001')
    await mes.materials.consume({ jobId, who: OP, lotId: 'SH-1', quantity: 25 })
    const consumed = await uns.waitFor(`${PRESS1}/materials/consumption/${jobId}`)
    assert.equal(consumed.retain, false)
    assert.deepEqual({ ...consumed.value, at: undefined }, {
      jobId, orderNumber: '8001', sequence: 10, workUnit: 'PRESS01', lotId: 'SH-1', material: 'STEEL-SHEET', quantity: 25,
      unit: 'KG', who: OP, at: undefined, bomItem: 1, override: null, lotQuantityLeft: 75
    })
    await uns.waitFor(`${SITE}/materials/lot-events/SH-1`, (v) => v?.event === 'consumed' && v.jobId === jobId && v.consumed === 25)
    await uns.waitFor(`${SITE}/materials/lots/SH-1`, (v) => v?.quantity === 75)

    await mes.materials.produce({ jobId, who: OP, material: 'PANEL', lotId: 'PN-1', quantity: 10 })
    const produced = await uns.waitFor(`${PRESS1}/materials/production/${jobId}`)
    assert.equal(produced.value?.lotId, 'PN-1')
    assert.equal(produced.value?.quantity, 10)
    assert.deepEqual(produced.value?.serials, [])
    await uns.waitFor(`${SITE}/materials/lots/PN-1`, (v) => v?.quantity === 10 && v.material === 'PANEL')

    await mes.materials.setLotStatus('SH-1', { status: 'on-hold', who: 'qms:QM1', why: 'supplier recall R-7' })
    const held = await uns.waitFor(`${SITE}/materials/lot-events/SH-1`, (v) => v?.event === 'status')
    assert.deepEqual([held.value?.from, held.value?.status, held.value?.why, held.value?.who], ['released', 'on-hold', 'supplier recall R-7', 'qms:QM1'])
    await mes.materials.setLotStatus('SH-1', { status: 'released', who: 'qms:QM1', why: 'recall lifted' })

    await mes.materials.split({ lotId: 'SH-1', into: [{ lotId: 'SH-1a', quantity: 30 }], who: 'wms:WH1' })
    await uns.waitFor(`${SITE}/materials/lot-events/SH-1`, (v) => v?.event === 'split' && (v.into as string[])[0] === 'SH-1a')
    await uns.waitFor(`${SITE}/materials/lot-events/SH-1a`, (v) => v?.event === 'split-off' && v.from === 'SH-1')
    await mes.materials.receiveLot({ lotId: 'SH-2', material: 'STEEL-SHEET', quantity: 5, unit: 'KG', who: 'wms:WH1' })
    await mes.materials.merge({ lotIds: ['SH-1a', 'SH-2'], into: 'SH-M', who: 'wms:WH1' })
    await uns.waitFor(`${SITE}/materials/lot-events/SH-M`, (v) => v?.event === 'merged' && (v.from as string[]).join() === 'SH-1a,SH-2')
    await uns.waitFor(`${SITE}/materials/lot-events/SH-2`, (v) => v?.event === 'merged-into' && v.into === 'SH-M')

    // A subscriber that comes later (a WMS screen) gets every lot as it is now.
    await hub.mes.materials.flush()
    const late = await connect(mqttUrl(hub))
    const lateUns = unsWatcher(late)
    await late.subscribeAsync(`${SITE}/materials/lots/#`, { qos: 1 })
    const states = await Promise.all(['SH-1', 'SH-1a', 'SH-2', 'SH-M', 'PN-1'].map(async (id) => await lateUns.waitFor(`${SITE}/materials/lots/${id}`)))
    assert.ok(states.every((m) => m.retain))
    assert.deepEqual(states.map((m) => [m.value?.quantity, m.value?.status]),
      [[45, 'released'], [0, 'consumed'], [0, 'consumed'], [35, 'released'], [10, 'released']])
    await late.endAsync()
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 50 })
  })

  it('a barcode scan at the press consumes what the BOM still needs and the terminal reads the result', async function () {
    const { mes, hub } = ctx()
    const terminal = await connect(mqttUrl(hub), TERMINAL)
    const answers = unsWatcher(terminal)
    await terminal.subscribeAsync(`${PRESS1}/events/scan-result`, { qos: 1 })
    await mes.materials.receiveLot({ lotId: 'SC-1', material: 'STEEL-SHEET', quantity: 40, unit: 'KG', who: 'wms:WH1' })
    await mes.materials.receiveLot({ lotId: 'SC-2', material: 'STEEL-SHEET', quantity: 50, unit: 'KG', who: 'wms:WH1' })
    const jobId = await runningJob(ctx(), '8002')
    const result = async (scanId: string) => await answers.waitFor(`${PRESS1}/events/scan-result`, (v) => v?.scanId === scanId)

    // No qty: what the BOM still needs (60 KG), at most what the lot holds (40), then the remaining 20 of the next lot.
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-1', who: OP, scanId: 's1' }), { qos: 1 })
    const first = await result('s1')
    assert.deepEqual({ ...first.value }, {
      ok: true, scanId: 's1', code: 'SC-1', who: OP, jobId, lotId: 'SC-1', quantity: 40, unit: 'KG', lotQuantityLeft: 0, duplicate: false
    })
    // The emptied lot scanned again: refused for what it is (consumed), not for a quantity the terminal never sent.
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-1', who: OP, scanId: 's1b' }), { qos: 1 })
    const empty = await result('s1b')
    assert.deepEqual([empty.value?.ok, empty.value?.error, empty.value?.rule], [false, 'MES_MATERIAL_REFUSED', 'lot-status'])
    assert.match(String(empty.value?.reason), /lot SC-1 is consumed \(all consumed\), not released/)
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-2', who: OP, scanId: 's2' }), { qos: 1 })
    assert.equal((await result('s2')).value?.quantity, 20)
    assert.equal((await mes.materials.lot('SC-2')).quantity, 30)

    // The same scan sent again (the terminal did not hear the answer) is applied once.
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-2', who: OP, scanId: 's2' }), { qos: 1 })
    await answers.waitFor(`${PRESS1}/events/scan-result`, (v) => v?.scanId === 's2' && v.duplicate === true)
    assert.equal((await mes.materials.lot('SC-2')).quantity, 30)
    // A different scan under a used scanId (here a qty the first did not name) is no retry: refused, nothing consumed.
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-2', who: OP, qty: 1, scanId: 's2' }), { qos: 1 })
    const reused = await answers.waitFor(`${PRESS1}/events/scan-result`, (v) => v?.scanId === 's2' && v.ok === false)
    assert.deepEqual([reused.value?.error, reused.value?.rule, reused.value?.code], ['MES_MATERIAL_REFUSED', 'event-id-conflict', 'SC-2'])
    assert.match(String(reused.value?.reason), /eventId scan:PRESS01:s2 was already used by a different consumption/)
    assert.equal((await mes.materials.lot('SC-2')).quantity, 30)

    // The BOM is satisfied: a scan without qty is refused with what to do; with qty the tolerance decides.
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-2', who: OP, scanId: 's3' }), { qos: 1 })
    const full = await result('s3')
    assert.equal(full.value?.ok, false)
    assert.equal(full.value?.error, 'SCAN_REFUSED')
    assert.match(String(full.value?.reason), /needs no more STEEL-SHEET/)
    assert.match(String(full.value?.hint), /qty/)
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'SC-2', who: OP, qty: 5, scanId: 's4' }), { qos: 1 })
    const over = await result('s4')
    assert.deepEqual([over.value?.ok, over.value?.rule], [false, 'over-tolerance'])
    assert.equal((await mes.materials.lot('SC-2')).quantity, 30, 'nothing consumed')

    // A serial is one item.
    const hingeJob = await runningJob(ctx(), '8003', 'PRESS02')
    await mes.materials.produce({ jobId: hingeJob, who: OP, material: 'HINGE', serials: ['H-77', 'H-78'] })
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'serial:H-77', who: OP, scanId: 's5' }), { qos: 1 })
    const serial = await result('s5')
    assert.deepEqual([serial.value?.ok, serial.value?.serial, serial.value?.quantity], [true, 'H-77', 1])
    assert.equal((await mes.materials.serial('H-77')).status, 'consumed')
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'serial:H-78', who: OP, qty: 3, scanId: 's6' }), { qos: 1 })
    assert.match(String((await result('s6')).value?.reason), /a serial is one item/)
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'serial:', who: OP, scanId: 's7' }), { qos: 1 })
    const noNumber = await result('s7')
    assert.deepEqual([noNumber.value?.ok, noNumber.value?.error, noNumber.value?.reason], [false, 'SCAN_REFUSED', "the code 'serial:' names no serial number"])
    assert.equal((await mes.materials.serial('H-78')).status, 'released')
    await mes.wip.apply({ jobId, event: 'complete', who: OP, good: 50 })
    await mes.wip.apply({ jobId: hingeJob, event: 'complete', who: OP, good: 50 })
    await terminal.endAsync()
  })

  it('a scan of a held lot, of a material the BOM does not list, or with no job running is refused with the reason, nothing consumed', async function () {
    const { mes, hub } = ctx()
    const terminal = await connect(mqttUrl(hub), TERMINAL)
    const answers = unsWatcher(terminal)
    await terminal.subscribeAsync(`${PRESS1}/events/scan-result`, { qos: 1 })
    const result = async (scanId: string) => await answers.waitFor(`${PRESS1}/events/scan-result`, (v) => v?.scanId === scanId)
    await mes.materials.receiveLot({ lotId: 'HL-1', material: 'STEEL-SHEET', quantity: 40, unit: 'KG', who: 'wms:WH1' })
    await mes.materials.setLotStatus('HL-1', { status: 'on-hold', who: 'qms:QM1', why: 'hardness out of spec' })
    await mes.materials.receiveLot({ lotId: 'PT-1', material: 'PAINT', quantity: 10, unit: 'L', who: 'wms:WH1' })
    await runningJob(ctx(), '8004')
    const otherUnitsJob = (await mes.wip.listJobs({ orderNumber: '8003' }))[0]!

    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'HL-1', who: OP, scanId: 'r1' }), { qos: 1 })
    const held = await result('r1')
    assert.deepEqual([held.value?.ok, held.value?.error, held.value?.rule], [false, 'MES_MATERIAL_REFUSED', 'lot-status'])
    assert.match(String(held.value?.reason), /on-hold \(hardness out of spec\)/)
    assert.equal((await mes.materials.lot('HL-1')).quantity, 40)

    // A job of another unit cannot be consumed on from here.
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'PT-1', who: OP, qty: 1, scanId: 'r2', jobId: otherUnitsJob.jobId }), { qos: 1 })
    assert.match(String((await result('r2')).value?.reason), /runs on work unit PRESS02, not on PRESS01/)
    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'PT-1', who: OP, scanId: 'r3' }), { qos: 1 })
    const paint = await result('r3')
    assert.deepEqual([paint.value?.ok, paint.value?.rule], [false, 'not-a-component'])
    assert.equal((await mes.materials.lot('PT-1')).quantity, 10)

    // Press 2's own terminal (the press-1 account may not publish there).
    const terminal2 = await connect(mqttUrl(hub))
    await terminal2.publishAsync(`${PRESS2}/events/scan`, unsValue({ code: 'PT-1', who: OP, scanId: 'r4' }), { qos: 1 })
    const idle = await uns.waitFor(`${PRESS2}/events/scan-result`, (v) => v?.scanId === 'r4')
    await terminal2.endAsync()
    assert.match(String(idle.value?.reason), /no job is Running on work unit PRESS02/)

    await terminal.publishAsync(`${PRESS1}/events/scan`, unsValue({ who: OP }), { qos: 1 })
    const bad = await answers.waitFor(`${PRESS1}/events/scan-result`, (v) => v?.error === 'VALIDATION_FAILED')
    assert.match(String(bad.value?.reason), /code/)
    await terminal.endAsync()
  })

  it('answers a trace request on the reply topic with its correlation id; a reply topic outside the site\'s responses gets nothing', async function () {
    const { mes, hub } = ctx()
    const asker = await connect(mqttUrl(hub))
    const answers = unsWatcher(asker)
    await asker.subscribeAsync(`${SITE}/materials/trace/response/#`, { qos: 1 })
    const replyTo = `${SITE}/materials/trace/response/qa-desk`
    const expected = await mes.materials.trace({ direction: 'forward', lotId: 'SH-1' })
    await asker.publishAsync(`${SITE}/materials/trace/request/qa-desk`,
      unsValue({ direction: 'forward', lotId: 'SH-1', replyTo, correlationId: 'c-1' }), { qos: 1 })
    const answer = await answers.waitFor(replyTo, (v) => v?.correlationId === 'c-1')
    assert.equal(answer.value?.ok, true)
    assert.deepEqual(answer.value?.trace, JSON.parse(JSON.stringify(expected)))
    assert.ok((expected.nodes.map((n) => n.id)).includes('PN-1'))

    await asker.publishAsync(`${SITE}/materials/trace/request/qa-desk`,
      unsValue({ direction: 'backward', lotId: 'NO-SUCH', replyTo, correlationId: 'c-2' }), { qos: 1 })
    const missing = await answers.waitFor(replyTo, (v) => v?.correlationId === 'c-2')
    assert.deepEqual([missing.value?.ok, missing.value?.error], [false, 'MES_NOT_FOUND'])

    // Asked to answer on an order topic: not answered (the MES never publishes where a request says outside the responses).
    await asker.publishAsync(`${SITE}/materials/trace/request/qa-desk`,
      unsValue({ direction: 'forward', lotId: 'SH-1', replyTo: `${PRESS1}/orders/current`, correlationId: 'c-3' }), { qos: 1 })
    await asker.publishAsync(`${SITE}/materials/trace/request/qa-desk`,
      unsValue({ direction: 'forward', lotId: 'SH-1', replyTo, correlationId: 'c-4' }), { qos: 1 })
    await answers.waitFor(replyTo, (v) => v?.correlationId === 'c-4')
    await hub.mes.traceRequests.flush()
    assert.equal(uns.seen.some((m) => m.topic === `${PRESS1}/orders/current`), false)
    assert.equal(answers.seen.some((m) => m.value?.correlationId === 'c-3'), false)
    await asker.endAsync()
  })

  it('answers a flood of trace requests beyond the waiting limit at once with MES_BUSY, every request answered once', async function () {
    const { hub, mes } = ctx()
    await mes.materials.define({ material: 'FLOOD-MAT', unit: 'KG' }, 'erp:SAP-PRD')
    await mes.materials.receiveLot({ lotId: 'FLOOD-1', material: 'FLOOD-MAT', quantity: 1, unit: 'KG', who: 'wms:WH1' })
    const asker = await connect(mqttUrl(hub))
    const answers = unsWatcher(asker)
    await asker.subscribeAsync(`${SITE}/materials/trace/response/#`, { qos: 1 })
    const replyTo = `${SITE}/materials/trace/response/flood`
    const n = 3 * MAX_WAITING_TRACE_REQUESTS
    for (let i = 0; i < n; i++) asker.publish(`${SITE}/materials/trace/request/flood`, unsValue({ direction: 'forward', lotId: 'FLOOD-1', replyTo, correlationId: `f-${i}` }), { qos: 0 })
    for (let i = 0; i < 500 && answers.seen.filter((m) => m.topic === replyTo).length < n; i++) await sleep(20)
    await hub.mes.traceRequests.flush()
    const got = answers.seen.filter((m) => m.topic === replyTo).map((m) => m.value as { correlationId: string, ok: boolean, error?: string })
    assert.equal(new Set(got.map((v) => v.correlationId)).size, n, 'every request answered once')
    const busy = got.filter((v) => v.error === 'MES_BUSY')
    assert.ok(busy.length > 0, 'some were over the limit')
    assert.ok(got.filter((v) => v.ok).length >= MAX_WAITING_TRACE_REQUESTS, 'those within it were traced')
    await asker.endAsync()
  })

  it('logs what a trace request names (its topic, its replyTo) as client text: one line each, escaped and cut', async function () {
    const { hub } = ctx()
    const asker = await connect(mqttUrl(hub))
    lines.length = 0
    // Under the responses, but with a newline no MQTT topic may hold: answered nowhere, logged on its own line.
    const forged = `${SITE}/materials/trace/response/x\nERROR forged line`
    await asker.publishAsync(`${SITE}/materials/trace/request/qa-desk`, unsValue({ direction: 'forward', lotId: 'SH-1', replyTo: forged }), { qos: 1 })
    // Outside the responses, and long: not answered, and not copied whole into the log.
    await asker.publishAsync(`${SITE}/materials/trace/request/qa-desk`, unsValue({ direction: 'forward', lotId: 'SH-1', replyTo: 'x'.repeat(20_000) }), { qos: 1 })
    await asker.endAsync()
    for (let i = 0; i < 100 && lines.filter((l) => /trace request/.test(l)).length < 2; i++) await sleep(20)
    await hub.mes.traceRequests.flush()
    const traced = lines.filter((l) => /trace request/.test(l))
    assert.equal(traced.length, 2, lines.join('\n'))
    const unanswerable = traced.find((l) => /cannot answer/.test(l)) ?? ''
    const outside = traced.find((l) => /not answered/.test(l)) ?? ''
    assert.match(unanswerable, /cannot answer the trace request on .* at acme\/dallas\/materials\/trace\/response\/x\\nERROR forged line: /)
    assert.equal(lines.some((l) => l.includes('\nERROR forged')), false)
    assert.match(outside, /not answered: its value.replyTo must be a topic under acme\/dallas\/materials\/trace\/response\/ \(got "x+… \(20002 characters in all\)\)$/)
    assert.ok(outside.length < 1000, `${outside.length} characters`)
  })

  it('a machine cannot publish lot state, material events, scan results or trace answers (MES-written topics)', async function () {
    const { hub } = ctx()
    const watcher = await connect(mqttUrl(hub))
    const seen = unsWatcher(watcher)
    await watcher.subscribeAsync(['acme/#', '$hub/errors/#'], { qos: 1 })
    const press = await connect(mqttUrl(hub), TERMINAL)
    const forged = [`${SITE}/materials/lots/SH-1`, `${PRESS1}/materials/consumption/J-1`, `${PRESS1}/materials/production/J-1`,
      `${SITE}/materials/lot-events/SH-1`, `${PRESS1}/events/scan-result`, `${SITE}/materials/trace/response/qa-desk`]
    for (const topic of forged) {
      await press.publishAsync(topic, unsValue({ quantity: 9999 }), { qos: 1, retain: true })
      const report = await seen.waitFor(`$hub/errors/${topic}`, () => true)
      assert.equal(JSON.parse(report.payload.toString()).error, 'NOT_AUTHORIZED', topic)
    }
    // The press's ACL alone already refuses the site's topics; a client whose ACL takes the whole namespace (here the
    // anonymous local one) is refused every one of them as MES state.
    for (const topic of forged) {
      await watcher.publishAsync(topic, unsValue({ quantity: 9999 }), { qos: 1, retain: true })
      const report = await seen.waitFor(`$hub/errors/${topic}`, (_v, m) => JSON.parse(m.payload.toString()).username === null)
      assert.match(String(JSON.parse(report.payload.toString()).reason), /is MES state: only the hub's MES publishes it/, topic)
    }
    await sleep(100)
    assert.equal(seen.seen.some((m) => forged.includes(m.topic) && m.value?.quantity === 9999), false, 'none delivered')
    // Still open to it: its scans and the trace requests.
    await press.publishAsync(`${PRESS1}/events/scan`, unsValue({ code: 'NONE', who: OP, qty: 1 }), { qos: 1 })
    await seen.waitFor(`${PRESS1}/events/scan`)
    await Promise.all([press.endAsync(), watcher.endAsync()])
  })
}, {
  log,
  patch: (c) => {
    c.mqtt.accounts = [{ username: 'press-1', passwordHash, role: 'machine', equipment: [PRESS1] }]
  }
})

describe('a trace answer larger than the broker\'s payload limit', function () {
  it('is answered with the error and what to do instead', async function () {
    const hub = await startTestHub(testConfig(undefined, (c) => { c.mqtt.maxPayloadBytes = 2048 }))
    try {
      const ctx = { mes: hub.mes.mes } as HubCtx
      await defineMaterials(ctx)
      await ctx.mes.materials.receiveLot({ lotId: 'BIG-1', material: 'STEEL-SHEET', quantity: 100, unit: 'KG', who: 'wms:WH1' })
      const jobId = await runningJob(ctx, '8201')
      await ctx.mes.materials.consume({ jobId, who: OP, lotId: 'BIG-1', quantity: 10 })
      await ctx.mes.materials.produce({ jobId, who: OP, material: 'PANEL', count: 12 })
      const asker = await connect(mqttUrl(hub))
      const answers = unsWatcher(asker)
      const replyTo = `${SITE}/materials/trace/response/big`
      await asker.subscribeAsync(replyTo, { qos: 1 })
      await asker.publishAsync(`${SITE}/materials/trace/request/big`, unsValue({ direction: 'forward', lotId: 'BIG-1', replyTo, correlationId: 'b-1' }), { qos: 1 })
      const answer = await answers.waitFor(replyTo, (v) => v?.correlationId === 'b-1')
      assert.deepEqual([answer.value?.ok, answer.value?.error], [false, 'PAYLOAD_TOO_LARGE'])
      assert.match(String(answer.value?.hint), /smaller maxNodes, or use GET \/mes\/v1\/materials\/trace/)
      await asker.endAsync()
    } finally {
      await hub.stop()
    }
  })
})

describe('material topics are MES-written by the grammar', function () {
  it('every topic the materials publisher builds is refused to clients; scans and trace requests are not', function () {
    const topics = new MesTopics(loadPlantModel(DEMO_PLANT_MODEL), silentLogger)
    const built = [`${unitMaterials(topics, 'PRESS01')}${MES_TAGS.consumption('J-1')}`, `${unitMaterials(topics, 'NOPE01')}${MES_TAGS.production('J-1')}`,
      lotTopic(topics, 'L-1'), lotEventTopic(topics, 'L-1'), `${PRESS1}/events/${MES_TAGS.scanResult}`, `${SITE}/materials/${MES_TAGS.traceResponse('x')}`]
    assert.ok(built.includes(`${PRESS1}/materials/consumption/J-1`) && built.includes(`${SITE}/materials/work-units/NOPE01/production/J-1`))
    for (const t of built) assert.equal(isMesWritten(t), true, t)
    for (const t of [`${PRESS1}/events/scan`, `${SITE}/materials/trace/request/qa`, `${SITE}/materials/inventory/WH1`, `${PRESS1}/measurements/materials/lots/x`]) {
      assert.equal(isMesWritten(t), false, t)
    }
  })
})

before(async function () { passwordHash = await hashPassword(TERMINAL.password) })
