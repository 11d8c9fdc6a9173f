// Electronic signatures (21 CFR Part 11 style) on job events: the signer's password is checked by the credential
// check the MES is given (the hub: editor users with write rights). A signature is a password check reachable by
// anyone who may post job events, so failures count: after SIGNATURE_MAX_FAILURES in a row a signer is locked out
// for SIGNATURE_LOCKOUT_MS. The count lives in the store (a restart does not lift a lockout, and hubs sharing one
// PostgreSQL database share it), and every refused signature is an audit record; a password is never stored.
import type { MesStore, Tx } from './store/store'
import { num } from './store/store'
import type { CredentialCheck, SignatureInput, SignatureRecord, WipEventInput } from './model/types'
import { SignatureError } from './errors'
import { appendAudit } from './audit-trail'

/** Failed signatures in a row before a signer is locked out, and for how long (from the last failure). */
export const SIGNATURE_MAX_FAILURES = 5
export const SIGNATURE_LOCKOUT_MS = 15 * 60_000

/** The audit record's action for a refused signature (wrong password, no right to sign, or locked out). */
export const SIGNATURE_REFUSED_ACTION = 'signature-refused'

/** What a signature is given for: the job, who posted it, the action (a job event, 'consume'), the signature. */
export interface SignedAction {
  jobId: string
  who: string
  event: string
  signature?: SignatureInput
  /** What a refused signature's error tells to do (default: that of a critical operation's completion). */
  hint?: string
}

export class Signatures {
  constructor (private readonly store: MesStore, private readonly check: CredentialCheck | undefined,
    private readonly now: () => Date) {}

  /**
   * The signature record of a signed event (null for an unsigned one), or a SignatureError once the refusal is
   * committed to the audit trail. `recordedAt` is the hub's time of the event, which the signature carries.
   */
  async verify (e: WipEventInput, recordedAt: string): Promise<SignatureRecord | null> {
    return await this.verifySigned({ jobId: e.jobId, who: e.who, event: e.event, signature: e.signature }, recordedAt)
  }

  /** As verify, for any signed action at a job (a job event, a BOM override of a consumption). */
  async verifySigned (e: SignedAction, recordedAt: string): Promise<SignatureRecord | null> {
    if (e.signature === undefined) return null
    if (this.check === undefined) throw new SignatureError(e.jobId, 'no credential check is configured, so signatures cannot be verified', e.hint)
    const signer = e.signature.user
    const now = this.now().getTime()
    const row = await this.store.read(async (tx) =>
      await tx.get('SELECT failures, last_failed_ms FROM signature_failures WHERE signer = ?', [signer]))
    const lastFailed = num(row?.last_failed_ms)
    const failures = row !== undefined && now - lastFailed < SIGNATURE_LOCKOUT_MS ? num(row.failures) : 0
    if (failures >= SIGNATURE_MAX_FAILURES) {
      const until = new Date(lastFailed + SIGNATURE_LOCKOUT_MS).toISOString()
      await this.refused(e, recordedAt, { reason: 'locked out', failures, lockedUntil: until })
      throw new SignatureError(e.jobId, `signatures of ${signer} are locked after ${failures} failed attempts; try again after ${until}`, e.hint)
    }
    let ok = false
    try { ok = await this.check(signer, e.signature.password) } catch { ok = false }
    if (!ok) {
      await this.store.transaction(async (tx) => {
        // One statement, so that concurrent failures all count.
        await tx.run(`INSERT INTO signature_failures (signer, failures, last_failed_ms) VALUES (?, 1, ?)
          ON CONFLICT (signer) DO UPDATE SET
            failures = CASE WHEN signature_failures.last_failed_ms > ? THEN signature_failures.failures + 1 ELSE 1 END,
            last_failed_ms = excluded.last_failed_ms`, [signer, now, now - SIGNATURE_LOCKOUT_MS])
        const count = num((await tx.get('SELECT failures FROM signature_failures WHERE signer = ?', [signer]))?.failures)
        await this.refused(e, recordedAt, {
          reason: 'not verified',
          failures: count,
          ...(count >= SIGNATURE_MAX_FAILURES ? { lockedUntil: new Date(now + SIGNATURE_LOCKOUT_MS).toISOString() } : {})
        }, tx)
      })
      throw new SignatureError(e.jobId, `signature of ${signer} could not be verified`, e.hint)
    }
    if (row !== undefined) await this.store.transaction(async (tx) => await tx.run('DELETE FROM signature_failures WHERE signer = ?', [signer]))
    return { user: signer, meaning: e.signature.meaning, at: recordedAt }
  }

  /** The audit record of a refused signature: who posted the event, for whom, and why it was refused. */
  private async refused (e: SignedAction, at: string, detail: { reason: string, failures: number, lockedUntil?: string },
    tx?: Tx): Promise<void> {
    const entry = {
      who: e.who, at, entity: 'JobOrder', entityId: e.jobId, action: SIGNATURE_REFUSED_ACTION,
      newValue: { event: e.event, signer: e.signature?.user, meaning: e.signature?.meaning, ...detail },
      why: `signature of ${e.signature?.user ?? '?'} ${detail.reason}`
    }
    if (tx !== undefined) await appendAudit(tx, entry)
    else await this.store.transaction(async (t) => { await appendAudit(t, entry) })
  }
}
