// The hub's endpoint for the WMS's callbacks (schemas/wms/wms-event.schema.json):
//   POST /wms/events   a warehouse task confirmed (partially or fully) or cancelled
// Checked in this order, each refusal a problem+json (RFC 9457) that changes nothing: the signature (Standard
// Webhooks 1.0, core/webhook-signature.ts; 401: missing, wrong, or a timestamp too far from now), JSON and the schema
// (400, each problem by its JSON path), the webhook-id (400: not the body's eventId), the warehouse (400: another
// warehouse than this hub's). Then the event goes the way every WMS event goes (wms-event-intake.ts): stored raw in
// the MES inbox, keyed by its eventId per warehouse, before anything is applied (a resend is found there and applied
// once), then applied through the MES's Logistics (wms-event-applier.ts); and answered: 200 applied (or a duplicate
// of one applied), 422 stored but refused by the MES (an unknown task or request: the inbox keeps the event with the
// reason; sending it again gets the same answer), 503 with Retry-After when the store failed (nothing lost: the WMS sends it again; an
// event stored but not applied is applied at the next start, `applyPending`).
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { ValidationError } from '../../../core/errors'
import { clientText } from '../../../core/client-text'
import type { Logger } from '../../../core/logger'
import type { Inbox } from '../../../mes/service'
import { checkEvent, type WmsEvent } from '../wms-schemas'
import { verifyWebhook, WEBHOOK_ID } from '../../../core/webhook-signature'
import type { ApplyOutcome, WmsEventApply } from './wms-event-applier'
import { wmsEventIntake } from './wms-event-intake'

export { WMS_CHANNEL, senderOf } from './wms-event-intake'
export const WMS_EVENTS_PATH = '/wms/events'
const PROBLEM_BASE = 'https://isa95-hub.local/problems/wms/'

export interface WmsWebhookOptions {
  readonly inbox: Inbox
  /** The shared HMAC secret ('' refuses every callback); several while it is rotated (any one signs). */
  readonly secret: string | readonly string[]
  readonly toleranceSeconds: number
  /** The warehouse this hub's WMS adapter serves (wms.warehouse). */
  readonly warehouse: string
  readonly maxEventBytes: number
  readonly apply: WmsEventApply
  readonly log: Logger
  readonly now?: () => Date
}

interface Problem { type: string, title: string, status: number, detail: string, errors?: Array<{ path: string, message: string }>, [k: string]: unknown }

function problem (res: Response, p: Problem): void {
  if (p.status === 401) res.setHeader('WWW-Authenticate', 'HMAC-SHA256 realm="wms", header="webhook-signature"')
  if (p.status === 503) res.setHeader('Retry-After', '30')
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p))
}

