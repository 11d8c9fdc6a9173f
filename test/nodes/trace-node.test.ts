// The `trace` node in a real Node-RED runtime (node-red-node-test-helper) on a real MES store (the suites' stores):
// the three-level product of the trace tests, traced backward from a finished serial and forward from a raw lot,
// the same answer as the service; an unknown lot to the catch node.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import traceNode = require('../../nodes/trace/trace')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { forEachStore } from '../mes/stores'
import { threeLevels } from '../mes/materials/three-levels'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

forEachStore('trace node in a real Node-RED runtime', (ctx) => {
  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  const flow = [
    { id: 'back', type: 'trace', direction: 'backward', wires: [['out']] },
    { id: 'fwd', type: 'trace', direction: 'forward', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['back', 'fwd'], wires: [['errs']] },
    { id: 'errs', type: 'helper' }
  ]

  it('traces backward from a finished serial and forward from a raw lot, as the service answers; an unknown lot goes to catch', async function () {
    await threeLevels(ctx())
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {}, mes: ctx().mes } })
    await helper.load([traceNode, catchNode] as never, flow)
    const out = new NodeSink(helper.getNode('out'))
    const errs = new NodeSink(helper.getNode('errs'))
    const ids = (r: Msg): string[] => (r.nodes as Msg[]).map((n) => `${n.kind}:${n.id}`).sort()

    helper.getNode('back').receive({ payload: 'serial:FG-1' })
    const back = (await out.next()).payload as Msg
    assert.deepEqual(back, await ctx().mes.materials.trace({ direction: 'backward', serial: 'FG-1' }), 'the same answer as the service')
    assert.ok(ids(back).includes('lot:B-M') && ids(back).includes('lot:S-1'), `raw lots reached: ${ids(back).join(', ')}`)

    helper.getNode('fwd').receive({ payload: { lotId: 'S-1' } })
    const fwd = (await out.next()).payload as Msg
    assert.equal(fwd.direction, 'forward')
    assert.deepEqual(fwd, await ctx().mes.materials.trace({ direction: 'forward', lotId: 'S-1' }))
    assert.ok(ids(fwd).includes('serial:FG-1') && ids(fwd).includes('serial:FG-2'), `finished serials reached: ${ids(fwd).join(', ')}`)

    helper.getNode('back').receive({ payload: 'NO-SUCH-LOT' })
    const e = await errs.next()
    assert.match(String(e.error.message), /NO-SUCH-LOT/)
    assert.equal(out.pending, 0)
  })
})
