// A production order from SAP applied to the MES (real store): created, released, changed, technically completed
// or cancelled by its deletion flag; the same order applied twice changes nothing the second time; what the MES
// refuses comes back as the MES's own error, with nothing applied.
import assert from 'node:assert/strict'
import { forEachStore, sampleOrder } from '../../../mes/stores'
import { applyOrderFromSap } from '../../../../adapters/sap/inbound/order-idoc-apply'
import { UpdateRefusedError } from '../../../../mes/errors'

const SAP = { who: 'sap:AX2012' }

forEachStore('a production order from SAP', (ctx) => {
  it('is created and released, and the same order a second time changes nothing (no new audit record)', async () => {
    const { mes } = ctx()
    const first = await applyOrderFromSap(mes, { order: sampleOrder('208277437') as never, actions: ['release'] }, SAP)
    assert.deepEqual(first.changes, ['created with 3 operation(s) and 2 component(s)', 'released'])
    assert.equal(first.status, 'released')
    const audit = (await mes.audit.forEntity('WorkOrder', '208277437')).length
    const again = await applyOrderFromSap(mes, { order: sampleOrder('208277437') as never, actions: ['release'] }, SAP)
    assert.deepEqual(again.changes, [])
    assert.deepEqual(again.warnings, [])
    assert.equal((await mes.audit.forEntity('WorkOrder', '208277437')).length, audit, 'nothing recorded the second time')
  })

  it('applies a change of a known order, and passes the MES refusal of an unsafe one on, nothing applied', async () => {
    const { mes } = ctx()
    await applyOrderFromSap(mes, { order: sampleOrder('1000') as never, actions: ['release'] }, SAP)
    const changed = await applyOrderFromSap(mes, { order: sampleOrder('1000', { quantity: 120 }) as never, actions: ['release'] }, SAP)
    assert.equal(changed.changes[0], 'quantity: 100 → 120')
    assert.equal((await mes.workOrders.get('1000')).quantity, 120)

    const job = (await mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', { who: 'sue' }))!
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op' })
    await mes.wip.apply({ jobId: job.jobId, event: 'report', who: 'op', good: 50 })
    const unsafe = sampleOrder('1000', { quantity: 30, description: 'changed' })
    await assert.rejects(applyOrderFromSap(mes, { order: unsafe as never, actions: [] }, SAP), UpdateRefusedError)
    const after = await mes.workOrders.get('1000')
    assert.deepEqual([after.quantity, after.description], [120, 'Frame, welded'], 'nothing of the refused change applied')
  })

  it('technically completes an order (TECO) and cancels one flagged for deletion; unknown or closed orders are warnings', async () => {
    const { mes } = ctx()
    await applyOrderFromSap(mes, { order: sampleOrder('1') as never, actions: ['release'] }, SAP)
    const teco = await applyOrderFromSap(mes, { order: sampleOrder('1') as never, actions: ['release', 'complete'] }, SAP)
    assert.deepEqual(teco.changes, ['technically completed'])
    assert.equal(teco.status, 'completed')
    const late = await applyOrderFromSap(mes, { order: sampleOrder('1', { quantity: 5 }) as never, actions: [] }, SAP)
    assert.deepEqual(late.warnings, ["order 1 is completed here: SAP's change is not applied"])

    await applyOrderFromSap(mes, { order: sampleOrder('2') as never, actions: [] }, SAP)
    const deleted = await applyOrderFromSap(mes, { order: sampleOrder('2') as never, actions: ['delete'] }, SAP)
    assert.deepEqual(deleted.changes, ['cancelled (deletion flag in SAP)'])
    assert.equal((await mes.workOrders.get('2')).status, 'cancelled')
    const unknown = await applyOrderFromSap(mes, { order: sampleOrder('3') as never, actions: ['delete'] }, SAP)
    assert.equal(unknown.status, 'unknown')
    assert.match(unknown.warnings[0]!, /not known here: nothing to do/)
  })
})
