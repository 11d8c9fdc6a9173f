// GET /mes/v1/materials/as-built over a real HTTP server and a real Mes on the stores of HUB_TEST_STORES: the
// as-built record of a finished serial of the three-level product as the service builds it, in the three formats
// (the JSON record, its B2MML V7 JSON, the B2MML XML as application/xml), and the query's refusals.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'
import { threeLevels } from '../materials/three-levels'

forEachStore('MES HTTP API: as-built record', (ctx) => {
  let api: Served
  const viewer = () => client(api.root, { 'x-test-user': 'viewer.vic', 'x-test-scope': 'read' })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  it('answers the record of a finished serial as JSON, as B2MML and as B2MML XML, as the service builds them', async () => {
    await threeLevels(ctx())
    const m = ctx().mes.materials
    const json = await viewer().get('/materials/as-built?serial=FG-1')
    assert.equal(json.status, 200, json.text)
    assert.deepEqual(json.body, JSON.parse(JSON.stringify(await m.asBuilt({ serial: 'FG-1' }))))
    const b2mml = await viewer().get('/materials/as-built?serial=FG-1&format=b2mml')
    assert.equal(b2mml.status, 200, b2mml.text)
    assert.deepEqual(b2mml.body, JSON.parse(JSON.stringify(await m.asBuiltB2mml({ serial: 'FG-1' }))))
    const xml = await viewer().get('/materials/as-built?serial=FG-1&format=xml')
    assert.equal(xml.status, 200, xml.text)
    assert.match(xml.headers.get('content-type') ?? '', /^application\/xml/)
    assert.equal(xml.text, await m.asBuiltB2mmlXml({ serial: 'FG-1' }))
  })

  it('refuses an unknown format, a query without a lot or serial, and stray parameters with 400; needs a login', async () => {
    const bad = await viewer().get('/materials/as-built?serial=FG-1&format=pdf')
    assert.equal(bad.status, 400, bad.text)
    assert.match(JSON.stringify(bad.body.error), /json, b2mml, xml/)
    const none = await viewer().get('/materials/as-built?format=json')
    assert.equal(none.status, 400, none.text)
    assert.match(JSON.stringify(none.body.error), /name the finished lot \(\?lot=\) or serial \(\?serial=\)/)
    assert.equal((await viewer().get('/materials/as-built?serial=FG-1&depth=1')).status, 400)
    assert.equal((await client(api.root, {}).get('/materials/as-built?serial=FG-1')).status, 401)
  })
})
