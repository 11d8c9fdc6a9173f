// The QMS's callbacks applied to the real MES (Quality and Holds on SQLite and PostgreSQL) through the hub's webhook:
// a hold placed and released on a lot with source qms, a disposition (use as is) releasing the hold its
// nonconformance placed, an unknown nonconformance refused 422 with the inbox recording why, a second usage
// decision refused, an inspection plan published becoming the order's characteristics.
import assert from 'node:assert/strict'
import { forEachStore } from '../../mes/stores'
import { inspectedOrder, INSPECTION_LOT } from '../../mes/quality/fixture'
import { serveWebhook, deliverSigned, type WebhookServer } from './webhook-server'

const at = '2025-03-03T07:00:00Z'

forEachStore('the QMS webhook applied to the MES', (ctx) => {
  let hub: WebhookServer
  let cutJob: string
  beforeEach(async () => {
    ({ cutJob } = await inspectedOrder(ctx()))
    hub = await serveWebhook(ctx().mes.inbox, ctx().mes)
  })
  afterEach(async () => { await hub.close() })

  it('places a hold on a lot with source qms, the lot on hold, and releases it by the same id', async () => {
    const { mes } = ctx()
    const placed = await deliverSigned(hub.url, { id: 'evt_h1', type: 'hold.placed', occurredAt: at, data: { holdId: 'QH-1', target: { kind: 'lot', id: 'T-2' }, reason: 'supplier recall', placedBy: 'quality.quinn', reference: 'QN-200001' } })
    assert.equal(placed.status, 200, JSON.stringify(placed.body))
    const hold = await mes.holds.get('QH-1')
    assert.deepEqual([hold.source, hold.reference, hold.placedBy, hold.status, hold.target], ['qms', 'QN-200001', 'qms:quality.quinn', 'active', { kind: 'lot', id: 'T-2' }])
    assert.equal((await mes.materials.lot('T-2')).status, 'on-hold')
    await assert.rejects(mes.materials.consume({ jobId: cutJob, lotId: 'T-2', quantity: 10, who: 'op.olga' }), /QH-1/)

    const released = await deliverSigned(hub.url, { id: 'evt_h2', type: 'hold.released', occurredAt: at, data: { holdId: 'QH-1', releasedBy: 'quality.quinn', why: 'recall withdrawn' } })
    assert.equal(released.status, 200, JSON.stringify(released.body))
    assert.equal((await mes.holds.get('QH-1')).status, 'released')
    assert.equal((await mes.materials.lot('T-2')).status, 'released')
    assert.equal((await mes.materials.consume({ jobId: cutJob, lotId: 'T-2', quantity: 10, who: 'op.olga' })).duplicate, false)
    const inbox = await mes.inbox.list({ channel: 'qms-webhook' })
    assert.deepEqual(inbox.map((m) => m.status), ['applied', 'applied'])
  })

  it('a disposition use-as-is of the nonconformance an out-of-spec result opened releases its hold', async () => {
    const { mes } = ctx()
    const { nonconformance: nc } = await mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 101.2, unit: 'MM', lotId: 'T-1', who: 'op.olga' })
    assert.ok(nc !== null && nc.holdId !== null)
    assert.equal((await mes.materials.lot('T-1')).status, 'on-hold')
    const r = await deliverSigned(hub.url, { id: 'evt_d1', type: 'nonconformance.dispositioned', occurredAt: at, data: { ncId: nc.ncId, ncNumber: 'NC-000001', disposition: 'use-as-is', decidedBy: 'mrb.board', why: 'within drawing tolerance' } })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const after = await mes.quality.nonconformance(nc.ncId)
    assert.deepEqual([after.status, after.disposition, after.dispositionBy], ['dispositioned', 'use-as-is', 'qms:mrb.board'])
    assert.equal((await mes.holds.get(nc.holdId)).status, 'released')
    assert.equal((await mes.materials.lot('T-1')).status, 'released')
  })

  it('refuses a disposition of an unknown nonconformance with 422, the inbox recording the reason', async () => {
    const r = await deliverSigned(hub.url, { id: 'evt_d9', type: 'nonconformance.dispositioned', occurredAt: at, data: { ncId: 'NC-NOPE', ncNumber: 'NC-000009', disposition: 'scrap', decidedBy: 'mrb.board' } })
    assert.equal(r.status, 422)
    assert.equal(r.body.code, 'MES_NOT_FOUND')
    const [stored] = await ctx().mes.inbox.list({ channel: 'qms-webhook' })
    assert.equal(stored!.status, 'error')
    assert.match(stored!.reason ?? '', /^MES_NOT_FOUND: .*NC-NOPE/)
  })

  it('takes the first usage decision of an inspection lot and refuses a second (422, as SAP QM refuses it)', async () => {
    const { mes } = ctx()
    await mes.quality.recordResult({ jobId: cutJob, characteristic: '0010', value: 100.1, unit: 'MM', lotId: 'T-1', who: 'op.olga' })
    const first = await deliverSigned(hub.url, { id: 'evt_u1', type: 'usage-decision.made', occurredAt: at, data: { inspectionLot: INSPECTION_LOT, code: 'accept', decidedBy: 'quality.quinn' } })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const lot = await mes.quality.inspectionLot(INSPECTION_LOT)
    assert.deepEqual([lot.status, lot.usageDecision?.code, lot.usageDecision?.who], ['decided', 'accept', 'qms:quality.quinn'])
    const second = await deliverSigned(hub.url, { id: 'evt_u2', type: 'usage-decision.made', occurredAt: at, data: { inspectionLot: INSPECTION_LOT, code: 'reject', decidedBy: 'quality.quinn' } })
    assert.equal(second.status, 422, JSON.stringify(second.body))
    assert.match(String(second.body.detail), /usage decision/)
    assert.equal((await mes.quality.inspectionLot(INSPECTION_LOT)).usageDecision?.code, 'accept', 'the first stands')
    const stored = await mes.inbox.list({ channel: 'qms-webhook' })
    assert.deepEqual(stored.map((m) => m.status), ['applied', 'error'])
  })

  it('makes a published inspection plan the order\'s characteristics', async () => {
    const { mes } = ctx()
    const r = await deliverSigned(hub.url, {
      id: 'evt_p1', type: 'inspection-plan.published', occurredAt: at,
      data: {
        orderNumber: '500', inspectionLot: '010000000002', lotId: 'T-2',
        operations: [{ operation: 20, characteristics: [{ characteristic: '0030', description: 'weld seam', kind: 'qualitative' }] }]
      }
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const chars = await mes.quality.characteristics('500', 20)
    assert.ok(chars.some((c) => c.characteristic === '0030' && c.kind === 'qualitative'), JSON.stringify(chars))
    const lot = await mes.quality.inspectionLot('010000000002')
    assert.deepEqual([lot.orderNumber, lot.lotId, lot.createdBy], ['500', 'T-2', 'qms'])
  })
})
