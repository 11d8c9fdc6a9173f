// The hub's endpoint for the WMS's callbacks over real HTTP with the real MES inbox: a signed event is stored, then
// applied and answered; a wrong, missing or old signature is a 401 and stores nothing; a body against the schema is
// a 400 naming the path; the same event again is a duplicate, applied once; an event the MES refuses (an unknown
// request) stays in the inbox with the reason and is answered 422; one stored while the MES's store failed is
// applied at the next start. The apply step here records what it is given; applying through the MES's Logistics
// (wms-event-applier.ts) is tested in wms-logistics.test.ts.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { forEachStore } from '../../mes/stores'
import { wmsWebhook } from '../../../adapters/wms/inbound/wms-webhook'
import { webhookHeaders } from '../../../core/webhook-signature'
import type { ApplyOutcome } from '../../../adapters/wms/inbound/wms-event-applier'
import type { WmsEvent } from '../../../adapters/wms/wms-schemas'
import { silentLogger } from '../../../core/logger'
import { startWmsSimulator } from '../../../sim/wms/simulator'
import { until } from '../../support/until'

const SECRET = 'whsec-test'

function confirmed (eventId = 'WH01-EV-000001', over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId, type: 'task.confirmed', occurredAt: '2025-03-03T06:01:00Z', warehouse: 'WH01',
    task: { taskId: '1000001', requestId: 'TR-1-10-1/2', type: 'staging', material: 'RM-BOLT', quantity: 20, unit: 'PCE', status: 'confirmed' },
    confirmation: { quantity: 20, final: true, lots: [{ lotId: 'B-1', quantity: 20, sourceBin: '01-B-01' }], destinationBin: 'PSA-PRESSL1' },
    ...over
  }
}

