// The shipped "Quality and logistics" tab (flows/hub-flows.json) in a real Node-RED runtime on a real MES store (the
// suites' stores): its inject buttons clicked in order, as a user without a QMS or a WMS would (the steps "no WMS" /
// "no QMS" standing in for them; 1c and 9b, which talk to the simulators, are not clicked), with the debug nodes
// swapped for test-helper nodes so the test sees what the debug sidebar would show (the run with the QMS and WMS
// adapters and both simulators is quality-logistics-flow-adapters.test.ts). What the MES holds after each step is
// checked against the MES: staging, the out-of-spec result and its hold, the refused and the accepted
// consumption, the disposition, the hold on the press and its release, the put-away bin in the forward trace.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import materialNode = require('../../nodes/material/material')
import consumeNode = require('../../nodes/consume/consume')
import produceNode = require('../../nodes/produce/produce')
import traceNode = require('../../nodes/trace/trace')
import workOrderNode = require('../../nodes/work-order/work-order')
import dispatchNode = require('../../nodes/dispatch/dispatch')
import wipNode = require('../../nodes/wip/wip')
import inspectionNode = require('../../nodes/inspection-result/inspection-result')
import nonconformanceNode = require('../../nodes/nonconformance/nonconformance')
import holdNode = require('../../nodes/hold/hold')
import stageNode = require('../../nodes/stage-material/stage-material')
import putAwayNode = require('../../nodes/put-away/put-away')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { PROJECT_ROOT } from '../support/child-hub'
import { forEachStore } from '../mes/stores'
import { Sink as NodeSink } from '../support/node-sink'

/* eslint-disable @typescript-eslint/no-require-imports */
const CORE = ['common/20-inject.js', 'common/25-catch.js', 'common/90-comment.js', 'function/10-function.js', 'network/21-httprequest.js']
  .map((f) => require(`@node-red/nodes/core/${f}`) as unknown)
/* eslint-enable @typescript-eslint/no-require-imports */
const HUB = [materialNode, consumeNode, produceNode, traceNode, workOrderNode, dispatchNode, wipNode, inspectionNode, nonconformanceNode, holdNode, stageNode, putAwayNode]

helper.init(require.resolve('node-red'))

type FlowNode = Record<string, unknown> & { id: string, type: string, z?: string, name?: string }
type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function qualityTab (): FlowNode[] {
  const flows = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'flows', 'hub-flows.json'), 'utf8')) as FlowNode[]
  const tab = flows.find((n) => n.type === 'tab' && n.label === 'Quality and logistics')
  assert.ok(tab, 'the Quality and logistics tab is shipped')
  return flows.filter((n) => n.id === tab.id || n.z === tab.id).map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, name: n.name, type: 'helper' } : n))
}

const DEBUG = ['materials', 'simulators', 'staging', 'quality', 'refused', 'holds', 'jobs', 'consumed / produced', 'put-away', 'trace', 'errors']

