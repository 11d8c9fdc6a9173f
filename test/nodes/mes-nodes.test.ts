// A whole order driven through the MES nodes in a real Node-RED runtime (node-red-node-test-helper), against a real
// hub whose MES store is the one of HUB_TEST_STORES (SQLite in npm test, PostgreSQL in test:system through
// mes-nodes.system.test.ts). The nodes find the MES in the runtime's settings (nodes/hub-services.ts), as in `npm start`.
import assert from 'node:assert/strict'
import bcrypt from 'bcryptjs'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import workOrderNode = require('../../nodes/work-order/work-order')
import dispatchNode = require('../../nodes/dispatch/dispatch')
import wipNode = require('../../nodes/wip/wip')
import confirmationNode = require('../../nodes/confirmation/confirmation')
import { connect, mqttUrl } from '../support/hub-fixture'
import { confirmationKey } from '../../mes/confirmations'
import type { Confirmation, JobOrder } from '../../mes/model/types'
import { demoOrder, forEachHubStore, unsWatcher } from '../mes/hub-stores'
import { Sink as NodeSink } from '../support/node-sink'
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'

helper.init(require.resolve('node-red'))

type Msg = Record<string, unknown> & { payload: any }
type TestNode = ReturnType<typeof helper.getNode>


/** The next node error (done(err)) of a node, as text. */
function nextError (node: TestNode): Promise<string> {
  return new Promise((resolve) => node.on('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))))
}

const FLOW = [
  { id: 'wo', type: 'work order', action: '', who: '', wires: [['woOut']] },
  { id: 'disp', type: 'dispatch', action: '', workCenter: '', workUnit: '', rule: '', limit: '100', who: 'supervisor.sue', wires: [['dispOut']] },
  { id: 'wipNode', type: 'wip', who: '', wires: [['wipOut'], ['wipRejected']] },
  { id: 'conf', type: 'confirmation', resendSeconds: '0', wires: [['toErp'], ['acked']] },
  { id: 'woOut', type: 'helper' },
  { id: 'dispOut', type: 'helper' },
  { id: 'wipOut', type: 'helper' },
  { id: 'wipRejected', type: 'helper' },
  { id: 'toErp', type: 'helper' },
  { id: 'acked', type: 'helper' }
]
const NODES = [workOrderNode, dispatchNode, wipNode, confirmationNode]
const QA = { username: 'qa.quinn', password: 'correct horse battery' }
const OP = 'op.oscar'

interface Flow { wo: TestNode, disp: TestNode, wip: TestNode, conf: TestNode, woOut: NodeSink<Msg>, dispOut: NodeSink<Msg>, wipOut: NodeSink<Msg>, wipRejected: NodeSink<Msg>, toErp: NodeSink<Msg>, acked: NodeSink<Msg> }

async function loadFlow (): Promise<Flow> {
  await helper.load(NODES, FLOW)
  const n = (id: string): TestNode => helper.getNode(id)
  return {
    wo: n('wo'), disp: n('disp'), wip: n('wipNode'), conf: n('conf'),
    woOut: new NodeSink<Msg>(n('woOut')), dispOut: new NodeSink<Msg>(n('dispOut')), wipOut: new NodeSink<Msg>(n('wipOut')),
    wipRejected: new NodeSink<Msg>(n('wipRejected')), toErp: new NodeSink<Msg>(n('toErp')), acked: new NodeSink<Msg>(n('acked'))
  }
}

forEachHubStore('MES nodes drive a whole order in Node-RED', (ctx) => {
  before(async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: ctx().hub.services })
    await new Promise<void>((resolve) => helper.startServer(() => resolve()))
  })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(() => resolve())) })

  it('release, dispatch, start, partial report, pause, hold/release, complete, signed critical op; confirmations with stable keys; audit trail verifies', async function () {
    const { mes, hub } = ctx()
    const f = await loadFlow()
    const sub = await connect(mqttUrl(hub))
    const uns = unsWatcher(sub)
    await sub.subscribeAsync('acme/#', { qos: 1 })

    const wipIn = async (event: Record<string, unknown>): Promise<Msg> => {
      f.wip.receive({ payload: event })
      return await f.wipOut.next()
    }
    const wipRefused = async (event: Record<string, unknown>): Promise<Msg> => {
      f.wip.receive({ payload: event })
      return await f.wipRejected.next()
    }

    // ---- work order node: create, release ----
    f.wo.receive({ topic: 'create', payload: demoOrder('8001', { operations: [
      { sequence: 10, workCenter: 'PRESSL1', description: 'Stamp panels', setupTime: 15, runTimePerUnit: 0.5 },
      { sequence: 20, workCenter: 'ASSYA', description: 'Assemble and test', setupTime: 10, runTimePerUnit: 2, critical: true }
    ] }), who: 'erp:SAP-PRD' })
    let m = await f.woOut.next()
    assert.equal(m.payload.orderNumber, '8001')
    assert.equal(m.payload.status, 'created')
    assert.equal(m.payload.operations.length, 2)
    f.wo.receive({ action: 'release', payload: '8001', who: 'supervisor.sue' })
    m = await f.woOut.next()
    assert.equal(m.payload.status, 'released')

    // ---- dispatch node: list, dispatch-next ----
    f.disp.receive({ payload: { action: 'list', workCenter: 'PRESSL1' } })
    m = await f.dispOut.next()
    assert.deepEqual(m.payload.map((d: { orderNumber: string, sequence: number }) => `${d.orderNumber}/${d.sequence}`), ['8001/10'])
    assert.equal(m.payload[0].material, 'ENCL-600')
    f.disp.receive({ payload: { action: 'dispatch-next', workCenter: 'PRESSL1', workUnit: 'PRESS01' } })
    m = await f.dispOut.next()
    const job1 = m.payload as JobOrder
    assert.equal(job1.jobId, '8001-10-1')
    assert.equal(job1.state, 'AllowedToStart')
    assert.equal(job1.workUnit, 'PRESS01')
    // Published under the press, where the machine and its terminal subscribe.
    await uns.waitFor(`acme/dallas/press-shop/line-1/press-1/orders/dispatched/${job1.jobId}`, (v) => v?.state === 'AllowedToStart')

    // ---- wip node: the job's life ----
    m = await wipIn({ jobId: job1.jobId, event: 'start', who: OP })
    assert.equal(m.payload.job.state, 'Running')
    assert.equal(m.payload.orderStatus, 'in-progress')
    m = await wipIn({ jobId: job1.jobId, event: 'report', who: OP, good: 20, scrap: 1, scrapReason: 'SCR-CRACK', eventId: 'hmi-8001-1' })
    assert.equal(m.payload.job.goodQuantity, 20)
    assert.equal(m.payload.confirmationKey, confirmationKey(job1.jobId, 2))
    const c1 = (await f.toErp.next()).payload as Confirmation
    assert.equal(c1.idempotencyKey, confirmationKey(job1.jobId, 2), 'the confirmation node emits it as it is queued')
    assert.deepEqual([c1.orderNumber, c1.sequence, c1.workCenter, c1.yield, c1.scrap, c1.scrapReason, c1.final], ['8001', 10, 'PRESSL1', 20, 1, 'SCR-CRACK', false])
    // The terminal retries the same report: applied once, same key, no second confirmation.
    m = await wipIn({ jobId: job1.jobId, event: 'report', who: OP, good: 20, scrap: 1, scrapReason: 'SCR-CRACK', eventId: 'hmi-8001-1' })
    assert.equal(m.payload.duplicate, true)
    assert.equal(m.payload.confirmationKey, c1.idempotencyKey)
    assert.equal(m.payload.job.goodQuantity, 20)

    m = await wipIn({ jobId: job1.jobId, event: 'pause', who: OP, why: 'die change' })
    assert.equal(m.payload.job.state, 'Interrupted.Paused')
    const refused = await wipRefused({ jobId: job1.jobId, event: 'report', who: OP, good: 5 })
    assert.match(String(refused.reason), /cannot report job 8001-10-1 of order 8001\/op 10: job is Interrupted.Paused, not Running/)
    assert.equal(refused.code, 'MES_ILLEGAL_TRANSITION')
    assert.equal((await mes.wip.getJob(job1.jobId)).goodQuantity, 20, 'a refused report changes nothing')
    m = await wipIn({ jobId: job1.jobId, event: 'resume', who: OP })
    assert.equal(m.payload.job.state, 'Running')
    m = await wipIn({ jobId: job1.jobId, event: 'hold', who: 'qa.quinn', why: 'coil certificate missing' })
    assert.equal(m.payload.job.state, 'Interrupted.Held')
    m = await wipIn({ jobId: job1.jobId, event: 'release', who: 'qa.quinn', why: 'certificate received' })
    assert.equal(m.payload.job.state, 'Interrupted.Paused', 'a job held while running comes back paused')
    m = await wipIn({ jobId: job1.jobId, event: 'resume', who: OP })
    m = await wipIn({ jobId: job1.jobId, event: 'complete', who: OP, good: 29 })
    assert.equal(m.payload.job.state, 'Ended')
    assert.equal(m.payload.operation.status, 'completed')
    assert.equal(m.payload.operation.goodQuantity, 49)
    const c2 = (await f.toErp.next()).payload as Confirmation
    assert.equal(c2.final, true)
    assert.equal(c2.yield, 29)
    await uns.waitFor(`acme/dallas/press-shop/line-1/press-1/orders/dispatched/${job1.jobId}`, (_v, msg) => msg.payload.length === 0)

    // ---- operation 20 (critical): the dispatch node by hand, completion needs a signature ----
    f.disp.receive({ payload: { action: 'dispatch', orderNumber: '8001', sequence: 20, workUnit: 'ASSYA10' } })
    const job2 = (await f.dispOut.next()).payload as JobOrder
    assert.equal(job2.state, 'AllowedToStart')
    assert.equal(job2.quantity, 50)
    await wipIn({ jobId: job2.jobId, event: 'start', who: OP })
    let r = await wipRefused({ jobId: job2.jobId, event: 'complete', who: OP, good: 49 })
    assert.match(String(r.reason), /operation 20 of order 8001 is critical: completing it needs an electronic signature/)
    r = await wipRefused({ jobId: job2.jobId, event: 'complete', who: OP, good: 49, signature: { user: QA.username, password: 'wrong', meaning: 'approved' } })
    assert.match(String(r.reason), /signature of qa.quinn could not be verified/)
    assert.equal(r.payload.signature.password, '***', 'a password is never echoed')
    assert.equal((await mes.wip.getJob(job2.jobId)).state, 'Running')
    m = await wipIn({ jobId: job2.jobId, event: 'complete', who: OP, good: 49, signature: { user: QA.username, password: QA.password, meaning: 'approved' } })
    assert.equal(m.payload.job.state, 'Ended')
    assert.equal(m.payload.orderStatus, 'completed')
    const c3 = (await f.toErp.next()).payload as Confirmation
    assert.equal(c3.idempotencyKey, confirmationKey(job2.jobId, 2))

    // ---- the work order node sees the completed order ----
    f.wo.receive({ action: 'hold', payload: { orderNumber: '8001' }, who: 'supervisor.sue' })
    assert.match(await nextError(f.wo), /cannot hold order 8001: order is completed, not released or in-progress/)

    // ---- confirmations: ack one through the node; the others stay pending with the same keys ----
    f.conf.receive({ payload: { action: 'ack', key: c1.idempotencyKey, erpReference: 'SAP-CONF-0001' } })
    const ack = (await f.acked.next()).payload as Confirmation
    assert.equal(ack.status, 'acknowledged')
    assert.equal(ack.erpReference, 'SAP-CONF-0001')
    assert.deepEqual((await mes.confirmations.pending()).filter((c) => c.orderNumber === '8001').map((c) => c.idempotencyKey), [c2.idempotencyKey, c3.idempotencyKey])

    // ---- audit trail: every step recorded, with who and why; the chain verifies ----
    const audit = await mes.audit.forEntity('JobOrder', job1.jobId)
    assert.deepEqual(audit.map((a) => a.action), ['dispatch', 'start', 'report', 'pause', 'resume', 'hold', 'release', 'resume', 'complete'])
    assert.equal(audit.find((a) => a.action === 'hold')?.who, 'qa.quinn')
    assert.equal(audit.find((a) => a.action === 'hold')?.why, 'coil certificate missing')
    const signed = (await mes.audit.forEntity('JobOrder', job2.jobId)).find((a) => a.action === 'complete')
    assert.match(String(signed?.signature), /"meaning":"approved".*"user":"qa.quinn"/)
    assert.doesNotMatch(JSON.stringify(await mes.audit.query()), /correct horse/, 'no password in the audit trail')
    const v = await mes.audit.verify()
    assert.equal(v.ok, true, JSON.stringify(v))
    await sub.endAsync()
  })

  it('refuses every illegal job event with the reason on the rejected output, leaving the job unchanged', async function () {
    const { mes } = ctx()
    const f = await loadFlow()
    await mes.workOrders.create(demoOrder('8002'), { who: 'erp:SAP-PRD' })
    await mes.workOrders.release('8002', { who: 'supervisor.sue' })
    f.disp.receive({ payload: { action: 'dispatch-next', workCenter: 'PRESSL1', workUnit: 'PRESS02' } })
    const job = (await f.dispOut.next()).payload as JobOrder
    const tryIllegal = async (event: string, expected: RegExp, extra: Record<string, unknown> = {}): Promise<void> => {
      const before = await mes.wip.getJob(job.jobId)
      f.wip.receive({ payload: { jobId: job.jobId, event, who: OP, ...extra } })
      const r = await f.wipRejected.next()
      assert.match(String(r.reason), expected, `${event} from ${before.state}`)
      assert.deepEqual(await mes.wip.getJob(job.jobId), before, `${event} from ${before.state} left the job as it was`)
    }
    // AllowedToStart
    for (const e of ['pause', 'resume', 'report', 'complete', 'release']) await tryIllegal(e, /job is AllowedToStart, not /, e === 'report' ? { good: 1 } : {})
    f.wip.receive({ payload: { jobId: job.jobId, event: 'start', who: OP } })
    await f.wipOut.next()
    // Running
    await tryIllegal('start', /job is Running, not AllowedToStart/)
    await tryIllegal('resume', /job is Running, not Interrupted.Paused/)
    await tryIllegal('release', /job is Running, not Interrupted.Held/)
    await tryIllegal('report', /a report needs a good, scrap or rework quantity above 0/)
    await tryIllegal('report', /51 PCE would exceed the operation quantity 50/, { good: 51 })
    await tryIllegal('report', /\/scrapReason: is required/, { scrap: 2 })
    await tryIllegal('pause', /quantities are reported with report or complete, not pause/, { good: 3 })
    await tryIllegal('teleport', /\/event: must be one of/)
    f.wip.receive({ payload: { jobId: job.jobId, event: 'hold', who: 'qa.quinn' } })
    await f.wipOut.next()
    // Held
    await tryIllegal('resume', /job is Interrupted.Held, not Interrupted.Paused/)
    await tryIllegal('complete', /job is Interrupted.Held, not Running/, { good: 1 })
    await tryIllegal('hold', /job is Interrupted.Held, not /)
    f.wip.receive({ payload: { jobId: job.jobId, event: 'abort', who: 'supervisor.sue', why: 'die damaged' } })
    assert.equal((await f.wipOut.next()).payload.job.state, 'Aborted')
    // Aborted: nothing more
    for (const e of ['start', 'resume', 'hold', 'abort']) await tryIllegal(e, /job is Aborted, not /)
    await tryIllegal('start', /job no-such-job not found/, { jobId: 'no-such-job' })
    assert.equal(f.wipOut.pending, 0)
    assert.equal((await mes.audit.verify()).ok, true)
  })

  it('work order and dispatch nodes report refusals as node errors a catch node gets, naming the reason', async function () {
    const { mes } = ctx()
    const f = await loadFlow()
    let err = nextError(f.wo)
    f.wo.receive({ topic: 'create', payload: { orderNumber: '8003', material: 'X' } })
    assert.match(await err, /work order: \d+ problems?:[\s\S]*\/quantity: is required/)
    err = nextError(f.wo)
    f.wo.receive({ topic: 'release', payload: '8003' })
    assert.match(await err, /work order 8003 not found/)
    err = nextError(f.wo)
    f.wo.receive({ topic: 'launch', payload: '8003' })
    assert.match(await err, /unknown action 'launch'.*one of create, update, release, hold, cancel/)
    await mes.workOrders.create(demoOrder('8003'), { who: 'erp' })
    err = nextError(f.wo)
    f.wo.receive({ topic: 'hold', payload: '8003' })
    assert.match(await err, /cannot hold order 8003: order is created, not released or in-progress/)
    f.wo.receive({ topic: 'update', payload: { orderNumber: '8003', priority: 2, dueDate: '2030-01-01T00:00:00Z' }, who: 'erp:SAP-PRD' })
    const upd = await f.woOut.next()
    assert.equal(upd.payload.priority, 2)
    assert.equal((upd.changes as string[]).length, 2)

    err = nextError(f.disp)
    f.disp.receive({ payload: { action: 'dispatch-next', workCenter: 'PRESSL1', workUnit: 'ASSYA20' } })
    assert.match(await err, /work unit ASSYA20 does not belong to work center PRESSL1/)
    err = nextError(f.disp)
    f.disp.receive({ payload: { action: 'list', workCenter: 'PRESSL1', rule: 'random' } })
    assert.match(await err, /unknown dispatch rule 'random'/)
    f.disp.receive({ payload: { action: 'dispatch-next', workCenter: 'ASSYA', workUnit: 'ASSYA10' } })
    assert.equal((await f.dispOut.next()).payload, null, 'nothing ready on line A: 8003 is not released, 8002/20 waits for 8002/10')
  })

  it('the confirmation node sends pending confirmations again on deploy, with the same keys', async function () {
    const { mes } = ctx()
    const pending = await mes.confirmations.pending(1000)
    assert.ok(pending.length >= 2, 'the first test left confirmations pending')
    const f = await loadFlow()
    const sent: Confirmation[] = []
    for (let i = 0; i < pending.length; i++) sent.push((await f.toErp.next()).payload as Confirmation)
    assert.deepEqual(sent.map((c) => c.idempotencyKey), pending.map((c) => c.idempotencyKey), 'oldest first, same keys')
    let err = nextError(f.conf)
    f.conf.receive({ payload: { action: 'ack', key: 'nope', erpReference: 'X' } })
    assert.match(await err, /confirmation nope not found/)
    err = nextError(f.conf)
    f.conf.receive({ payload: { action: 'ack' } })
    assert.match(await err, /ack needs the confirmation's key/)
    f.conf.receive({ payload: { action: 'fail', key: pending[0]!.idempotencyKey, error: 'RFC timeout' } })
    const failed = (await f.acked.next()).payload as Confirmation
    assert.deepEqual([failed.status, failed.attempts, failed.lastError], ['pending', 1, 'RFC timeout'])
    f.conf.receive({ payload: { action: 'resend' } })
    const again = (await f.toErp.next()).payload as Confirmation
    assert.equal(again.idempotencyKey, pending[0]!.idempotencyKey)
  })
}, { patch: (c) => { c.editor.users = [{ username: QA.username, passwordHash: bcrypt.hashSync(QA.password, 4), permissions: '*' }] } })