forEachStore('the WMS webhook', (ctx) => {
  let server: http.Server
  let url: string
  let applied: WmsEvent[]
  let storeFails: boolean
  let webhook: ReturnType<typeof wmsWebhook>

  /** While set, applying waits for it (a delivery held in the middle of its apply). */
  let gate: Promise<void> | undefined
  /** The event ids of deliveries the inbox answered as duplicates. */
  let duplicatesReceived: string[]
  /** The event ids whose apply began. */
  let applying: string[]
  const apply = async (e: WmsEvent): Promise<ApplyOutcome> => {
    applying.push(e.eventId)
    if (gate !== undefined) await gate
    if (storeFails) throw new Error('the store is unavailable')
    applied.push(e)
    return e.task.requestId.startsWith('UNKNOWN') ? { status: 'error', reason: `staging request ${e.task.requestId} not found` } : { status: 'applied', results: { requestId: e.task.requestId } }
  }
  const post = async (body: string, headers?: Record<string, string>): Promise<{ status: number, body: any, type: string }> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    return { status: res.status, body: await res.json(), type: res.headers.get('content-type') ?? '' }
  }
  const signed = async (event: unknown): Promise<{ status: number, body: any, type: string }> => {
    const body = JSON.stringify(event)
    return await post(body, webhookHeaders(SECRET, (event as { eventId: string }).eventId, body))
  }

  beforeEach(async () => {
    applied = []
    storeFails = false
    gate = undefined
    duplicatesReceived = []
    applying = []
    const real = ctx().mes.inbox
    const inbox: typeof real = Object.create(real)
    inbox.receive = async (m) => {
      const r = await real.receive(m)
      if (r.duplicate) duplicatesReceived.push(m.keys?.arckey ?? '')
      return r
    }
    webhook = wmsWebhook({ inbox, secret: SECRET, toleranceSeconds: 300, warehouse: 'WH01', maxEventBytes: 64 * 1024, apply, log: silentLogger })
    const app = express()
    app.use(webhook.path, webhook.handler)
    server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${webhook.path}`
  })
  afterEach(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('stores a signed confirmation, applies it and answers 200; the same event again is a duplicate, applied once', async () => {
    const first = await signed(confirmed())
    assert.equal(first.status, 200)
    assert.equal(first.body.status, 'applied')
    assert.equal(first.body.duplicate, false)
    const stored = await ctx().mes.inbox.get(first.body.inboxId, { raw: true })
    assert.equal(stored.channel, 'wms-webhook')
    assert.equal(stored.sender, 'wms/WH01')
    assert.equal(stored.arckey, 'WH01-EV-000001')
    assert.equal(stored.status, 'applied')
    assert.equal(JSON.parse(stored.raw!).task.taskId, '1000001')
    const again = await signed(confirmed())
    assert.equal(again.status, 200)
    assert.equal(again.body.duplicate, true)
    assert.equal(again.body.inboxId, first.body.inboxId)
    assert.equal(applied.length, 1)
    assert.equal((await ctx().mes.inbox.list({ channel: 'wms-webhook' })).length, 1)
  })

  it('refuses an event id already stored with other content (409, the stored event stands), and applies one event sent twice at once once', async () => {
    const first = await signed(confirmed('E-10'))
    assert.equal(first.status, 200)
    const other = await signed(confirmed('E-10', { confirmation: { quantity: 5, final: true, lots: [{ lotId: 'B-2', quantity: 5, sourceBin: '01-B-02' }], destinationBin: 'PSA-PRESSL1' } }))
    assert.equal(other.status, 409)
    assert.match(other.body.detail, /E-10/)
    assert.equal(applied.length, 1)
    assert.equal(JSON.parse((await ctx().mes.inbox.get(first.body.inboxId, { raw: true })).raw!).confirmation.lots[0].lotId, 'B-1')
    // The first delivery is held in its apply until the second has been answered by the inbox as a duplicate (it
    // then meets the first still 'received'), or, as it should, waits for the first (the gate opens after a while).
    let open = (): void => {}
    gate = new Promise<void>((resolve) => { open = resolve })
    const body = JSON.stringify(confirmed('E-11'))
    const firstDelivery = post(body, webhookHeaders(SECRET, 'E-11', body))
    await until('the first delivery applying', () => applying.includes('E-11') || undefined)
    const secondDelivery = post(body, webhookHeaders(SECRET, 'E-11', body))
    await until('the second delivery stored as a duplicate', () => duplicatesReceived.includes('E-11') || undefined, 1000).catch(() => undefined)
    open()
    gate = undefined
    const both = await Promise.all([firstDelivery, secondDelivery])
    assert.deepEqual(both.map((b) => b.status), [200, 200])
    assert.deepEqual(both.map((b) => b.body.duplicate).sort(), [false, true])
    assert.equal(applied.filter((e) => e.eventId === 'E-11').length, 1, 'applied once')
  })

  it('refuses a missing, wrong or old signature with 401 and stores nothing', async () => {
    const body = JSON.stringify(confirmed())
    const missing = await post(body)
    assert.equal(missing.status, 401)
    assert.match(missing.type, /application\/problem\+json/)
    assert.match(missing.body.detail, /webhook-id header is missing/)
    const id = 'WH01-EV-000001'
    const { 'webhook-signature': _sig, ...unsigned } = webhookHeaders(SECRET, id, body)
    assert.match((await post(body, unsigned)).body.detail, /webhook-signature header is missing/)
    assert.match((await post(body, webhookHeaders('another-secret', id, body))).body.detail, /does not match the body/)
    assert.match((await post(body.replace('"quantity":20', '"quantity":200'), webhookHeaders(SECRET, id, body))).body.detail, /does not match/)
    // The id is signed: the same body and signature under another webhook-id do not hold.
    assert.match((await post(body, { ...webhookHeaders(SECRET, id, body), 'webhook-id': 'WH01-EV-000099' })).body.detail, /does not match/)
    const old = await post(body, webhookHeaders(SECRET, id, body, new Date(Date.now() - 10 * 60_000)))
    assert.equal(old.status, 401)
    assert.match(old.body.detail, /more than 300 s \(wms.signatureToleranceSeconds\)/)
    assert.equal((await ctx().mes.inbox.list()).length, 0)
    assert.equal(applied.length, 0)
  })

  it('takes an event signed with either secret while the secret is rotated', async () => {
    const rotating = wmsWebhook({ inbox: ctx().mes.inbox, secret: ['new-secret', SECRET], toleranceSeconds: 300, warehouse: 'WH01', maxEventBytes: 64 * 1024, apply, log: silentLogger })
    const app = express()
    app.use(rotating.path, rotating.handler)
    const s = http.createServer(app)
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    try {
      const at = `http://127.0.0.1:${(s.address() as AddressInfo).port}${rotating.path}`
      const send = async (secret: string, eventId: string): Promise<number> => {
        const body = JSON.stringify(confirmed(eventId))
        return (await fetch(at, { method: 'POST', headers: { 'content-type': 'application/json', ...webhookHeaders(secret, eventId, body) }, body })).status
      }
      assert.deepEqual([await send(SECRET, 'R-1'), await send('new-secret', 'R-2'), await send('retired', 'R-3')], [200, 200, 401])
    } finally {
      s.closeAllConnections()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    }
  })

  it('refuses a body against the schema with 400 naming each path, and another warehouse', async () => {
    const bad = await signed(confirmed('E-2', { confirmation: { quantity: 1, final: 'yes', lots: [{ lotId: '', quantity: 1 }] } }))
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors.map((e: any) => e.path).sort(), ['/confirmation/final', '/confirmation/lots/0/lotId'])
    assert.match(bad.body.detail, /\/confirmation\/final: must be boolean/)
    const notJson = await post('{', webhookHeaders(SECRET, 'E-0', '{'))
    assert.equal(notJson.status, 400)
    assert.match(notJson.body.title, /not JSON/)
    const other = await signed(confirmed('E-3', { warehouse: 'WH99' }))
    assert.equal(other.status, 400)
    assert.match(other.body.detail, /this hub's WMS adapter serves warehouse WH01/)
    const putAwayWithoutBin = await signed(confirmed('E-4', { task: { taskId: '7', requestId: 'putaway/BR-1', type: 'put-away', material: 'SA-BRACKET', quantity: 2, unit: 'PCE', status: 'confirmed' }, confirmation: { quantity: 2, final: true, lots: [] } }))
    assert.equal(putAwayWithoutBin.status, 400)
    assert.deepEqual(putAwayWithoutBin.body.errors.map((e: any) => e.path), ['/confirmation/destinationBin'])
    assert.equal((await ctx().mes.inbox.list()).length, 0)
  })

  it('keeps an event the MES refuses in the inbox with the reason, answered 422, the same again', async () => {
    const r = await signed(confirmed('E-5', { task: { taskId: '9', requestId: 'UNKNOWN/1', type: 'staging', material: 'RM-BOLT', quantity: 1, unit: 'PCE', status: 'confirmed' } }))
    assert.equal(r.status, 422)
    assert.match(r.body.detail, /staging request UNKNOWN\/1 not found/)
    const stored = await ctx().mes.inbox.get(r.body.inboxId)
    assert.equal(stored.status, 'error')
    assert.match(stored.reason ?? '', /UNKNOWN\/1 not found/)
    const again = await signed(confirmed('E-5', { task: { taskId: '9', requestId: 'UNKNOWN/1', type: 'staging', material: 'RM-BOLT', quantity: 1, unit: 'PCE', status: 'confirmed' } }))
    assert.equal(again.status, 422)
    assert.equal(again.body.duplicate, true)
    assert.equal(applied.length, 1)
  })

  it('answers 503 when the event could not be applied, keeps it stored, and applies it at the next start or resend', async () => {
    storeFails = true
    const r = await signed(confirmed('E-6'))
    assert.equal(r.status, 503)
    const [m] = await ctx().mes.inbox.list({ channel: 'wms-webhook' })
    assert.equal(m!.status, 'received')
    storeFails = false
    assert.equal(await webhook.applyPending(), 1)
    assert.equal((await ctx().mes.inbox.get(m!.id)).status, 'applied')
    assert.equal(await webhook.applyPending(), 0)
    storeFails = true
    await signed(confirmed('E-7'))
    storeFails = false
    const resent = await signed(confirmed('E-7'))
    assert.equal(resent.status, 200)
    assert.equal(resent.body.duplicate, true)
    assert.deepEqual(applied.map((e) => e.eventId), ['E-6', 'E-7'])
  })

  it('applies an event stored but not applied once, when its resend arrives while the start applies it', async () => {
    storeFails = true
    assert.equal((await signed(confirmed('E-12'))).status, 503)
    storeFails = false
    applying = []
    let open = (): void => {}
    gate = new Promise<void>((resolve) => { open = resolve })
    const pending = webhook.applyPending()
    await until('the start applying E-12', () => applying.includes('E-12') || undefined)
    const resent = signed(confirmed('E-12'))
    await until('the resend stored as a duplicate', () => duplicatesReceived.includes('E-12') || undefined, 1000).catch(() => undefined)
    open()
    gate = undefined
    assert.equal(await pending, 1)
    assert.equal((await resent).status, 200)
    assert.deepEqual(applied.map((e) => e.eventId), ['E-12'], 'applied once')
  })

  it('takes the simulated WMS\'s callbacks: its confirmation stored once though it is sent twice', async () => {
    const sim = await startWmsSimulator({ webhook: { url, secret: SECRET }, confirmDelayMs: 0 })
    try {
      const res = await fetch(sim.url + '/warehouse-tasks', {
        method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k', authorization: 'Bearer wms-sim' },
        body: JSON.stringify({ requestId: 'TR-1-10-1/2', type: 'staging', warehouse: 'WH01', material: 'RM-BOLT', quantity: 20, unit: 'PCE', destinationLocation: 'PSA-PRESSL1' })
      })
      assert.equal(res.status, 201)
      await until('the callback', () => sim.callbacks[0]?.state === 'delivered' ? true : undefined)
      await fetch(`${sim.url}/sim/callbacks/${sim.callbacks[0]!.eventId}/resend`, { method: 'POST' })
      await until('the second callback', () => sim.callbacks[1]?.state === 'delivered' ? true : undefined)
      assert.equal(applied.length, 1)
      assert.deepEqual(applied[0]!.confirmation!.lots.map((l) => l.lotId), ['B-1'])
      const stored = await ctx().mes.inbox.list({ channel: 'wms-webhook' })
      assert.equal(stored.length, 1)
      assert.equal(stored[0]!.arckey, sim.callbacks[0]!.eventId)
      assert.match(sim.callbacks[1]!.attempts[0]!.body ?? '', /"duplicate":true/)
    } finally {
      await sim.close()
    }
  })
})
