// What every MES node shares (nodes/mes-node.ts), in a real Node-RED runtime without the hub's MES: each message
// fails to the catch node with the reason; nothing is sent on.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import consumeNode = require('../../nodes/consume/consume')
import traceNode = require('../../nodes/trace/trace')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { Sink as NodeSink } from '../support/node-sink'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown

helper.init(require.resolve('node-red'))

describe('MES nodes in a Node-RED without the hub\'s MES', function () {
  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  it('fail each message to the catch node with the reason, and send nothing on', async function () {
    // The hub's services without an MES (a hub started with mes.enabled false).
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {} } })
    await helper.load([consumeNode, traceNode, catchNode] as never, [
      { id: 'cons', type: 'consume', wires: [['out'], ['out']] },
      { id: 'tr', type: 'trace', direction: 'backward', wires: [['out']] },
      { id: 'out', type: 'helper' },
      { id: 'c', type: 'catch', scope: ['cons', 'tr'], wires: [['errs']] },
      { id: 'errs', type: 'helper' }
    ])
    const out = new NodeSink(helper.getNode('out'))
    const errs = new NodeSink(helper.getNode('errs'))
    for (const id of ['cons', 'tr']) {
      helper.getNode(id).receive({ payload: { jobId: 'J-1', lotId: 'L-1' } })
      const e = await errs.next()
      assert.match(String(e.error.message), /the MES of the isa95-hub runtime is not running in this process$/)
      assert.equal(e.error.source.id, id)
    }
    assert.equal(out.pending, 0)
  })
})
