// BOM compliance at consumption, on both stores: a wrong material, over the tolerance, a held lot and an expired lot
// are refused with the reason and nothing changed; a refused material or quantity is admitted by an override signed
// by someone other than the operator, where the operation allows one, and the record carries it.
import assert from 'node:assert/strict'
import { ERP, SUPERVISOR, forEachStore, type Ctx } from '../stores'
import { MaterialRefusedError, SignatureError } from '../../../mes/errors'
import { credentials, frameOrder } from './fixture'

/** Lot quantities, actuals and the audit trail's length: all must stay as they were after a refusal. */
async function state (c: Ctx, jobId: string): Promise<string> {
  const lots = await Promise.all(['T-1', 'T-2', 'TB-1', 'W-1', 'P-1'].map(async (id) => await c.mes.materials.lot(id)))
  const audit = await c.mes.audit.query({ limit: 100000 })
  return JSON.stringify({ lots: lots.map((l) => [l.lotId, l.quantity, l.status]), actuals: await c.mes.materials.actualsOfJob(jobId), audit: audit.length })
}

async function refused (c: Ctx, jobId: string, input: Record<string, unknown>, rule: string, reason: RegExp): Promise<void> {
  const before = await state(c, jobId)
  await assert.rejects(c.mes.materials.consume(input), (err: unknown) => {
    assert.ok(err instanceof MaterialRefusedError, String(err))
    assert.equal(err.rule, rule)
    assert.match(err.message, reason)
    assert.match(err.message, /nothing was consumed/)
    return true
  })
  assert.equal(await state(c, jobId), before, 'nothing changed')
}