export function wmsWebhook (opts: WmsWebhookOptions): { path: string, handler: RequestHandler, applyPending: () => Promise<number> } {
  const now = opts.now ?? (() => new Date())
  const intake = wmsEventIntake({ inbox: opts.inbox, apply: opts.apply })

  const answer = (res: Response, m: { id: number, duplicate: boolean }, e: WmsEvent, outcome: ApplyOutcome): void => {
    if (outcome.status === 'applied') {
      res.status(200).json({ eventId: e.eventId, inboxId: m.id, status: 'applied', duplicate: m.duplicate, results: outcome.results })
      return
    }
    problem(res, {
      type: PROBLEM_BASE + 'event-refused', title: 'the MES refused the event', status: 422, detail: outcome.reason,
      eventId: e.eventId, inboxId: m.id, duplicate: m.duplicate
    })
  }

  const handle: RequestHandler = (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const verdict = verifyWebhook(opts.secret, req.headers, raw, Math.floor(now().getTime() / 1000), opts.toleranceSeconds, { toleranceSetting: 'wms.signatureToleranceSeconds' })
    if (!verdict.ok) {
      const why = verdict.why
      opts.log.warn(`WMS event from ${clientText(req.socket.remoteAddress ?? '?')} refused: ${why}`)
      return problem(res, { type: PROBLEM_BASE + 'signature', title: 'signature refused', status: 401, detail: why })
    }
    const text = raw.toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      return problem(res, { type: PROBLEM_BASE + 'invalid-event', title: 'the body is not JSON', status: 400, detail: (err as Error).message })
    }
    let event: WmsEvent
    try {
      event = checkEvent(parsed)
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      return problem(res, { type: PROBLEM_BASE + 'invalid-event', title: 'the event does not match schemas/wms/wms-event.schema.json', status: 400, detail: err.message, errors: err.problems.map((p) => ({ path: p.path, message: p.message })) })
    }
    if (event.eventId !== verdict.id) {
      return problem(res, { type: PROBLEM_BASE + 'invalid-event', title: 'the event is not the one signed', status: 400, detail: `/eventId: is ${event.eventId}; the ${WEBHOOK_ID} header says ${verdict.id}`, errors: [{ path: '/eventId', message: `must be the ${WEBHOOK_ID}` }] })
    }
    if (event.warehouse !== opts.warehouse) {
      return problem(res, { type: PROBLEM_BASE + 'invalid-event', title: 'another warehouse', status: 400, detail: `/warehouse: is ${event.warehouse}; this hub's WMS adapter serves warehouse ${opts.warehouse} (wms.warehouse)`, errors: [{ path: '/warehouse', message: `must be ${opts.warehouse}` }] })
    }
    const run = async (): Promise<void> => {
      const taken = await intake.take(event, {
        raw: text,
        meta: { remote: req.socket.remoteAddress },
        stored: (id, duplicate) => opts.log.info(`WMS ${clientText(event.type)} ${clientText(event.eventId)} (task ${clientText(event.task.taskId)}, ${clientText(event.task.requestId)}) -> inbox ${id}${duplicate ? ' (duplicate)' : ''}`)
      })
      if (taken.reused) {
        return problem(res, {
          type: PROBLEM_BASE + 'event-id-reused', title: 'event id reused', status: 409, eventId: event.eventId, inboxId: taken.id,
          detail: `event ${event.eventId} of warehouse ${event.warehouse} was stored with other content (inbox ${taken.id}); this one is not applied: send another event id`
        })
      }
      answer(res, taken, event, taken.outcome)
    }
    // The same event at once (a resend crossing the first delivery): the intake lets the second wait and find the
    // first applied.
    run().catch((err: unknown) => {
      opts.log.error(`WMS event ${clientText(event.eventId)}: not stored or not applied: ${(err as Error)?.stack ?? String(err)}`)
      if (res.headersSent) return
      problem(res, { type: PROBLEM_BASE + 'unavailable', title: 'the hub could not store or apply the event', status: 503, detail: 'nothing is lost that was not acknowledged: send the event again later' })
    })
  }

  const bodyErrors = (err: { type?: string, message?: string }, _req: Request, res: Response, _next: NextFunction): void => {
    const tooLarge = err.type === 'entity.too.large'
    problem(res, {
      type: PROBLEM_BASE + 'invalid-event', title: tooLarge ? 'event too large' : 'the body could not be read', status: tooLarge ? 413 : 400,
      detail: tooLarge ? `the event is over the limit of ${opts.maxEventBytes} bytes (wms.maxEventBytes)` : err.message ?? 'unknown error'
    })
  }

  const router = express.Router()
  router.post('/', express.raw({ type: () => true, limit: opts.maxEventBytes }), handle, bodyErrors)
  router.all('/', (req, res) => { res.setHeader('Allow', 'POST'); problem(res, { type: PROBLEM_BASE + 'method', title: 'method not allowed', status: 405, detail: `${req.method} is not supported here: POST the event` }) })

  return { path: WMS_EVENTS_PATH, handler: router, applyPending: intake.applyPending }
}
