// Staging at the line on both stores: requests made on dispatch for the components of the job's operation with what
// the BOM still needs, to the work unit's supply location; the WMS's confirmations, partial then complete, each
// applied once; refusals; cancellation, and an aborted job's open requests cancelled; the change feed.
import assert from 'node:assert/strict'
import { forEachStore, SUPERVISOR } from '../stores'
import { cartOrder, LOGISTICS_OPTIONS } from './fixture'
import { MaterialRefusedError, NotFoundError } from '../../../mes/errors'
import { ValidationError } from '../../../core/errors'
import type { LogisticsEvent } from '../../../mes/service'
import type { LogisticsService } from '../../../mes/logistics/logistics-service'

const summary = (rs: Array<{ requestId: string, material: string, quantity: number, unit: string, location: string, status: string }>): string[] =>
  rs.map((r) => `${r.requestId} ${r.material} ${r.quantity} ${r.unit} @${r.location} ${r.status}`)

forEachStore('staging on dispatch', (ctx) => {
  it('requests the components of the job operation (those of its sequence, and those naming none on the first) to its supply location', async () => {
    const c = ctx()
    await cartOrder(c)
    const events: LogisticsEvent[] = []
    c.mes.logistics.onEvent((e) => events.push(e))
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    assert.deepEqual(summary(await c.mes.logistics.stagingOf(cut.jobId)),
      [`${cut.jobId}/1 RM-TUBE 400 M @PSA-SAW requested`, `${cut.jobId}/3 RM-PAINT 2 L @PSA-SAW requested`])
    assert.deepEqual(events.map((e) => `${e.kind} ${e.staging!.requestId}`), [`staging-requested ${cut.jobId}/1`, `staging-requested ${cut.jobId}/3`])
    // A unit without a supply location in the plant model: its own code. Asking again makes nothing new.
    const weld = await c.mes.dispatch.dispatchOperation('700', 20, 'ROBOT-1', SUPERVISOR)
    assert.deepEqual(summary(await c.mes.logistics.requestStaging(weld.jobId, 'planner.pat')), [`${weld.jobId}/2 RM-WIRE 5 KG @ROBOT-1 requested`])
    assert.equal(events.length, 3)
    // The feed: each request once, by change sequence.
    const feed = await c.mes.logistics.requestsAfter(0)
    assert.deepEqual(feed.map((f) => `${f.seq} ${f.kind} ${f.request.requestId}`), [`1 staging ${cut.jobId}/1`, `2 staging ${cut.jobId}/3`, `3 staging ${weld.jobId}/2`])
    assert.deepEqual(await c.mes.logistics.requestsAfter(3), [])
  })

  it('takes a partial then a completing confirmation, each applied once, and the lot that arrived stands at the supply location', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    const tube = `${cut.jobId}/1`
    const first = await c.mes.logistics.confirmStaging({ requestId: tube, confirmationId: 'WT-1-1', quantity: 300, lotId: 'T-1', taskRef: 'WT-1', who: 'wms:EWM' })
    assert.deepEqual([first.duplicate, first.request.status, first.request.stagedQuantity, first.request.taskRef], [false, 'partial', 300, 'WT-1'])
    assert.equal((await c.mes.materials.lot('T-1')).location, 'PSA-SAW', 'the lot arrived at the line with its identity')
    // The WMS repeats its callback: applied once.
    const again = await c.mes.logistics.confirmStaging({ requestId: tube, confirmationId: 'WT-1-1', quantity: 300, lotId: 'T-1', who: 'wms:EWM' })
    assert.deepEqual([again.duplicate, again.request.stagedQuantity], [true, 300])
    assert.equal(await c.mes.logistics.isStaged(cut.jobId), false)
    const done = await c.mes.logistics.confirmStaging({ requestId: tube, confirmationId: 'WT-1-2', quantity: 100, lotId: 'T-2', who: 'wms:EWM' })
    assert.deepEqual([done.request.status, done.request.stagedQuantity, done.request.lots], ['staged', 400, [{ lotId: 'T-1', quantity: 300 }, { lotId: 'T-2', quantity: 100 }]])
    // The paint task is closed by the WMS with less than asked ("final"): staged.
    const paint = await c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/3`, confirmationId: 'WT-2-1', quantity: 1.5, lotId: 'P-1', final: true, who: 'wms:EWM' })
    assert.equal(paint.request.status, 'staged')
    assert.equal(await c.mes.logistics.isStaged(cut.jobId), true)
  })

  it('refuses a confirmation of an unknown request, of a lot of another material, of a cancelled request, naming both', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await assert.rejects(c.mes.logistics.confirmStaging({ requestId: 'NOPE/1', confirmationId: 'X-1', quantity: 1, who: 'wms:EWM' }),
      (err: unknown) => err instanceof NotFoundError && /staging request NOPE\/1 not found/.test(err.message))
    await assert.rejects(c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, confirmationId: 'X-2', quantity: 10, lotId: 'W-1', who: 'wms:EWM' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'wrong-material' &&
        err.message.includes('lot W-1 is of material RM-WIRE') && err.message.includes('asks for material RM-TUBE'))
    await assert.rejects(c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, confirmationId: 'X-3', quantity: 10, lotId: 'NO-LOT', who: 'wms:EWM' }),
      (err: unknown) => err instanceof NotFoundError && /lot NO-LOT/.test(err.message))
    await assert.rejects(c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, quantity: 10, who: 'wms:EWM' }),
      (err: unknown) => err instanceof ValidationError && /confirmationId/.test(err.message))
    assert.equal((await c.mes.logistics.stagingRequest(`${cut.jobId}/1`)).stagedQuantity, 0, 'a refusal changes nothing')
    const cancelled = await c.mes.logistics.cancelStaging({ requestId: `${cut.jobId}/1`, who: 'wms:EWM', why: 'no stock' })
    assert.equal(cancelled.status, 'cancelled')
    await assert.rejects(c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, confirmationId: 'X-4', quantity: 10, lotId: 'T-1', who: 'wms:EWM' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'request-cancelled' && err.message.includes(`${cut.jobId}/1 is cancelled`))
    // Asked again, a cancelled request of an open job is requested again: the WMS hears it as a change.
    const again = await c.mes.logistics.requestStaging(cut.jobId, 'planner.pat')
    assert.equal(again.find((r) => r.item === 1)!.status, 'requested')
  })

  it('refuses a lot in another unit than the request, naming both', async () => {
    const c = ctx()
    await cartOrder(c)
    await c.mes.workOrders.create({
      orderNumber: '701', material: 'FG-CART', quantity: 1, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z',
      operations: [{ sequence: 10, workCenter: 'WC-PAINT' }], materials: [{ item: 1, material: 'RM-PAINT', quantity: 500, unit: 'ML' }]
    }, { who: 'erp:SAP-PRD' })
    await c.mes.workOrders.release('701', SUPERVISOR)
    const job = await c.mes.dispatch.dispatchOperation('701', 10, 'BOOTH-1', SUPERVISOR)
    await assert.rejects(c.mes.logistics.confirmStaging({ requestId: `${job.jobId}/1`, confirmationId: 'X-1', quantity: 0.5, lotId: 'P-1', who: 'wms:EWM' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'unit-mismatch' && err.message.includes('lot P-1 is in L') && err.message.includes('in ML'))
  })

  it('cancels the open requests of an aborted job (the WMS hears of it on the feed), keeping the staged ones', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/3`, confirmationId: 'WT-2-1', quantity: 2, lotId: 'P-1', who: 'wms:EWM' })
    const seen = (await c.mes.logistics.requestsAfter(0)).at(-1)!.seq
    await c.mes.wip.apply({ jobId: cut.jobId, event: 'abort', who: 'supervisor.sue' })
    const changes = await c.mes.logistics.requestsAfter(seen)
    assert.deepEqual(changes.map((x) => `${x.kind} ${x.request.requestId} ${x.request.status}`), [`staging ${cut.jobId}/1 cancelled`])
    assert.deepEqual((await c.mes.logistics.stagingOf(cut.jobId)).map((r) => r.status), ['cancelled', 'staged'])
    await assert.rejects(c.mes.logistics.requestStaging(cut.jobId, 'planner.pat'),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'job-ended')
  })
}, LOGISTICS_OPTIONS)

forEachStore('staging made by hand', (ctx) => {
  it('makes no request at dispatch with the manual trigger; requestStaging makes them', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    assert.deepEqual(await c.mes.logistics.stagingOf(cut.jobId), [])
    assert.equal(await c.mes.logistics.isStaged(cut.jobId), false)
    assert.equal((await c.mes.logistics.requestStaging(cut.jobId, 'planner.pat')).length, 2)
  })
}, { ...LOGISTICS_OPTIONS, stagingTrigger: 'manual' })

forEachStore('staging at order release', (ctx) => {
  it('makes no request at dispatch; the release of the order (here after a hold) requests its dispatched jobs', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    assert.deepEqual(await c.mes.logistics.stagingOf(cut.jobId), [])
    await c.mes.workOrders.hold('700', SUPERVISOR)
    await c.mes.workOrders.release('700', SUPERVISOR)
    await (c.mes.logistics as LogisticsService).idle()
    assert.deepEqual((await c.mes.logistics.stagingOf(cut.jobId)).map((r) => `${r.material} ${r.status}`), ['RM-TUBE requested', 'RM-PAINT requested'])
  })
}, { ...LOGISTICS_OPTIONS, stagingTrigger: 'release' })
