// The hub's QMS webhook on a real HTTP server over a given MES, and signed deliveries by hand, for the QMS tests.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { qmsWebhook, QMS_WEBHOOK_PATH } from '../../../adapters/qms/inbound/qms-webhook'
import type { QmsEventTargets } from '../../../adapters/qms/inbound/qms-event-apply'
import { signWebhook } from '../../../core/webhook-signature'
import type { Inbox } from '../../../mes/service'
import { silentLogger } from '../../../core/logger'

export const SECRET = 'whsec_' + Buffer.from('qms webhook test secret').toString('base64')

export interface WebhookServer { url: string, recover: () => Promise<number>, close: () => Promise<void> }

export async function serveWebhook (inbox: Inbox, targets: QmsEventTargets): Promise<WebhookServer> {
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

/** An event POSTed as a QMS signs it (Standard Webhooks); the answer's status and body. */
export async function deliverSigned (url: string, event: { id: string } & Record<string, unknown>, secret = SECRET): Promise<{ status: number, body: Record<string, unknown> }> {
  const text = JSON.stringify(event)
  const ts = Math.floor(Date.now() / 1000)
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(secret, event.id, ts, text) },
    body: text
  })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}
