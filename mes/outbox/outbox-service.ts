// The outbox of mes/service.ts over the MES store. Each command is one transaction with its audit record (entity
// OutboxMessage, the message id); its change goes to the onChange listeners after the commit. The statuses follow
// ALLOWED_FROM: a command from any other status is refused (OutboxStateError) and changes nothing.
// Claims are leases: a claimed message is `sending` until `lease_until`; a sender that crashed never reports, its
// lease runs out and the message is claimable again (at-least-once: the receiver drops the resend by the
// idempotency key). On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets concurrent claimers (two hub instances) pass over
// each other's rows instead of both taking them; SQLite serializes write transactions, which does the same.
import type { MesStore, Tx } from '../store/store'
import { num } from '../store/store'
import { appendAudit } from '../audit-trail'
import { EventChannel } from '../events'
import { NotFoundError, OutboxLeaseError, OutboxStateError } from '../errors'
import { check } from '../../core/schema-check'
import { ValidationError } from '../../core/errors'
import { definitionCheck } from '../validation'
import outboxSchema from '../../schemas/mes/outbox.schema.json'
import { backoffMs, type BackoffOptions } from './backoff'
import { messageFromRow } from './rows'
import { cursorsOver, setCursor } from './cursors'
import { OutboxWorker } from './outbox-worker'
import type {
  ClaimOptions, EnqueueResult, FailureReport, Outbox, OutboxChange, OutboxChangeKind, OutboxCursors, OutboxFilter,
  OutboxMessage, OutboxMessageInput, OutboxPayloadRevision, OutboxRunner, OutboxStatus, OutboxWorkerOptions
} from './types'

export interface OutboxOptions {
  now?: () => Date
  backoff?: BackoffOptions
  /** Attempts before a retryable failure becomes a dead letter; default 10. */
  maxAttempts?: number
  /** For the backoff's jitter; default Math.random. */
  random?: () => number
}

/** A serialized payload larger than this is refused at enqueue (an IDoc of it would be larger still). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024
export const DEFAULT_LEASE_MS = 30_000
export const DEFAULT_CLAIM_LIMIT = 10
export const DEFAULT_MAX_ATTEMPTS = 10
const MAX_ERROR_CHARS = 4000
const MAX_LIST = 1000

/** The statuses each command may start from (the state machine as a table). */
const ALLOWED_FROM: Readonly<Record<Exclude<OutboxChangeKind, 'enqueued'>, readonly OutboxStatus[]>> = {
  claimed: ['pending', 'sending'], // sending: only when its lease has run out
  // pending or dead: a sender whose lease ran out reports success after the next holder failed; the receiver has the
  // message, so it is sent (sending or resubmitting it again would post it twice).
  sent: ['sending', 'pending', 'dead'],
  retry: ['sending'],
  dead: ['sending'],
  resubmitted: ['dead'],
  discarded: ['dead', 'pending']
}

const AUDIT_ACTION: Readonly<Record<OutboxChangeKind, string>> = {
  enqueued: 'enqueue', claimed: 'claim', sent: 'sent', retry: 'retry', dead: 'dead-letter', resubmitted: 'resubmit', discarded: 'discard'
}

const ENTITY = 'OutboxMessage'
const OPEN_STATUSES = "('pending', 'sending', 'dead')"

export class OutboxService implements Outbox {
  private readonly now: () => Date
  private readonly events = new EventChannel<OutboxChange>()
  private readonly maxAttempts: number
  private readonly random: () => number
  readonly cursors: OutboxCursors

  constructor (private readonly store: MesStore, private readonly opts: OutboxOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    this.random = opts.random ?? Math.random
    this.cursors = cursorsOver(store, this.now)
  }

  onChange (listener: (c: OutboxChange) => void): () => void { return this.events.on(listener) }

  /** A listener that threw (the change stays committed). */
  onListenerError (fn: (err: unknown, c: OutboxChange) => void): () => void { return this.events.onListenerError(fn) }

  worker (opts: OutboxWorkerOptions): OutboxRunner { return new OutboxWorker(this, opts) }

  async enqueue (input: OutboxMessageInput): Promise<EnqueueResult> {
    return (await this.enqueueAll([input]))[0]!
  }

