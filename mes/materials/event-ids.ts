// Idempotent consumption and production: a command with an eventId is applied once. The first one claims the id
// (one row of material_events, in the command's own transaction, so a refused or crashed command claims nothing) and
// stores its result; a retry with the same command gets that result back, marked duplicate; a different command
// under the same id is refused naming the id. Two retries racing on PostgreSQL: the second's claim waits on the
// first's key and fails when it commits, and the service runs the second again, which then finds the first result.
import { createHash } from 'node:crypto'
import type { Tx } from '../store/store'
import { str, strOrNull } from '../store/store'
import { canonicalJson } from '../canonical'
import { MaterialRefusedError } from '../errors'
import type { ConsumeInput, ProduceInput } from './types'

export type EventKind = 'consume' | 'produce'

/** The hash of a command, without the override's password (never stored, and not part of what the command does). */
export function commandHash (input: ConsumeInput | ProduceInput): string {
  const withoutSecret = !('override' in input) || input.override === undefined
    ? input
    : { ...input, override: { ...input.override, signature: { ...input.override.signature, password: undefined } } }
  return createHash('sha256').update(canonicalJson(withoutSecret)).digest('hex')
}

export type Claim<R> = { kind: 'new' } | { kind: 'done', result: R | null, jobId: string }

/**
 * Claims `eventId` for this command, or answers the earlier command that had it: its stored result (null for an id
 * stored before migration 006, which the caller rebuilds from its material actual).
 */
export async function claimEvent<R> (tx: Tx, kind: EventKind, eventId: string, jobId: string, hash: string, at: string,
  subject: string): Promise<Claim<R>> {
  const prior = await tx.get('SELECT job_id, body_hash, result FROM material_events WHERE kind = ? AND event_id = ?', [kind, eventId])
  if (prior === undefined) {
    await tx.run('INSERT INTO material_events (kind, event_id, job_id, body_hash, at) VALUES (?, ?, ?, ?, ?)', [kind, eventId, jobId, hash, at])
    return { kind: 'new' }
  }
  const priorHash = strOrNull(prior.body_hash)
  const priorJob = str(prior.job_id)
  if ((priorHash !== null && priorHash !== hash) || (priorHash === null && priorJob !== jobId)) {
    throw new MaterialRefusedError('event-id-conflict', subject,
      `eventId ${eventId} was already used by a different ${kind === 'consume' ? 'consumption' : 'production'} (at job ${priorJob})`,
      `nothing was ${kind}d; a retry repeats its first request unchanged, a new ${kind === 'consume' ? 'consumption' : 'production'} takes a new eventId`)
  }
  const result = strOrNull(prior.result)
  return { kind: 'done', result: result === null ? null : JSON.parse(result) as R, jobId: priorJob }
}

/** Stores the first result of a claimed event, for its retries. */
export async function recordResult (tx: Tx, kind: EventKind, eventId: string, result: unknown): Promise<void> {
  await tx.run('UPDATE material_events SET result = ? WHERE kind = ? AND event_id = ?', [JSON.stringify(result), kind, eventId])
}
