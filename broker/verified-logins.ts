// Logins the broker has already checked with bcrypt, so that a machine reconnecting with the same password (after
// a network blip: a thousand at once) costs an HMAC instead of 70 ms of bcrypt. What is kept per account is the
// HMAC-SHA256 of the password under a key made at random when the process starts (never the password, and nothing
// that outlives the process), together with the bcrypt hash it was checked against: when the account's hash
// changes (new password, account replaced), the entry no longer applies and the next login is checked with bcrypt.
import crypto from 'node:crypto'

export class VerifiedLogins {
  private readonly key = crypto.randomBytes(32)
  private readonly entries = new Map<string, { passwordHash: string, mac: Buffer }>()

  private mac (username: string, password: Buffer): Buffer {
    return crypto.createHmac('sha256', this.key).update(username).update('\0').update(password).digest()
  }

  /** Whether this (username, password) was verified against this account hash before. */
  has (username: string, passwordHash: string, password: Buffer): boolean {
    const e = this.entries.get(username)
    if (e === undefined || e.passwordHash !== passwordHash) return false
    return crypto.timingSafeEqual(e.mac, this.mac(username, password))
  }

  remember (username: string, passwordHash: string, password: Buffer): void {
    this.entries.set(username, { passwordHash, mac: this.mac(username, password) })
  }

  /** Forgets one account (or all): after an account change. */
  forget (username?: string): void {
    if (username === undefined) this.entries.clear()
    else this.entries.delete(username)
  }
}