  async enqueueAll (inputs: OutboxMessageInput[], opts: { cursor?: { name: string, lastId: number } } = {}): Promise<EnqueueResult[]> {
    const checked = inputs.map((m, i) => checkMessage(m, inputs.length === 1 ? 'outbox message' : `outbox message ${i}`))
    const at = this.at()
    const results = await this.store.transaction(async (tx) => {
      const out: EnqueueResult[] = []
      if (tx.dialect === 'postgres') {
        // Ids are taken at INSERT but become visible at COMMIT: without this, of two transactions enqueueing for one key
        // the later id could commit first and be claimed before the earlier one exists. Held to the commit, the lock
        // makes a key's ids commit in their order. (SQLite's write transactions are serialized already.)
        const keys = [...new Set(checked.map((m) => JSON.stringify([m.destination, m.orderingKey])))].sort()
        for (const k of keys) await tx.run('SELECT pg_advisory_xact_lock(951400008, hashtext(?))', [k])
      }
      for (const m of checked) out.push(await this.insert(tx, m, at))
      if (opts.cursor !== undefined) await setCursor(tx, opts.cursor.name, opts.cursor.lastId, at)
      return out
    })
    for (const [i, r] of results.entries()) {
      if (!r.duplicate) this.events.emit({ kind: 'enqueued', message: r.message, who: checked[i]!.who, at })
    }
    return results
  }

  private async insert (tx: Tx, m: Checked, at: string): Promise<EnqueueResult> {
    const inserted = await tx.run(`INSERT INTO outbox_messages (destination, type, ordering_key, idempotency_key, payload, status,
      attempts, next_attempt_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
      ON CONFLICT (idempotency_key) DO NOTHING`,
    [m.destination, m.type, m.orderingKey, m.idempotencyKey, m.payloadJson, m.notBefore ?? at, m.who, at, at])
    const row = await tx.get('SELECT * FROM outbox_messages WHERE idempotency_key = ?', [m.idempotencyKey])
    const message = messageFromRow(row!)
    if (inserted.changes === 0) return { message, duplicate: true }
    await this.audit(tx, 'enqueued', message, m.who, at, null,
      { destination: m.destination, type: m.type, orderingKey: m.orderingKey, idempotencyKey: m.idempotencyKey, payload: message.payload })
    return { message, duplicate: false }
  }

  async claim (destination: string, owner: string, opts: ClaimOptions = {}): Promise<OutboxMessage[]> {
    const at = this.at()
    const leaseUntil = new Date(Date.parse(at) + (opts.leaseMs ?? DEFAULT_LEASE_MS)).toISOString()
    const limit = Math.max(1, Math.min(MAX_LIST, opts.limit ?? DEFAULT_CLAIM_LIMIT))
    const claimed = await this.store.transaction(async (tx) => {
      // Due now, and the oldest still open (pending, sending or dead) of its ordering key at this destination.
      const rows = await tx.all(`SELECT m.id FROM outbox_messages m
        WHERE m.destination = ?
          AND ((m.status = 'pending' AND m.next_attempt_at <= ?) OR (m.status = 'sending' AND m.lease_until <= ?))
          AND NOT EXISTS (SELECT 1 FROM outbox_messages e WHERE e.destination = m.destination
            AND e.ordering_key = m.ordering_key AND e.id < m.id AND e.status IN ${OPEN_STATUSES})
        ORDER BY m.id LIMIT ?` + tx.forUpdateSkipLocked, [destination, at, at, limit])
      const out: OutboxMessage[] = []
      for (const r of rows) {
        const id = num(r.id)
        const before = messageFromRow((await tx.get('SELECT * FROM outbox_messages WHERE id = ?', [id]))!)
        await tx.run(`UPDATE outbox_messages SET status = 'sending', attempts = attempts + 1, lease_owner = ?, lease_until = ?,
          updated_at = ? WHERE id = ?`, [owner, leaseUntil, at, id])
        const message = await this.load(tx, id)
        await this.audit(tx, 'claimed', message, owner, at, { status: before.status, leaseOwner: before.leaseOwner },
          { status: 'sending', attempts: message.attempts, leaseUntil })
        out.push(message)
      }
      return out
    })
    for (const message of claimed) this.events.emit({ kind: 'claimed', message, who: owner, at })
    return claimed
  }

