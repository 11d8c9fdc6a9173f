// The soak's MES stream over the MES HTTP API, as the README shows it: a token from /auth/token for the soak's editor
// user, an order released and dispatched onto PRESS01, its job started, then one numbered `report` event after the
// other (eventId and why `soak-<n>`). An event the hub answered 200 is acknowledged; one without an answer (the hub
// was killed) is sent again with the same eventId until it is answered, as a shop-floor client does. `check()` reads
// the job response and finds the acknowledged events missing from it, and those in it twice.
const EVENT_PAUSE_MS = 20
const RETRY_PAUSE_MS = 250
const WORK_CENTER = 'PRESSL1'
const WORK_UNIT = 'PRESS01'
/** Every call is bounded: a hub that accepts a connection and never answers is an unanswered call. */
const HTTP_TIMEOUT_MS = 10_000
/** Events per page of the job response when checking (the most the hub answers at once). */
const RESPONSE_PAGE = 10_000

export interface MesCheck { answered: number, missing: number[], duplicates: number }

interface Answer { status: number, body: unknown }

export class MesEvents {
  /** Events answered 200, by number. */
  readonly answered = new Set<number>()
  /** Calls that got no answer (connection refused or reset): the hub was down. */
  unanswered = 0
  /** Answers other than 200 (5xx while starting, 401 before a new login), each retried. */
  refused = 0
  private token: string | undefined
  private jobId: string | undefined
  private stopped = false
  private loop: Promise<void> | undefined

  constructor (private readonly base: string, private readonly user: string, private readonly password: string) {}

  private async login (): Promise<void> {
    const res = await fetch(`${this.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: this.user, password: this.password }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS)
    })
    if (res.status !== 200) throw new Error(`MES login as '${this.user}' answered ${res.status}: ${await res.text()}`)
    this.token = (await res.json() as { access_token: string }).access_token
  }

  private async call (method: string, url: string, body?: unknown): Promise<Answer> {
    if (this.token === undefined) await this.login()
    const res = await fetch(`${this.base}/mes/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS)
    })
    if (res.status === 401) this.token = undefined // a new login next time
    const text = await res.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch { /* plain text (401 from the login) */ }
    return { status: res.status, body: parsed }
  }

  private async must (method: string, url: string, body: unknown, status: number): Promise<Answer> {
    const a = await this.call(method, url, body)
    if (a.status !== status) throw new Error(`MES ${method} ${url} answered ${a.status} (expected ${status}): ${JSON.stringify(a.body)}`)
    return a
  }

  /** An order with room for every event of the soak, released, its operation dispatched and the job started. */
  async setUp (): Promise<void> {
    const orderNumber = `SOAK-${Date.now()}`
    await this.must('POST', '/work-orders', {
      orderNumber, material: 'SOAK-PART', quantity: 100_000_000, unit: 'PCE', dueDate: '2030-01-01T00:00:00Z',
      operations: [{ sequence: 10, workCenter: WORK_CENTER, runTimePerUnit: 0.001 }]
    }, 201)
    await this.must('POST', `/work-orders/${orderNumber}/release`, { why: 'soak' }, 200)
    const job = await this.must('POST', `/work-orders/${orderNumber}/operations/10/dispatch`, { workUnit: WORK_UNIT }, 201)
    this.jobId = (job.body as { jobId: string }).jobId
    await this.must('POST', `/jobs/${this.jobId}/events`, { event: 'start' }, 200)
  }

  /** Sends events one after the other until stop(). */
  start (): void {
    this.loop = (async () => {
      let n = 1
      while (!this.stopped) {
        let ok = false
        try {
          const a = await this.call('POST', `/jobs/${this.jobId}/events`, { event: 'report', good: 1, eventId: `soak-${n}`, why: `soak-${n}` })
          ok = a.status === 200
          if (!ok) this.refused++
        } catch {
          this.unanswered++ // the same number again once the hub is back
        }
        if (ok) this.answered.add(n++)
        await new Promise((r) => setTimeout(r, ok ? EVENT_PAUSE_MS : RETRY_PAUSE_MS))
      }
    })()
  }

  async stop (): Promise<void> {
    this.stopped = true
    await this.loop
  }

  /** What the job response holds of the acknowledged events; undefined when the hub cannot be asked. */
  async check (): Promise<MesCheck | undefined> {
    const answered = [...this.answered]
    const times = new Map<number, number>()
    // Page by page (the hub answers at most 10,000 events at a time): a 20-minute run makes about 50,000.
    let after: number | undefined
    do {
      const url = `/jobs/${this.jobId}/response?limit=${RESPONSE_PAGE}${after === undefined ? '' : `&after=${after}`}`
      let a: Answer
      try {
        a = await this.call('GET', url)
        if (a.status === 401) a = await this.call('GET', url)
      } catch {
        return undefined
      }
      if (a.status !== 200) return undefined
      const page = a.body as { events: Array<{ event: string, why: string | null }>, nextAfter?: number }
      for (const e of page.events) {
        const m = e.event === 'report' && e.why ? /^soak-(\d+)$/.exec(e.why) : null
        if (m) times.set(Number(m[1]), (times.get(Number(m[1])) ?? 0) + 1)
      }
      after = page.nextAfter
    } while (after !== undefined)
    return {
      answered: answered.length,
      missing: answered.filter((n) => !times.has(n)),
      duplicates: [...times.values()].filter((k) => k > 1).length
    }
  }
}
