// What the Sparkplug side refuses to put in the namespace (limits, invalid topics, collisions, failed commands):
// a report on $hub/errors through the UNS port and a line in the log. A flood of one refusal must not become a
// flood of reports: the same (error, subject) is reported at most once per REPORT_INTERVAL_MS.
import type { Logger } from '../core/logger'
import type { RejectionReport } from '../uns/error-report'
import type { Publisher, UnsPort } from '../uns/uns-port'

const REPORT_INTERVAL_MS = 10000
const MAX_REMEMBERED = 10000

/** Who the Sparkplug side is when it publishes or reports. */
export const SPARKPLUG_PUBLISHER: Publisher = Object.freeze({ kind: 'sparkplug', id: 'uns-bridge' })

export class SparkplugRefusals {
  private readonly lastReported = new Map<string, number>()

  constructor (private readonly uns: UnsPort, private readonly log: Logger) {}

  /** Reported and logged (warn, else debug), at most once per interval per (error, about). */
  refused (topic: string, error: RejectionReport['error'], reason: string, warn = false, about = topic): void {
    const key = `${error}\u0000${about}`
    const now = Date.now()
    if ((this.lastReported.get(key) ?? -Infinity) + REPORT_INTERVAL_MS > now) return
    if (this.lastReported.size > MAX_REMEMBERED) this.lastReported.clear()
    this.lastReported.set(key, now)
    this.log[warn ? 'warn' : 'debug'](`Sparkplug: ${topic}: ${reason}`)
    this.report(topic, error, reason)
  }

  /** A warning in the log only (the caller reports once). */
  warn (line: string): void {
    this.log.warn(line)
  }

  /** Reported every time (callers keep their own once-only rule). */
  report (topic: string, error: RejectionReport['error'], reason: string): void {
    this.uns.report(SPARKPLUG_PUBLISHER, { error, reason, topic })
  }
}
