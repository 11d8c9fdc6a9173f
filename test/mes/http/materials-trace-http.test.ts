// GET /mes/v1/materials/trace over a real HTTP server and a real Mes on the stores of HUB_TEST_STORES: the trace as the
// service answers it, under the MES API's login and permissions, and its refusals in the API's error shape.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { threeLevels } from '../materials/three-levels'

forEachStore('MES HTTP API: material trace', (ctx) => {
  let api: Served
  const as = (user: string, scope = '*') => client(api.root, { 'x-test-user': user, 'x-test-scope': scope })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('answers backward and forward traces as the service does, to a reader', async () => {
    await threeLevels(ctx())
    const viewer = as('viewer.vic', 'read')
    const back = await viewer.get('/materials/trace?direction=backward&serial=FG-1')
    assert.equal(back.status, 200, back.text)
    assert.deepEqual(back.body, JSON.parse(JSON.stringify(await ctx().mes.materials.trace({ direction: 'backward', serial: 'FG-1' }))))
    assert.equal(back.body.nodes.length, 9)
    const fwd = await viewer.get('/materials/trace?direction=forward&lot=S-1&maxNodes=8&maxDepth=3')
    assert.equal(fwd.status, 200, fwd.text)
    assert.deepEqual(fwd.body.nodes.filter((n: { kind: string }) => n.kind === 'serial').map((n: { id: string }) => n.id).sort(),
      ['FG-1', 'FG-2', 'SA-1', 'SA-2', 'SA-3'])
  })

  it('refuses with the MES API error shape: bad query 400, unknown lot 404, over the limit 422, no login 401, no mes.read 403', async () => {
    await threeLevels(ctx())
    const sue = as('supervisor.sue')
    const bad = await sue.get('/materials/trace?direction=sideways&lot=S-1')
    assert.equal(bad.status, 400, bad.text)
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED')
    assert.match(JSON.stringify(bad.body.error), /direction/)
    const both = await sue.get('/materials/trace?direction=forward&lot=S-1&serial=FG-1')
    assert.equal(both.status, 400, both.text)
    const stray = await sue.get('/materials/trace?direction=forward&lot=S-1&depth=2')
    assert.equal(stray.status, 400, stray.text)
    const unknown = await sue.get('/materials/trace?direction=forward&lot=NOPE')
    assert.equal(unknown.status, 404, unknown.text)
    assert.deepEqual(unknown.body.error, { code: 'MES_NOT_FOUND', message: 'lot NOPE not found', source: 'lot NOPE' })
    const big = await sue.get('/materials/trace?direction=backward&serial=FG-1&maxNodes=8')
    assert.equal(big.status, 422, big.text)
    assert.equal(big.body.error.code, 'MES_TRACE_LIMIT')
    assert.equal(big.body.error.message, 'the trace reaches more than 8 lots and serials')
    assert.equal(big.body.error.source, 'backward trace of serial FG-1')
    assert.match(big.body.error.hint, /raise maxNodes/)
    // A trace is held in memory whole: a reader may not ask for more than 1,000,000 nodes.
    const huge = await sue.get('/materials/trace?direction=backward&serial=FG-1&maxNodes=1000001')
    assert.equal(huge.status, 400, huge.text)
    assert.match(huge.text, /maxNodes/)
    assert.equal((await sue.get('/materials/trace?direction=backward&serial=FG-1&maxNodes=1000000')).status, 200)
    assert.equal((await client(api.root, {}).get('/materials/trace?direction=backward&serial=FG-1')).status, 401)
    assert.equal((await as('robot', 'flows.read').get('/materials/trace?direction=backward&serial=FG-1')).status, 403)
    assert.equal((await sue.post('/materials/trace', {})).status, 405)
  })
})
