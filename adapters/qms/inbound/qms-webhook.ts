// The hub's endpoint for the QMS's callbacks, POST /qms/webhook on the hub's HTTP port (no login: the signature is
// the authentication). The pipeline, each step refusing with an RFC 9457 problem and storing nothing:
//   1. the body read raw (over qms.maxWebhookBytes: 413);
//   2. the Standard Webhooks signature over the raw bytes (webhook-signature.ts): missing or wrong 401, a timestamp
//      further than qms.webhookToleranceS from the hub's clock 401 (a replay);
//   3. the body as JSON against schemas/qms/qms-webhook.schema.json (400, each problem with its JSON pointer), and
//      its id the webhook-id (400);
//   4. stored in the MES inbox (channel 'qms-webhook', sender 'qms', the event id as its key: unique in the
//      database, so a repeat is found, never stored twice); a store that fails is a 503 with Retry-After (the QMS
//      sends again);
//   5. applied through the MES (qms-event-apply.ts), and the inbox told what became of it. The answer:
//      200 applied (a repeat of an applied event: 200 with duplicate true, applied once); 422 when the MES refuses it
//      (an unknown nonconformance, lot or hold, a second usage decision: the inbox records why, and a repeat is tried
//      again, as the cause may have been put right); 503 when applying failed for another reason (the store: the
//      event stays 'received' and a repeat applies it).
// Deliveries of one event id that overlap in this process wait for each other, so a duplicate sent while the first
// is being applied is answered as the first is and not applied twice.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { HubError, ValidationError } from '../../../core/errors'
import { clientText } from '../../../core/client-text'
import type { Logger } from '../../../core/logger'
import type { Inbox } from '../../../mes/service'
import { readQmsEvent, type QmsEvent } from '../generic/contract'
import { verifyWebhook, WEBHOOK_ID } from './webhook-signature'
import { applyQmsEvent, type QmsEventTargets } from './qms-event-apply'

export const QMS_WEBHOOK_PATH = '/qms/webhook'
export const QMS_WEBHOOK_CHANNEL = 'qms-webhook'
export const QMS_SENDER = 'qms'
const PROBLEM_BASE = 'https://isa95-hub.local/problems/qms-webhook/'

export interface QmsWebhookOptions {
  readonly inbox: Inbox
  readonly targets: QmsEventTargets
  /** The signing secret (qmsWebhookSecret); '' refuses every callback (503: the hub is not set up for them). */
  readonly secret: string
  readonly toleranceS: number
  readonly maxBodyBytes: number
  readonly log: Logger
  readonly now?: () => Date
}

export interface QmsWebhookAnswer {
  id: string
  inboxId: number
  type: QmsEvent['type']
  status: 'applied'
  duplicate: boolean
  results?: unknown
}

interface Outcome { status: number, body: QmsWebhookAnswer | Problem }

interface Problem { type: string, title: string, status: number, detail: string, errors?: Array<{ pointer: string, detail: string }>, inboxId?: number, code?: string }

function problem (res: Response, p: Problem): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p))
}

const refusal = (status: number, slug: string, title: string, detail: string, extra: Partial<Problem> = {}): Outcome =>
  ({ status, body: { type: PROBLEM_BASE + slug, title, status, detail, ...extra } })

