// ERP confirmations (SAP: production order confirmation, CO11N / IDoc CONF21): one per reporting step, written in
// the same transaction as the step and queued durably until the ERP adapter acknowledges it. The idempotency key
// depends only on the job and the job's event sequence number, so a resend after a crash carries the same key
// and the ERP side can drop the duplicate.
import type { MesStore, Tx } from './store/store'
import { num, str, strOrNull } from './store/store'
import type { Confirmation } from './model/types'
import { hash } from 'node:crypto'
import { canonicalJson } from './canonical'
import { NotFoundError } from './errors'
import { appendAudit } from './audit-trail'
import type { ConfirmationAck, Confirmations } from './service'

/** Who tells the MES what the ERP did with a confirmation, when the caller does not say. */
export const ERP_ADAPTER = 'erp-adapter'

export function confirmationKey (jobId: string, eventSeq: number): string {
  // = sha256(canonicalJson({ job: jobId, seq: eventSeq })), the object's two keys written out in their sorted order.
  return hash('sha256', '{"job":' + JSON.stringify(jobId) + ',"seq":' + canonicalJson(eventSeq) + '}', 'hex').slice(0, 40)
}

export type NewConfirmation = Omit<Confirmation, 'id' | 'idempotencyKey' | 'status' | 'attempts' | 'lastError' | 'erpReference' | 'acknowledgedAt'>

/** Queues a confirmation inside the caller's transaction; a second call for the same job event is a no-op. */
export async function enqueueConfirmation (tx: Tx, c: NewConfirmation): Promise<string> {
  const key = confirmationKey(c.jobId, c.eventSeq)
  await tx.run(`INSERT INTO confirmations (idempotency_key, order_number, sequence, work_center, job_id, event_seq, yield_qty,
    scrap_qty, rework_qty, unit, scrap_reason, rework_reason, setup_minutes, run_minutes, final, who, at, status)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (idempotency_key) DO NOTHING`,
  [key, c.orderNumber, c.sequence, c.workCenter, c.jobId, c.eventSeq, c.yield, c.scrap, c.rework, c.unit, c.scrapReason,
    c.reworkReason, c.setupMinutes, c.runMinutes, c.final ? 1 : 0, c.who, c.at])
  return key
}

function fromRow (r: Record<string, unknown>): Confirmation {
  return {
    id: num(r.id),
    idempotencyKey: str(r.idempotency_key),
    orderNumber: str(r.order_number),
    sequence: num(r.sequence),
    workCenter: str(r.work_center),
    jobId: str(r.job_id),
    eventSeq: num(r.event_seq),
    yield: num(r.yield_qty),
    scrap: num(r.scrap_qty),
    rework: num(r.rework_qty),
    unit: str(r.unit),
    scrapReason: strOrNull(r.scrap_reason),
    reworkReason: strOrNull(r.rework_reason),
    setupMinutes: num(r.setup_minutes),
    runMinutes: num(r.run_minutes),
    final: num(r.final) === 1,
    who: str(r.who),
    at: str(r.at),
    status: str(r.status) as Confirmation['status'],
    attempts: num(r.attempts),
    lastError: strOrNull(r.last_error),
    erpReference: strOrNull(r.erp_reference),
    acknowledgedAt: strOrNull(r.acknowledged_at)
  }
}

export class ConfirmationQueue implements Confirmations {
  private readonly now: () => Date
  constructor (private readonly store: MesStore, opts: { now?: () => Date } = {}) {
    this.now = opts.now ?? (() => new Date())
  }

  /** Pending confirmations, oldest first (the order the ERP must receive them in); `afterId` pages on. */
  async pending (limit = 100, afterId = 0): Promise<Confirmation[]> {
    return await this.store.read(async (tx) =>
      (await tx.all(`SELECT * FROM confirmations WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?`, [afterId, limit])).map(fromRow))
  }

  async forOrder (orderNumber: string): Promise<Confirmation[]> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM confirmations WHERE order_number = ? ORDER BY id', [orderNumber])).map(fromRow))
  }

  async get (idempotencyKey: string): Promise<Confirmation> {
    const r = await this.store.read((tx) => tx.get('SELECT * FROM confirmations WHERE idempotency_key = ?', [idempotencyKey]))
    if (r === undefined) throw new NotFoundError('confirmation', idempotencyKey)
    return fromRow(r)
  }

  /**
   * Marks a confirmation as accepted by the ERP, recorded in the audit trail under `who` (who reported it: the ERP
   * adapter, or the logged-in user of the HTTP API). Acknowledging twice is harmless (the first reference is kept).
   */
  async acknowledge (idempotencyKey: string, ack: ConfirmationAck = {}): Promise<Confirmation> {
    return await this.store.transaction(async (tx) => {
      const r = await tx.get('SELECT * FROM confirmations WHERE idempotency_key = ?' + tx.forUpdate, [idempotencyKey])
      if (r === undefined) throw new NotFoundError('confirmation', idempotencyKey)
      if (str(r.status) === 'pending') {
        const at = ack.at ?? this.now().toISOString()
        await tx.run(`UPDATE confirmations SET status = 'acknowledged', erp_reference = ?, acknowledged_at = ? WHERE idempotency_key = ?`,
          [ack.erpReference ?? null, at, idempotencyKey])
        await appendAudit(tx, { who: ack.who ?? ERP_ADAPTER, at, entity: 'Confirmation', entityId: idempotencyKey, action: 'acknowledge',
          oldValue: { status: 'pending' }, newValue: { status: 'acknowledged', erpReference: ack.erpReference ?? null } })
      }
      return fromRow((await tx.get('SELECT * FROM confirmations WHERE idempotency_key = ?', [idempotencyKey]))!)
    })
  }

  /**
   * Records a failed send (in the audit trail too, under `who`); the confirmation stays pending, to be retried. Once
   * acknowledged it is final: a failure reported afterwards changes nothing.
   */
  async recordFailure (idempotencyKey: string, message: string, who: string = ERP_ADAPTER): Promise<Confirmation> {
    return await this.store.transaction(async (tx) => {
      const n = await tx.run(`UPDATE confirmations SET attempts = attempts + 1, last_error = ? WHERE idempotency_key = ? AND status = 'pending'`,
        [message.slice(0, 2000), idempotencyKey])
      const r = await tx.get('SELECT * FROM confirmations WHERE idempotency_key = ?', [idempotencyKey])
      if (r === undefined || (n.changes === 0 && str(r.status) === 'pending')) throw new NotFoundError('confirmation', idempotencyKey)
      if (n.changes > 0) {
        await appendAudit(tx, { who, at: this.now().toISOString(), entity: 'Confirmation', entityId: idempotencyKey, action: 'send-failed',
          newValue: { attempts: num(r.attempts), error: message.slice(0, 2000) } })
      }
      return fromRow(r)
    })
  }
}
