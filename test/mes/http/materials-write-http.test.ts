// The material write routes of the MES HTTP API over a real HTTP server and a real Mes on the stores of
// HUB_TEST_STORES: the three-level product built through the API (each command by the person or system doing it),
// its traces exactly the expected sets; the BOM refusals as 409 with the rule and nothing changed; an override
// that carries its signature; and the routes' login, permissions and error shape.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { credentials, frameOrder } from '../materials/fixture'
import {
  BACKWARD_FROM_FG1, FORWARD_FROM_B2, FORWARD_FROM_S1, buildThreeLevels, linkSet, nodeIds, type MaterialCommand
} from '../../support/three-level-product'

const PATHS: Record<MaterialCommand, string> = {
  define: '/materials/definitions',
  receive: '/materials/lots',
  split: '/materials/split',
  merge: '/materials/merge',
  consume: '/materials/consume',
  produce: '/materials/produce'
}

/** Lot quantities and statuses, the job's actuals and the audit trail's length: all unchanged by a refusal. */
async function state (c: Ctx, jobId: string): Promise<string> {
  const lots = await Promise.all(['T-1', 'T-2', 'TB-1', 'W-1', 'P-1'].map(async (id) => await c.mes.materials.lot(id)))
  return JSON.stringify({
    lots: lots.map((l) => [l.lotId, l.quantity, l.status]),
    actuals: await c.mes.materials.actualsOfJob(jobId),
    audit: (await c.mes.audit.query({ limit: 100000 })).length
  })
}

