// eventId idempotency of consumption and production, on both stores: a retry with the same command is applied once
// and answered with the first result; a different command under a used id is refused naming the id; racing retries
// store once; the override's password is not kept for the comparison.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { credentials, frameOrder } from './fixture'
import { MaterialRefusedError } from '../../../mes/errors'

const conflict = (eventId: string) => (err: unknown): boolean =>
  err instanceof MaterialRefusedError && err.rule === 'event-id-conflict' && err.message.includes(`eventId ${eventId}`)

forEachStore('material eventId idempotency', (ctx) => {
  it('answers a retried consumption with its first result and stores it once', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['F-1'] })
    const first = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 25, eventId: 'scan-77' })
    assert.equal(first.duplicate, false)
    assert.equal(first.links.length, 1)
    c.clock.advance(5)
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 5 })
    const again = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 25, eventId: 'scan-77' })
    assert.deepEqual(again, { ...first, duplicate: true }, 'the first result, as it was then (lot at 275, its link)')
    assert.equal((await mes.materials.lot('T-1')).quantity, 270)
    assert.equal((await mes.materials.actualsOfJob(cutJob)).filter((a) => a.direction === 'consumed').length, 2)
    assert.equal((await mes.materials.links({ kind: 'lot', id: 'T-1' })).length, 2)
    assert.equal((await mes.audit.forEntity('MaterialLot', 'T-1')).filter((a) => a.action === 'consume').length, 2)
  })

  it('refuses a different consumption under a used eventId, naming it, also at another job; nothing changes', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob, weldJob } = await frameOrder(c)
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 25, eventId: 'scan-1' })
    await assert.rejects(mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 26, eventId: 'scan-1' }), conflict('scan-1'))
    await assert.rejects(mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-2', quantity: 25, eventId: 'scan-1' }), conflict('scan-1'))
    await assert.rejects(mes.materials.consume({ jobId: weldJob, who: 'op.olga', lotId: 'W-1', quantity: 1, eventId: 'scan-1' }),
      (err: unknown) => conflict('scan-1')(err) && (err as Error).message.includes(`at job ${cutJob}`))
    assert.equal((await mes.materials.lot('T-1')).quantity, 275)
    assert.equal((await mes.materials.lot('T-2')).quantity, 300)
    assert.equal((await mes.materials.lot('W-1')).quantity, 10)
    // The id space is per kind: a production may carry the same id as a consumption.
    const made = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 1, eventId: 'scan-1' })
    assert.equal(made.duplicate, false)
  })

  it('does not hold a refused consumption against its eventId: the corrected retry with the same id is applied', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    await mes.materials.setLotStatus('T-1', { status: 'on-hold', who: 'qa.quinn', why: 'check' })
    await assert.rejects(mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10, eventId: 'scan-9' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'lot-status')
    await mes.materials.setLotStatus('T-1', { status: 'released', who: 'qa.quinn', why: 'ok' })
    const r = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10, eventId: 'scan-9' })
    assert.equal(r.duplicate, false)
    assert.equal(r.lot?.quantity, 290)
  })

  it('answers a retry after the job has stopped running with the first result', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    const first = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10, eventId: 'e-1' })
    await mes.wip.apply({ jobId: cutJob, event: 'pause', who: 'op.olga' })
    assert.deepEqual(await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10, eventId: 'e-1' }), { ...first, duplicate: true })
  })

  it('produces serials numbered by the pattern once: the retry returns the same numbers and the counter does not move', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    const first = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 2, eventId: 'batch-1' })
    const again = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 2, eventId: 'batch-1' })
    assert.deepEqual(again, { ...first, duplicate: true })
    await assert.rejects(mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 3, eventId: 'batch-1' }), conflict('batch-1'))
    const next = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 1, eventId: 'batch-2' })
    assert.deepEqual(next.serials.map((s) => s.serial), ['FR-500-20250303-0003'])
    assert.equal((await mes.materials.actualsOfJob(cutJob)).filter((a) => a.direction === 'produced').length, 3)
  })

  it('stores once when retries race (PostgreSQL: concurrent transactions on the same eventId)', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    const all = await Promise.all(Array.from({ length: 6 }, async () =>
      await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 7, eventId: 'race-1' })))
    assert.equal(all.filter((r) => !r.duplicate).length, 1)
    assert.deepEqual(new Set(all.map((r) => r.actual.id)).size, 1)
    assert.equal((await mes.materials.lot('T-1')).quantity, 293)
  })

  it('compares an override retry without its password, which is not stored', async () => {
    const c = ctx()
    const { mes, store } = c
    const { cutJob } = await frameOrder(c)
    const override = { reason: 'paint approved by QA', signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'approve' } }
    const first = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, eventId: 'ov-1', override })
    assert.equal(first.actual.override?.rule, 'not-a-component')
    const again = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, eventId: 'ov-1', override })
    assert.equal(again.duplicate, true)
    assert.equal(again.actual.id, first.actual.id)
    const rows = await store.read(async (tx) => await tx.all('SELECT * FROM material_events'))
    assert.equal(rows.length, 1)
    assert.ok(!JSON.stringify(rows).includes('correct horse'), 'no password in the event row')
    assert.equal((await mes.materials.lot('P-1')).quantity, 19)
  })
}, { verifyCredentials: credentials })
