// The shipped "Traceability" tab (flows/hub-flows.json) in a real Node-RED runtime on a real MES store (the suites'
// stores): its inject buttons clicked in order, as a user would, with the debug nodes swapped for test-helper nodes
// so the test sees what the debug sidebar would show. The genealogy it builds, its refusal of a held lot, and the
// trace of the finished unit are checked against the MES.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import materialNode = require('../../nodes/material/material')
import consumeNode = require('../../nodes/consume/consume')
import produceNode = require('../../nodes/produce/produce')
import traceNode = require('../../nodes/trace/trace')
import asBuiltNode = require('../../nodes/as-built/as-built')
import workOrderNode = require('../../nodes/work-order/work-order')
import dispatchNode = require('../../nodes/dispatch/dispatch')
import wipNode = require('../../nodes/wip/wip')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { PROJECT_ROOT } from '../support/child-hub'
import { forEachStore } from '../mes/stores'
import { Sink as NodeSink } from '../support/node-sink'

/* eslint-disable @typescript-eslint/no-require-imports */
const CORE = ['common/20-inject.js', 'common/25-catch.js', 'common/90-comment.js', 'function/10-function.js']
  .map((f) => require(`@node-red/nodes/core/${f}`) as unknown)
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'))

type FlowNode = Record<string, unknown> & { id: string, type: string, z?: string, name?: string }
type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function traceabilityTab (): FlowNode[] {
  const flows = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'flows', 'hub-flows.json'), 'utf8')) as FlowNode[]
  const tab = flows.find((n) => n.type === 'tab' && n.label === 'Traceability')
  assert.ok(tab, 'the Traceability tab is shipped')
  return flows.filter((n) => n.id === tab.id || n.z === tab.id).map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, name: n.name, type: 'helper' } : n))
}

forEachStore('the shipped Traceability flow in a real Node-RED runtime', (ctx) => {
  const flow = traceabilityTab()
  const byName = (type: string, name: string): string => {
    const n = flow.find((x) => x.type === type && x.name === name)
    assert.ok(n, `the tab has a ${type} '${name}'`)
    return n.id
  }
  const sinks: Record<string, NodeSink> = {}
  /** Clicks an inject button and returns the next `count` messages of the debug node `debug`. */
  async function click (inject: string, debug: string, count = 1): Promise<Msg[]> {
    helper.getNode(byName('inject', inject)).receive({})
    const got: Msg[] = []
    try {
      for (let i = 0; i < count; i++) got.push(await sinks[debug]!.next())
    } catch {
      const errors = sinks.errors!.pending > 0 ? (await sinks.errors!.next()).error.message : 'no error either'
      throw new Error(`'${inject}': ${got.length} of ${count} messages on '${debug}' (${String(errors)})`)
    }
    return got
  }

  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  beforeEach(async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {}, mes: ctx().mes } })
    await helper.load([materialNode, consumeNode, produceNode, traceNode, asBuiltNode, workOrderNode, dispatchNode, wipNode, ...CORE] as never, flow)
    for (const name of ['materials', 'jobs', 'consumed / produced', 'refused', 'trace', 'as-built', 'errors']) {
      sinks[name] = new NodeSink(helper.getNode(byName('helper', name)))
    }
  })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  /** Steps 1 to 8: lots received, split and merged, two jobs started, brackets and a unit made. */
  async function build (): Promise<void> {
    assert.deepEqual((await click('1 define materials', 'materials', 4)).map((m) => m.action), ['define', 'define', 'define', 'define'])
    await click('2 receive lots', 'materials', 3)
    await click('3 split and merge', 'materials', 2)
    const jobs = await click('4 orders', 'jobs', 2)
    assert.deepEqual(jobs.map((m) => `${m.payload.job.jobId} ${m.payload.job.workUnit} ${m.payload.job.state}`).sort(),
      ['TR-1-10-1 PRESS01 Running', 'TR-2-10-1 ASSYA10 Running'])
    await click('5 consume at press 1', 'consumed / produced', 2)
    const brackets = await click('6 produce 2 brackets', 'consumed / produced')
    assert.deepEqual(brackets[0]!.payload.serials.map((s: Msg) => s.serial), ['BR-TR-1-001', 'BR-TR-1-002'])
    await click('7 consume brackets', 'consumed / produced', 2)
    const unit = await click('8 produce the unit', 'consumed / produced')
    assert.deepEqual(unit[0]!.payload.serials.map((s: Msg) => s.serial), ['UNIT-TR-2-001'])
  }

  it('builds lots, brackets and a unit when its buttons are clicked in order; traces them; refuses a held lot', async () => {
    await build()
    const [back] = await click('9 what is in UNIT-TR-2-001', 'trace')
    assert.deepEqual(back!.payload.nodes.map((n: Msg) => `${n.kind} ${n.id}`).sort(),
      ['lot B-1', 'lot B-2', 'lot B-M', 'lot S-1', 'lot S-1.1', 'serial BR-TR-1-001', 'serial BR-TR-1-002', 'serial UNIT-TR-2-001'])
    assert.deepEqual(back!.payload, await ctx().mes.materials.trace({ direction: 'backward', serial: 'UNIT-TR-2-001' }))
    const [fwd] = await click('9b where did S-1 go', 'trace')
    assert.deepEqual(fwd!.payload.nodes.map((n: Msg) => `${n.kind} ${n.id}`).sort(),
      ['lot S-1', 'lot S-1.1', 'lot S-1.2', 'serial BR-TR-1-001', 'serial BR-TR-1-002', 'serial UNIT-TR-2-001'])

    const [held] = await click('hold S-1.2', 'materials')
    assert.equal(held!.payload.lot.status, 'on-hold')
    const [refusal] = await click('consume the held lot', 'refused')
    assert.equal(refusal!.rule, 'lot-status')
    assert.match(refusal!.reason, /lot S-1\.2 is on-hold \(supplier complaint 4711\), not released/)
    assert.equal((await ctx().mes.materials.lot('S-1.2')).quantity, 30, 'nothing consumed')
    assert.equal(sinks.errors!.pending, 0)

    // Clicked twice, a step is refused with the reason (the lot exists), to the errors debug node.
    helper.getNode(byName('inject', '2 receive lots')).receive({})
    assert.match(String((await sinks.errors!.next()).error.message), /S-1|B-1|B-2/)
  })

  it('answers the as-built record of the unit, as the service builds it', async () => {
    await build()
    const [record] = await click('10 as-built of the unit', 'as-built')
    assert.deepEqual(record!.payload, await ctx().mes.materials.asBuilt({ serial: 'UNIT-TR-2-001' }))
    const [xml] = await click('10b ... as B2MML XML', 'as-built')
    assert.equal(xml!.payload, await ctx().mes.materials.asBuiltB2mmlXml({ serial: 'UNIT-TR-2-001' }))
  })
})
