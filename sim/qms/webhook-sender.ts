// The simulated QMS as a webhook sender, as Standard Webhooks 1.0 senders (Svix and the like) behave: each event is
// POSTed to the hub with webhook-id (the event id, the same on every attempt), webhook-timestamp (this attempt's
// Unix seconds) and webhook-signature (v1, HMAC-SHA256 over "id.timestamp.body"); any answer but 2xx (or none) is
// tried again after a backoff that doubles up to a ceiling, until a 2xx or the attempts run out. `resend` delivers
// an event once more under the same id (what a QMS's "resend" button does: a duplicate the hub must apply once).
// It signs with core/webhook-signature.ts, the module the hub verifies with (one reading of the standard).
import { webhookHeaders } from '../../core/webhook-signature'

export interface WebhookTarget {
  /** The hub's webhook URL, e.g. http://127.0.0.1:1880/qms/webhook. */
  url: string
  /** The shared secret: whsec_<base64> or plain text. */
  secret: string
}

export interface RetryPolicy {
  initialMs: number
  maxMs: number
  maxAttempts: number
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000, maxAttempts: 12 }

export interface QmsEventOut {
  id: string
  type: string
  occurredAt: string
  data: Record<string, unknown>
}

export interface DeliveryAttempt {
  at: string
  status?: number
  answer?: unknown
  error?: string
}

export interface Delivery {
  event: QmsEventOut
  /** 'pending' while attempts remain; 'delivered' on a 2xx; 'failed' when the attempts ran out. */
  state: 'pending' | 'delivered' | 'failed'
  attempts: DeliveryAttempt[]
  /** true for a resend of an event already delivered once. */
  resend: boolean
}

export class WebhookSender {
  readonly deliveries: Delivery[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private paused = false
  private readonly waiting: Array<() => void> = []
  private closed = false

  constructor (private readonly target: WebhookTarget | undefined, private readonly retry: RetryPolicy = DEFAULT_RETRY) {}

  get configured (): boolean { return this.target !== undefined }

  /** Deliveries wait while paused; let go, they go out. */
  pause (paused: boolean): void {
    this.paused = paused
    if (!paused) for (const go of this.waiting.splice(0)) go()
  }

  /** Queues an event for delivery; resolves at once (the delivery is asynchronous). */
  send (event: QmsEventOut, resend = false): Delivery {
    if (this.target === undefined) throw new Error('no webhook is configured: start the simulator with --hub-url and --secret')
    const d: Delivery = { event, state: 'pending', attempts: [], resend }
    this.deliveries.push(d)
    this.attempt(d, this.target)
    return d
  }

  /** The latest delivery of an event, to send it again under the same id. */
  find (eventId: string): Delivery | undefined {
    for (let i = this.deliveries.length - 1; i >= 0; i--) if (this.deliveries[i]!.event.id === eventId) return this.deliveries[i]
    return undefined
  }

  close (): void {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private later (ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn() }, ms)
    this.timers.add(t)
  }

  private attempt (d: Delivery, target: WebhookTarget): void {
    if (this.closed) return
    if (this.paused) { this.waiting.push(() => this.attempt(d, target)); return }
    const body = JSON.stringify(d.event)
    const a: DeliveryAttempt = { at: new Date().toISOString() }
    d.attempts.push(a)
    fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhookHeaders(target.secret, d.event.id, body) },
      body,
      signal: AbortSignal.timeout(15_000)
    }).then(async (res) => {
      a.status = res.status
      const text = await res.text()
      try { a.answer = JSON.parse(text) } catch { a.answer = text }
      return res.status >= 200 && res.status < 300
    }, (err: Error) => {
      a.error = (err.cause as Error | undefined)?.message ?? err.message
      return false
    }).then((ok) => {
      if (ok) { d.state = 'delivered'; return }
      if (d.attempts.length >= this.retry.maxAttempts) { d.state = 'failed'; return }
      this.later(Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (d.attempts.length - 1)), () => this.attempt(d, target))
    }).catch(() => undefined)
  }
}