forEachStore('MES HTTP API: material commands', (ctx) => {
  let api: Served
  const as = (user: string, scope = '*') => client(api.root, { 'x-test-user': user, 'x-test-scope': scope })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('builds the three-level product through the API; its traces reach exactly the expected lots and serials', async () => {
    await buildThreeLevels(ctx(), async (command, { who, ...body }) => {
      const r = await as(String(who)).post(PATHS[command], body)
      assert.ok(r.status === 200 || r.status === 201, `${command} ${JSON.stringify(body)}: ${r.status} ${r.text}`)
    })
    const viewer = as('viewer.vic', 'read')
    const back = await viewer.get('/materials/trace?direction=backward&serial=FG-1')
    assert.equal(back.status, 200, back.text)
    assert.deepEqual(nodeIds(back.body), BACKWARD_FROM_FG1)
    assert.deepEqual(linkSet(back.body.edges), [
      'consumption SA-1->FG-1 1 by op.anna', 'consumption SA-3->FG-1 1 by op.anna',
      'consumption S-1.1->SA-1 20 by op.olga', 'consumption B-M->SA-1 8 by op.olga',
      'consumption S-1.2->SA-3 10 by op.pete', 'consumption B-M->SA-3 4 by op.pete',
      'split S-1->S-1.1 40 by wms:WH1', 'split S-1->S-1.2 30 by wms:WH1', 'merge B-1->B-M 50 by wms:WH1', 'merge B-2->B-M 50 by wms:WH1'
    ].sort())
    assert.deepEqual(nodeIds((await viewer.get('/materials/trace?direction=forward&lot=S-1')).body), FORWARD_FROM_S1)
    assert.deepEqual(nodeIds((await viewer.get('/materials/trace?direction=forward&lot=B-2')).body), FORWARD_FROM_B2)

    // The lots, serials and links as the API shows them: what is left, who changed it, what it is joined to.
    const steel = await viewer.get('/materials/lots/S-1')
    assert.equal(steel.status, 200, steel.text)
    assert.deepEqual([steel.body.material, steel.body.quantity, steel.body.unit, steel.body.status], ['RM-STEEL', 30, 'KG', 'released'])
    const bm = await viewer.get('/materials/lots/B-M')
    assert.deepEqual([bm.body.quantity, bm.body.status], [88, 'released'])
    assert.deepEqual(linkSet((await viewer.get('/materials/lots/B-M/links')).body), [
      'consumption B-M->SA-1 8 by op.olga', 'consumption B-M->SA-2 8 by op.olga', 'consumption B-M->SA-3 4 by op.pete',
      'merge B-1->B-M 50 by wms:WH1', 'merge B-2->B-M 50 by wms:WH1'
    ].sort())
    const fg1 = await viewer.get('/materials/serials/FG-1')
    assert.deepEqual([fg1.body.serial, fg1.body.material, fg1.body.status], ['FG-1', 'FG-UNIT', 'released'])
    assert.deepEqual(linkSet((await viewer.get('/materials/serials/SA-3/links')).body),
      ['consumption B-M->SA-3 4 by op.pete', 'consumption S-1.2->SA-3 10 by op.pete', 'consumption SA-3->FG-1 1 by op.anna'])
    assert.deepEqual((await viewer.get('/materials/definitions/FG-UNIT')).body.unit, 'PCE')
    assert.deepEqual((await ctx().mes.audit.forEntity('MaterialLot', 'S-1')).map((a) => `${a.action} ${a.who}`), ['receive wms:WH1', 'split wms:WH1'])
    assert.equal((await ctx().mes.audit.verify()).ok, true)
  })

  it('answers the write routes with Location, the caller as actor, and the API\'s refusals (400, 401, 403, 404, 405)', async () => {
    const wms = as('wms:WH1')
    const def = await wms.post('/materials/definitions', { material: 'RM-RESIN', unit: 'KG' })
    assert.equal(def.status, 200, def.text)
    assert.equal(def.headers.get('location'), '/mes/v1/materials/definitions/RM-RESIN')
    const lot = await wms.post('/materials/lots', { lotId: 'R/1', material: 'RM-RESIN', quantity: 100, unit: 'KG' })
    assert.equal(lot.status, 201, lot.text)
    assert.equal(lot.headers.get('location'), '/mes/v1/materials/lots/R%2F1')
    assert.equal((await wms.get('/materials/lots/R%2F1')).body.quantity, 100, 'a lot id with a slash, by its Location')
    assert.equal((await ctx().mes.audit.forEntity('MaterialLot', 'R/1'))[0]!.who, 'wms:WH1')

    const held = await as('qms:QM1').post('/materials/lots/R%2F1/status', { status: 'on-hold', why: 'supplier complaint 4711' })
    assert.equal(held.status, 200, held.text)
    assert.deepEqual([held.body.status, held.body.statusBy, held.body.statusReason], ['on-hold', 'qms:QM1', 'supplier complaint 4711'])
    const noWhy = await as('qms:QM1').post('/materials/lots/R%2F1/status', { status: 'released' })
    assert.equal(noWhy.status, 400, noWhy.text)
    assert.match(JSON.stringify(noWhy.body.error), /why/)

    const someoneElse = await wms.post('/materials/lots', { lotId: 'R-2', material: 'RM-RESIN', quantity: 1, unit: 'KG', who: 'boss.bob' })
    assert.equal(someoneElse.status, 400, someoneElse.text)
    assert.match(someoneElse.body.error.hint, /authenticated user/)
    const again = await wms.post('/materials/lots', { lotId: 'R/1', material: 'RM-RESIN', quantity: 1, unit: 'KG' })
    assert.equal(again.status, 409, again.text)
    assert.equal((await wms.post('/materials/split', { lotId: 'NOPE', into: [{ lotId: 'N-1', quantity: 1 }] })).status, 404)
    assert.equal((await wms.get('/materials/serials/NOPE/links')).status, 404)
    assert.equal((await wms.get('/materials/lots/R%2F1?x=1')).status, 400)
    assert.equal((await as('viewer.vic', 'read').post('/materials/lots', { lotId: 'R-3', material: 'RM-RESIN', quantity: 1, unit: 'KG' })).status, 403)
    // Every material route that changes something needs mes.write: a reader is refused each one.
    for (const path of ['/materials/definitions', '/materials/lots/R%2F1/status', '/materials/consume', '/materials/produce', '/materials/split', '/materials/merge']) {
      const r = await as('viewer.vic', 'read').post(path, {})
      assert.equal(r.status, 403, `${path}: ${r.text}`)
    }
    assert.equal((await client(api.root, {}).post('/materials/consume', {})).status, 401)
    const put = await wms.call('PUT', '/materials/lots/R%2F1', {})
    assert.equal(put.status, 405)
    assert.match(put.body.error.hint, /status/)
    assert.equal((await ctx().mes.materials.lot('R/1')).quantity, 100, 'the refusals changed nothing')
  })

  it('refuses a wrong material, over the quantity, a held lot and an expired lot with 409, the rule and the reason, and changes nothing', async () => {
    const c = ctx()
    const { cutJob, weldJob } = await frameOrder(c)
    const olga = as('op.olga')
    const refused = async (jobId: string, body: Record<string, unknown>, rule: string, reason: RegExp): Promise<void> => {
      const before = await state(c, jobId)
      const r = await olga.post('/materials/consume', { jobId, ...body })
      assert.equal(r.status, 409, r.text)
      assert.equal(r.body.error.code, 'MES_MATERIAL_REFUSED')
      assert.equal(r.body.error.rule, rule)
      assert.match(r.body.error.message, reason)
      assert.equal(await state(c, jobId), before, 'nothing changed')
    }
    await refused(cutJob, { lotId: 'P-1', quantity: 1 }, 'not-a-component', /material RM-PAINT is not a component of the order/)
    assert.match((await olga.post('/materials/consume', { jobId: cutJob, lotId: 'P-1', quantity: 1 })).body.error.hint,
      /override signed by someone other than the operator/, 'the hint says what would admit it')
    await refused(cutJob, { lotId: 'TB-1', quantity: 51 }, 'insufficient-quantity', /lot TB-1 holds 50 M, not 51/)
    assert.equal((await olga.post('/materials/consume', { jobId: cutJob, lotId: 'T-1' })).status, 200)
    await refused(cutJob, { lotId: 'T-2', quantity: 121 }, 'over-tolerance', /allows 420 M \(400 \+ 5%\); 300 consumed, 121 more would be 421/)

    assert.equal((await as('qms:QM1').post('/materials/lots/W-1/status', { status: 'on-hold', why: 'supplier complaint 4711' })).status, 200)
    await refused(weldJob, { lotId: 'W-1', quantity: 1 }, 'lot-status', /lot W-1 is on-hold \(supplier complaint 4711\), not released/)
    assert.equal((await as('qms:QM1').post('/materials/lots/W-1/status', { status: 'released', why: 'complaint closed' })).status, 200)
    c.clock.t = Date.parse('2026-01-01T00:00:00Z')
    await refused(weldJob, { lotId: 'W-1', quantity: 1 }, 'lot-expired', /lot W-1 expired at 2026-01-01T00:00:00Z/)
  })

  it('admits a consumption by an override signed by someone else; the record and the audit carry the signature, never the password', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const olga = as('op.olga')
    const signature = { user: 'qa.quinn', password: 'correct horse', meaning: 'approved deviation' }
    const own = await as('qa.quinn').post('/materials/consume', { jobId: cutJob, lotId: 'P-1', quantity: 2, override: { reason: 'D-12', signature } })
    assert.equal(own.status, 409, own.text)
    assert.equal(own.body.error.rule, 'override-signer')
    const wrong = await olga.post('/materials/consume', { jobId: cutJob, lotId: 'P-1', quantity: 2, override: { reason: 'D-12', signature: { ...signature, password: 'guess' } } })
    assert.equal(wrong.status, 403, wrong.text)
    assert.equal(wrong.body.error.code, 'MES_SIGNATURE_REQUIRED')
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 20)

    const r = await olga.post('/materials/consume', { jobId: cutJob, lotId: 'P-1', quantity: 2, eventId: 'scan-77', override: { reason: 'deviation D-12', signature } })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.body.lot.quantity, 18)
    assert.equal(r.body.actual.who, 'op.olga')
    assert.deepEqual(r.body.actual.override, {
      rule: 'not-a-component', refusal: 'material RM-PAINT is not a component of the order (nor an allowed alternate)',
      reason: 'deviation D-12', signature: { user: 'qa.quinn', meaning: 'approved deviation', at: '2025-03-03T06:00:00.000Z' }
    })
    const repeat = await olga.post('/materials/consume', { jobId: cutJob, lotId: 'P-1', quantity: 2, eventId: 'scan-77', override: { reason: 'deviation D-12', signature } })
    assert.equal(repeat.status, 200, repeat.text)
    assert.equal(repeat.body.duplicate, true)
    assert.equal((await c.mes.materials.lot('P-1')).quantity, 18, 'the same eventId consumed once')
    const audit = (await c.mes.audit.forEntity('MaterialLot', 'P-1')).at(-1)!
    assert.deepEqual([audit.action, audit.who, audit.why], ['consume-override', 'op.olga', 'deviation D-12'])
    assert.deepEqual(JSON.parse(audit.signature!), { user: 'qa.quinn', meaning: 'approved deviation', at: '2025-03-03T06:00:00.000Z' })
    assert.ok(!r.text.includes('correct horse') && !api.logged.join('\n').includes('correct horse'), 'the password is neither answered nor logged')
  })
}, { verifyCredentials: credentials })
