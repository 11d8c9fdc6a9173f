// A QMS decision sent again under a new event id (the QMS restored, its operator sending the decision once more):
// what it asks for already holds, so it is applied once and answered 200, as a release of a released hold is; a
// different decision on what is decided already stays a 422 (the first decision stands). Through the real MES.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { forEachStore } from '../../mes/stores'
import { qmsWebhook, QMS_WEBHOOK_PATH } from '../../../adapters/qms/inbound/qms-webhook'
import { signWebhook } from '../../../core/webhook-signature'
import { silentLogger } from '../../../core/logger'
import { frameOrder } from '../../mes/materials/fixture'

const SECRET = 'whsec_' + Buffer.from('qms decisions test secret').toString('base64')

forEachStore('QMS decisions sent again', (ctx) => {
  let url: string
  let server: http.Server
  beforeEach(async () => {
    const w = qmsWebhook({ inbox: ctx().mes.inbox, targets: ctx().mes, secret: SECRET, toleranceS: 300, maxBodyBytes: 64 * 1024, log: silentLogger })
    const app = express()
    app.use(w.path, w.handler)
    server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${QMS_WEBHOOK_PATH}`
  })
  afterEach(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const deliver = async (id: string, type: string, data: Record<string, unknown>): Promise<{ status: number, body: Record<string, unknown> }> => {
    const text = JSON.stringify({ id, type, occurredAt: '2025-03-03T07:00:00Z', data })
    const ts = Math.floor(Date.now() / 1000)
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, id, ts, text) },
      body: text
    })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }

  it('answers the same disposition again 200 and applies it once; another disposition 422', async () => {
    const c = ctx()
    await frameOrder(c)
    await c.mes.quality.reportNonconformance({ ncId: 'NC-A', lotId: 'W-1', quantity: 1, defectCode: 'WET', description: 'wet spool', who: 'op.olga' })
    const scrap = { ncId: 'NC-A', disposition: 'scrap', decidedBy: 'mrb.board' }
    assert.equal((await deliver('evt_1', 'nonconformance.dispositioned', scrap)).status, 200)
    const audit = (await c.mes.audit.forEntity('Nonconformance', 'NC-A')).length
    const again = await deliver('evt_2', 'nonconformance.dispositioned', scrap)
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.equal((await c.mes.audit.forEntity('Nonconformance', 'NC-A')).length, audit, 'nothing changed')
    const other = await deliver('evt_3', 'nonconformance.dispositioned', { ...scrap, disposition: 'use-as-is' })
    assert.equal(other.status, 422)
    assert.equal((await c.mes.materials.lot('W-1')).status, 'blocked')
  })

  it('answers the same usage decision again 200 and applies it once; another decision 422', async () => {
    const c = ctx()
    await frameOrder(c)
    await c.mes.quality.setInspectionPlan({ orderNumber: '500', inspectionLot: 'IL-A', lotId: 'T-2', who: 'qms', operations: [{ sequence: 10, characteristics: [{ characteristic: '0010', kind: 'qualitative' }] }] })
    const accept = { inspectionLot: 'IL-A', code: 'accept', decidedBy: 'qa.quinn' }
    assert.equal((await deliver('evt_4', 'usage-decision.made', accept)).status, 200)
    const audit = (await c.mes.audit.forEntity('InspectionLot', 'IL-A')).length
    const again = await deliver('evt_5', 'usage-decision.made', accept)
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.equal((await c.mes.audit.forEntity('InspectionLot', 'IL-A')).length, audit, 'nothing changed')
    const other = await deliver('evt_6', 'usage-decision.made', { ...accept, code: 'reject' })
    assert.equal(other.status, 422)
    assert.equal((await c.mes.materials.lot('T-2')).status, 'released')
  })
})
