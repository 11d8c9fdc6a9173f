// The `as-built` node in a real Node-RED runtime on a real MES store (the suites' stores): the record of a finished
// serial of the three-level product in the node's format or msg.format, as the service builds it; an unknown lot
// to the catch node.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import asBuiltNode = require('../../nodes/as-built/as-built')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { forEachStore } from '../mes/stores'
import { threeLevels } from '../mes/materials/three-levels'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

forEachStore('as-built node in a real Node-RED runtime', (ctx) => {
  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  const flow = [
    { id: 'ab', type: 'as-built', format: 'json', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['ab'], wires: [['errs']] },
    { id: 'errs', type: 'helper' }
  ]

  it('answers the record of a finished serial as JSON, B2MML or XML, as the service builds it; an unknown lot goes to catch', async function () {
    await threeLevels(ctx())
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {}, mes: ctx().mes } })
    await helper.load([asBuiltNode, catchNode] as never, flow)
    const out = new NodeSink(helper.getNode('out'))
    const errs = new NodeSink(helper.getNode('errs'))
    const m = ctx().mes.materials

    helper.getNode('ab').receive({ payload: 'serial:FG-1' })
    const json = await out.next()
    assert.equal(json.format, 'json')
    assert.deepEqual(json.payload, await m.asBuilt({ serial: 'FG-1' }))
    helper.getNode('ab').receive({ payload: { serial: 'FG-1' }, format: 'b2mml' })
    assert.deepEqual((await out.next()).payload, await m.asBuiltB2mml({ serial: 'FG-1' }))
    helper.getNode('ab').receive({ payload: 'serial:FG-1', format: 'xml' })
    const xml = await out.next()
    assert.equal(xml.payload, await m.asBuiltB2mmlXml({ serial: 'FG-1' }))

    helper.getNode('ab').receive({ payload: 'NO-SUCH-LOT' })
    assert.match(String((await errs.next()).error.message), /NO-SUCH-LOT/)
    assert.equal(out.pending, 0)
  })
})
