// Append-only audit trail. Each record is chained to the previous one: hash = SHA-256 over the canonical JSON
// of the record's fields plus the previous hash. Changing, deleting or inserting a row breaks the chain at
// that row, and `verifyAuditTrail` names it. `audit_chain_head` holds the last seq/hash: it is locked by
// every append (serializing writers on PostgreSQL) and lets verification detect a truncated tail.
import type { MesStore, Tx } from './store/store'
import { num, str, strOrNull } from './store/store'
import { hash as oneShotHash } from 'node:crypto'
import { canonicalJson } from './canonical'
import type { AuditRecord, AuditVerification, SignatureRecord } from './model/types'
import type { AuditQuery } from './service'

/**
 * canonicalJson, faster for the values the audit trail records (plain objects and arrays of strings, finite numbers,
 * booleans, null): a copy with sorted keys serialized by one JSON.stringify call. Exactly the same text; anything
 * else (a class instance, a non-finite number, an integer-like key, which JSON.stringify would put first) goes
 * through canonicalJson itself.
 */
export function auditJson (value: unknown): string {
  const sorted = sortedCopy(value)
  return sorted === FALLBACK ? canonicalJson(value) : JSON.stringify(sorted)
}

const FALLBACK = Symbol('fallback')

function sortedCopy (v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') return Number.isFinite(v) ? v : FALLBACK
  if (typeof v !== 'object') return FALLBACK
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length)
    for (let i = 0; i < v.length; i++) {
      const x = v[i] === undefined ? null : sortedCopy(v[i])
      if (x === FALLBACK) return FALLBACK
      out[i] = x
    }
    return out
  }
  const proto = Object.getPrototypeOf(v) as unknown
  if (proto !== Object.prototype && proto !== null) return FALLBACK
  const obj = v as Record<string, unknown>
  const keys = Object.keys(obj).sort()
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const c = k.charCodeAt(0)
    if ((c >= 48 && c <= 57) || k === '__proto__') return FALLBACK
    const x = obj[k]
    if (x === undefined) continue
    const y = sortedCopy(x)
    if (y === FALLBACK) return FALLBACK
    out[k] = y
  }
  return out
}

function sha256 (text: string): string {
  return oneShotHash('sha256', text, 'hex')
}

export const GENESIS_HASH = '0'.repeat(64)

export interface AuditEntryInput {
  who: string
  at: string
  entity: string
  entityId: string
  action: string
  oldValue?: unknown
  newValue?: unknown
  why?: string | null
  signature?: SignatureRecord | null
}

export function auditHash (r: Omit<AuditRecord, 'hash'>): string {
  return sha256(auditJson({
    seq: r.seq,
    at: r.at,
    who: r.who,
    entity: r.entity,
    entityId: r.entityId,
    action: r.action,
    oldValue: r.oldValue,
    newValue: r.newValue,
    why: r.why,
    signature: r.signature,
    prevHash: r.prevHash
  }))
}

