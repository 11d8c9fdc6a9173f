// The quality and logistics nodes (inspection result, nonconformance, hold, stage material, put away) in a real
// Node-RED runtime (node-red-node-test-helper) on a real MES store (the suites' stores), on order 500 of the material
// tests with SAP QM's inspection plan: an out-of-spec result holds its lot and the consume node refuses it, the
// disposition frees it; holds placed and released (never without why); staging confirmed by hand, partly, then
// whole; a produced lot put away by hand and found in its bin by a forward trace. Each refusal comes out of the
// second output with its reason (and rule, and code), naming a missing input; nothing was changed.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import inspectionNode = require('../../nodes/inspection-result/inspection-result')
import nonconformanceNode = require('../../nodes/nonconformance/nonconformance')
import holdNode = require('../../nodes/hold/hold')
import stageNode = require('../../nodes/stage-material/stage-material')
import putAwayNode = require('../../nodes/put-away/put-away')
import consumeNode = require('../../nodes/consume/consume')
import produceNode = require('../../nodes/produce/produce')
import traceNode = require('../../nodes/trace/trace')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { forEachStore } from '../mes/stores'
import { inspectedOrder } from '../mes/quality/fixture'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const NODES = [inspectionNode, nonconformanceNode, holdNode, stageNode, putAwayNode, consumeNode, produceNode, traceNode, catchNode]
const IDS = ['insp', 'nc', 'disp', 'hld', 'stg', 'pa', 'cons', 'prod', 'fwd']

// Ids unlike the types: Node-RED reads a property whose value is a node's id as a reference to that node.
const flow = [
  { id: 'insp', type: 'inspection result', action: 'record', characteristic: '0010', unit: 'MM', who: 'qa.quinn', wires: [['done'], ['refused']] },
  { id: 'nc', type: 'nonconformance', action: '', disposition: '', defectCode: 'DENT', who: 'op.olga', wires: [['done'], ['refused']] },
  { id: 'disp', type: 'nonconformance', action: 'disposition', disposition: 'use-as-is', defectCode: '', who: 'qa.quinn', wires: [['done'], ['refused']] },
  { id: 'hld', type: 'hold', action: '', targetKind: 'work-unit', targetId: '', reason: '', who: 'qa.quinn', wires: [['done'], ['refused']] },
  { id: 'stg', type: 'stage material', action: '', who: 'wms:by-hand', wires: [['done'], ['refused']] },
  { id: 'pa', type: 'put away', action: '', location: '', who: 'wms:by-hand', wires: [['done'], ['refused']] },
  { id: 'cons', type: 'consume', who: 'op.olga', wires: [['done'], ['refused']] },
  { id: 'prod', type: 'produce', material: '', who: 'op.olga', wires: [['done'], ['refused']] },
  { id: 'fwd', type: 'trace', direction: 'forward', wires: [['done']] },
  { id: 'done', type: 'helper' },
  { id: 'refused', type: 'helper' },
  { id: 'c', type: 'catch', scope: IDS, wires: [['errs']] },
  { id: 'errs', type: 'helper' }
]

describe('quality and logistics nodes in a Node-RED without the hub\'s MES', function () {
  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  it('fail each message to the catch node with the reason, and send nothing on', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {} } })
    await helper.load(NODES as never, flow)
    const out = new NodeSink(helper.getNode('done'))
    const errs = new NodeSink(helper.getNode('errs'))
    for (const id of ['insp', 'nc', 'hld', 'stg', 'pa']) {
      helper.getNode(id).receive({ payload: 'L-1', jobId: 'J-1' })
      const e = await errs.next()
      assert.match(String(e.error.message), /the MES of the isa95-hub runtime is not running in this process$/)
      assert.equal(e.error.source.id, id)
    }
    assert.equal(out.pending, 0)
  })
})

