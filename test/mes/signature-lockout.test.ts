// Electronic signatures check a password; anyone who may post job events could use them to guess one. After
// SIGNATURE_MAX_FAILURES failed signatures in a row a signer is locked out for SIGNATURE_LOCKOUT_MS, even with the
// right password, with a message that says until when; the job is unchanged throughout.
import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR } from './stores'
import { SignatureError } from '../../mes/errors'
import { SIGNATURE_LOCKOUT_MS, SIGNATURE_MAX_FAILURES } from '../../mes/signatures'
import { createMes } from '../../mes/index'

let checks = 0
const credentials = (user: string, password: string): boolean => {
  checks++
  return user === 'qa.quinn' && password === 'correct horse'
}

forEachStore('electronic signature lockout', (ctx) => {
  it(`locks a signer out after ${SIGNATURE_MAX_FAILURES} failed signatures, without checking the password, until the lockout has passed`, async () => {
    const { mes, clock } = ctx()
    await mes.workOrders.create(sampleOrder('77', { operations: [{ sequence: 10, workCenter: 'WC-WELD', critical: true }], materials: [] }), ERP)
    await mes.workOrders.release('77', SUPERVISOR)
    const job = (await mes.dispatch.dispatchNext('WC-WELD', 'ROBOT-1', SUPERVISOR))!
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op' })
    const complete = async (password: string): Promise<unknown> => await mes.wip.apply({ jobId: job.jobId, event: 'complete', who: 'op', good: 100,
      signature: { user: 'qa.quinn', password, meaning: 'approved' } })

    for (let i = 0; i < SIGNATURE_MAX_FAILURES; i++) {
      await assert.rejects(complete(`guess-${i}`), (err: unknown) => err instanceof SignatureError &&
        err.message.startsWith(`job ${job.jobId}: signature of qa.quinn could not be verified`))
    }
    checks = 0
    await assert.rejects(complete('correct horse'), (err: unknown) => err instanceof SignatureError &&
      /signatures of qa\.quinn are locked after 5 failed attempts; try again after 2025-03-03T06:15:00\.000Z/.test(err.message))
    assert.equal(checks, 0, 'a locked signer\'s password is not even checked')
    assert.equal((await mes.wip.getJob(job.jobId)).state, 'Running')

    clock.advance(SIGNATURE_LOCKOUT_MS / 60000)
    const r = await complete('correct horse') as { job: { state: string } }
    assert.equal(r.job.state, 'Ended')
  })

  it('keeps a lockout over a restart (it is in the store), with every refused signature in the audit trail', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder('79', { operations: [{ sequence: 10, workCenter: 'WC-WELD', critical: true }], materials: [] }), ERP)
    await c.mes.workOrders.release('79', SUPERVISOR)
    const job = (await c.mes.dispatch.dispatchNext('WC-WELD', 'ROBOT-1', SUPERVISOR))!
    await c.mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op' })
    const complete = async (password: string): Promise<unknown> => await c.mes.wip.apply({ jobId: job.jobId, event: 'complete', who: 'op', good: 100,
      signature: { user: 'qa.quinn', password, meaning: 'approved' } })
    for (let i = 0; i < SIGNATURE_MAX_FAILURES; i++) await assert.rejects(complete(`guess-${i}`), SignatureError)

    // The hub restarts: a new store connection, a new Mes core.
    await c.store.close()
    c.store = await c.kind.reopen()
    c.mes = createMes(c.store, { now: c.clock.now, verifyCredentials: credentials })
    checks = 0
    await assert.rejects(complete('correct horse'), (err: unknown) => err instanceof SignatureError && /locked after 5 failed attempts/.test(err.message))
    assert.equal(checks, 0)

    const refused = (await c.mes.audit.forEntity('JobOrder', job.jobId)).filter((a) => a.action === 'signature-refused')
    assert.deepEqual(refused.map((a) => { const v = JSON.parse(a.newValue!) as Record<string, unknown>; return `${a.who}: ${v.signer as string} ${v.reason as string} ${v.failures as number}${v.lockedUntil ? ` until ${v.lockedUntil as string}` : ''}` }), [
      'op: qa.quinn not verified 1', 'op: qa.quinn not verified 2', 'op: qa.quinn not verified 3', 'op: qa.quinn not verified 4',
      'op: qa.quinn not verified 5 until 2025-03-03T06:15:00.000Z', 'op: qa.quinn locked out 5 until 2025-03-03T06:15:00.000Z'
    ])
    assert.ok(!JSON.stringify(refused).includes('guess-'), 'no password in the audit trail')
    assert.deepEqual(await c.mes.audit.verify().then((v) => v.ok), true)
  })

  it('starts counting again after a signature that succeeds', async () => {
    const { mes } = ctx()
    await mes.workOrders.create(sampleOrder('78', { operations: [{ sequence: 10, workCenter: 'WC-WELD', critical: true }, { sequence: 20, workCenter: 'WC-WELD', critical: true }], materials: [] }), ERP)
    await mes.workOrders.release('78', SUPERVISOR)
    for (const sequence of [10, 20]) {
      const job = await mes.dispatch.dispatchOperation('78', sequence, 'ROBOT-1', SUPERVISOR)
      await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op' })
      for (let i = 0; i < SIGNATURE_MAX_FAILURES - 1; i++) {
        await assert.rejects(mes.wip.apply({ jobId: job.jobId, event: 'complete', who: 'op', good: 100, signature: { user: 'qa.quinn', password: 'typo', meaning: 'approved' } }))
      }
      await mes.wip.apply({ jobId: job.jobId, event: 'complete', who: 'op', good: 100, signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'approved' } })
    }
  })
}, { verifyCredentials: credentials })
