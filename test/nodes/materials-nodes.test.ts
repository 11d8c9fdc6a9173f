// The material nodes (material, consume, produce) in a real Node-RED runtime (node-red-node-test-helper) on a real
// MES store (the suites' stores): the three-level product built through the nodes, traced through the trace node
// to exactly the expected sets; a BOM refusal out of the consume node's second output with its reason and rule,
// nothing consumed; an override's signature on the record and its password never shown; a repeated eventId.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import materialNode = require('../../nodes/material/material')
import consumeNode = require('../../nodes/consume/consume')
import produceNode = require('../../nodes/produce/produce')
import traceNode = require('../../nodes/trace/trace')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { forEachStore } from '../mes/stores'
import { credentials, frameOrder } from '../mes/materials/fixture'
import { BACKWARD_FROM_FG1, FORWARD_FROM_B2, FORWARD_FROM_S1, buildThreeLevels, nodeIds } from '../support/three-level-product'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

// Ids unlike the types: Node-RED reads a property whose value is a node's id as a reference to that node.
const flow = [
  { id: 'mat', type: 'material', action: '', wires: [['done']] },
  { id: 'cons', type: 'consume', who: 'op.default', wires: [['done'], ['refused']] },
  { id: 'prod', type: 'produce', material: '', wires: [['done'], ['refused']] },
  { id: 'back', type: 'trace', direction: 'backward', wires: [['done']] },
  { id: 'fwd', type: 'trace', direction: 'forward', wires: [['done']] },
  { id: 'done', type: 'helper' },
  { id: 'refused', type: 'helper' },
  { id: 'c', type: 'catch', scope: ['mat', 'cons', 'prod', 'back', 'fwd'], wires: [['errs']] },
  { id: 'errs', type: 'helper' }
]

forEachStore('material nodes in a real Node-RED runtime', (ctx) => {
  let done: NodeSink
  let refused: NodeSink
  let errs: NodeSink
  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  beforeEach(async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {}, mes: ctx().mes } })
    await helper.load([materialNode, consumeNode, produceNode, traceNode, catchNode] as never, flow)
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

  it('builds the three-level product through the nodes; the trace node reaches exactly the expected lots and serials', async () => {
    await buildThreeLevels(ctx(), async (command, input) => {
      if (command === 'consume' || command === 'produce') {
        // A lot or a serial as a scanner gives it: the id as payload, the job and the operator beside it.
        const { jobId, who, lotId, serial, quantity, ...rest } = input
        const short = command === 'consume' && Object.keys(rest).length === 0
        const msg = short ? { payload: serial !== undefined ? `serial:${String(serial)}` : lotId, jobId, who, quantity } : { payload: input }
        const r = await send(command === 'consume' ? 'cons' : 'prod', msg)
        assert.ok(command === 'produce' ? r.payload.serials.length > 0 : r.payload.actual.who === who, JSON.stringify(r.payload))
      } else {
        const r = await send('mat', { action: command, payload: input })
        assert.equal(r.action, command)
      }
    })
    assert.deepEqual(nodeIds((await send('back', { payload: 'serial:FG-1' })).payload), BACKWARD_FROM_FG1)
    assert.deepEqual(nodeIds((await send('fwd', { payload: 'S-1' })).payload), FORWARD_FROM_S1)
    assert.deepEqual(nodeIds((await send('fwd', { payload: { lotId: 'B-2' } })).payload), FORWARD_FROM_B2)
    const m = ctx().mes.materials
    assert.deepEqual([(await m.lot('S-1')).quantity, (await m.lot('B-M')).quantity, (await m.serial('SA-1')).status], [30, 88, 'consumed'])
    assert.deepEqual((await ctx().mes.audit.forEntity('MaterialLot', 'B-M')).map((a) => `${a.action} ${a.who}`),
      ['merge wms:WH1', 'consume op.olga', 'consume op.pete'])
    assert.equal(refused.pending + errs.pending, 0)
  })

  it('sends a BOM refusal out of the second output with reason, rule and code; an override is signed, its password never shown', async () => {
    const c = ctx()
    const { cutJob, weldJob } = await frameOrder(c)
    await send('mat', { action: 'status', payload: { lotId: 'W-1', status: 'on-hold', why: 'supplier complaint 4711' }, who: 'qms:QM1' })
    helper.getNode('cons').receive({ payload: 'W-1', jobId: weldJob, quantity: 1 })
    const held = await refused.next()
    assert.equal(held.rule, 'lot-status')
    assert.equal(held.code, 'MES_MATERIAL_REFUSED')
    assert.match(held.reason, /lot W-1 is on-hold \(supplier complaint 4711\), not released/)
    assert.deepEqual(held.payload, { lotId: 'W-1', jobId: weldJob, quantity: 1, who: 'op.default' })
    assert.equal((await c.mes.materials.lot('W-1')).quantity, 10, 'nothing consumed')

    const signature = { user: 'qa.quinn', password: 'correct horse', meaning: 'approved deviation' }
    const paint = { jobId: cutJob, lotId: 'P-1', quantity: 2 }
    helper.getNode('cons').receive({ payload: { ...paint, override: { reason: 'D-12', signature: { ...signature, password: 'guess' } } }, who: 'op.olga' })
    const badSig = await refused.next()
    assert.equal(badSig.code, 'MES_SIGNATURE_REQUIRED')
    assert.equal(badSig.payload.override.signature.password, '***')
    helper.getNode('cons').receive({ payload: paint, who: 'op.olga' })
    assert.equal((await refused.next()).rule, 'not-a-component')

    const ok = await send('cons', { payload: { ...paint, override: { reason: 'deviation D-12', signature } }, who: 'op.olga', eventId: 'scan-12' })
    assert.equal(ok.payload.lot.quantity, 18)
    assert.deepEqual(ok.payload.actual.override.signature, { user: 'qa.quinn', meaning: 'approved deviation', at: '2025-03-03T06:00:00.000Z' })
    assert.ok(!JSON.stringify(ok.payload).includes('correct horse'))
    const again = await send('cons', { payload: { ...paint, override: { reason: 'deviation D-12', signature } }, who: 'op.olga', eventId: 'scan-12' })
    assert.equal(again.payload.duplicate, true, 'msg.eventId makes a repeated consumption count once')
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 18)

    // A production without a material (the node names none), at a job that is not running; a lot received twice.
    await c.mes.wip.apply({ jobId: weldJob, event: 'pause', who: 'op.olga' })
    helper.getNode('prod').receive({ payload: 1, jobId: weldJob, who: 'op.olga' })
    const noMaterial = await refused.next()
    assert.equal(noMaterial.code, 'VALIDATION_FAILED')
    assert.match(noMaterial.reason, /\/material: is required/)
    assert.deepEqual(noMaterial.payload, { count: 1, jobId: weldJob, who: 'op.olga' })
    helper.getNode('prod').receive({ payload: { jobId: weldJob, material: 'FG-FRAME', count: 1 } })
    const notRunning = await refused.next()
    assert.deepEqual([notRunning.code, notRunning.rule], ['MES_MATERIAL_REFUSED', 'job-state'])
    assert.match(notRunning.reason, /material is produced only while it is Running/)
    helper.getNode('mat').receive({ action: 'receive', payload: { lotId: 'P-1', material: 'RM-PAINT', quantity: 1, unit: 'L' } })
    assert.match(String((await errs.next()).error.message), /P-1/)
    helper.getNode('mat').receive({ action: 'ship', payload: {} })
    assert.match(String((await errs.next()).error.message), /unknown action 'ship'/)
    assert.equal(done.pending, 0)
  })
}, { verifyCredentials: credentials })