forEachStore('quality and logistics nodes in a real Node-RED runtime', (ctx) => {
  let done: NodeSink
  let refused: NodeSink
  let errs: NodeSink
  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  beforeEach(async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {}, mes: ctx().mes } })
    await helper.load(NODES as never, flow)
    done = new NodeSink(helper.getNode('done'))
    refused = new NodeSink(helper.getNode('refused'))
    errs = new NodeSink(helper.getNode('errs'))
  })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  /** Sends msg to a node and waits for its answer on the first output; a refusal or an error fails with its reason. */
  async function send (node: string, msg: Msg): Promise<Msg> {
    helper.getNode(node).receive(msg)
    try {
      return await done.next()
    } catch {
      const why = refused.pending > 0 ? (await refused.next()).reason : errs.pending > 0 ? (await errs.next()).error.message : 'nothing came out'
      throw new Error(`${node} ${JSON.stringify(msg)}: ${String(why)}`)
    }
  }
  /** Sends msg to a node and returns what came out of its second output (a result instead fails). */
  async function refusal (node: string, msg: Msg): Promise<Msg> {
    helper.getNode(node).receive(msg)
    try {
      return await refused.next()
    } catch {
      const got = done.pending > 0 ? `a result: ${JSON.stringify((await done.next()).payload)}` : errs.pending > 0 ? `an error: ${String((await errs.next()).error.message)}` : 'nothing'
      throw new Error(`${node} ${JSON.stringify(msg)} was not refused (${got})`)
    }
  }

  it('records an out-of-spec result that holds its lot; the held lot is refused until the disposition frees it', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const inSpec = await send('insp', { payload: 100.1, jobId: cutJob, lotId: 'T-1', equipment: 'SAW-1', resultId: 'gauge-1' })
    assert.deepEqual([inSpec.outOfSpec, inSpec.payload.result.evaluation, inSpec.payload.nonconformance, inSpec.ncId], [false, 'accepted', null, undefined])
    assert.deepEqual([inSpec.payload.result.who, inSpec.payload.result.unit, inSpec.payload.result.equipment], ['qa.quinn', 'MM', 'SAW-1'])

    const out = await send('insp', { payload: 100.9, jobId: cutJob, lotId: 'T-1', equipment: 'SAW-1' })
    assert.equal(out.outOfSpec, true)
    assert.equal(out.payload.result.evaluation, 'rejected')
    const nc = out.payload.nonconformance
    assert.deepEqual([nc.ncId, nc.lotId, nc.defectCode, nc.status], [out.ncId, 'T-1', 'LEN-OOT', 'open'])
    assert.equal((await c.mes.materials.lot('T-1')).status, 'on-hold')

    const holds = await send('hld', { action: 'list', target: { kind: 'lot', id: 'T-1' } })
    assert.deepEqual(holds.payload.map((h: Msg) => `${h.holdId} ${h.source}`), [`${nc.holdId} nonconformance`])
    const held = await refusal('cons', { payload: 'T-1', jobId: cutJob, quantity: 10 })
    assert.equal(held.rule, 'lot-status')
    assert.ok(held.reason.includes(`lot T-1 is on-hold (hold ${String(nc.holdId)} by qa.quinn: nonconformance ${String(nc.ncId)} (LEN-OOT)`), held.reason)

    const freed = await send('disp', { ncId: out.ncId, why: 'within the customer\'s tolerance', reference: 'QM-4711' })
    assert.deepEqual([freed.payload.status, freed.payload.disposition, freed.payload.dispositionBy], ['dispositioned', 'use-as-is', 'qa.quinn'])
    assert.equal((await c.mes.materials.lot('T-1')).status, 'released')
    const consumed = await send('cons', { payload: 'T-1', jobId: cutJob, quantity: 10 })
    assert.equal(consumed.payload.lot.quantity, 290)

    const again = await refusal('disp', { payload: out.ncId })
    assert.equal(again.code, 'MES_QUALITY_REFUSED')
    assert.match(again.reason, /use-as-is/)
    assert.deepEqual(again.payload, { ncId: out.ncId, disposition: 'use-as-is', who: 'qa.quinn' })
    assert.equal(refused.pending + errs.pending + done.pending, 0)
  })

  it('refuses a result for an unknown characteristic, in another unit, or without job, value or characteristic, naming it; nothing stored', async () => {
    const c = ctx()
    const { cutJob } = await inspectedOrder(c)
    const unknown = await refusal('insp', { payload: { jobId: cutJob, characteristic: '0030', value: 1, unit: 'MM' } })
    assert.equal(unknown.code, 'MES_QUALITY_REFUSED')
    assert.equal(typeof unknown.rule, 'string')
    assert.match(unknown.reason, /0030/)
    assert.deepEqual(unknown.payload, { jobId: cutJob, characteristic: '0030', value: 1, unit: 'MM', who: 'qa.quinn' })
    const unit = await refusal('insp', { payload: { jobId: cutJob, characteristic: '0010', value: 10, unit: 'CM' } })
    assert.equal(unit.code, 'MES_QUALITY_REFUSED')
    assert.match(unit.reason, /CM/)
    const noJob = await refusal('insp', { payload: 100 })
    assert.equal(noJob.code, 'MES_COMMAND')
    assert.match(noJob.reason, /names no job, nor order and operation/)
    assert.deepEqual(noJob.payload, { payload: 100 })
    const noValue = await refusal('insp', { payload: { jobId: cutJob } })
    assert.match(noValue.reason, /characteristic 0010 has no value nor attribute/)
    const noCharacteristic = await refusal('insp', { action: 'record', payload: { jobId: cutJob, characteristic: '', value: 1 } })
    assert.equal(noCharacteristic.code, 'VALIDATION_FAILED')
    assert.deepEqual(await c.mes.quality.resultsOf({ orderNumber: '500' }), [])
    assert.equal((await c.mes.materials.lot('T-1')).status, 'released')
  })

  it('reports a nonconformance (held), refuses one without what it needs; a disposition needs its nonconformance', async () => {
    const c = ctx()
    await inspectedOrder(c)
    const r = await send('nc', { payload: { lotId: 'T-2', quantity: 3, unit: 'M', description: 'dented at the end' } })
    assert.deepEqual([r.payload.defectCode, r.payload.reportedBy, r.payload.status, r.duplicate], ['DENT', 'op.olga', 'open', false])
    assert.equal((await c.mes.materials.lot('T-2')).status, 'on-hold')
    const noDescription = await refusal('nc', { payload: { lotId: 'T-2', quantity: 1 } })
    assert.equal(noDescription.code, 'VALIDATION_FAILED')
    assert.match(noDescription.reason, /description/)
    const noNc = await refusal('disp', { payload: {} })
    assert.equal(noNc.code, 'MES_COMMAND')
    assert.match(noNc.reason, /a disposition needs the nonconformance/)
    const unknown = await refusal('disp', { ncId: 'NC-404' })
    assert.equal(unknown.code, 'MES_NOT_FOUND')
    // The disposition by msg, when the node chooses none (its Action, too, from msg).
    helper.getNode('nc').receive({ action: 'disposition', ncId: r.ncId, disposition: 'scrap', why: 'bent' })
    const scrapped = await done.next()
    assert.equal(scrapped.payload.disposition, 'scrap')
    assert.equal((await c.mes.materials.lot('T-2')).status, 'blocked')
  })

  it('places and releases holds on a work unit, never a release without why; an unknown target or a second release refused', async () => {
    const c = ctx()
    await inspectedOrder(c)
    const placed = await send('hld', { action: 'place', payload: 'SAW-1', reason: 'tool check after out-of-spec cut', holdId: 'H-SAW-1' })
    assert.deepEqual([placed.holdId, placed.payload.target, placed.payload.placedBy, placed.payload.status], ['H-SAW-1', { kind: 'work-unit', id: 'SAW-1' }, 'qa.quinn', 'active'])
    const noWhy = await refusal('hld', { action: 'release', payload: 'SAW-1' })
    assert.equal(noWhy.code, 'MES_COMMAND')
    assert.match(noWhy.reason, /the release of the hold on work-unit SAW-1 has no why/)
    assert.equal((await c.mes.holds.get('H-SAW-1')).status, 'active', 'nothing released')
    const noReason = await refusal('hld', { action: 'place', payload: 'SAW-1' })
    assert.match(noReason.reason, /the hold on work-unit SAW-1 has no reason/)
    const nowhere = await refusal('hld', { action: 'place', target: { kind: 'lot', id: 'X-9' }, reason: 'check' })
    assert.equal(nowhere.code, 'MES_HOLD_TARGET')

    // Released through its target (its one active hold), the why from the message.
    const released = await send('hld', { action: 'release', payload: 'SAW-1', why: 'tool measured, within limits', who: 'qa.ines' })
    assert.deepEqual([released.payload.status, released.payload.releasedBy, released.payload.releaseWhy], ['released', 'qa.ines', 'tool measured, within limits'])
    const twice = await refusal('hld', { action: 'release', holdId: 'H-SAW-1', why: 'again' })
    assert.equal(twice.code, 'MES_HOLD_RELEASED')
    assert.match(twice.reason, /released by qa\.ines/)
    assert.deepEqual((await send('hld', { action: 'list', payload: 'SAW-1' })).payload, [])
  })

  it('stages a job by hand (partly, then whole, a lot of another material refused), and puts a produced lot away into a bin a trace shows', async () => {
    const c = ctx()
    const { cutJob, weldJob } = await inspectedOrder(c)
    const before = await send('stg', { action: 'read', payload: cutJob })
    assert.deepEqual([before.staged, before.payload.requests.map((q: Msg) => `${q.requestId} ${q.material} ${q.quantity} ${q.status}`)], [false, [`${cutJob}/1 RM-TUBE 400 requested`]])
    const requestId = `${cutJob}/1`
    const part = await send('stg', { action: 'confirm', payload: { requestId, quantity: 300, lotId: 'T-1', confirmationId: 'wh-1' } })
    assert.deepEqual([part.payload.status, part.payload.stagedQuantity, part.duplicate], ['partial', 300, false])
    assert.equal((await send('stg', { action: 'confirm', payload: { requestId, quantity: 300, lotId: 'T-1', confirmationId: 'wh-1' } })).duplicate, true)
    const wrong = await refusal('stg', { action: 'confirm', payload: { requestId, quantity: 100, lotId: 'W-1' } })
    assert.deepEqual([wrong.code, wrong.rule], ['MES_MATERIAL_REFUSED', 'wrong-material'])
    const noRequest = await refusal('stg', { action: 'confirm', payload: { quantity: 100, lotId: 'T-2' } })
    assert.match(noRequest.reason, /a staging confirmation names no request/)
    // Without confirmationIds, two messages of one click (one _msgid) are two confirmations; the same one again is one.
    const rest = (): Msg => ({ _msgid: 'click-1', action: 'confirm', payload: { requestId, quantity: 100, lotId: 'T-2' } })
    assert.equal((await send('stg', rest())).payload.status, 'staged')
    assert.equal((await send('stg', { _msgid: 'click-1', action: 'confirm', payload: { requestId: `${weldJob}/2`, quantity: 2, lotId: 'W-1' } })).payload.status, 'partial')
    assert.equal((await send('stg', rest())).duplicate, true)
    assert.equal((await send('stg', { action: 'read', jobId: cutJob })).staged, true)
    const noJob = await refusal('stg', { action: 'read', payload: {} })
    assert.match(noJob.reason, /reading the staging names no job/)
    const noWhy = await refusal('stg', { action: 'cancel', payload: { requestId: `${weldJob}/2` } })
    assert.match(noWhy.reason, /has no why/)
    assert.equal((await send('stg', { action: 'cancel', payload: { requestId: `${weldJob}/2`, why: 'wire from the line stock' } })).payload.status, 'cancelled')

    await send('cons', { payload: 'T-1', jobId: cutJob, quantity: 5 })
    await send('prod', { payload: { jobId: cutJob, material: 'FG-FRAME', lotId: 'FR-L1', quantity: 1 } })
    const requested = await send('pa', { action: 'read', payload: 'FR-L1' })
    assert.deepEqual([requested.payload.requestId, requested.payload.status, requested.payload.location], ['putaway/FR-L1', 'requested', null])
    const noBin = await refusal('pa', { action: 'confirm', payload: { lotId: 'FR-L1' } })
    assert.equal(noBin.code, 'MES_COMMAND')
    assert.match(noBin.reason, /the put-away confirmation of putaway\/FR-L1 names no storage bin/)
    const stored = await send('pa', { action: 'confirm', lotId: 'FR-L1', location: 'FG-01-01' })
    assert.deepEqual([stored.payload.status, stored.payload.location], ['confirmed', 'FG-01-01'])
    const moved = await refusal('pa', { action: 'confirm', payload: { lotId: 'FR-L1', location: 'FG-02-01' } })
    assert.deepEqual([moved.code, moved.rule], ['MES_MATERIAL_REFUSED', 'already-confirmed'])
    const unknown = await refusal('pa', { action: 'read', payload: 'NO-LOT' })
    assert.equal(unknown.code, 'MES_NOT_FOUND')
    assert.equal((await send('pa', { action: 'read', payload: 'T-2' })).payload, null, 'a received lot has no put-away')

    const trace = await send('fwd', { payload: 'T-1' })
    const lot = trace.payload.nodes.find((n: Msg) => n.id === 'FR-L1')
    assert.equal(lot?.location, 'FG-01-01')
    assert.equal(errs.pending, 0)
  })
})