forEachStore('BOM compliance at consumption', (ctx) => {
  it('refuses a wrong material, over the tolerance, a held lot and an expired lot, with the reason, and changes nothing', async () => {
    const c = ctx()
    const { cutJob, weldJob } = await frameOrder(c)
    await refused(c, cutJob, { jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1 }, 'not-a-component',
      /material RM-PAINT is not a component of the order \(nor an allowed alternate\)/)
    await refused(c, cutJob, { jobId: cutJob, who: 'op.olga', lotId: 'W-1', quantity: 1 }, 'not-a-component',
      /material RM-WIRE is a component of operation 20, not of operation 10/)
    // 400 M + 5 % = 420: 300 from T-1 and 121 from T-2 is one metre too many.
    await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1' })
    await refused(c, cutJob, { jobId: cutJob, who: 'op.olga', lotId: 'T-2', quantity: 121 }, 'over-tolerance',
      /BOM item 1 \(RM-TUBE\) allows 420 M \(400 \+ 5%\); 300 consumed, 121 more would be 421/)
    await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-2', quantity: 120 })

    await c.mes.materials.setLotStatus('W-1', { status: 'on-hold', who: 'qms:QM1', why: 'supplier complaint 4711' })
    await refused(c, weldJob, { jobId: weldJob, who: 'op.olga', lotId: 'W-1', quantity: 1 }, 'lot-status',
      /lot W-1 is on-hold \(supplier complaint 4711\), not released/)
    const status = await c.mes.audit.forEntity('MaterialLot', 'W-1')
    assert.deepEqual(status.map((a) => `${a.action} ${a.who} ${a.why ?? ''}`), ['receive wms:WH1 ', 'status qms:QM1 supplier complaint 4711'])

    // A change decided on a status the lot no longer has is refused under the lot's lock, nothing changed.
    await assert.rejects(c.mes.materials.setLotStatus('W-1', { status: 'expired', who: 'mes:expiry', why: 'shelf life', ifStatus: 'released' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'lot-status' && /is on-hold, not released/.test(err.message))
    assert.equal((await c.mes.materials.lot('W-1')).status, 'on-hold')
    await c.mes.materials.setLotStatus('W-1', { status: 'released', who: 'qms:QM1', why: 'complaint closed', ifStatus: 'on-hold' })
    c.clock.t = Date.parse('2026-01-01T00:00:00Z')
    await refused(c, weldJob, { jobId: weldJob, who: 'op.olga', lotId: 'W-1', quantity: 1 }, 'lot-expired', /lot W-1 expired at 2026-01-01T00:00:00Z/)
    await refused(c, weldJob, { jobId: weldJob, who: 'op.olga', lotId: 'W-1', quantity: 11 }, 'lot-expired', /expired/)
  })

  it('refuses a serial of a held or expired lot: a recall of the lot recalls the serials produced into it', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    await mes.workOrders.create({
      orderNumber: '600', material: 'FG-CART', quantity: 1, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z',
      operations: [{ sequence: 10, workCenter: 'WC-ASSY' }], materials: [{ item: 1, material: 'FG-FRAME', quantity: 2, unit: 'PCE' }]
    }, ERP)
    await mes.workOrders.release('600', SUPERVISOR)
    const assy = (await mes.dispatch.dispatchOperation('600', 10, 'BENCH-1', SUPERVISOR)).jobId
    await mes.wip.apply({ jobId: assy, event: 'start', who: 'op.otto' })
    await mes.materials.receiveLot({ lotId: 'FR-LOT', material: 'FG-FRAME', quantity: 2, unit: 'PCE', who: 'wms:WH1', expiresAt: '2026-01-01T00:00:00Z' })
    await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['FR-1', 'FR-2'], intoLot: 'FR-LOT' })
    await mes.materials.setLotStatus('FR-LOT', { status: 'on-hold', who: 'qms:QM1', why: 'weld seam recall R-9' })
    await refused(c, assy, { jobId: assy, who: 'op.otto', serial: 'FR-1' }, 'lot-status',
      /lot FR-LOT of serial FR-1 is on-hold \(weld seam recall R-9\), not released/)
    assert.equal((await mes.materials.serial('FR-1')).status, 'released')
    await mes.materials.setLotStatus('FR-LOT', { status: 'released', who: 'qms:QM1', why: 'recall R-9 closed' })
    assert.equal((await mes.materials.consume({ jobId: assy, who: 'op.otto', serial: 'FR-1' })).serial?.status, 'consumed')
    c.clock.t = Date.parse('2026-01-01T00:00:00Z')
    await refused(c, assy, { jobId: assy, who: 'op.otto', serial: 'FR-2' }, 'lot-expired', /lot FR-LOT of serial FR-2 expired at 2026-01-01T00:00:00Z/)
  })

  it('refuses more than the lot holds, overridable or not', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    await refused(c, cutJob, { jobId: cutJob, who: 'op.olga', lotId: 'TB-1', quantity: 51 }, 'insufficient-quantity', /lot TB-1 holds 50 M, not 51/)
    await refused(c, cutJob, { jobId: cutJob, who: 'op.olga', lotId: 'TB-1', quantity: 51, override: { reason: 'x', signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'approved' } } },
      'insufficient-quantity', /holds 50 M/)
  })

  it('admits a wrong material with an override signed by someone other than the operator, and marks the record', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const signature = { user: 'qa.quinn', password: 'correct horse', meaning: 'approved deviation' }
    await refused(c, cutJob, { jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 2 }, 'not-a-component',
      /operation allows an override signed by someone other than the operator/)
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'qa.quinn', lotId: 'P-1', quantity: 2, override: { reason: 'deviation D-12', signature } }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'override-signer' && /someone other than the operator \(qa\.quinn\)/.test(err.message))
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 2, override: { reason: 'deviation D-12', signature: { ...signature, password: 'guess' } } }),
      (err: unknown) => err instanceof SignatureError && /signature of qa\.quinn could not be verified/.test(err.message) &&
        err.hint === 'nothing was consumed; a BOM override needs the signature { user, password, meaning } of someone other than the operator, verified by the credential check' &&
        !err.message.includes('guess'))
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 20)

    const r = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 2, override: { reason: 'deviation D-12', signature } })
    assert.equal(r.lot?.quantity, 18)
    assert.deepEqual(r.actual.override, {
      rule: 'not-a-component', refusal: 'material RM-PAINT is not a component of the order (nor an allowed alternate)',
      reason: 'deviation D-12', signature: { user: 'qa.quinn', meaning: 'approved deviation', at: '2025-03-03T06:00:00.000Z' }
    })
    assert.deepEqual((await c.mes.materials.actualsOfJob(cutJob))[0]!.override, r.actual.override, 'stored as returned')
    const audit = (await c.mes.audit.forEntity('MaterialLot', 'P-1')).at(-1)!
    assert.equal(audit.action, 'consume-override')
    assert.equal(audit.who, 'op.olga')
    assert.equal(audit.why, 'deviation D-12')
    assert.deepEqual(JSON.parse(audit.signature!), { user: 'qa.quinn', meaning: 'approved deviation', at: '2025-03-03T06:00:00.000Z' })
    assert.ok(!JSON.stringify(await c.mes.audit.query({ limit: 100000 })).includes('correct horse'), 'no password stored')
    assert.equal((await c.mes.audit.verify()).ok, true)
  })

  it('refuses an override at an operation whose routing allows none', async () => {
    const c = ctx()
    const { weldJob } = await frameOrder(c)
    await refused(c, weldJob, { jobId: weldJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: { reason: 'r', signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'approved' } } },
      'not-a-component', /operation 20 of order 500 allows no BOM override/)
  })
}, { verifyCredentials: credentials })
