// The hub's QMS webhook on a real HTTP server, called by the simulated QMS (its own signer) and by hand: a wrong,
// missing or old signature is 401 and stores nothing, a body against the contract is 400 naming the path, a valid
// event is stored in the MES inbox (the real one) before it is applied and answered, a repeat of an event id is
// answered 200 and applied once, and what the MES refuses is 422 with the inbox recording why.
//
// Applying goes to `targets`: until Quality and Holds are merged (mes.quality, mes.holds), a small recorder stands in
// for them here; after the merge these tests take the real ones (see the report: the apply tests to add then).
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { forEachStore } from '../../mes/stores'
import { startQmsSimulator, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import { qmsWebhook, QMS_WEBHOOK_PATH } from '../../../adapters/qms/inbound/qms-webhook'
import { signWebhook } from '../../../core/webhook-signature'
import type { QmsEventTargets } from '../../../adapters/qms/inbound/qms-event-apply'
import { NotFoundError } from '../../../mes/errors'
import type { Hold, Inbox, InspectionLot, Nonconformance } from '../../../mes/service'
import { silentLogger } from '../../../core/logger'
import { HubError } from '../../../core/errors'
import { until } from '../../support/until'

const SECRET = 'whsec_' + Buffer.from('qms webhook test secret').toString('base64')

/** Stands in for mes.quality / mes.holds until they are merged: records each call, knows one nonconformance. */
class Recorder implements QmsEventTargets {
  calls: Array<{ what: string, id: string, input: unknown }> = []
  readonly holds = {
    place: async (input: unknown) => {
      const i = input as { holdId: string, target: Hold['target'] }
      this.calls.push({ what: 'place', id: i.holdId, input })
      return { hold: { holdId: i.holdId, target: i.target, status: 'active' } as Hold, duplicate: false }
    },
    release: async (holdId: string, input: unknown) => {
      // As Holds refuses a second release (MES_HOLD_RELEASED), nothing changed.
      if (this.calls.some((c) => c.what === 'release' && c.id === holdId)) throw new HubError('MES_HOLD_RELEASED', `hold ${holdId} is released already`)
      this.calls.push({ what: 'release', id: holdId, input })
      return { holdId, status: 'released' } as Hold
    }
  }

  readonly quality = {
    disposition: async (ncId: string, input: unknown) => {
      if (ncId !== 'NC-HUB-1') throw new NotFoundError('nonconformance', ncId)
      this.calls.push({ what: 'disposition', id: ncId, input })
      return { ncId, status: 'dispositioned', disposition: (input as { disposition: string }).disposition, holdId: 'H-1' } as Nonconformance
    },
    usageDecision: async (lot: string, input: unknown) => { this.calls.push({ what: 'usage-decision', id: lot, input }); return { inspectionLot: lot, status: 'decided' } as InspectionLot },
    setInspectionPlan: async (input: unknown) => { this.calls.push({ what: 'plan', id: (input as { inspectionLot: string }).inspectionLot, input }); return { inspectionLot: 'x' } as InspectionLot }
  }
}

async function serve (inbox: Inbox, targets: QmsEventTargets): Promise<{ url: string, recover: () => Promise<number>, close: () => Promise<void> }> {
  const app = express()
  const w = qmsWebhook({ inbox, targets, secret: SECRET, toleranceS: 300, maxBodyBytes: 64 * 1024, log: silentLogger })
  app.use(w.path, w.handler)
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${QMS_WEBHOOK_PATH}`,
    recover: w.recover,
    close: async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => resolve())) }
  }
}

/** A POST signed by hand (the cases a QMS should never send). */
async function deliver (url: string, body: unknown, opts: { id?: string, ts?: number, secret?: string, signature?: string | null } = {}): Promise<{ status: number, type: string, body: Record<string, unknown> }> {
  const text = JSON.stringify(body)
  const id = opts.id ?? (body as { id: string }).id
  const ts = opts.ts ?? Math.floor(Date.now() / 1000)
  const signature = opts.signature === undefined ? signWebhook(opts.secret ?? SECRET, id, ts, text) : opts.signature
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), ...(signature !== null ? { 'webhook-signature': signature } : {}) },
    body: text
  })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() as Record<string, unknown> }
}

const holdEvent = (id = 'evt_1'): Record<string, unknown> => ({
  id, type: 'hold.placed', occurredAt: '2025-03-03T07:00:00Z', data: { holdId: 'QH-1', target: { kind: 'lot', id: 'LOT-FG-1' }, reason: 'supplier recall', placedBy: 'quality.quinn' }
})

forEachStore('the QMS webhook', (ctx) => {
  let hub: { url: string, recover: () => Promise<number>, close: () => Promise<void> }
  let targets: Recorder
  let sim: RunningQmsSimulator
  beforeEach(async () => {
    targets = new Recorder()
    hub = await serve(ctx().mes.inbox, targets)
    sim = await startQmsSimulator({ webhook: { url: hub.url, secret: SECRET }, retry: { initialMs: 20, maxMs: 50, maxAttempts: 3 } })
  })
  afterEach(async () => { await sim.close(); await hub.close() })

  it('stores a signed event in the inbox, applies it and answers 200; a repeat is answered 200 and applied once', async () => {
    const d = sim.hold({ holdId: 'QH-1', target: { kind: 'lot', id: 'LOT-FG-1' }, reason: 'supplier recall', placedBy: 'quality.quinn', reference: 'QN-200001' })
    await until('delivered', () => d.state === 'delivered' ? true : undefined)
    assert.equal(d.attempts[0]!.status, 200)
    assert.deepEqual(targets.calls, [{ what: 'place', id: 'QH-1', input: { holdId: 'QH-1', target: { kind: 'lot', id: 'LOT-FG-1' }, reason: 'supplier recall', who: 'qms:quality.quinn', source: 'qms', reference: 'QN-200001' } }])
    const [stored] = await ctx().mes.inbox.list({ channel: 'qms-webhook' })
    assert.equal(stored!.status, 'applied')
    assert.equal(stored!.sender, 'qms')
    assert.equal(stored!.arckey, d.event.id)
    assert.equal(stored!.meta.type, 'hold.placed')
    assert.equal(JSON.parse((await ctx().mes.inbox.get(stored!.id, { raw: true })).raw!).id, d.event.id)

    const again = sim.resend(d.event.id)
    await until('resent', () => again.state === 'delivered' ? true : undefined)
    assert.deepEqual(again.attempts[0]!.answer, { id: d.event.id, inboxId: stored!.id, type: 'hold.placed', status: 'applied', duplicate: true, results: { holdId: 'QH-1', target: { kind: 'lot', id: 'LOT-FG-1' }, status: 'active', duplicate: false } })
    assert.equal(targets.calls.length, 1, 'applied once')
    assert.equal((await ctx().mes.inbox.list({ channel: 'qms-webhook' })).length, 1)
  })

  it('refuses an event id already stored with other content (409), keeping the stored event', async () => {
    assert.equal((await deliver(hub.url, holdEvent('evt_same'))).status, 200)
    const other = await deliver(hub.url, { ...holdEvent('evt_same'), data: { holdId: 'QH-9', target: { kind: 'order', id: '1000001' }, reason: 'other', placedBy: 'q' } })
    assert.equal(other.status, 409)
    assert.match(String(other.body.detail), /event evt_same was stored with other content \(inbox \d+\); this one is not applied/)
    assert.deepEqual(targets.calls.map((c) => c.id), ['QH-1'])
  })

  it('applies two deliveries of one event at the same moment once', async () => {
    const e = holdEvent('evt_twice')
    const [a, b] = await Promise.all([deliver(hub.url, e), deliver(hub.url, e)])
    assert.deepEqual([a.status, b.status], [200, 200])
    assert.deepEqual([a.body.duplicate, b.body.duplicate].sort(), [false, true])
    assert.equal(targets.calls.length, 1)
  })

  it('refuses a wrong, missing or old signature with 401, storing nothing', async () => {
    const wrong = await deliver(hub.url, holdEvent(), { secret: 'whsec_' + Buffer.from('another').toString('base64') })
    assert.equal(wrong.status, 401)
    assert.match(wrong.type, /application\/problem\+json/)
    assert.match(String(wrong.body.detail), /webhook-signature does not match the body/)
    const missing = await deliver(hub.url, holdEvent(), { signature: null })
    assert.match(String(missing.body.detail), /the webhook-signature header is missing/)
    const old = await deliver(hub.url, holdEvent(), { ts: Math.floor(Date.now() / 1000) - 3600 })
    assert.equal(old.status, 401)
    assert.match(String(old.body.detail), /is 36\d\d s from the hub's clock, more than 300 s \(qms\.webhookToleranceS\): a replay/)
    // A body changed on the way: signed for one text, another sent.
    const ts = Math.floor(Date.now() / 1000)
    const forged = await fetch(hub.url, { method: 'POST', headers: { 'webhook-id': 'evt_1', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, 'evt_1', ts, JSON.stringify(holdEvent())) }, body: JSON.stringify({ ...holdEvent(), type: 'hold.released' }) })
    assert.equal(forged.status, 401)
    assert.deepEqual(await ctx().mes.inbox.list({ channel: 'qms-webhook' }), [])
    assert.deepEqual(targets.calls, [])
  })

  it('refuses a body against the contract with 400 naming each path, and an id that is not the webhook-id', async () => {
    const bad = await deliver(hub.url, { ...holdEvent(), data: { holdId: 'QH-1', target: { kind: 'pallet', id: 'P1' }, placedBy: 'q' } })
    assert.equal(bad.status, 400)
    const pointers = (bad.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort()
    assert.deepEqual(pointers, ['/data/reason', '/data/target/kind'])
    const unknownType = await deliver(hub.url, { ...holdEvent(), type: 'lot.exploded' })
    assert.match(String(unknownType.body.detail), /\/type: must be one of/)
    const notJson = await fetch(hub.url, { method: 'POST', headers: { 'webhook-id': 'e', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signWebhook(SECRET, 'e', Math.floor(Date.now() / 1000), '{oops') }, body: '{oops' })
    assert.equal(notJson.status, 400)
    const mismatch = await deliver(hub.url, holdEvent('evt_body'), { id: 'evt_header' })
    assert.equal(mismatch.status, 400)
    assert.match(String(mismatch.body.detail), /the body's id 'evt_body' is not the webhook-id header's 'evt_header'/)
    assert.deepEqual(await ctx().mes.inbox.list({ channel: 'qms-webhook' }), [])
  })

  it('answers 422 for a disposition of a nonconformance the MES does not know, the inbox recording why; a repeat is tried again', async () => {
    const e = { id: 'evt_nc', type: 'nonconformance.dispositioned', occurredAt: '2025-03-03T07:00:00Z', data: { ncId: 'NC-NOPE', ncNumber: 'NC-000009', disposition: 'scrap', decidedBy: 'mrb.board' } }
    const r = await deliver(hub.url, e)
    assert.equal(r.status, 422)
    assert.equal(r.body.code, 'MES_NOT_FOUND')
    assert.match(String(r.body.detail), /nonconformance NC-NOPE not found/)
    const [stored] = await ctx().mes.inbox.list({ channel: 'qms-webhook' })
    assert.equal(stored!.status, 'error')
    assert.match(stored!.reason ?? '', /^MES_NOT_FOUND: .*nonconformance NC-NOPE not found/)
    assert.equal((await deliver(hub.url, e)).status, 422)
    assert.equal((await ctx().mes.inbox.list({ channel: 'qms-webhook' })).length, 1, 'stored once')

    const ok = await deliver(hub.url, { ...e, id: 'evt_nc2', data: { ...e.data, ncId: 'NC-HUB-1', disposition: 'use-as-is', why: 'within drawing tolerance' } })
    assert.equal(ok.status, 200)
    assert.deepEqual(targets.calls[0], { what: 'disposition', id: 'NC-HUB-1', input: { disposition: 'use-as-is', who: 'qms:mrb.board', why: 'within drawing tolerance', reference: 'NC-000009' } })
  })

  it('answers a release of a hold released already 200, changing nothing', async () => {
    const release = (id: string): Record<string, unknown> => ({ id, type: 'hold.released', occurredAt: '2025-03-03T07:00:00Z', data: { holdId: 'QH-1', releasedBy: 'quality.quinn', why: 'recall withdrawn' } })
    assert.equal((await deliver(hub.url, release('evt_r1'))).status, 200)
    const second = await deliver(hub.url, release('evt_r2'))
    assert.equal(second.status, 200)
    assert.deepEqual(second.body.results, { holdId: 'QH-1', status: 'released', unchanged: true })
    assert.equal(targets.calls.length, 1)
  })

  it('applies at start what was stored but not applied when the hub stopped, once, and a later repeat finds it applied', async () => {
    // As the webhook stores it, then the hub killed before it applies it.
    const e = holdEvent('evt_killed')
    const { id } = await ctx().mes.inbox.receive({ channel: 'qms-webhook', raw: JSON.stringify(e), keys: { sender: 'qms', arckey: 'evt_killed' }, meta: { type: 'hold.placed' }, who: 'qms' })
    await ctx().mes.inbox.receive({ channel: 'qms-webhook', raw: '{"id":"evt_garbled"', keys: { sender: 'qms', arckey: 'evt_garbled' }, who: 'qms' })
    assert.equal(await hub.recover(), 1)
    assert.equal((await ctx().mes.inbox.get(id)).status, 'applied')
    assert.deepEqual(targets.calls.map((c) => c.id), ['QH-1'])
    const garbled = (await ctx().mes.inbox.list({ channel: 'qms-webhook', status: 'error' }))[0]!
    assert.match(garbled.reason ?? '', /the stored callback cannot be read again/)
    assert.equal(await hub.recover(), 0)
    const repeat = await deliver(hub.url, e)
    assert.equal(repeat.status, 200)
    assert.equal(repeat.body.duplicate, true)
    assert.equal(targets.calls.length, 1)
  })

  it('turns a published inspection plan into what Quality takes, and a usage decision into its input', async () => {
    const plan = sim.publishPlan('1000001')
    const ud = sim.usageDecision({ inspectionLot: '010000000001', code: 'restricted', decidedBy: 'quality.quinn', why: 'for export only' })
    await until('both delivered', () => plan.state === 'delivered' && ud.state === 'delivered' ? true : undefined)
    const p = targets.calls.find((c) => c.what === 'plan')!.input as { orderNumber: string, inspectionLot: string, operations: Array<{ sequence: number }>, who: string }
    assert.deepEqual([p.orderNumber, p.inspectionLot, p.who, p.operations.map((o) => o.sequence)], ['1000001', '010000000001', 'qms', [10, 20]])
    assert.deepEqual(targets.calls.find((c) => c.what === 'usage-decision'), { what: 'usage-decision', id: '010000000001', input: { code: 'restricted', who: 'qms:quality.quinn', why: 'for export only' } })
  })
})