forEachStore('the shipped Quality and logistics flow in a real Node-RED runtime', (ctx) => {
  const flow = qualityTab()
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
      const refused = sinks.refused!.pending > 0 ? `refused: ${String((await sinks.refused!.next()).reason)}` : ''
      const errors = sinks.errors!.pending > 0 ? (await sinks.errors!.next()).error.message : 'no error either'
      throw new Error(`'${inject}': ${got.length} of ${count} messages on '${debug}' (${refused || String(errors)})`)
    }
    return got
  }

  before(async function () { await new Promise<void>((resolve) => helper.startServer(resolve)) })
  beforeEach(async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { model: {}, uns: {}, mes: ctx().mes } })
    await helper.load([...HUB, ...CORE] as never, flow)
    for (const name of DEBUG) sinks[name] = new NodeSink(helper.getNode(byName('helper', name)))
  })
  afterEach(async function () { await helper.unload() })
  after(async function () { await new Promise<void>((resolve) => helper.stopServer(resolve)) })

  it('runs order QL-1 through staging, an out-of-spec result and its hold, the disposition and release, to put-away, click by click', async () => {
    const { mes } = ctx()
    assert.deepEqual((await click('1 materials', 'materials', 3)).map((m) => m.action), ['define', 'define', 'define'])
    assert.deepEqual((await click('1b lots SH-1 and SC-1', 'materials', 2)).map((m) => m.payload.lot.lotId).sort(), ['SC-1', 'SH-1'])

    const [dispatched] = await click('2 order QL-1 onto press 2', 'staging')
    assert.deepEqual([dispatched!.payload.jobId, dispatched!.staged], ['QL-1-10-1', false])
    assert.deepEqual(dispatched!.payload.requests.map((q: Msg) => `${q.requestId} ${q.material} ${q.quantity} ${q.unit} ${q.location} ${q.status}`),
      ['QL-1-10-1/1 RM-SHEET 40 KG PRESS02 requested', 'QL-1-10-1/2 RM-SCREW 40 PCE PRESS02 requested'])
    const [plan] = await click('3 inspection plan of QL-1 (no QMS)', 'quality')
    assert.deepEqual([plan!.payload.inspectionLot, plan!.payload.orderNumber], ['090000000001', 'QL-1'])
    assert.equal((await click('4 staging of QL-1-10-1', 'staging'))[0]!.staged, false)
    const confirmed = await click('4b no WMS: confirm staging by hand', 'staging', 2)
    // Each message of a button is its own command, run as it comes: the answers may come in either order.
    assert.deepEqual(confirmed.map((m) => `${m.payload.requestId} ${m.payload.status} ${m.payload.lots.map((l: Msg) => l.lotId).join()}`).sort(),
      ['QL-1-10-1/1 staged SH-1', 'QL-1-10-1/2 staged SC-1'])
    assert.equal((await click('4 staging of QL-1-10-1', 'staging'))[0]!.staged, true)
    assert.equal(await mes.logistics.isStaged('QL-1-10-1'), true)
    assert.equal((await click('5 start QL-1-10-1', 'jobs'))[0]!.payload.job.state, 'Running')

    const [result] = await click('6 thickness 2.31 mm on SH-1', 'quality')
    assert.equal(result!.outOfSpec, true)
    assert.deepEqual([result!.payload.result.value, result!.payload.result.evaluation, result!.payload.result.equipment], [2.31, 'rejected', 'PRESS02'])
    const nc = result!.payload.nonconformance
    assert.deepEqual([nc.lotId, nc.defectCode, nc.status], ['SH-1', 'THICKNESS', 'open'])
    assert.equal((await mes.materials.lot('SH-1')).status, 'on-hold')
    const [holds] = await click('7 holds on SH-1', 'holds')
    assert.deepEqual(holds!.payload.map((h: Msg) => `${h.holdId} ${h.source} ${h.reference}`), [`${String(nc.holdId)} nonconformance ${String(nc.ncId)}`])
    const [press] = await click('7b hold press 2: tool check', 'holds')
    assert.deepEqual([press!.payload.holdId, press!.payload.target, press!.payload.status], ['HOLD-PRESS02-1', { kind: 'work-unit', id: 'PRESS02' }, 'active'])

    const [refusal] = await click('8 consume the held lot SH-1', 'refused')
    assert.equal(refusal!.rule, 'lot-status')
    assert.match(refusal!.reason, /lot SH-1 is on-hold/)
    assert.equal((await mes.materials.lot('SH-1')).quantity, 100, 'nothing consumed')

    const [decided] = await click('9 no QMS: disposition use as is', 'quality')
    assert.deepEqual([decided!.payload.ncId, decided!.payload.disposition, decided!.payload.dispositionBy], [nc.ncId, 'use-as-is', 'qa.quinn'])
    assert.equal((await mes.materials.lot('SH-1')).status, 'released')
    const [released] = await click('10 release press 2', 'holds')
    assert.deepEqual([released!.payload.status, released!.payload.releaseWhy], ['released', 'die measured: within limits'])
    assert.deepEqual(await mes.holds.activeOn({ kind: 'work-unit', id: 'PRESS02' }), [])

    const consumed = await click('11 consume SH-1 and SC-1', 'consumed / produced', 2)
    assert.deepEqual(consumed.map((m) => `${m.payload.lot.lotId} ${m.payload.lot.quantity}`).sort(), ['SC-1 460', 'SH-1 60'])
    const [produced] = await click('12 produce lot CV-1', 'consumed / produced')
    assert.equal(produced!.payload.lot.lotId, 'CV-1')
    const [requested] = await click('13 put-away of CV-1', 'put-away')
    assert.deepEqual([requested!.payload.requestId, requested!.payload.fromLocation, requested!.payload.status], ['putaway/CV-1', 'PRESS02', 'requested'])
    const [stored] = await click('13b no WMS: CV-1 into bin FG-09-01', 'put-away')
    assert.deepEqual([stored!.payload.status, stored!.payload.location], ['confirmed', 'FG-09-01'])
    const [trace] = await click('14 where did SH-1 go', 'trace')
    assert.deepEqual(trace!.payload.nodes.map((n: Msg) => `${n.kind} ${n.id} ${String(n.location)}`).sort(), ['lot CV-1 FG-09-01', 'lot SH-1 PRESS02'])
    assert.equal(sinks.errors!.pending + sinks.refused!.pending, 0)

    // Clicked twice, the disposition is refused with the reason (applied once); the put-away too.
    helper.getNode(byName('inject', '9 no QMS: disposition use as is')).receive({})
    assert.match(String((await sinks.refused!.next()).reason), /use-as-is/)
    helper.getNode(byName('inject', '13b no WMS: CV-1 into bin FG-09-01')).receive({})
    assert.deepEqual((await sinks['put-away']!.next()).duplicate, true)
  })

  it('says what to click first when the disposition comes before the result', async () => {
    helper.getNode(byName('inject', '9 no QMS: disposition use as is')).receive({})
    assert.match(String((await sinks.errors!.next()).error.message), /no nonconformance yet: click 6 first/)
    assert.equal(sinks.quality!.pending, 0)
  })
})
