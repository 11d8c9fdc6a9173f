// Logistics.openTasks on both stores: the requests whose warehouse task the MES still waits for (what the hub asks
// SAP EWM about, as EWM calls nothing back): only those with a task reference, a staging request until it is staged
// or cancelled (also by its job ending), a put-away until it is confirmed.
import assert from 'node:assert/strict'
import { forEachStore, SUPERVISOR } from '../stores'
import { cartOrder, LOGISTICS_OPTIONS } from './fixture'

forEachStore('the open warehouse tasks of the logistics requests', (ctx) => {
  it('lists requests with a task until their task is confirmed or cancelled', async () => {
    const c = ctx()
    const logistics = c.mes.logistics
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    const [tube, paint] = [`${cut.jobId}/1`, `${cut.jobId}/3`]
    assert.deepEqual(await logistics.openTasks(), [], 'no task made yet')
    await logistics.setTaskReference(tube, '000100000001/0001')
    await logistics.setTaskReference(paint, '000100000002/0001')
    assert.deepEqual(await logistics.openTasks(), [
      { requestId: tube, type: 'staging', taskRef: '000100000001/0001' }, { requestId: paint, type: 'staging', taskRef: '000100000002/0001' }
    ])
    await logistics.confirmStaging({ requestId: tube, confirmationId: 'WT-1', quantity: 300, lotId: 'T-1', who: 'wms:EWM' })
    assert.deepEqual((await logistics.openTasks()).map((t) => t.requestId), [tube, paint], 'partly staged: still open')
    await logistics.confirmStaging({ requestId: tube, confirmationId: 'WT-2', quantity: 100, lotId: 'T-2', final: true, who: 'wms:EWM' })
    await logistics.confirmStaging({ requestId: paint, confirmationId: 'WT-3', quantity: 2, lotId: 'P-1', final: true, who: 'wms:EWM' })
    assert.deepEqual(await logistics.openTasks(), [])

    await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })
    await c.mes.materials.produce({ jobId: cut.jobId, material: 'FG-CART', lotId: 'FG-L1', quantity: 4, who: 'op.olga' })
    assert.equal((await logistics.putAwayOf('FG-L1'))?.status, 'requested')
    assert.deepEqual(await logistics.openTasks(), [], 'a put-away without its task yet')
    await logistics.setTaskReference('putaway/FG-L1', '000100000003/0001')
    assert.deepEqual(await logistics.openTasks(), [{ requestId: 'putaway/FG-L1', type: 'put-away', taskRef: '000100000003/0001' }])
    assert.deepEqual((await logistics.openTasks(0)).length, 1, 'a limit below one is one')
    await logistics.confirmPutAway({ requestId: 'putaway/FG-L1', confirmationId: 'PA-1', location: 'BIN-01-02', who: 'wms:EWM' })
    assert.deepEqual(await logistics.openTasks(), [])
  })

  it('leaves out the requests of a job that ended: they are cancelled, not waited for', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await c.mes.logistics.setTaskReference(`${cut.jobId}/1`, '000100000001/0001')
    assert.equal((await c.mes.logistics.openTasks()).length, 1)
    await c.mes.wip.apply({ jobId: cut.jobId, event: 'abort', who: SUPERVISOR.who })
    assert.deepEqual(await c.mes.logistics.openTasks(), [])
    assert.equal((await c.mes.logistics.stagingRequest(`${cut.jobId}/1`)).status, 'cancelled')
  })
}, LOGISTICS_OPTIONS)
