// The schedule of EWM's confirmations coming back (sap-ewm-connector.ts `poll`: EWM has no webhook): every
// `intervalMs`, the tasks the MES still has open (`openTasks`, which the hub answers from Logistics) are read from
// EWM and each closed one is handed to `deliver` (the hub: the WMS adapter's inbox and applier, keyed by the event
// id, so a task delivered twice is applied once). Rounds never overlap; a round that fails because SAP is down or
// failing is logged and the next waits longer (doubling up to `maxBackoffMs`); an event delivered in this process is
// not delivered again (the MES may keep a refused one open), and tasks EWM does not know are logged once. `stop`
// waits for a round under way. `pollOnce` runs one round now (at start, in tests).
import type { Logger } from '../../../core/logger'
import type { EwmTaskEvent, OpenWarehouseTask, SapEwmConnector } from './sap-ewm-connector'

export interface EwmTaskPollerOptions {
  readonly connector: Pick<SapEwmConnector, 'poll'>
  readonly openTasks: () => Promise<readonly OpenWarehouseTask[]>
  readonly deliver: (event: EwmTaskEvent) => Promise<void>
  readonly intervalMs: number
  /** Longest wait after failed rounds; default 10 × intervalMs. */
  readonly maxBackoffMs?: number
  readonly log: Logger
}

export interface PollRound { delivered: number, open: number, problems: string[] }

export class EwmTaskPoller {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<PollRound> | undefined
  private stopped = true
  private failures = 0
  private readonly delivered = new Set<string>()
  private readonly reported = new Set<string>()

  constructor (private readonly opts: EwmTaskPollerOptions) {}

  start (): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule(0)
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }

  /** One round now (or the one under way): what was delivered. Throws when SAP or `openTasks` failed. */
  async pollOnce (): Promise<PollRound> {
    this.running ??= this.round().finally(() => { this.running = undefined })
    return await this.running
  }

  private schedule (ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.pollOnce().then(
        () => { this.failures = 0 },
        (err: unknown) => {
          this.failures++
          this.opts.log.warn(`EWM poll failed (${this.failures} in a row): ${(err as Error)?.message ?? String(err)}`)
        }
      ).finally(() => {
        const max = this.opts.maxBackoffMs ?? this.opts.intervalMs * 10
        this.schedule(Math.min(max, this.opts.intervalMs * 2 ** this.failures))
      })
    }, ms)
    this.timer.unref?.()
  }

  private async round (): Promise<PollRound> {
    const open = await this.opts.openTasks()
    const { events, problems } = await this.opts.connector.poll(open)
    for (const p of problems) {
      if (this.reported.has(p)) continue
      this.reported.add(p)
      this.opts.log.warn(`EWM poll: ${p}`)
    }
    let delivered = 0
    for (const e of events) {
      if (this.delivered.has(e.eventId)) continue
      await this.opts.deliver(e)
      this.delivered.add(e.eventId)
      delivered++
    }
    return { delivered, open: open.length, problems }
  }
}
