// A WMS staging confirmation that moved several lots is applied through the MES's Logistics as one: all its lots or,
// when the MES refuses one of them (a lot of another material, one it does not have), none, so that a refused event
// changed nothing and the WMS's corrected event (under a new id) does not count the first lots twice. Both stores.
import assert from 'node:assert/strict'
import { forEachStore, SUPERVISOR } from '../../mes/stores'
import { cartOrder, LOGISTICS_OPTIONS } from '../../mes/logistics/fixture'
import { wmsEventApplier } from '../../../adapters/wms/inbound/wms-event-applier'
import type { WmsEvent } from '../../../adapters/wms/wms-schemas'

function confirmed (eventId: string, requestId: string, lots: Array<{ lotId: string, quantity: number }>): WmsEvent {
  return {
    eventId, type: 'task.confirmed', occurredAt: '2025-03-03T06:01:00Z', warehouse: 'WH01',
    task: { taskId: '1000001', requestId, type: 'staging', material: 'RM-TUBE', quantity: 400, unit: 'M', status: 'confirmed' },
    confirmation: { quantity: lots.reduce((s, l) => s + l.quantity, 0), final: true, lots: lots.map((l) => ({ ...l, sourceBin: '01-B-01' })), destinationBin: 'PSA-SAW' }
  } as WmsEvent
}

forEachStore('a WMS confirmation of several lots', (ctx) => {
  it('is applied whole or not at all', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    const tube = `${cut.jobId}/1`
    const apply = wmsEventApplier(c.mes.logistics)
    // The second lot is wire, not tube: the event is refused, and nothing of it applied.
    const refused = await apply(confirmed('EV-1', tube, [{ lotId: 'T-1', quantity: 300 }, { lotId: 'W-1', quantity: 100 }]))
    assert.equal(refused.status, 'error')
    assert.match(refused.status === 'error' ? refused.reason : '', /W-1/)
    const request = await c.mes.logistics.stagingRequest(tube)
    assert.deepEqual([request.status, request.stagedQuantity], ['requested', 0])
    assert.equal((await c.mes.materials.lot('T-1')).location ?? null, null, 'T-1 did not move')
    // The WMS's corrected event: 400 in all, not 700.
    const applied = await apply(confirmed('EV-2', tube, [{ lotId: 'T-1', quantity: 300 }, { lotId: 'T-2', quantity: 100 }]))
    assert.equal(applied.status, 'applied')
    const staged = await c.mes.logistics.stagingRequest(tube)
    assert.deepEqual([staged.status, staged.stagedQuantity], ['staged', 400])
    // Applied again (a resend): changes nothing.
    assert.equal((await apply(confirmed('EV-2', tube, [{ lotId: 'T-1', quantity: 300 }, { lotId: 'T-2', quantity: 100 }]))).status, 'applied')
    assert.equal((await c.mes.logistics.stagingRequest(tube)).stagedQuantity, 400)
  })
}, LOGISTICS_OPTIONS)
