// When an override's signature is checked, on both stores: only when the consumption needs the override (a BOM refusal
// an override lifts, at an operation that allows overrides). A wrong password anywhere else records no signature
// failure and does not count toward the signer's lockout; the consumption gets the answer it gets without an override.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../stores'
import { credentials, frameOrder } from './fixture'
import { MaterialRefusedError, SignatureError } from '../../../mes/errors'
import { SIGNATURE_REFUSED_ACTION } from '../../../mes/signatures'
import { consume } from '../../../mes/materials/consumption'
import type { ConsumeInput } from '../../../mes/materials/types'

const wrong = { reason: 'QA said so', signature: { user: 'qa.quinn', password: 'wrong horse', meaning: 'approve' } }
const right = { reason: 'paint approved by QA', signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'approve' } }

/** The signer's failure count toward lockout (0: no row) and the refused signatures in the audit trail of `jobId`. */
async function failuresOf (c: Ctx, jobId: string): Promise<{ count: number, refused: number }> {
  const row = await c.store.read(async (tx) => await tx.get<{ failures: number }>('SELECT failures FROM signature_failures WHERE signer = ?', ['qa.quinn']))
  const refused = (await c.mes.audit.forEntity('JobOrder', jobId)).filter((a) => a.action === SIGNATURE_REFUSED_ACTION).length
  return { count: Number(row?.failures ?? 0), refused }
}

const refusedBy = (rule: string, text?: string) => (err: unknown): boolean =>
  err instanceof MaterialRefusedError && err.rule === rule && (text === undefined || err.message.includes(text))

forEachStore('override signatures checked only when needed', (ctx) => {
  it('consumes normally, checking no signature, when the consumption needed no override (a wrong password counts nothing)', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const r = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 25, override: wrong })
    assert.equal(r.actual.override, null, 'no override recorded')
    assert.equal(r.lot?.quantity, 275)
    const audit = (await c.mes.audit.forEntity('MaterialLot', 'T-1')).filter((a) => a.action.startsWith('consume'))
    assert.deepEqual(audit.map((a) => [a.action, a.signature]), [['consume', null]])
    assert.deepEqual(await failuresOf(c, cutJob), { count: 0, refused: 0 })
  })

  it('ignores an unneeded override even when the operator signed it himself', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const own = { reason: 'mine', signature: { user: 'op.olga', password: 'x', meaning: 'approve' } }
    const r = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 5, override: own })
    assert.equal(r.actual.override, null)
  })

  it('refuses a held lot for its status, not for the signature, and counts no failure', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    await c.mes.materials.setLotStatus('T-1', { status: 'on-hold', who: 'qa.quinn', why: 'suspect supplier batch' })
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 25, override: wrong }),
      refusedBy('lot-status', 'on-hold'))
    assert.equal((await c.mes.materials.lot('T-1')).quantity, 300)
    assert.deepEqual(await failuresOf(c, cutJob), { count: 0, refused: 0 })
  })

  it('refuses a non-component at an operation without overrides for that, and counts no failure', async () => {
    const c = ctx()
    const { weldJob } = await frameOrder(c)
    await assert.rejects(c.mes.materials.consume({ jobId: weldJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: wrong }),
      refusedBy('not-a-component', 'allows no BOM override'))
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 20)
    assert.deepEqual(await failuresOf(c, weldJob), { count: 0, refused: 0 })
  })

  it('refuses a needed override with a wrong password and counts it toward the lockout; nothing consumed', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: wrong }),
      (err: unknown) => err instanceof SignatureError && err.message.includes('qa.quinn'))
    assert.deepEqual(await failuresOf(c, cutJob), { count: 1, refused: 1 })
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 20)
    assert.equal((await c.mes.materials.actualsOfJob(cutJob)).length, 0)
  })

  it('accepts a needed override with the right password, marked with its signature', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const r = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: right })
    assert.equal(r.actual.override?.rule, 'not-a-component')
    assert.equal(r.actual.override?.signature.user, 'qa.quinn')
    const audit = (await c.mes.audit.forEntity('MaterialLot', 'P-1')).filter((a) => a.action.startsWith('consume'))
    assert.deepEqual(audit.map((a) => a.action), ['consume-override'])
    assert.deepEqual(await failuresOf(c, cutJob), { count: 0, refused: 0 })
  })

  it('answers a retry of an applied override with its first result, without checking the signature again', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const first = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, eventId: 'ov-7', override: right })
    const again = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, eventId: 'ov-7',
      override: { ...right, signature: { ...right.signature, password: 'wrong horse' } } })
    assert.deepEqual(again, { ...first, duplicate: true })
    assert.deepEqual(await failuresOf(c, cutJob), { count: 0, refused: 0 })
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 19)
  })

  it('refuses, in its transaction, a consumption that needs an override no signature was verified for', async () => {
    // What the transaction does when the store changed after the dry run found no override needed.
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const input: ConsumeInput = { jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: right }
    await assert.rejects(c.store.transaction(async (tx) => await consume(tx, input, { at: c.clock.iso(), defaultTolerancePct: 0, overrideSignature: null })),
      (err: unknown) => refusedBy('not-a-component')(err) && (err as MaterialRefusedError).hint!.includes('override signed by someone other'))
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 20)
  })
}, { verifyCredentials: credentials })
