// What goes to the WMS, put into the MES outbox: the staging requests of dispatched jobs, their cancels (a job that
// no longer needs its material), and the put-away requests of produced lots. The feeder walks the MES's logistics
// changes by change sequence (Logistics.requestsAfter) with a durable cursor moved in the same transaction as the
// messages it enqueued, so a crash repeats at most a page and a repeat is dropped by the message's idempotency key
// (one per request and kind: `wms:staging:<requestId>`, `wms:staging-cancel:<requestId>`, `wms:put-away:<requestId>`).
// A request's messages share its ordering key, so a cancel is sent only after its task was requested. As for the
// SAP feeders, every tenth round re-reads a window below the cursor (PostgreSQL commits sequences out of order).
import type { Logistics, LogisticsChange, Outbox, OutboxMessageInput } from '../../mes/service'
import type { WmsMessages } from './wms-connector'
import { WMS_DESTINATION } from './wms-sender'

export const LOGISTICS_CURSOR = 'wms.logistics'
const PAGE = 100
const WINDOW = 100
const REREAD_EVERY = 10
const WHO = 'wms-adapter'

export interface WmsFeederOptions {
  readonly logistics: Pick<Logistics, 'requestsAfter'>
  readonly outbox: Pick<Outbox, 'enqueueAll' | 'cursors'>
}

/** The outbox message a change calls for, or undefined (a confirmation's change: nothing to send). */
export function messageOf (c: LogisticsChange): OutboxMessageInput | undefined {
  const base = { destination: WMS_DESTINATION, orderingKey: c.request.requestId, who: WHO }
  if (c.kind === 'put-away') {
    if (c.request.status !== 'requested') return undefined
    const payload: WmsMessages['put-away-request'] = { request: c.request }
    return { ...base, type: 'put-away-request', idempotencyKey: `wms:put-away:${c.request.requestId}`, payload }
  }
  // A request asked for again after a cancel is a new task: its keys name the attempt (the first keeps the plain key).
  const attempt = c.request.attempt > 1 ? `#${c.request.attempt}` : ''
  switch (c.request.status) {
    case 'requested': {
      const payload: WmsMessages['staging-request'] = { request: c.request }
      return { ...base, type: 'staging-request', idempotencyKey: `wms:staging:${c.request.requestId}${attempt}`, payload }
    }
    case 'cancelled': {
      // Also after the WMS cancelled the task itself: cancelling a cancelled task is answered as done.
      const payload: WmsMessages['staging-cancel'] = { request: c.request, why: `job ${c.request.jobId} no longer needs it (cancelled in the MES at ${c.request.updatedAt})` }
      return { ...base, type: 'staging-cancel', idempotencyKey: `wms:staging-cancel:${c.request.requestId}${attempt}`, payload }
    }
    default: return undefined
  }
}

export class WmsFeeder {
  private rounds = 0

  constructor (private readonly opts: WmsFeederOptions) {}

  /** One round; returns how many new messages were enqueued. */
  async feed (): Promise<number> {
    try {
      const cursor = await this.opts.outbox.cursors.get(LOGISTICS_CURSOR)
      let n = 0
      if (this.rounds % REREAD_EVERY === 0 && cursor > 0) {
        const late = (await this.opts.logistics.requestsAfter(Math.max(0, cursor - WINDOW), WINDOW)).filter((c) => c.seq <= cursor)
        n += await this.enqueue(late)
      }
      const page = await this.opts.logistics.requestsAfter(cursor, PAGE)
      if (page.length > 0) n += await this.enqueue(page, page[page.length - 1]!.seq)
      return n
    } finally {
      this.rounds++
    }
  }

  /** Rounds until none finds anything new (at start, and in tests). */
  async drain (): Promise<number> {
    let total = 0
    for (let n = await this.feed(); n > 0 || (await this.pending()); n = await this.feed()) total += n
    return total
  }

  private async pending (): Promise<boolean> {
    const cursor = await this.opts.outbox.cursors.get(LOGISTICS_CURSOR)
    return (await this.opts.logistics.requestsAfter(cursor, 1)).length > 0
  }

  private async enqueue (changes: readonly LogisticsChange[], lastSeq?: number): Promise<number> {
    const messages = changes.map(messageOf).filter((m): m is OutboxMessageInput => m !== undefined)
    // A page of confirmations only still moves the cursor: enqueueAll with no message and the cursor.
    if (messages.length === 0 && lastSeq === undefined) return 0
    const results = await this.opts.outbox.enqueueAll(messages, lastSeq !== undefined ? { cursor: { name: LOGISTICS_CURSOR, lastId: lastSeq } } : {})
    return results.filter((r) => !r.duplicate).length
  }
}
