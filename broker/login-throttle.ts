// Failed logins, per source address: a token bucket (each failure takes a token, tokens come back at a steady
// rate), so that a password-guessing client gets `burst` tries at once and then `refillPerSecond`; while its
// bucket is empty every login from that address is refused without a check (a cached password check is fast
// and would otherwise let guesses through at full speed). Logged once per burst: the first refusal with its
// reason, then, once the address has been quiet for QUIET_MS, one line with how many followed.
import type { Logger } from '../core/logger'
import { clientText } from '../core/client-text'

export interface LoginThrottleSettings {
  /** Failed logins an address may have in a row before it is throttled. */
  burst: number
  /** How many failed logins per second an address gets back. */
  refillPerSecond: number
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = { burst: 10, refillPerSecond: 1 }

/** An address with no refusal for this long has ended its burst: its summary is logged. */
export const QUIET_MS = 10_000

/** The most addresses tracked at once (the oldest burst is summarised and dropped beyond). */
export const MAX_TRACKED_ADDRESSES = 10_000

interface Burst {
  tokens: number
  refilledAt: number
  firstAt: number
  lastAt: number
  /** Refusals after the first one, not logged one by one. */
  more: number
  /** Of those, refused unchecked while throttled. */
  throttled: number
  usernames: Set<string>
  /** Whether this burst's first refusal has been logged. */
  announced: boolean
}

const MAX_USERNAMES_LISTED = 5

export class LoginThrottle {
  private readonly bursts = new Map<string, Burst>()
  private readonly timer: NodeJS.Timeout

  constructor (private readonly settings: LoginThrottleSettings, private readonly log: Logger,
    private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => this.sweep(), QUIET_MS / 2)
    this.timer.unref()
  }

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfterSeconds (address: string): number {
    const b = this.bursts.get(address)
    if (b === undefined) return 0
    this.refill(b)
    return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / this.settings.refillPerSecond)
  }

  /** A wrong username or password from `address`: takes a token. */
  failed (address: string, username: string | undefined, reason: string): void {
    const b = this.note(address, username, reason, false)
    b.tokens = Math.max(0, b.tokens - 1)
  }

  /** A login refused unchecked because `address` is throttled. */
  throttled (address: string, username: string | undefined, reason: string): void {
    this.note(address, username, reason, true)
  }

  /** Any other refused login (anonymous not allowed, bad client id): logged once per burst, takes no token.
   * Reasons may quote client text: they are escaped here. */
  refused (address: string, username: string | undefined, reason: string): void {
    this.note(address, username, reason, false)
  }

  close (): void {
    clearInterval(this.timer)
    this.sweep(Infinity)
  }

  private refill (b: Burst): void {
    const t = this.now()
    b.tokens = Math.min(this.settings.burst, b.tokens + (t - b.refilledAt) / 1000 * this.settings.refillPerSecond)
    b.refilledAt = t
  }

  private note (address: string, username: string | undefined, reason: string, throttled: boolean): Burst {
    const t = this.now()
    let b = this.bursts.get(address)
    if (b === undefined) {
      if (this.bursts.size >= MAX_TRACKED_ADDRESSES) this.end(this.bursts.keys().next().value!, true)
      b = { tokens: this.settings.burst, refilledAt: t, firstAt: t, lastAt: t, more: 0, throttled: 0, usernames: new Set(), announced: false }
      this.bursts.set(address, b)
    } else {
      this.refill(b)
    }
    if (!b.announced) {
      b.announced = true
      b.firstAt = t
      b.lastAt = t
      this.log.warn(`refused login from ${clientText(address)}: ${clientText(reason, 400)}` +
        ' (further refusals from this address are counted and logged once it has been quiet for ' +
        `${QUIET_MS / 1000} s)`)
    } else {
      b.more++
      if (throttled) b.throttled++
      if (username !== undefined && b.usernames.size < MAX_USERNAMES_LISTED) b.usernames.add(username)
      b.lastAt = t
    }
    return b
  }

  /** Logs the bursts that have ended (quiet for QUIET_MS); forgets addresses whose bucket is full again. */
  private sweep (quietMs = QUIET_MS): void {
    const t = this.now()
    for (const [address, b] of this.bursts) {
      if (quietMs !== Infinity && t - b.lastAt < quietMs) continue
      this.refill(b)
      this.end(address, quietMs === Infinity || b.tokens >= this.settings.burst)
    }
  }

  private end (address: string, forget: boolean): void {
    const b = this.bursts.get(address)!
    if (forget) this.bursts.delete(address)
    const { more, throttled } = b
    b.announced = false
    b.more = 0
    b.throttled = 0
    if (more === 0) return b.usernames.clear()
    const listed = [...b.usernames]
    b.usernames.clear()
    const names = listed.map((u) => `'${clientText(u, 64)}'`).join(', ')
    this.log.warn(`${more} more refused logins from ${clientText(address)} in ${Math.ceil((b.lastAt - b.firstAt) / 1000)} s` +
      (throttled > 0 ? `, ${throttled} of them refused unchecked (too many failures: ${this.settings.burst} allowed at once, then ${this.settings.refillPerSecond}/s)` : '') +
      (names ? `; usernames ${names}${listed.length >= MAX_USERNAMES_LISTED ? ', ...' : ''}` : ''))
  }
}