  async sent (id: number, owner: string, result: { reference?: string } = {}): Promise<OutboxMessage> {
    const at = this.at()
    const change = await this.store.transaction(async (tx) => {
      const before = await this.locked(tx, id)
      if (before.status === 'sent') return { message: before, changed: false } // reported twice: the first reference stays
      this.assertFrom(before, 'sent')
      // From a sender whose lease ran out, too (see ALLOWED_FROM); but only of a message some sender has claimed.
      if (before.attempts === 0) throw new OutboxLeaseError(id, owner, null, before.status)
      await tx.run(`UPDATE outbox_messages SET status = 'sent', reference = ?, sent_at = ?, lease_owner = NULL, lease_until = NULL,
        updated_at = ? WHERE id = ?`, [result.reference ?? null, at, at, id])
      const message = await this.load(tx, id)
      await this.audit(tx, 'sent', message, owner, at, { status: before.status },
        { status: 'sent', reference: message.reference, ...(before.leaseOwner !== owner || before.status !== 'sending' ? { leaseLost: true } : {}) })
      return { message, changed: true }
    })
    if (change.changed) this.events.emit({ kind: 'sent', message: change.message, who: owner, at })
    return change.message
  }

  async failed (id: number, owner: string, report: FailureReport): Promise<OutboxMessage> {
    check<FailureReport>(definitionCheck(outboxSchema, 'failure'), `failure report of outbox message ${id}`, report)
    const at = this.at()
    const error = report.error.slice(0, MAX_ERROR_CHARS)
    const change = await this.store.transaction(async (tx) => {
      const before = await this.locked(tx, id)
      if (before.status !== 'sending' || before.leaseOwner !== owner) throw new OutboxLeaseError(id, owner, before.leaseOwner, before.status)
      const dead = !report.retryable || before.attempts >= this.maxAttempts
      const kind: OutboxChangeKind = dead ? 'dead' : 'retry'
      const wait = Math.max(backoffMs(before.attempts, this.opts.backoff, this.random), report.retryAfterMs ?? 0)
      const next = dead ? before.nextAttemptAt : new Date(Date.parse(at) + wait).toISOString()
      await tx.run(`UPDATE outbox_messages SET status = ?, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
        updated_at = ? WHERE id = ?`, [dead ? 'dead' : 'pending', error, next, at, id])
      const message = await this.load(tx, id)
      await this.audit(tx, kind, message, owner, at, { status: 'sending' }, {
        status: message.status, error, retryable: report.retryable, attempts: message.attempts,
        ...(dead ? (report.retryable ? { reason: `${this.maxAttempts} attempts` } : {}) : { nextAttemptAt: next })
      })
      return { message, kind }
    })
    this.events.emit({ kind: change.kind, message: change.message, who: owner, at })
    return change.message
  }

  async resubmit (id: number, change: { payload?: unknown, who: string, why: string }): Promise<OutboxMessage> {
    check(definitionCheck(outboxSchema, 'resubmit'), `resubmit of outbox message ${id}`, change)
    const payloadJson = change.payload === undefined ? undefined : payloadText(change.payload, `resubmit of outbox message ${id}`)
    const at = this.at()
    const message = await this.store.transaction(async (tx) => {
      const before = await this.locked(tx, id)
      this.assertFrom(before, 'resubmitted')
      if (payloadJson !== undefined) {
        await tx.run(`INSERT INTO outbox_payload_history (message_id, payload, replaced_by, replaced_at, why) VALUES (?, ?, ?, ?, ?)`,
          [id, JSON.stringify(before.payload), change.who, at, change.why])
        await tx.run('UPDATE outbox_messages SET payload = ? WHERE id = ?', [payloadJson, id])
      }
      // A fresh start: the attempts count again from 0; the last error stays for whoever looks at it.
      await tx.run(`UPDATE outbox_messages SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ?`, [at, at, id])
      const after = await this.load(tx, id)
      await this.audit(tx, 'resubmitted', after, change.who, at,
        { status: 'dead', lastError: before.lastError, ...(payloadJson !== undefined ? { payload: before.payload } : {}) },
        { status: 'pending', ...(payloadJson !== undefined ? { payload: after.payload } : {}) }, change.why)
      return after
    })
    this.events.emit({ kind: 'resubmitted', message, who: change.who, at })
    return message
  }

