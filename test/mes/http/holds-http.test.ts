// The holds routes of the MES HTTP API over a real HTTP server and a real Mes on the stores of HUB_TEST_STORES:
// a quality engineer places and releases holds with quality.hold, the caller as who; a user with only mes.write is
// refused 403 in the MES error shape; the hold's refusals (released twice, unknown target) with their codes; the
// list by target and status, in pages; a held lot's consumption refused over the API, then accepted.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { frameOrder } from '../materials/fixture'

forEachStore('MES HTTP API: holds', (ctx) => {
  let api: Served
  const as = (user: string, scope = '*') => client(api.root, { 'x-test-user': user, 'x-test-scope': scope })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('places and releases a hold with quality.hold; the held lot\'s consumption is refused, then accepted', async () => {
    const { cutJob } = await frameOrder(ctx())
    const qa = as('qa.quinn', 'quality.hold')
    const placed = await qa.post('/holds', { holdId: 'QN-1', target: { kind: 'lot', id: 'T-1' }, reason: 'burr on cut edge', source: 'qms', reference: '200000777' })
    assert.equal(placed.status, 201, placed.text)
    assert.equal(placed.headers.get('location'), '/mes/v1/holds/QN-1')
    assert.deepEqual([placed.body.placedBy, placed.body.status, placed.body.reference], ['qa.quinn', 'active', '200000777'])
    const again = await qa.post('/holds', { holdId: 'QN-1', target: { kind: 'lot', id: 'T-1' }, reason: 'burr on cut edge' })
    assert.equal(again.status, 200, 'the same holdId: the stored hold, nothing changed')
    assert.equal(again.body.placedAt, placed.body.placedAt)

    const olga = as('op.olga', 'mes.write')
    const refused = await olga.post('/materials/consume', { jobId: cutJob, lotId: 'T-1', quantity: 5 })
    assert.equal(refused.status, 409, refused.text)
    assert.equal(refused.body.error.rule, 'lot-status')
    assert.match(refused.body.error.message, /lot T-1 is on-hold \(hold QN-1 by qa\.quinn: burr on cut edge\), not released/)
    const setFree = await olga.post('/materials/lots/T-1/status', { status: 'released', why: 'looks fine to me' })
    assert.equal(setFree.status, 409, setFree.text)
    assert.equal(setFree.body.error.rule, 'lot-held')
    assert.match(setFree.body.error.hint, /release its holds first \(QN-1\)/)

    const viewer = as('viewer.vic', 'read')
    const got = await viewer.get('/holds/QN-1')
    assert.deepEqual([got.status, got.body.reason], [200, 'burr on cut edge'])
    const released = await qa.post('/holds/QN-1/release', { why: 'deburred and re-inspected' })
    assert.equal(released.status, 200, released.text)
    assert.deepEqual([released.body.status, released.body.releasedBy, released.body.releaseWhy], ['released', 'qa.quinn', 'deburred and re-inspected'])
    const twice = await qa.post('/holds/QN-1/release', { why: 'again' })
    assert.equal(twice.status, 409, twice.text)
    assert.deepEqual([twice.body.error.code, twice.body.error.state, twice.body.error.source], ['MES_HOLD_RELEASED', 'released', 'hold QN-1'])
    assert.match(twice.body.error.hint, /nothing was changed/)

    const ok = await olga.post('/materials/consume', { jobId: cutJob, lotId: 'T-1', quantity: 5 })
    assert.equal(ok.status, 200, ok.text)
  })

  it('refuses place and release to a user with only mes.write (403, the MES error shape) and without login (401)', async () => {
    await frameOrder(ctx())
    const writer = as('op.olga', 'mes.write')
    const place = await writer.post('/holds', { target: { kind: 'order', id: '500' }, reason: 'x' })
    assert.equal(place.status, 403, place.text)
    assert.equal(place.body.error.code, 'HTTP_FORBIDDEN')
    assert.match(place.body.error.message, /user op\.olga does not have the quality\.hold permission/)
    assert.match(place.body.error.hint, /quality\.hold/)
    await ctx().mes.holds.place({ holdId: 'QN-2', target: { kind: 'order', id: '500' }, reason: 'audit finding', who: 'qa.quinn' })
    const release = await writer.post('/holds/QN-2/release', { why: 'I want to run it' })
    assert.equal(release.status, 403, release.text)
    assert.equal((await as('viewer.vic', 'read').post('/holds/QN-2/release', { why: 'x' })).status, 403)
    assert.equal((await client(api.root, {}).post('/holds', {})).status, 401)
    assert.equal((await ctx().mes.holds.get('QN-2')).status, 'active', 'still held')
    // A body cannot name someone else as who.
    const forged = await as('qa.quinn', 'quality.hold').post('/holds/QN-2/release', { why: 'x', who: 'qa.lead' })
    assert.equal(forged.status, 400, forged.text)
  })

  it('answers unknown targets 404, bad bodies 400 with the path, and lists by target and status in pages', async () => {
    await frameOrder(ctx())
    const qa = as('qa.quinn', '*')
    const unknown = await qa.post('/holds', { target: { kind: 'lot', id: 'NOPE' }, reason: 'x' })
    assert.deepEqual([unknown.status, unknown.body.error.code, unknown.body.error.source], [404, 'MES_HOLD_TARGET', 'lot NOPE'])
    const bad = await qa.post('/holds', { target: { kind: 'lot' }, reason: 'x' })
    assert.equal(bad.status, 400, bad.text)
    assert.ok(bad.body.error.problems.some((p: { path: string }) => p.path === '/target/id'), bad.text)
    for (const [id, kind, target] of [['A', 'lot', 'T-1'], ['B', 'order', '500'], ['C', 'lot', 'T-1'], ['D', 'work-unit', 'SAW-1']]) {
      ctx().clock.advance(1)
      assert.equal((await qa.post('/holds', { holdId: id, target: { kind, id: target }, reason: `r ${id!}` })).status, 201)
    }
    await qa.post('/holds/A/release', { why: 'ok' })
    const ids = async (q: string): Promise<string[]> => {
      const r = await qa.get(`/holds${q}`)
      assert.equal(r.status, 200, r.text)
      return r.body.map((h: { holdId: string }) => h.holdId)
    }
    assert.deepEqual(await ids(''), ['A', 'B', 'C', 'D'])
    assert.deepEqual(await ids('?targetKind=lot&targetId=T-1'), ['A', 'C'])
    assert.deepEqual(await ids('?targetKind=lot&targetId=T-1&status=active'), ['C'])
    assert.deepEqual(await ids('?status=active&limit=2'), ['B', 'C'])
    assert.deepEqual(await ids('?status=active&limit=2&after=C'), ['D'])
    assert.equal((await qa.get('/holds?targetKind=lot')).status, 400)
    assert.equal((await qa.get('/holds?status=open')).status, 400)
    assert.equal((await qa.get('/holds?after=Z')).status, 404)
    assert.equal((await qa.get('/holds/Z')).status, 404)
  })
})
