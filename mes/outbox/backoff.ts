// When a retryable failure is tried again: exponential backoff (base × 2^(attempt−1)) with a cap, and jitter so that
// the messages a receiver's outage failed together do not all come back in the same instant.

export interface BackoffOptions {
  /** The wait after the first failed attempt; default 1 s. */
  baseMs?: number
  /** The longest wait; default 5 min. */
  maxMs?: number
  /** Spread around the wait, as a fraction of it (0.2: ±20 %); default 0.2; 0 for none. */
  jitter?: number
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 1000, maxMs: 300_000, jitter: 0.2 }

/** Milliseconds to wait after `attempts` failed attempts (1 = the first), `random` in [0, 1) for the jitter. */
export function backoffMs (attempts: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseMs, maxMs, jitter } = { ...DEFAULT_BACKOFF, ...opts }
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1))
  const spread = exponential * jitter * (2 * random() - 1)
  return Math.max(0, Math.min(maxMs, Math.round(exponential + spread)))
}