export function qmsWebhook (opts: QmsWebhookOptions): { path: string, handler: RequestHandler } {
  const now = opts.now ?? (() => new Date())
  const inFlight = new Map<string, Promise<Outcome>>()

  const apply = async (event: QmsEvent, inboxId: number, duplicate: boolean): Promise<Outcome> => {
    let results: Record<string, unknown>
    try {
      results = await applyQmsEvent(opts.targets, event)
    } catch (err) {
      if (!(err instanceof HubError)) {
        opts.log.error(`QMS ${event.type} ${clientText(event.id)} (inbox ${inboxId}) stored but not applied: ${(err as Error)?.stack ?? String(err)}`)
        return refusal(503, 'not-applied', 'Stored, not applied', `the hub stored event ${event.id} but could not apply it now; send it again later`, { inboxId })
      }
      await opts.inbox.setStatus(inboxId, 'error', { reason: `${err.code}: ${err.message}`, who: QMS_SENDER })
      opts.log.warn(`QMS ${event.type} ${clientText(event.id)} (inbox ${inboxId}) refused by the MES: ${clientText(err.message, 1000)}`)
      return refusal(422, 'refused', 'Refused by the MES', err.message, { inboxId, code: err.code })
    }
    await opts.inbox.setStatus(inboxId, 'applied', { results, who: QMS_SENDER })
    opts.log.info(`QMS ${event.type} ${clientText(event.id)} -> inbox ${inboxId}, applied`)
    return { status: 200, body: { id: event.id, inboxId, type: event.type, status: 'applied', duplicate, results } }
  }

  const receive = async (req: Request, raw: Buffer): Promise<Outcome> => {
    if (opts.secret === '') return refusal(503, 'not-configured', 'Webhook not configured', 'the hub has no QMS webhook secret (qms.webhookSecretFile): nothing is accepted')
    const verdict = verifyWebhook(opts.secret, req.headers, raw, Math.floor(now().getTime() / 1000), opts.toleranceS)
    if (!verdict.ok) return refusal(401, 'signature', 'Signature refused', verdict.why)
    let body: unknown
    const text = raw.toString('utf8')
    try { body = JSON.parse(text) } catch (err) {
      return refusal(400, 'not-json', 'Not JSON', `the body is not JSON: ${(err as Error).message}`)
    }
    let event: QmsEvent
    try { event = readQmsEvent(body) } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      return refusal(400, 'invalid', 'Invalid event', err.message, { errors: err.problems.map((p) => ({ pointer: p.path, detail: p.message })) })
    }
    if (event.id !== verdict.id) {
      return refusal(400, 'invalid', 'Invalid event', `the body's id '${event.id}' is not the ${WEBHOOK_ID} header's '${verdict.id}'`, { errors: [{ pointer: '/id', detail: `must be the ${WEBHOOK_ID}` }] })
    }
    let receipt
    try {
      receipt = await opts.inbox.receive({
        channel: QMS_WEBHOOK_CHANNEL, raw: text, keys: { sender: QMS_SENDER, arckey: event.id },
        meta: { type: event.type, occurredAt: event.occurredAt, signedAt: verdict.timestamp, remote: req.socket.remoteAddress ?? null }, who: QMS_SENDER
      })
    } catch (err) {
      opts.log.error(`QMS ${event.type} ${clientText(event.id)} could not be stored: ${(err as Error)?.stack ?? String(err)}`)
      return refusal(503, 'not-stored', 'Not stored', 'the hub could not store the event; nothing was accepted; send it again later')
    }
    if (receipt.duplicate && receipt.status === 'applied') {
      const stored = await opts.inbox.get(receipt.id)
      opts.log.info(`QMS ${event.type} ${clientText(event.id)}: a repeat of inbox ${receipt.id}, applied before`)
      return { status: 200, body: { id: event.id, inboxId: receipt.id, type: event.type, status: 'applied', duplicate: true, results: stored.results } }
    }
    return await apply(event, receipt.id, receipt.duplicate)
  }

  const handle: RequestHandler = (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    // The same event id at once: the second waits for the first's outcome (the key is the header, checked below).
    const key = typeof req.headers[WEBHOOK_ID] === 'string' ? req.headers[WEBHOOK_ID] : undefined
    const earlier = key !== undefined ? inFlight.get(key) : undefined
    const run = (earlier ?? Promise.resolve()).catch(() => undefined).then(() => receive(req, raw))
    if (key !== undefined) inFlight.set(key, run)
    run.then((o) => {
      if (o.status >= 400) {
        if (o.status === 401 || o.status === 400) opts.log.warn(`QMS callback refused (${o.status}): ${clientText((o.body as Problem).detail, 1000)}`)
        if (o.status === 503) res.setHeader('Retry-After', '30')
        problem(res, o.body as Problem)
      } else {
        res.status(o.status).json(o.body)
      }
    }, (err: unknown) => {
      opts.log.error(`QMS callback failed: ${(err as Error)?.stack ?? String(err)}`)
      res.setHeader('Retry-After', '30')
      problem(res, { type: PROBLEM_BASE + 'failed', title: 'Failed', status: 503, detail: 'the hub could not take the event now; send it again later' })
    }).finally(() => { if (key !== undefined && inFlight.get(key) === run) inFlight.delete(key) })
  }

  const bodyErrors = (err: { type?: string, message?: string }, _req: Request, res: Response, _next: NextFunction): void => {
    const tooLarge = err.type === 'entity.too.large'
    problem(res, {
      type: PROBLEM_BASE + (tooLarge ? 'too-large' : 'unreadable'), title: tooLarge ? 'Too large' : 'Unreadable', status: tooLarge ? 413 : 400,
      detail: tooLarge ? `the body is over the limit of ${opts.maxBodyBytes} bytes (qms.maxWebhookBytes)` : `the request body could not be read: ${err.message ?? 'unknown error'}`
    })
  }

  const router = express.Router()
  router.post('/', express.raw({ type: () => true, limit: opts.maxBodyBytes }), handle, bodyErrors)
  router.all('/', (req, res) => {
    res.setHeader('Allow', 'POST')
    problem(res, { type: PROBLEM_BASE + 'method', title: 'Method not allowed', status: 405, detail: `${req.method} is not supported here: POST the event` })
  })
  return { path: QMS_WEBHOOK_PATH, handler: router }
}
