// A sender of one destination's messages: claims what is due, hands each message to the adapter's `send`, records
// the outcome. A claim holds at most one message per ordering key (the oldest unsent), so the sends of one round run
// concurrently and a key still has one send at a time. `send` throws OutboxSendError to say whether a failure is
// retryable; anything else it throws counts as retryable (a network failure, a timeout). No timer outlives stop().
import type { Outbox, OutboxMessage, OutboxRunner, OutboxSend, OutboxWorkerOptions } from './types'
import { OutboxLeaseError, OutboxSendError } from '../errors'

export const DEFAULT_IDLE_MS = 1000
export const DEFAULT_BATCH = 10

export interface RoundResult {
  sent: number
  failed: number
  /** Outcomes not recorded: the lease ran out and another sender holds the message, or the store refused the write. */
  lost: number
}

export class OutboxWorker implements OutboxRunner {
  private readonly destination: string
  private readonly owner: string
  private readonly send: OutboxSend
  private readonly leaseMs: number | undefined
  private readonly batch: number
  private readonly idleMs: number
  private running = false
  private timer: NodeJS.Timeout | undefined
  private round: Promise<unknown> | undefined
  private readonly onError: (err: unknown) => void

  constructor (private readonly outbox: Outbox, opts: OutboxWorkerOptions) {
    this.destination = opts.destination
    this.owner = opts.owner
    this.send = opts.send
    this.leaseMs = opts.leaseMs
    this.batch = opts.batch ?? DEFAULT_BATCH
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS
    this.onError = opts.onError ?? (() => undefined)
  }

  async runOnce (): Promise<RoundResult> {
    const claimed = await this.outbox.claim(this.destination, this.owner, {
      limit: this.batch, ...(this.leaseMs !== undefined ? { leaseMs: this.leaseMs } : {})
    })
    const outcomes = await Promise.all(claimed.map((m) => this.deliver(m)))
    return {
      sent: outcomes.filter((o) => o === 'sent').length,
      failed: outcomes.filter((o) => o === 'failed').length,
      lost: outcomes.filter((o) => o === 'lost').length
    }
  }

  private async deliver (m: OutboxMessage): Promise<'sent' | 'failed' | 'lost'> {
    let reference: string | undefined
    try {
      reference = (await this.send(m)).reference
    } catch (err) {
      const retryable = err instanceof OutboxSendError ? err.retryable : true
      const after = err instanceof OutboxSendError && err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}
      const error = err instanceof Error ? err.message : String(err)
      return await this.record(async () => { await this.outbox.failed(m.id, this.owner, { error: error || 'send failed', retryable, ...after }) }, 'failed')
    }
    return await this.record(async () => { await this.outbox.sent(m.id, this.owner, reference !== undefined ? { reference } : {}) }, 'sent')
  }

  /** A record the store refused leaves the message leased: it is claimed again when the lease runs out. */
  private async record (write: () => Promise<void>, outcome: 'sent' | 'failed'): Promise<'sent' | 'failed' | 'lost'> {
    try {
      await write()
      return outcome
    } catch (err) {
      if (!(err instanceof OutboxLeaseError)) this.onError(err)
      return 'lost'
    }
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.loop()
  }

  private loop (): void {
    if (!this.running) return
    this.timer = undefined
    const round = this.runOnce().then(
      (r) => r.sent + r.failed + r.lost > 0,
      (err: unknown) => { this.onError(err); return false })
    this.round = round
    void round.then((busy) => {
      if (!this.running) return
      if (busy) setImmediate(() => this.loop())
      else this.timer = setTimeout(() => this.loop(), this.idleMs)
    })
  }

  async stop (): Promise<void> {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    await this.round
  }
}
