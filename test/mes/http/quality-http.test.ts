// The quality routes of the MES HTTP API over a real HTTP server and a real Mes on the stores of HUB_TEST_STORES:
// the plan put by the QMS, results and nonconformances posted by the caller, and the decisions (a disposition, a
// usage decision) that need quality.decide besides mes.write: 403 without it, nothing changed.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { INSPECTION_LOT, PLAN } from '../quality/fixture'
import { frameOrder } from '../materials/fixture'

forEachStore('MES HTTP API: quality', (ctx) => {
  let api: Served
  const as = (user: string, scope = '*') => client(api.root, { 'x-test-user': user, 'x-test-scope': scope })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('puts the plan, records results and lists them; an out-of-spec result answers its nonconformance', async () => {
    const { cutJob } = await frameOrder(ctx())
    const { who, ...plan } = PLAN
    const put = await as(who).call('PUT', '/quality/plans', plan)
    assert.equal(put.status, 200, put.text)
    assert.equal(put.headers.get('location'), `/mes/v1/quality/inspection-lots/${INSPECTION_LOT}`)
    assert.equal(put.body.createdBy, 'sap-qm', 'who is the caller')
    assert.equal((await as('viewer.vic', 'read').get('/quality/characteristics?order=500&sequence=10')).body.length, 2)
    assert.equal((await as('viewer.vic', 'read').get('/quality/inspection-lots?order=500')).body[0].inspectionLot, INSPECTION_LOT)

    const ok = await as('op.olga', 'write').post('/quality/results', { resultId: 'r-1', jobId: cutJob, characteristic: '0010', value: 100, lotId: 'T-1' })
    assert.equal(ok.status, 201, ok.text)
    assert.equal((await as('op.olga', 'write').post('/quality/results', { resultId: 'r-1', jobId: cutJob, characteristic: '0010', value: 100, lotId: 'T-1' })).status, 200)
    const bad = await as('op.olga', 'write').post('/quality/results', { jobId: cutJob, characteristic: '0010', value: 98, lotId: 'T-1' })
    assert.equal(bad.status, 201, bad.text)
    assert.deepEqual([bad.body.result.evaluation, bad.body.result.who, bad.body.nonconformance.status], ['rejected', 'op.olga', 'open'])
    const unknown = await as('op.olga', 'write').post('/quality/results', { jobId: cutJob, characteristic: '0099', value: 98 })
    assert.equal(unknown.status, 409)
    assert.equal(unknown.body.error.rule, 'unknown-characteristic')
    assert.match(unknown.body.error.message, /its characteristics: 0010, 0020/)
    const listed = await as('viewer.vic', 'read').get('/quality/results?lot=T-1')
    assert.deepEqual(listed.body.map((r: { evaluation: string }) => r.evaluation), ['accepted', 'rejected'])
    assert.equal((await as('viewer.vic', 'read').get('/quality/results')).status, 400, 'a results query names what it is about')
    assert.equal((await as('viewer.vic', 'read').post('/quality/results', {})).status, 403, 'recording needs mes.write')
  })

  it('a disposition and a usage decision need quality.decide besides mes.write; a second of each is 409', async () => {
    const c = ctx()
    await frameOrder(c)
    await c.mes.quality.setInspectionPlan(PLAN)
    const reported = await as('op.olga', 'write').post('/quality/nonconformances',
      { ncId: 'NC-1', lotId: 'T-1', quantity: 300, unit: 'M', defectCode: 'DENT', description: 'dented tubes on the pallet' })
    assert.equal(reported.status, 201, reported.text)
    assert.equal(reported.headers.get('location'), '/mes/v1/quality/nonconformances/NC-1')
    assert.equal((await c.mes.materials.lot('T-1')).status, 'on-hold')
    assert.equal((await as('viewer.vic', 'read').get('/quality/nonconformances?status=open')).body[0].ncId, 'NC-1')

    const refused = await as('op.olga', 'write').post('/quality/nonconformances/NC-1/disposition', { disposition: 'use-as-is' })
    assert.equal(refused.status, 403)
    assert.match(refused.body.error.message, /does not have the quality.decide permission/)
    assert.equal((await c.mes.quality.nonconformance('NC-1')).status, 'open', 'nothing changed')
    const decided = await as('qa.quinn', 'quality.decide').post('/quality/nonconformances/NC-1/disposition', { disposition: 'use-as-is' })
    assert.equal(decided.status, 403, 'quality.decide alone is no write')
    const done = await as('qa.quinn').post('/quality/nonconformances/NC-1/disposition', { disposition: 'use-as-is', why: 'cosmetic' })
    assert.equal(done.status, 200, done.text)
    assert.deepEqual([done.body.disposition, done.body.dispositionBy], ['use-as-is', 'qa.quinn'])
    const again = await as('qa.quinn').post('/quality/nonconformances/NC-1/disposition', { disposition: 'scrap' })
    assert.deepEqual([again.status, again.body.error.rule], [409, 'disposition-applied'])

    assert.equal((await as('op.olga', 'write').post(`/quality/inspection-lots/${INSPECTION_LOT}/usage-decision`, { code: 'accept' })).status, 403)
    const ud = await as('qa.quinn').post(`/quality/inspection-lots/${INSPECTION_LOT}/usage-decision`, { code: 'accept' })
    assert.equal(ud.status, 200, ud.text)
    assert.equal(ud.body.status, 'decided')
    const second = await as('qa.quinn').post(`/quality/inspection-lots/${INSPECTION_LOT}/usage-decision`, { code: 'reject' })
    assert.deepEqual([second.status, second.body.error.rule], [409, 'usage-decision-made'])
    assert.match(second.body.error.hint, /QA 501/)
    assert.equal((await as('viewer.vic', 'read').get(`/quality/inspection-lots/${INSPECTION_LOT}`)).body.usageDecision.code, 'accept')
  })
})
