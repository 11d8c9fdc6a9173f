// Logistics over the MES HTTP API (a real server, a real Mes): a job's staging read and made, the WMS's confirmation
// and cancellation as the caller, a lot's put-away and its confirmation; a viewer reads but changes nothing.
import assert from 'node:assert/strict'
import { forEachStore, SUPERVISOR } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { cartOrder, LOGISTICS_OPTIONS } from '../logistics/fixture'

forEachStore('MES HTTP API: logistics', (ctx) => {
  let api: Served
  const viewer = () => client(api.root, { 'x-test-user': 'viewer.vic', 'x-test-scope': 'read' })
  const wms = () => client(api.root, { 'x-test-user': 'wms:EWM', 'x-test-scope': '*' })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('reads and confirms a job\'s staging; cancels; refuses a viewer and an unknown request', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    const staging = await viewer().get(`/logistics/staging/jobs/${cut.jobId}`)
    assert.equal(staging.status, 200, staging.text)
    assert.deepEqual(staging.body.map((r: { requestId: string, location: string }) => `${r.requestId} @${r.location}`), [`${cut.jobId}/1 @PSA-SAW`, `${cut.jobId}/3 @PSA-SAW`])
    const confirmation = { requestId: `${cut.jobId}/1`, confirmationId: 'WT-1-1', quantity: 400, lotId: 'T-1' }
    assert.equal((await viewer().post('/logistics/staging/confirmations', confirmation)).status, 403)
    const ok = await wms().post('/logistics/staging/confirmations', confirmation)
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual([ok.body.duplicate, ok.body.request.status], [false, 'staged'])
    assert.equal((await wms().post('/logistics/staging/confirmations', confirmation)).body.duplicate, true)
    const unknown = await wms().post('/logistics/staging/confirmations', { ...confirmation, requestId: 'NOPE/1', confirmationId: 'X' })
    assert.equal(unknown.status, 404, unknown.text)
    const wrong = await wms().post('/logistics/staging/confirmations', { requestId: `${cut.jobId}/3`, confirmationId: 'X-2', quantity: 1, lotId: 'W-1' })
    assert.deepEqual([wrong.status, wrong.body.error.rule], [409, 'wrong-material'])
    const cancelled = await wms().post('/logistics/staging/cancellations', { requestId: `${cut.jobId}/3`, why: 'no stock' })
    assert.deepEqual([cancelled.status, cancelled.body.status], [200, 'cancelled'])
    assert.deepEqual((await viewer().get(`/logistics/staging/jobs/${cut.jobId}/staged`)).body, { jobId: cut.jobId, staged: false })
    const again = await wms().post(`/logistics/staging/jobs/${cut.jobId}`, {})
    assert.deepEqual(again.body.map((r: { status: string }) => r.status), ['staged', 'requested'])
    const feed = await viewer().get('/logistics/changes?after=0')
    assert.equal(feed.status, 200, feed.text)
    assert.ok(feed.body.length >= 2)
  })

  it('reads a lot\'s put-away and confirms its bin', async () => {
    const c = ctx()
    await cartOrder(c)
    const cut = await c.mes.dispatch.dispatchOperation('700', 10, 'SAW-1', SUPERVISOR)
    await c.mes.wip.apply({ jobId: cut.jobId, event: 'start', who: 'op.olga' })
    await c.mes.materials.produce({ jobId: cut.jobId, material: 'FG-CART', lotId: 'FG-L1', quantity: 4, who: 'op.olga' })
    assert.equal((await viewer().get('/logistics/put-away/lots/T-1')).status, 404, 'a received lot has no put-away')
    assert.equal((await viewer().get('/logistics/put-away/lots/NOPE')).status, 404)
    const r = await viewer().get('/logistics/put-away/lots/FG-L1')
    assert.deepEqual([r.status, r.body.requestId, r.body.status], [200, 'putaway/FG-L1', 'requested'])
    const ok = await wms().post('/logistics/put-away/confirmations', { requestId: 'putaway/FG-L1', confirmationId: 'PA-1', location: 'BIN-7' })
    assert.deepEqual([ok.status, ok.body.request.location], [200, 'BIN-7'])
    assert.equal((await viewer().get('/materials/lots/FG-L1')).body.location, 'BIN-7')
  })
}, LOGISTICS_OPTIONS)