/** Appends one record inside the caller's transaction (so it commits or rolls back with the change it records). */
export async function appendAudit (tx: Tx, e: AuditEntryInput): Promise<AuditRecord> {
  const head = await tx.get('SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1' + tx.forUpdate)
  if (head === undefined) throw new Error('audit_chain_head row missing: the store was not migrated')
  const r: Omit<AuditRecord, 'hash'> = {
    seq: num(head.last_seq) + 1,
    at: e.at,
    who: e.who,
    entity: e.entity,
    entityId: e.entityId,
    action: e.action,
    oldValue: e.oldValue === undefined || e.oldValue === null ? null : auditJson(e.oldValue),
    newValue: e.newValue === undefined || e.newValue === null ? null : auditJson(e.newValue),
    why: e.why ?? null,
    signature: e.signature ? auditJson(e.signature) : null,
    prevHash: str(head.last_hash)
  }
  const record: AuditRecord = { ...r, hash: auditHash(r) }
  await tx.run(`INSERT INTO audit_trail (seq, at, who, entity, entity_id, action, old_value, new_value, why, signature,
    prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  [record.seq, record.at, record.who, record.entity, record.entityId, record.action, record.oldValue, record.newValue,
    record.why, record.signature, record.prevHash, record.hash])
  await tx.run('UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE id = 1', [record.seq, record.hash])
  return record
}

function toRecord (row: Record<string, unknown>): AuditRecord {
  return {
    seq: num(row.seq),
    at: str(row.at),
    who: str(row.who),
    entity: str(row.entity),
    entityId: str(row.entity_id),
    action: str(row.action),
    oldValue: strOrNull(row.old_value),
    newValue: strOrNull(row.new_value),
    why: strOrNull(row.why),
    signature: strOrNull(row.signature),
    prevHash: str(row.prev_hash),
    hash: str(row.hash)
  }
}

const COLUMNS = 'seq, at, who, entity, entity_id, action, old_value, new_value, why, signature, prev_hash, hash'

/** Audit records of one entity (e.g. 'WorkOrder', '1000'), oldest first. */
export async function auditFor (store: MesStore, entity: string, entityId: string): Promise<AuditRecord[]> {
  return await store.read(async (tx) =>
    (await tx.all(`SELECT ${COLUMNS} FROM audit_trail WHERE entity = ? AND entity_id = ? ORDER BY seq`, [entity, entityId]))
      .map(toRecord))
}

export async function queryAudit (store: MesStore, q: AuditQuery = {}): Promise<AuditRecord[]> {
  const where: string[] = []
  const params: Array<string | number> = []
  if (q.entity !== undefined) { where.push('entity = ?'); params.push(q.entity) }
  if (q.entityId !== undefined) { where.push('entity_id = ?'); params.push(q.entityId) }
  if (q.who !== undefined) { where.push('who = ?'); params.push(q.who) }
  if (q.fromSeq !== undefined) { where.push('seq >= ?'); params.push(q.fromSeq) }
  params.push(q.limit ?? 1000)
  return await store.read(async (tx) =>
    (await tx.all(`SELECT ${COLUMNS} FROM audit_trail ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY seq LIMIT ?`, params)).map(toRecord))
}

/** Walks the whole chain; returns ok, or the first record whose link or content does not verify. */
export async function verifyAuditTrail (store: MesStore, pageSize = 1000): Promise<AuditVerification> {
  return await store.read(async (tx) => {
    let expectedSeq = 1
    let prevHash = GENESIS_HASH
    let count = 0
    for (;;) {
      const rows = (await tx.all(`SELECT ${COLUMNS} FROM audit_trail WHERE seq >= ? ORDER BY seq LIMIT ?`,
        [expectedSeq, pageSize])).map(toRecord)
      for (const r of rows) {
        if (r.seq !== expectedSeq) {
          return { ok: false, count, brokenAt: expectedSeq, reason: `record ${expectedSeq} is missing (next is ${r.seq})`, record: r }
        }
        if (r.prevHash !== prevHash) {
          return { ok: false, count, brokenAt: r.seq, reason: `record ${r.seq} does not link to record ${r.seq - 1}`, record: r }
        }
        if (auditHash(r) !== r.hash) {
          return { ok: false, count, brokenAt: r.seq, reason: `record ${r.seq} was altered: its content does not match its hash`, record: r }
        }
        prevHash = r.hash
        expectedSeq++
        count++
      }
      if (rows.length < pageSize) break
    }
    const head = await tx.get('SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1')
    const lastSeq = num(head?.last_seq)
    if (lastSeq !== count || str(head?.last_hash) !== prevHash) {
      return {
        ok: false,
        count,
        brokenAt: count + 1,
        reason: `chain head says ${lastSeq} records ending in ${str(head?.last_hash).slice(0, 12)}…, found ${count}: records were removed from the end`,
        record: null
      }
    }
    return { ok: true, count, lastHash: prevHash }
  })
}
