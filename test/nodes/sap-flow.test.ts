// The shipped "SAP" tab (flows/hub-flows.json) in a real Node-RED runtime on a real hub and the simulated SAP (the
// hub its partner, as the tab's note says to start them): its inject buttons clicked in order, as a user would,
// with the debug nodes swapped for test-helper nodes. The order comes from SAP, runs on PRESS01, and its two
// confirmations and two goods movements reach SAP once each; `sap confirm` reports SAP's references.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import idocInNode = require('../../nodes/idoc-in/idoc-in')
import sapConfirmNode = require('../../nodes/sap-confirm/sap-confirm')
import materialNode = require('../../nodes/material/material')
import consumeNode = require('../../nodes/consume/consume')
import produceNode = require('../../nodes/produce/produce')
import dispatchNode = require('../../nodes/dispatch/dispatch')
import wipNode = require('../../nodes/wip/wip')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { PROJECT_ROOT } from '../support/child-hub'
import { Sink as NodeSink } from '../support/node-sink'
import { startSapHub, until, type SapHub } from './sap-hub-fixture'

/* eslint-disable @typescript-eslint/no-require-imports */
const CORE = ['common/20-inject.js', 'common/25-catch.js', 'common/90-comment.js', 'function/10-function.js', 'network/21-httprequest.js']
  .map((f) => require(`@node-red/nodes/core/${f}`) as unknown)
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'))

type FlowNode = Record<string, unknown> & { id: string, type: string, z?: string, name?: string }
type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** The tab, with the debug nodes as test-helper nodes and the simulator's URL where the tab has port 8000. */
function sapTab (simUrl: string): FlowNode[] {
  const flows = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'flows', 'hub-flows.json'), 'utf8')) as FlowNode[]
  const tab = flows.find((n) => n.type === 'tab' && n.label === 'SAP')
  assert.ok(tab, 'the SAP tab is shipped')
  return flows.filter((n) => n.id === tab.id || n.z === tab.id).map((n) => {
    if (n.type === 'debug') return { id: n.id, z: n.z, name: n.name, type: 'helper' }
    if (n.type === 'http request') {
      assert.match(String(n.url), /^http:\/\/127\.0\.0\.1:8000\//, 'the tab calls the simulator at its default port')
      return { ...n, url: String(n.url).replace('http://127.0.0.1:8000', simUrl) }
    }
    return n
  })
}

describe('the shipped SAP flow in a real Node-RED runtime', function () {
  this.timeout(90000)
  let s: SapHub
  let flow: FlowNode[]
  const sinks: Record<string, NodeSink> = {}
  const byName = (type: string, name: string): string => {
    const n = flow.find((x) => x.type === type && x.name === name)
    assert.ok(n, `the tab has a ${type} '${name}'`)
    return n.id
  }
  async function click (inject: string, debug: string, count = 1): Promise<Msg[]> {
    helper.getNode(byName('inject', inject)).receive({})
    const got: Msg[] = []
    try {
      for (let i = 0; i < count; i++) got.push(await sinks[debug]!.next(15000))
    } catch {
      const errors = sinks.errors!.pending > 0 ? (await sinks.errors!.next()).error.message : 'no error either'
      const refused = sinks.refused!.pending > 0 ? (await sinks.refused!.next()).reason : ''
      throw new Error(`'${inject}': ${got.length} of ${count} messages on '${debug}' (${String(errors)} ${String(refused)})`)
    }
    return got
  }

  before(async function () {
    s = await startSapHub('idoc-xml')
    flow = sapTab(s.sim.url)
    await new Promise<void>((resolve) => helper.startServer(resolve))
    helper.settings({ [HUB_SERVICES_SETTING]: s.hub.services })
    await helper.load([idocInNode, sapConfirmNode, materialNode, consumeNode, produceNode, dispatchNode, wipNode, ...CORE] as never, flow)
    for (const name of ["simulated SAP's answer", 'IDocs from SAP', 'materials', 'jobs', 'consumed / produced', 'refused', 'SAP took it', 'SAP refused (dead letter)', 'errors']) {
      sinks[name] = new NodeSink(helper.getNode(byName('helper', name)))
    }
  })
  after(async function () {
    await helper.unload()
    await new Promise<void>((resolve) => helper.stopServer(resolve))
    await s.close()
  })

  it('takes order 1000001 from SAP, runs it on PRESS01, and sends its confirmations and goods movements to SAP once each', async function () {
    const mes = s.hub.mes.mes
    const [answer] = await click('1 SAP sends order 1000001', "simulated SAP's answer")
    assert.equal(answer!.statusCode, 200, JSON.stringify(answer!.payload))
    assert.equal(answer!.payload.status, 200, 'the hub took the IDoc')
    const loipro = await sinks['IDocs from SAP']!.next()
    assert.equal(loipro.topic, 'LOIPRO')
    assert.equal(loipro.payload.status, 'applied', loipro.payload.reason)
    assert.equal(loipro.idoc.control.DOCNUM, answer!.payload.docnum)
    assert.equal((await mes.workOrders.get('1000001')).status, 'released')

    assert.deepEqual((await click('2 materials and a coil lot', 'materials', 3)).map((m) => m.action), ['define', 'define', 'receive'])
    const [job] = await click('3 dispatch op 10 onto PRESS01', 'jobs')
    assert.equal(`${job!.payload.job.jobId} ${job!.payload.job.workUnit} ${job!.payload.job.state}`, '1000001-10-1 PRESS01 Running')
    await click('4 consume 250 kg of COIL-1', 'consumed / produced')
    await click('5 produce 100 panels', 'consumed / produced')
    const [partial] = await click('6 report 100 good', 'SAP took it')
    const [final] = await click('7 complete the job', 'SAP took it')
    assert.deepEqual([partial!.payload.status, final!.payload.status], ['sent', 'sent'])
    assert.match(final!.payload.reference, /^DOCNUM \d{16}$/)

    // Both confirmations acknowledged with SAP's reference; the two goods movements (261, 101) sent by the adapter.
    const all = await until('everything sent to SAP', async () => {
      const m = await mes.outbox.list({ destination: 'sap' })
      return m.length === 4 && m.every((x) => x.status === 'sent') ? m : undefined
    })
    assert.deepEqual(all.map((m) => m.type).sort(), ['confirmation', 'confirmation', 'goods-movement', 'goods-movement'])
    const confirmations = await mes.confirmations.forOrder('1000001')
    assert.deepEqual(confirmations.map((c) => [c.yield, c.final, c.status]), [[100, false, 'acknowledged'], [0, true, 'acknowledged']])
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(s.sim.received.idocs.length, 4, 'each sent once: ' + JSON.stringify(s.sim.received.idocs.map((i) => i.messageType)))
    for (const name of ['refused', 'SAP refused (dead letter)', 'errors']) assert.equal(sinks[name]!.pending, 0, name)
  })
})
