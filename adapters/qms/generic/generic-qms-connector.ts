// The QmsConnector of the generic contract (schemas/qms/qms-api.schema.json) over HTTP. Each send is one POST with
// the outbox message's idempotency key in an Idempotency-Key header (the IETF httpapi draft's header, as Stripe and
// most REST APIs take it): the QMS answers a repeated key with what it answered first, so a send whose answer was
// lost (a timeout, a dropped connection) is simply sent again. What the QMS refuses (4xx other than 408 and 429:
// a business error, a body it cannot take, a wrong token) is final, with the problem's title, detail and the paths
// it names; the QMS down, slow or busy (5xx, 408, 429, no answer) is retryable. The inspection plan is a GET,
// retried here a few times (qms.retries), as reading twice changes nothing.
import { QmsSendError, type QmsAccepted, type QmsConnector, type QmsMessages, type QmsMessageType } from '../qms-connector'
import type { InspectionPlanInput } from '../../../mes/service'
import type { QmsConfig } from '../config'
import { inspectionResultBody, nonconformanceBody, planInput, readInspectionPlan, usageDecisionBody } from './contract'

export const QMS_API = '/api/v1'

export interface GenericQmsOptions {
  readonly config: Pick<QmsConfig, 'url' | 'timeoutMs' | 'retries' | 'retryDelayMs'>
  /** The API token (qmsCredentials). */
  readonly token: string
  readonly fetch?: typeof globalThis.fetch
}

interface Answer { status: number, body: unknown, text: string }

/** A problem+json (RFC 9457) answer in one line: title, detail and each pointer it names. */
export function problemText (a: Answer): string {
  const p = (typeof a.body === 'object' && a.body !== null ? a.body : {}) as { title?: unknown, detail?: unknown, errors?: unknown }
  const parts: string[] = []
  if (typeof p.title === 'string') parts.push(p.title)
  if (typeof p.detail === 'string' && p.detail !== p.title) parts.push(p.detail)
  if (Array.isArray(p.errors)) {
    for (const e of p.errors.slice(0, 10) as Array<{ pointer?: unknown, detail?: unknown }>) parts.push(`${String(e.pointer ?? '/')}: ${String(e.detail ?? '')}`)
  }
  return parts.length > 0 ? parts.join('; ') : (a.text.slice(0, 300).trim() || '(no text)')
}

const RETRYABLE_4XX = new Set([408, 425, 429])

export function genericQmsConnector (opts: GenericQmsOptions): QmsConnector {
  const base = opts.config.url.replace(/\/+$/, '') + QMS_API
  const fetchFn = opts.fetch ?? globalThis.fetch
  const authorization = `Bearer ${opts.token}`

  const request = async (method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<Answer> => {
    let res: Response
    try {
      res = await fetchFn(base + path, {
        method,
        headers: {
          authorization, accept: 'application/json, application/problem+json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {})
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(opts.config.timeoutMs)
      })
    } catch (err) {
      const e = err as Error
      const why = e.name === 'TimeoutError' ? `no answer within ${opts.config.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message
      // Safe to send again: the QMS de-duplicates by the Idempotency-Key.
      throw new QmsSendError(`the QMS (${method} ${QMS_API}${path}) could not be reached: ${why}`, true)
    }
    const text = await res.text()
    let parsed: unknown
    try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = undefined }
    return { status: res.status, body: parsed, text }
  }

  const refusal = (a: Answer, what: string): QmsSendError => {
    const retryable = a.status >= 500 || RETRYABLE_4XX.has(a.status)
    const hint = a.status === 401 || a.status === 403 ? ' (check the token in qms.credentialsFile, then resubmit)' : ''
    return new QmsSendError(`the QMS answered ${what} with HTTP ${a.status}: ${problemText(a)}${hint}`, retryable, a.status)
  }

  const post = async (path: string, body: unknown, key: string, what: string): Promise<QmsAccepted> => {
    const a = await request('POST', path, body, key)
    if (a.status < 200 || a.status >= 300) throw refusal(a, what)
    const id = (a.body as { id?: unknown } | undefined)?.id
    return typeof id === 'string' && id !== '' ? { reference: id } : {}
  }

  return {
    system: 'generic',
    async inspectionPlanOf (order: { orderNumber: string, material: string }): Promise<InspectionPlanInput | null> {
      const query = new URLSearchParams({ orderNumber: order.orderNumber, material: order.material })
      for (let attempt = 0; ; attempt++) {
        try {
          const a = await request('GET', `/inspection-plans?${query.toString()}`)
          if (a.status === 404) return null
          if (a.status < 200 || a.status >= 300) throw refusal(a, `the inspection plan of order ${order.orderNumber}`)
          return planInput(readInspectionPlan(a.body, `the QMS's inspection plan of order ${order.orderNumber}`), 'qms')
        } catch (err) {
          if (!(err instanceof QmsSendError) || !err.retryable || attempt >= opts.config.retries) throw err
          await new Promise((resolve) => setTimeout(resolve, opts.config.retryDelayMs * 2 ** attempt))
        }
      }
    },
    async send<T extends QmsMessageType> (type: T, payload: QmsMessages[T], idempotencyKey: string): Promise<QmsAccepted> {
      switch (type) {
        case 'inspection-result': {
          const { result } = payload as QmsMessages['inspection-result']
          return await post('/inspection-results', inspectionResultBody(result), idempotencyKey, `inspection result ${result.id}`)
        }
        case 'nonconformance': {
          const { nonconformance } = payload as QmsMessages['nonconformance']
          return await post('/nonconformances', nonconformanceBody(nonconformance), idempotencyKey, `nonconformance ${nonconformance.ncId}`)
        }
        case 'usage-decision': {
          const u = payload as QmsMessages['usage-decision']
          return await post(`/inspection-lots/${encodeURIComponent(u.inspectionLot)}/usage-decision`, usageDecisionBody(u), idempotencyKey,
            `the usage decision of inspection lot ${u.inspectionLot}`)
        }
        default: throw new QmsSendError(`the generic QMS takes inspection results, nonconformances and usage decisions, not '${String(type)}'`, false)
      }
    }
  }
}
