// The WmsConnector of the generic REST contract (schemas/wms/wms-task.schema.json) over HTTP:
//   POST <url>/warehouse-tasks          a staging or put-away task  -> 201 (made) or 200 (made before) with the task
//   POST <url>/warehouse-tasks/cancel   the task of a request       -> 200 with the task; 409 once confirmed
// Every request carries the outbox message's idempotency key in an Idempotency-Key header (the IETF httpapi draft's
// header, as Stripe's and most payment and logistics APIs take it): the WMS answers the same key with the task it
// made the first time, so a send whose answer was lost (a timeout, a dropped connection, a crash) is safe to repeat.
// What the WMS refuses (4xx but 408 and 429: a bad request, a wrong login, a confirmed task) is not retryable and
// becomes a dead letter with the WMS's problem+json detail; 5xx, 408, 429, timeouts and network errors are.
import { ValidationError } from '../../../core/errors'
import type { WmsAccepted, WmsConnector, WmsMessages, WmsMessageType } from '../wms-connector'
import { WmsSendError } from '../wms-connector'
import { checkCancelRequest, checkTask, checkTaskRequest, type WmsCancelRequest, type WmsTaskRequest } from '../wms-schemas'

export const TASKS_PATH = '/warehouse-tasks'
export const CANCEL_PATH = '/warehouse-tasks/cancel'

export interface GenericWmsOptions {
  /** The WMS's HTTP root. */
  readonly url: string
  readonly warehouse: string
  /** HTTP Basic with a username; without one, `password` is sent as a Bearer token ('' sends no Authorization). */
  readonly username: string
  readonly password: string
  readonly timeoutMs: number
  readonly fetch?: typeof globalThis.fetch
}

/** The task request of a message, in the contract's terms. */
export function taskRequestOf<T extends WmsMessageType> (type: T, payload: WmsMessages[T], warehouse: string): { path: string, body: WmsTaskRequest | WmsCancelRequest } {
  switch (type) {
    case 'staging-request': {
      const r = (payload as WmsMessages['staging-request']).request
      return {
        path: TASKS_PATH,
        body: checkTaskRequest({
          requestId: r.requestId, type: 'staging', warehouse, material: r.material, quantity: r.quantity, unit: r.unit,
          destinationLocation: r.location, orderNumber: r.orderNumber, jobId: r.jobId, workUnit: r.workUnit
        }, `staging request ${r.requestId}`)
      }
    }
    case 'staging-cancel': {
      const p = payload as WmsMessages['staging-cancel']
      return {
        path: CANCEL_PATH,
        body: checkCancelRequest({ requestId: p.request.requestId, ...(p.request.taskRef !== null ? { taskId: p.request.taskRef } : {}), warehouse, why: p.why },
          `cancel of staging request ${p.request.requestId}`)
      }
    }
    case 'put-away-request': {
      const r = (payload as WmsMessages['put-away-request']).request
      return {
        path: TASKS_PATH,
        body: checkTaskRequest({
          requestId: r.requestId, type: 'put-away', warehouse, material: r.material, quantity: r.quantity, unit: r.unit,
          lotId: r.lotId, sourceLocation: r.fromLocation
        }, `put-away request ${r.requestId}`)
      }
    }
    default: throw new WmsSendError(`the generic WMS connector sends staging requests, cancels and put-aways, not '${String(type)}'`, false)
  }
}

/** The sentence of a problem+json answer (title, detail, each field's path), or the text as it came. */
function problemText (text: string): string {
  try {
    const p = JSON.parse(text) as { title?: unknown, detail?: unknown, errors?: unknown }
    const errors = Array.isArray(p.errors) ? p.errors.map((e: { path?: unknown, message?: unknown }) => `${String(e.path)}: ${String(e.message)}`).join('; ') : ''
    const parts = [p.title, p.detail].filter((s) => typeof s === 'string' && s !== '') as string[]
    if (parts.length > 0) return parts.join(': ') + (errors !== '' ? ` (${errors})` : '')
  } catch { /* not JSON: quoted as it is */ }
  return text.slice(0, 300).trim() || '(no text)'
}

export class GenericWmsConnector implements WmsConnector {
  readonly system = 'generic'
  private readonly base: string
  private readonly fetchFn: typeof globalThis.fetch
  private readonly authorization: string | undefined

  constructor (private readonly opts: GenericWmsOptions) {
    this.base = opts.url.replace(/\/+$/, '')
    this.fetchFn = opts.fetch ?? globalThis.fetch
    this.authorization = opts.username !== ''
      ? 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64')
      : opts.password !== '' ? `Bearer ${opts.password}` : undefined
  }

  async send<T extends WmsMessageType> (type: T, payload: WmsMessages[T], idempotencyKey: string): Promise<WmsAccepted> {
    let request: { path: string, body: unknown }
    try {
      request = taskRequestOf(type, payload, this.opts.warehouse)
    } catch (err) {
      // A request the contract cannot carry: sending it again cannot help.
      if (err instanceof ValidationError) throw new WmsSendError(err.message, false)
      throw err
    }
    const { status, text } = await this.post(request.path, request.body, idempotencyKey)
    if (status >= 200 && status < 300) {
      let task
      try { task = checkTask(JSON.parse(text), `the WMS's answer to ${request.path}`) } catch (err) {
        throw new WmsSendError(`the WMS answered ${request.path} with HTTP ${status} but not a task: ${(err as Error).message}`, true, status)
      }
      return { taskRef: task.taskId }
    }
    const retryable = status >= 500 || status === 408 || status === 429
    const hint = status === 401 || status === 403 ? '; check wms.username and the password file' : ''
    throw new WmsSendError(`the WMS answered ${request.path} with HTTP ${status}: ${problemText(text)}${hint}`, retryable, status)
  }

  private async post (path: string, body: unknown, idempotencyKey: string): Promise<{ status: number, text: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, application/problem+json', 'idempotency-key': idempotencyKey }
    if (this.authorization !== undefined) headers.authorization = this.authorization
    try {
      const res = await this.fetchFn(this.base + path, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.opts.timeoutMs) })
      return { status: res.status, text: await res.text() }
    } catch (err) {
      const e = err as Error
      const why = e.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message
      // The WMS may have made the task: the retry carries the same Idempotency-Key and gets that task back.
      throw new WmsSendError(`the WMS at ${this.base}${path} could not be reached: ${why}`, true)
    }
  }
}
