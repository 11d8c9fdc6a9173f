// The start gate on both stores: with startRequiresStaging, a job starts only when every component of its operation
// is staged, and the refusal names what is missing; without it, a job starts whatever its staging.
import assert from 'node:assert/strict'
import { forEachStore, SUPERVISOR } from '../stores'
import { cartOrder, LOGISTICS_OPTIONS } from './fixture'
import { WipRuleError } from '../../../mes/errors'

forEachStore('start gate: material must be staged', (ctx) => {
  it('refuses the start until the material is staged, naming material, quantity and request', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, confirmationId: 'WT-1-1', quantity: 300, lotId: 'T-1', who: 'wms:EWM' })
    await assert.rejects(c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' }), (err: unknown) =>
      err instanceof WipRuleError && err.rule === 'not-staged' &&
      err.message.includes(`material RM-TUBE: 100 M of 400 not staged (request ${cut.jobId}/1, partial)`) &&
      err.message.includes(`material RM-PAINT: 2 L of 2 not staged (request ${cut.jobId}/3, requested)`))
    assert.equal((await c.mes.wip.getJob(cut.jobId)).state, 'AllowedToStart', 'nothing changed')
    await c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/1`, confirmationId: 'WT-1-2', quantity: 100, lotId: 'T-2', who: 'wms:EWM' })
    await c.mes.logistics.confirmStaging({ requestId: `${cut.jobId}/3`, confirmationId: 'WT-2-1', quantity: 2, lotId: 'P-1', who: 'wms:EWM' })
    const started = await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })
    assert.equal(started.job.state, 'Running')
  })
}, { ...LOGISTICS_OPTIONS, startRequiresStaging: true })

forEachStore('start gate: manual staging never requested', (ctx) => {
  it('names a component with no request at all', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await assert.rejects(c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' }), (err: unknown) =>
      err instanceof WipRuleError && err.rule === 'not-staged' && err.message.includes('material RM-TUBE: 400 M, no staging request') &&
      err.message.includes('material RM-PAINT: 2 L, no staging request'))
  })
}, { ...LOGISTICS_OPTIONS, startRequiresStaging: true, stagingTrigger: 'manual' })

forEachStore('start gate: not configured', (ctx) => {
  it('starts a job whose material is not staged', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    assert.equal(await c.mes.logistics.isStaged(cut.jobId), false)
    assert.equal((await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })).job.state, 'Running')
  })
}, LOGISTICS_OPTIONS)
