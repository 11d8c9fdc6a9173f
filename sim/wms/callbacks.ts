// The simulated WMS calling the hub back: each task event POSTed to the webhook URL, signed as Standard Webhooks 1.0
// (core/webhook-signature.ts: webhook-id the event id, webhook-timestamp and webhook-signature `v1,<base64
// HMAC-SHA256>`, signed afresh at each attempt), one at a time in the order the events
// happened. An attempt that fails for a reason that can pass (no connection, a timeout, 5xx, 408, 429) is retried
// with exponential backoff until the hub answers 2xx; any other 4xx is final (the hub read the event and refused
// it: the same bytes again cannot fare better), and is kept in the log with the hub's answer, as a WMS's delivery
// monitor shows it. The log is what GET /sim/callbacks answers.
import { webhookHeaders } from '../../core/webhook-signature'
import type { TaskEvent } from './warehouse-tasks'

export interface CallbackTarget {
  url: string
  secret: string
}

export interface CallbackAttempt {
  at: string
  status?: number
  error?: string
  body?: string
}

export interface CallbackDelivery {
  eventId: string
  event: TaskEvent
  state: 'pending' | 'delivered' | 'refused'
  attempts: CallbackAttempt[]
}

export interface CallbackOptions {
  initialBackoffMs?: number
  maxBackoffMs?: number
  timeoutMs?: number
}

export class CallbackSender {
  readonly log: CallbackDelivery[] = []
  private readonly queue: CallbackDelivery[] = []
  private busy = false
  private closed = false
  private timer: NodeJS.Timeout | undefined
  private wake: (() => void) | undefined
  private readonly initialBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly timeoutMs: number

  constructor (private readonly target: CallbackTarget | undefined, opts: CallbackOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 250
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000
    this.timeoutMs = opts.timeoutMs ?? 10_000
  }

  /** Queues an event (again, for a duplicate on command: the same eventId, a new delivery). */
  send (event: TaskEvent): CallbackDelivery {
    const d: CallbackDelivery = { eventId: event.eventId, event, state: 'pending', attempts: [] }
    this.log.push(d)
    if (this.target === undefined) {
      d.state = 'refused'
      d.attempts.push({ at: new Date().toISOString(), error: 'no webhook URL configured (--webhook-url)' })
      return d
    }
    this.queue.push(d)
    this.pump()
    return d
  }

  /** Retries a waiting delivery now (after the hub came back), instead of at the end of its backoff. */
  retryNow (): void {
    if (this.wake !== undefined) { clearTimeout(this.timer); const w = this.wake; this.wake = undefined; w() }
  }

  close (): void {
    this.closed = true
    this.retryNow()
  }

  private pump (): void {
    if (this.busy || this.closed) return
    this.busy = true
    this.run().finally(() => { this.busy = false; if (this.queue.length > 0 && !this.closed) this.pump() })
  }

  private async run (): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const d = this.queue[0]!
      let backoff = this.initialBackoffMs
      for (;;) {
        const outcome = await this.attempt(d)
        if (outcome !== 'retry' || this.closed) break
        await new Promise<void>((resolve) => { this.wake = resolve; this.timer = setTimeout(() => { this.wake = undefined; resolve() }, backoff) })
        backoff = Math.min(backoff * 2, this.maxBackoffMs)
      }
      this.queue.shift()
    }
  }

  private async attempt (d: CallbackDelivery): Promise<'done' | 'retry'> {
    const body = JSON.stringify(d.event)
    const a: CallbackAttempt = { at: new Date().toISOString() }
    d.attempts.push(a)
    try {
      const res = await fetch(this.target!.url, {
        method: 'POST', body, signal: AbortSignal.timeout(this.timeoutMs),
        headers: { 'content-type': 'application/json', ...webhookHeaders(this.target!.secret, d.eventId, body) }
      })
      a.status = res.status
      a.body = (await res.text()).slice(0, 2000)
      if (res.status >= 200 && res.status < 300) { d.state = 'delivered'; return 'done' }
      if (res.status >= 500 || res.status === 408 || res.status === 429) return 'retry'
      d.state = 'refused'
      return 'done'
    } catch (err) {
      const e = err as Error
      a.error = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message
      return 'retry'
    }
  }
}
