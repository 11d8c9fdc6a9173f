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
//      200 applied (a repeat of an applied event: 200 with duplicate true, applied once; an event id already stored
//      with other content: 409, the stored event stands); 422 when the MES refuses it
//      (an unknown nonconformance, lot or hold, a second usage decision: the inbox records why, and a repeat is tried
//      again, as the cause may have been put right); 503 when applying failed for another reason (the store: the
//      event stays 'received' and a repeat applies it).
// Deliveries of one event id that overlap in this process wait for each other (and for the recovery at start of
// what was stored but not applied), so a duplicate sent while the first is being applied is answered as the first
// is and not applied twice.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { ValidationError } from '../../../core/errors'
import { clientText } from '../../../core/client-text'
import type { Logger } from '../../../core/logger'
import type { Inbox } from '../../../mes/service'
import { readQmsEvent, type QmsEvent } from '../generic/contract'
import { secretProblem, verifyWebhook, WEBHOOK_ID } from '../../../core/webhook-signature'
import { applyStored, recoverable, recoverOne, QMS_SENDER, QMS_WEBHOOK_CHANNEL, type QmsEventTargets } from './qms-event-apply'

export { QMS_SENDER, QMS_WEBHOOK_CHANNEL }
export const QMS_WEBHOOK_PATH = '/qms/webhook'
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

function sameJson (raw: string, body: unknown): boolean {
  try { return JSON.stringify(JSON.parse(raw)) === JSON.stringify(body) } catch { return false }
}

function problem (res: Response, p: Problem): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p))
}

const refusal = (status: number, slug: string, title: string, detail: string, extra: Partial<Problem> = {}): Outcome =>
  ({ status, body: { type: PROBLEM_BASE + slug, title, status, detail, ...extra } })

export interface QmsWebhook {
  readonly path: string
  readonly handler: RequestHandler
  /** At start: applies the callbacks stored but not applied (the hub stopped in between); how many were applied. */
  recover (): Promise<number>
}

export function qmsWebhook (opts: QmsWebhookOptions): QmsWebhook {
  const now = opts.now ?? (() => new Date())
  const inFlight = new Map<string, Promise<unknown>>()
  /** Runs fn after whatever runs for the same event id in this process (a delivery, a repeat, the recovery). */
  const locked = <T>(key: string | undefined, fn: () => Promise<T>): Promise<T> => {
    if (key === undefined) return fn()
    const run = (inFlight.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn)
    inFlight.set(key, run)
    void run.catch(() => undefined).finally(() => { if (inFlight.get(key) === run) inFlight.delete(key) })
    return run
  }

  const apply = async (event: QmsEvent, inboxId: number, duplicate: boolean): Promise<Outcome> => {
    const o = await applyStored(opts.inbox, opts.targets, event, inboxId, opts.log)
    switch (o.kind) {
      case 'applied': return { status: 200, body: { id: event.id, inboxId, type: event.type, status: 'applied', duplicate, results: o.results } }
      case 'refused': return refusal(422, 'refused', 'Refused by the MES', o.error.message, { inboxId, code: o.error.code })
      case 'failed': return refusal(503, 'not-applied', 'Stored, not applied', `the hub stored event ${event.id} but could not apply it now; send it again later`, { inboxId })
    }
  }

  const receive = async (req: Request, raw: Buffer): Promise<Outcome> => {
    if (opts.secret === '') return refusal(503, 'not-configured', 'Webhook not configured', 'the hub has no QMS webhook secret (qms.webhookSecretFile): nothing is accepted')
    const unusable = secretProblem(opts.secret)
    if (unusable !== undefined) return refusal(503, 'not-configured', 'Webhook not configured', `the hub's QMS webhook secret cannot sign (${unusable}; qms.webhookSecretFile): nothing is accepted`)
    const verdict = verifyWebhook(opts.secret, req.headers, raw, Math.floor(now().getTime() / 1000), opts.toleranceS, { toleranceSetting: 'qms.webhookToleranceS' })
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
    if (receipt.duplicate) {
      // A repeat must be the same event: one id with other content is refused and the stored event stands.
      const stored = await opts.inbox.get(receipt.id, { raw: true })
      if (stored.raw !== text && !sameJson(stored.raw ?? '', body)) {
        return refusal(409, 'id-reused', 'Event id reused', `event ${event.id} was stored with other content (inbox ${receipt.id}); this one is not applied`, { inboxId: receipt.id, errors: [{ pointer: '/id', detail: 'already used for another event' }] })
      }
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
    const run = locked(key, async () => await receive(req, raw))
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
    })
  }

  const bodyErrors = (err: { type?: string, message?: string }, _req: Request, res: Response, _next: NextFunction): void => {
    const tooLarge = err.type === 'entity.too.large'
    problem(res, {
      type: PROBLEM_BASE + (tooLarge ? 'too-large' : 'unreadable'), title: tooLarge ? 'Too large' : 'Unreadable', status: tooLarge ? 413 : 400,
      detail: tooLarge ? `the body is over the limit of ${opts.maxBodyBytes} bytes (qms.maxWebhookBytes)` : `the request body could not be read: ${err.message ?? 'unknown error'}`
    })
  }

  /** The callbacks stored but not applied when the hub stopped, applied now under the same lock as deliveries. */
  const recover = async (): Promise<number> => {
    let n = 0
    for (const m of await recoverable(opts.inbox)) {
      const o = await locked(m.arckey ?? undefined, async () => {
        if ((await opts.inbox.get(m.id)).status !== 'received') return undefined
        return await recoverOne(opts.inbox, opts.targets, m.id, opts.log)
      })
      if (o?.kind === 'applied') n++
    }
    return n
  }

  const router = express.Router()
  router.post('/', express.raw({ type: () => true, limit: opts.maxBodyBytes }), handle, bodyErrors)
  router.all('/', (req, res) => {
    res.setHeader('Allow', 'POST')
    problem(res, { type: PROBLEM_BASE + 'method', title: 'Method not allowed', status: 405, detail: `${req.method} is not supported here: POST the event` })
  })
  return { path: QMS_WEBHOOK_PATH, handler: router, recover }
}