  async discard (id: number, who: string, why: string): Promise<OutboxMessage> {
    check(definitionCheck(outboxSchema, 'discard'), `discard of outbox message ${id}`, { who, why })
    const at = this.at()
    const message = await this.store.transaction(async (tx) => {
      const before = await this.locked(tx, id)
      this.assertFrom(before, 'discarded')
      await tx.run(`UPDATE outbox_messages SET status = 'discarded', updated_at = ? WHERE id = ?`, [at, id])
      const after = await this.load(tx, id)
      await this.audit(tx, 'discarded', after, who, at, { status: before.status, lastError: before.lastError }, { status: 'discarded' }, why)
      return after
    })
    this.events.emit({ kind: 'discarded', message, who, at })
    return message
  }

  async get (id: number): Promise<OutboxMessage> {
    return await this.store.read((tx) => this.load(tx, id))
  }

  async list (filter: OutboxFilter = {}): Promise<OutboxMessage[]> {
    const where: string[] = ['id > ?']
    const params: Array<string | number> = [filter.after ?? 0]
    const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status]
    if (statuses.length > 0) { where.push(`status IN (${statuses.map(() => '?').join(', ')})`); params.push(...statuses) }
    if (filter.destination !== undefined) { where.push('destination = ?'); params.push(filter.destination) }
    if (filter.type !== undefined) { where.push('type = ?'); params.push(filter.type) }
    if (filter.orderingKey !== undefined) { where.push('ordering_key = ?'); params.push(filter.orderingKey) }
    params.push(Math.max(1, Math.min(MAX_LIST, filter.limit ?? 100)))
    return await this.store.read(async (tx) =>
      (await tx.all(`SELECT * FROM outbox_messages WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, params)).map(messageFromRow))
  }

  async deadLetters (destination?: string): Promise<OutboxMessage[]> {
    return await this.list({ status: 'dead', limit: MAX_LIST, ...(destination !== undefined ? { destination } : {}) })
  }

  async history (id: number): Promise<OutboxPayloadRevision[]> {
    return await this.store.read(async (tx) => {
      await this.load(tx, id)
      return (await tx.all('SELECT * FROM outbox_payload_history WHERE message_id = ? ORDER BY id', [id])).map((r) => ({
        payload: JSON.parse(String(r.payload)) as unknown, replacedBy: String(r.replaced_by), replacedAt: String(r.replaced_at), why: String(r.why)
      }))
    })
  }

  private at (): string { return this.now().toISOString() }

  private async load (tx: Tx, id: number): Promise<OutboxMessage> {
    const r = await tx.get('SELECT * FROM outbox_messages WHERE id = ?', [id])
    if (r === undefined) throw new NotFoundError('outbox message', String(id))
    return messageFromRow(r)
  }

  private async locked (tx: Tx, id: number): Promise<OutboxMessage> {
    const r = await tx.get('SELECT * FROM outbox_messages WHERE id = ?' + tx.forUpdate, [id])
    if (r === undefined) throw new NotFoundError('outbox message', String(id))
    return messageFromRow(r)
  }

  private assertFrom (m: OutboxMessage, kind: Exclude<OutboxChangeKind, 'enqueued'>): void {
    if (ALLOWED_FROM[kind].includes(m.status)) return
    const hint = kind === 'resubmitted' ? 'only a dead letter is resubmitted' : kind === 'discarded' ? 'only a dead or pending message is discarded' : undefined
    throw new OutboxStateError(m.id, AUDIT_ACTION[kind], m.status, hint)
  }

  private async audit (tx: Tx, kind: OutboxChangeKind, m: OutboxMessage, who: string, at: string,
    oldValue: unknown, newValue: unknown, why?: string): Promise<void> {
    await appendAudit(tx, { who, at, entity: ENTITY, entityId: String(m.id), action: AUDIT_ACTION[kind], oldValue, newValue, why: why ?? null })
  }
}

interface Checked extends OutboxMessageInput { who: string, payloadJson: string }

function checkMessage (input: OutboxMessageInput, source: string): Checked {
  const m = check<OutboxMessageInput>(definitionCheck(outboxSchema, 'message'), source, input)
  return { ...m, who: m.who ?? 'outbox', payloadJson: payloadText(m.payload, source) }
}

function payloadText (payload: unknown, source: string): string {
  const text = JSON.stringify(payload)
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    throw new ValidationError(source, [{ path: '/payload', message: `is over ${MAX_PAYLOAD_BYTES} bytes as JSON` }])
  }
  return text
}
