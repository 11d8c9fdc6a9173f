// The `sap confirm` node in a real Node-RED runtime on a real hub whose confirmations go to the simulated SAP over
// OData (API_PROD_ORDER_CONFIRMATION_2_SRV): the output of a `wip` complete event in, SAP's reference (confirmation
// group/counter) on output 1; a confirmation SAP refuses (an order it does not know) on output 2 as a dead letter,
// with SAP's words; a job event without a confirmation passes quietly.
import assert from 'node:assert/strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper')
import sapConfirmNode = require('../../nodes/sap-confirm/sap-confirm')
import wipNode = require('../../nodes/wip/wip')
import { HUB_SERVICES_SETTING } from '../../nodes/hub-services'
import { Sink } from '../support/node-sink'
import { loiproIdoc, xmlHttp } from '../adapters/sap/idoc-samples'
import { sapHubSuite, statusTexts } from './sap-hub-fixture'

helper.init(require.resolve('node-red'))

const PRESS_OP = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESSL1</ARBPL><LTXA1>Stamp side panel</LTXA1><MGVRG>100.000</MGVRG></E1AFVOL>'

describe('sap confirm node', function () {
  this.timeout(60000)
  const s = sapHubSuite(helper, 'odata')

  const flow = [
    { id: 'jobEvent', type: 'wip', name: 'job event', who: 'op.olga', wires: [['toSap'], ['refusedEvent']] },
    { id: 'toSap', type: 'sap confirm', name: 'to SAP', wires: [['taken'], ['dead']] },
    { id: 'taken', type: 'helper' }, { id: 'dead', type: 'helper' }, { id: 'refusedEvent', type: 'helper' }
  ]

  /** A job of the order on PRESS01, started, with 100 good reported (a partial confirmation) by the MES. */
  async function runningJob (order: string): Promise<string> {
    const mes = s().hub.mes.mes
    const job = await mes.dispatch.dispatchOperation(order, 10, 'PRESS01', { who: 'supervisor.sue' })
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
    await mes.wip.apply({ jobId: job.jobId, event: 'report', who: 'op.olga', good: 100 })
    return job.jobId
  }

  it('reports SAP\'s reference on output 1 for the confirmation of a completed job; an unknown order is a dead letter on output 2', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load([wipNode, sapConfirmNode] as never, flow)
    const taken = new Sink(helper.getNode('taken'))
    const dead = new Sink(helper.getNode('dead'))

    // Order 1000001 comes from SAP (LOIPRO, released); SAP knows it.
    assert.equal((await s().postIdoc(xmlHttp(loiproIdoc('0000000000400001', { aufnr: '000001000001', operations: PRESS_OP })))).status, 200)
    await s().hub.sap!.adapter.applier.idle()
    const known = await runningJob('1000001')
    helper.getNode('jobEvent').receive({ payload: { jobId: known, event: 'complete' } })
    const ok = await taken.next(15000)
    assert.equal(ok.payload.status, 'sent')
    assert.equal(ok.payload.type, 'confirmation')
    assert.match(ok.payload.reference, /^\d+\/\d+$/, 'ConfirmationGroup/ConfirmationCount')
    const final = (await s().hub.mes.mes.confirmations.forOrder('1000001')).find((c) => c.final)!
    assert.equal(ok.payload.idempotencyKey.endsWith(final.idempotencyKey), true, `${ok.payload.idempotencyKey} is the final confirmation's`)
    assert.ok(s().sim.received.confirmations.some((c) => c.OrderID === '1000001' && c.IsFinalConfirmation === true),
      JSON.stringify(s().sim.received.confirmations))

    // Order 9000001 was created in the MES only: SAP refuses its confirmation for good (RU/100).
    await s().hub.mes.mes.workOrders.create({ orderNumber: '9000001', material: 'FG-PANEL-100', quantity: 100, unit: 'ST', dueDate: '2030-01-01T16:00:00Z', operations: [{ sequence: 10, workCenter: 'PRESSL1', description: 'Stamp' }] }, { who: 'supervisor.sue' })
    await s().hub.mes.mes.workOrders.release('9000001', { who: 'supervisor.sue' })
    const unknown = await runningJob('9000001')
    helper.getNode('jobEvent').receive({ payload: { jobId: unknown, event: 'complete' } })
    const refused = await dead.next(15000)
    assert.equal(refused.payload.status, 'dead')
    assert.match(refused.reason, /refused the confirmation: Order 0*9000001 does not exist \(RU\/100\)/)
    assert.equal(refused.reason, refused.payload.lastError)
    assert.equal(taken.pending, 0)
  })

  it('lets a job event without a confirmation (a start) pass quietly, and fails a message without a key', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: s().hub.services })
    await helper.load([wipNode, sapConfirmNode] as never, flow)
    const confirm = helper.getNode('toSap')
    const calls: string[] = []
    confirm.on('call:error', (c: { args: unknown[] }) => calls.push(String(c.args[0])))
    await s().hub.mes.mes.workOrders.create({ orderNumber: '9000002', material: 'FG-PANEL-100', quantity: 10, unit: 'ST', dueDate: '2030-01-01T16:00:00Z', operations: [{ sequence: 10, workCenter: 'PRESSL1', description: 'Stamp' }] }, { who: 'supervisor.sue' })
    await s().hub.mes.mes.workOrders.release('9000002', { who: 'supervisor.sue' })
    const job = await s().hub.mes.mes.dispatch.dispatchOperation('9000002', 10, 'PRESS01', { who: 'supervisor.sue' })
    // The node's own input handler runs before this listener (registered first), and finishes synchronously here.
    const handled = new Promise<void>((resolve) => confirm.on('input', () => resolve()))
    helper.getNode('jobEvent').receive({ payload: { jobId: job.jobId, event: 'start' } })
    await handled
    assert.equal(new Sink(helper.getNode('taken')).pending + new Sink(helper.getNode('dead')).pending, 0)
    assert.deepEqual(calls, [])
    const err = new Promise<string>((resolve) => confirm.on('call:error', (c: { args: unknown[] }) => resolve(String(c.args[0]))))
    confirm.receive({ payload: 42 })
    assert.match(await err, /sap confirm needs a confirmation key/)
  })

  it('shows "SAP adapter not running" without an SAP adapter and fails each message', async function () {
    helper.settings({ [HUB_SERVICES_SETTING]: { ...s().hub.services, sap: undefined } })
    await helper.load([wipNode, sapConfirmNode] as never, flow)
    const confirm = helper.getNode('toSap')
    assert.ok(statusTexts(confirm).includes('SAP adapter not running'))
    const err = new Promise<string>((resolve) => confirm.on('call:error', (c: { args: unknown[] }) => resolve(String(c.args[0]))))
    confirm.receive({ payload: 'some-key' })
    assert.match(await err, /SAP adapter of the isa95-hub runtime is not running/)
  })
})
