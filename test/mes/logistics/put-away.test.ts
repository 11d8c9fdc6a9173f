// Put-away on both stores: a produced lot gets its put-away request from the producing unit's supply location; the
// WMS's confirmation (applied once) keeps the bin with the lot, and a forward trace shows where the finished goods are.
import assert from 'node:assert/strict'
import { forEachStore, SUPERVISOR } from '../stores'
import { cartOrder, LOGISTICS_OPTIONS } from './fixture'
import { MaterialRefusedError, NotFoundError } from '../../../mes/errors'
import { createMes } from '../../../mes/index'

forEachStore('put-away of produced lots', (ctx) => {
  it('requests the put-away of a produced lot, and its confirmed bin shows in a forward trace', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, confirmationId: 'WT-1-1', quantity: 300, lotId: 'T-1', who: 'wms:EWM' })
    await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })
    await c.mes.materials.consume({ jobId: cut.jobId, lotId: 'T-1', quantity: 40, who: 'op.olga' })
    await c.mes.materials.produce({ jobId: cut.jobId, material: 'FG-CART', lotId: 'FG-L1', quantity: 4, who: 'op.olga' })
    const request = await c.mes.logistics.putAwayOf('FG-L1')
    assert.deepEqual(request && [request.requestId, request.material, request.quantity, request.unit, request.fromLocation, request.status],
      ['putaway/FG-L1', 'FG-CART', 4, 'PCE', 'PSA-SAW', 'requested'])
    assert.deepEqual((await c.mes.logistics.requestsAfter(0)).filter((x) => x.kind === 'put-away').map((x) => x.request.requestId), ['putaway/FG-L1'])
    assert.equal((await c.mes.logistics.requestPutAway('FG-L1', 'planner.pat')).requestId, 'putaway/FG-L1', 'idempotent')

    const done = await c.mes.logistics.confirmPutAway({ requestId: 'putaway/FG-L1', confirmationId: 'PA-1', location: 'BIN-01-02', taskRef: 'WT-9', who: 'wms:EWM' })
    assert.deepEqual([done.duplicate, done.request.status, done.request.location, done.request.taskRef], [false, 'confirmed', 'BIN-01-02', 'WT-9'])
    assert.equal((await c.mes.logistics.confirmPutAway({ requestId: 'putaway/FG-L1', confirmationId: 'PA-1', location: 'BIN-01-02', who: 'wms:EWM' })).duplicate, true)
    await assert.rejects(c.mes.logistics.confirmPutAway({ requestId: 'putaway/FG-L1', confirmationId: 'PA-2', location: 'BIN-09', who: 'wms:EWM' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'already-confirmed')
    await assert.rejects(c.mes.logistics.confirmPutAway({ requestId: 'putaway/NOPE', confirmationId: 'PA-3', location: 'BIN-09', who: 'wms:EWM' }),
      (err: unknown) => err instanceof NotFoundError)
    assert.equal((await c.mes.materials.lot('FG-L1')).location, 'BIN-01-02')

    const t = await c.mes.materials.trace({ direction: 'forward', lotId: 'T-1' })
    assert.deepEqual(t.nodes.map((n) => `${n.id} ${String(n.location)}`).sort(), ['FG-L1 BIN-01-02', 'T-1 PSA-SAW'])
  })

  it('makes the put-away of a lot produced while nobody listened (a restart) at the next read of the feed', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })
    await c.mes.materials.produce({ jobId: cut.jobId, material: 'FG-CART', lotId: 'FG-L2', quantity: 2, who: 'op.olga' })
    // A second MES on the same store (the hub after a kill -9): its feed holds the request.
    const other = createMes(c.store, LOGISTICS_OPTIONS)
    const feed = await other.logistics.requestsAfter(0)
    assert.deepEqual(feed.filter((x) => x.kind === 'put-away').map((x) => x.request.requestId), ['putaway/FG-L2'])
  })
}, LOGISTICS_OPTIONS)
