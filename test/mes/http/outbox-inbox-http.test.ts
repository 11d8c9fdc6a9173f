// The outbox and inbox over the MES HTTP API (a real server, a real Mes): a supervisor finds a dead letter, corrects
// and resubmits it, or discards it; a viewer reads but changes nothing; inbound messages listed, raw on request.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { client, serve, type Served } from '../../support/mes-api'

forEachStore('MES HTTP API: outbox and inbox', (ctx) => {
  let api: Served
  const viewer = () => client(api.root, { 'x-test-user': 'viewer.vic', 'x-test-scope': 'read' })
  const supervisor = () => client(api.root, { 'x-test-user': 'sup.sue', 'x-test-scope': '*' })
  beforeEach(async () => { api = await serve(ctx().mes) })
  afterEach(async () => { await api.close() })

  async function deadLetter (key: string): Promise<number> {
    const { outbox } = ctx().mes
    const { message } = await outbox.enqueue({ destination: 'sap', type: 'goods-movement', orderingKey: '1000', idempotencyKey: key, payload: { plant: 'XXXX' } })
    await outbox.claim('sap', 'hub-1')
    await outbox.failed(message.id, 'hub-1', { error: 'plant XXXX does not exist', retryable: false })
    return message.id
  }

  it('lists dead letters, and resubmits one with a corrected payload as the caller, with a reason', async () => {
    const id = await deadLetter('gm-1')
    const dead = await viewer().get('/outbox/dead-letters')
    assert.equal(dead.status, 200, dead.text)
    assert.deepEqual(dead.body.map((m: { id: number }) => m.id), [id])
    assert.equal((await viewer().get(`/outbox?status=dead,pending&destination=sap`)).body.length, 1)
    assert.equal((await viewer().get(`/outbox/${id}`)).body.lastError, 'plant XXXX does not exist')
    assert.equal((await viewer().post(`/outbox/${id}/resubmit`, { why: 'x' })).status, 403)
    const bad = await supervisor().post(`/outbox/${id}/resubmit`, { payload: { plant: '1010' } })
    assert.equal(bad.status, 400, bad.text)
    assert.match(bad.text, /why/)
    const ok = await supervisor().post(`/outbox/${id}/resubmit`, { payload: { plant: '1010' }, why: 'plant corrected' })
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual([ok.body.status, ok.body.payload], ['pending', { plant: '1010' }])
    const history = await viewer().get(`/outbox/${id}/history`)
    assert.deepEqual(history.body, [{ payload: { plant: 'XXXX' }, replacedBy: 'sup.sue', replacedAt: ctx().clock.iso(), why: 'plant corrected' }])
    const again = await supervisor().post(`/outbox/${id}/resubmit`, { why: 'twice' })
    assert.equal(again.status, 409, again.text)
    assert.equal(again.body.error.state, 'pending')
  })

  it('discards a dead letter; refuses a bad id and an unknown one', async () => {
    const id = await deadLetter('gm-2')
    const gone = await supervisor().post(`/outbox/${id}/discard`, { why: 'posted by hand in MIGO' })
    assert.equal(gone.status, 200, gone.text)
    assert.equal(gone.body.status, 'discarded')
    assert.equal((await supervisor().post(`/outbox/${id}/discard`, {})).status, 400)
    assert.equal((await viewer().get('/outbox/abc')).status, 400)
    assert.equal((await viewer().get('/outbox/9999')).status, 404)
    assert.equal((await viewer().get('/outbox?status=lost')).status, 400)
  })

  it('lists inbound messages without their raw text, and gives one raw on request', async () => {
    const { inbox } = ctx().mes
    const raw = '<LOIPRO01><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>77</DOCNUM></EDI_DC40></IDOC></LOIPRO01>'
    const { id } = await inbox.receive({ channel: 'idoc-xml', raw, keys: { sender: 'LS/PRDCLNT100', docnum: '77' } })
    const list = await viewer().get('/inbox?status=received&channel=idoc-xml')
    assert.equal(list.status, 200, list.text)
    assert.deepEqual(list.body.map((m: { id: number, raw?: string }) => [m.id, m.raw]), [[id, undefined]])
    assert.equal((await viewer().get(`/inbox/${id}`)).body.raw, undefined)
    assert.equal((await viewer().get(`/inbox/${id}?raw=true`)).body.raw, raw)
    assert.equal((await viewer().get('/inbox?channel=fax')).status, 400)
    assert.equal((await client(api.root, {}).get('/inbox')).status, 401)
  })
})
