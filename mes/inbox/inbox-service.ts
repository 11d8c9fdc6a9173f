// The inbox of mes/service.ts over the MES store: every inbound message stored raw, in one transaction with its audit
// record, before its endpoint acknowledges it; a resend (same sender and DOCNUM, same sender and ARCKEY, or, without
// either, the content of the latest message of its sender and scope) finds the stored one and changes nothing. The
// unique indexes of migration 009 decide the keys, so two receivers racing with the same resend store it once
// (INSERT ... ON CONFLICT DO NOTHING waits for the other); the IDocs of one delivery are inserted in key order, so two
// deliveries of the same IDocs in another order wait for each other instead of deadlocking on PostgreSQL.
import { hash } from 'node:crypto'
import type { MesStore, Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import { appendAudit } from '../audit-trail'
import { EventChannel } from '../events'
import { InboxStatusError, NotFoundError } from '../errors'
import { check } from '../../core/schema-check'
import { ValidationError } from '../../core/errors'
import { definitionCheck } from '../validation'
import inboxSchema from '../../schemas/mes/inbox.schema.json'
import { inboxStatusAllowed } from './inbox-status'
import type { Inbox, InboxChange, InboxChannel, InboxFilter, InboxMessage, InboxReceipt, InboxReceive, InboxStatus } from './types'

export interface InboxOptions {
  now?: () => Date
  /** A raw message larger than this is refused (the endpoint's own limit should be lower); default 32 MiB. */
  maxRawBytes?: number
}

export const DEFAULT_MAX_RAW_BYTES = 32 * 1024 * 1024
const ENTITY = 'InboundMessage'
const MAX_LIST = 1000
const META_COLUMNS = 'id, channel, sender, docnum, arckey, content_hash, raw_bytes, meta, status, reason, results, received_at, status_at'

/** SHA-256 of the raw text (UTF-8) as hex: the content key of a message without DOCNUM or ARCKEY. */
export function contentHashOf (raw: string): string {
  return hash('sha256', raw, 'hex')
}

function fromRow (r: Record<string, unknown>, withRaw: boolean): InboxMessage {
  const results = strOrNull(r.results)
  return {
    id: num(r.id),
    channel: str(r.channel) as InboxChannel,
    sender: str(r.sender),
    docnum: strOrNull(r.docnum),
    arckey: strOrNull(r.arckey),
    contentHash: str(r.content_hash),
    rawBytes: num(r.raw_bytes),
    meta: JSON.parse(str(r.meta)) as Record<string, unknown>,
    status: str(r.status) as InboxStatus,
    reason: strOrNull(r.reason),
    results: results === null ? null : JSON.parse(results) as unknown,
    receivedAt: str(r.received_at),
    statusAt: str(r.status_at),
    ...(withRaw ? { raw: str(r.raw) } : {})
  }
}

export class InboxService implements Inbox {
  private readonly now: () => Date
  private readonly maxRawBytes: number
  private readonly events = new EventChannel<InboxChange>()

  constructor (private readonly store: MesStore, opts: InboxOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.maxRawBytes = opts.maxRawBytes ?? DEFAULT_MAX_RAW_BYTES
  }

  onChange (listener: (c: InboxChange) => void): () => void { return this.events.on(listener) }

  onListenerError (fn: (err: unknown, c: InboxChange) => void): () => void { return this.events.onListenerError(fn) }

  async receive (message: InboxReceive): Promise<InboxReceipt> {
    return (await this.receiveAll([message]))[0]!
  }

  async receiveAll (messages: InboxReceive[]): Promise<InboxReceipt[]> {
    const checked = messages.map((m, i) => this.checkReceive(m, messages.length === 1 ? 'inbound message' : `inbound message ${i}`))
    const at = this.now().toISOString()
    const keyOf = (m: InboxReceive): string => `${m.keys.sender ?? ''}\u0000${m.keys.docnum ?? ''}\u0000${m.keys.arckey ?? ''}`
    const order = checked.map((_, i) => i).sort((a, b) => { const x = keyOf(checked[a]!); const y = keyOf(checked[b]!); return x < y ? -1 : x > y ? 1 : a - b })
    const stored = await this.store.transaction(async (tx) => {
      const out = new Array<{ receipt: InboxReceipt, message?: InboxMessage }>(checked.length)
      for (const i of order) out[i] = await this.insert(tx, checked[i]!, at)
      return out
    })
    for (const [i, s] of stored.entries()) {
      if (s.message !== undefined) this.events.emit({ kind: 'received', message: s.message, who: checked[i]!.who ?? 'inbox', at })
    }
    return stored.map((s) => s.receipt)
  }

  private checkReceive (m: InboxReceive, source: string): InboxReceive & { keys: { contentHash: string } } {
    check<InboxReceive>(definitionCheck(inboxSchema, 'receive'), source, m)
    const bytes = Buffer.byteLength(m.raw)
    if (bytes > this.maxRawBytes) throw new ValidationError(source, [{ path: '/raw', message: `is ${bytes} bytes, over the limit of ${this.maxRawBytes}` }])
    return { ...m, keys: { ...m.keys, contentHash: m.keys.contentHash ?? contentHashOf(m.raw) } }
  }

  private async insert (tx: Tx, m: InboxReceive & { keys: { contentHash: string } }, at: string): Promise<{ receipt: InboxReceipt, message?: InboxMessage }> {
    const sender = m.keys.sender ?? ''
    const docnum = m.keys.docnum ?? null
    const arckey = m.keys.arckey ?? null
    const scope = m.keys.scope ?? ''
    if (docnum === null && arckey === null) {
      const latest = await tx.get(`SELECT id, status, content_hash FROM inbox_messages WHERE sender = ? AND content_scope = ?
        AND docnum IS NULL AND arckey IS NULL ORDER BY id DESC LIMIT 1`, [sender, scope])
      if (latest !== undefined && str(latest.content_hash) === m.keys.contentHash) {
        return { receipt: { id: num(latest.id), duplicate: true, status: str(latest.status) as InboxStatus } }
      }
    }
    const inserted = await tx.get(`INSERT INTO inbox_messages (channel, sender, docnum, arckey, content_hash, content_scope, raw, raw_bytes,
      meta, status, received_at, status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
    [m.channel, sender, docnum, arckey, m.keys.contentHash, scope, m.raw, Buffer.byteLength(m.raw), JSON.stringify(m.meta ?? {}), at, at])
    if (inserted === undefined) {
      const first = await tx.get(`SELECT id, status FROM inbox_messages WHERE (sender = ? AND docnum = ?) OR (sender = ? AND arckey = ?)
        ORDER BY id LIMIT 1`, [sender, docnum, sender, arckey])
      return { receipt: { id: num(first!.id), duplicate: true, status: str(first!.status) as InboxStatus } }
    }
    const id = num(inserted.id)
    const message = fromRow((await tx.get(`SELECT ${META_COLUMNS} FROM inbox_messages WHERE id = ?`, [id]))!, false)
    await appendAudit(tx, { who: m.who ?? 'inbox', at, entity: ENTITY, entityId: String(id), action: 'receive',
      newValue: { channel: m.channel, sender, docnum, arckey, contentHash: m.keys.contentHash, rawBytes: message.rawBytes } })
    return { receipt: { id, duplicate: false, status: 'received' }, message }
  }

  async setStatus (id: number, status: 'applied' | 'error', detail: { reason?: string, results?: unknown, who?: string } = {}): Promise<InboxMessage> {
    const source = `status of inbound message ${id}`
    check(definitionCheck(inboxSchema, 'status'), source, detail)
    if (status !== 'applied' && status !== 'error') throw new ValidationError(source, [{ path: 'status', message: 'must be applied or error' }])
    if (status === 'error' && detail.reason === undefined) throw new ValidationError(source, [{ path: '/reason', message: 'an error needs its reason' }])
    const at = this.now().toISOString()
    const who = detail.who ?? 'inbox'
    const message = await this.store.transaction(async (tx) => {
      const before = await tx.get(`SELECT status, reason FROM inbox_messages WHERE id = ?` + tx.forUpdate, [id])
      if (before === undefined) throw new NotFoundError('inbound message', String(id))
      const from = str(before.status) as InboxStatus
      if (!inboxStatusAllowed(from, status)) throw new InboxStatusError(id, from, status)
      await tx.run('UPDATE inbox_messages SET status = ?, reason = ?, results = ?, status_at = ? WHERE id = ?',
        [status, detail.reason ?? null, detail.results === undefined ? null : JSON.stringify(detail.results), at, id])
      await appendAudit(tx, { who, at, entity: ENTITY, entityId: String(id), action: status === 'applied' ? 'applied' : 'error',
        oldValue: { status: from, reason: strOrNull(before.reason) }, newValue: { status, reason: detail.reason ?? null, results: detail.results ?? null } })
      return fromRow((await tx.get(`SELECT ${META_COLUMNS} FROM inbox_messages WHERE id = ?`, [id]))!, false)
    })
    this.events.emit({ kind: status, message, who, at })
    return message
  }

  async get (id: number, opts: { raw?: boolean } = {}): Promise<InboxMessage> {
    const r = await this.store.read((tx) => tx.get(`SELECT ${META_COLUMNS}${opts.raw === true ? ', raw' : ''} FROM inbox_messages WHERE id = ?`, [id]))
    if (r === undefined) throw new NotFoundError('inbound message', String(id))
    return fromRow(r, opts.raw === true)
  }

  async list (filter: InboxFilter = {}): Promise<InboxMessage[]> {
    const where: string[] = ['id > ?']
    const params: Array<string | number> = [filter.after ?? 0]
    const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status]
    if (statuses.length > 0) { where.push(`status IN (${statuses.map(() => '?').join(', ')})`); params.push(...statuses) }
    if (filter.channel !== undefined) { where.push('channel = ?'); params.push(filter.channel) }
    params.push(Math.max(1, Math.min(MAX_LIST, filter.limit ?? 100)))
    return await this.store.read(async (tx) =>
      (await tx.all(`SELECT ${META_COLUMNS} FROM inbox_messages WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, params)).map((r) => fromRow(r, false)))
  }
}
