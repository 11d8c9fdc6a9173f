// A thin OData v2 client for S/4HANA's APIs (issue #13: the SAP Cloud SDK v4 needs Node 22, v3 is out of support):
// reads (`get`) and creates (`post`) over Node's fetch, with SAP's CSRF flow as SAP Gateway documents it: fetch the
// token with a GET `X-CSRF-Token: Fetch` on the service root, keep the session cookies it comes with (cookie-jar.ts),
// send both with every modifying request, and on 403 `X-CSRF-Token: Required` fetch once more and retry once, never
// more. SAP's error body becomes a SapODataError with a sentence a person can act on and a `retryable` verdict; the
// `sap-message` header's warnings of a successful call come back with the result.
import { CookieJar } from './cookie-jar'
import { parseSapErrorBody, SapODataError, whatIsPosted, type SapErrorDetail, type SapFailureKind } from './odata-errors'

export interface ODataClientOptions {
  /** The system's origin, e.g. `https://s4.example.com:44300` (the client adds /sap/opu/odata/sap/<SERVICE>/). */
  readonly baseUrl: string
  readonly username: string
  readonly password: string
  /** Per HTTP request (the token fetch and the call each); default 30 s. */
  readonly timeoutMs?: number
  /** The SAP client (`sap-client` query parameter); omitted when not set. */
  readonly sapClient?: string
  readonly fetch?: typeof globalThis.fetch
}

/** One message of the `sap-message` header. */
export interface SapWarning { readonly code: string, readonly message: string, readonly severity: string, readonly target: string }

export interface ODataResult<T> {
  readonly status: number
  /** `d` of the answer; for a set, its `results` array. */
  readonly data: T
  readonly warnings: readonly SapWarning[]
}

export interface ODataClient {
  get<T = unknown> (service: string, path: string, query?: Record<string, string>): Promise<ODataResult<T>>
  post<T = Record<string, unknown>> (service: string, entitySet: string, body: unknown): Promise<ODataResult<T>>
  /** How many times a CSRF token was fetched (the first call, then after each 403 Required). */
  readonly tokenFetches: number
}

const ODATA_ROOT = '/sap/opu/odata/sap/'

export function createODataClient (options: ODataClientOptions): ODataClient {
  const fetchFn = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 30_000
  const origin = options.baseUrl.replace(/\/+$/, '')
  const authorization = 'Basic ' + Buffer.from(`${options.username}:${options.password}`).toString('base64')
  const jar = new CookieJar()
  let token: string | undefined
  let tokenFetches = 0

  const urlOf = (service: string, path: string, query: Record<string, string> = {}): URL => {
    const u = new URL(`${origin}${ODATA_ROOT}${encodeURIComponent(service)}/${path.replace(/^\//, '')}`)
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
    if (options.sapClient && !u.searchParams.has('sap-client')) u.searchParams.set('sap-client', options.sapClient)
    return u
  }

  const fail = (kind: SapFailureKind, message: string, service: string, resource: string, retryable: boolean, status?: number, sapCode?: string, details: SapErrorDetail[] = [], hint?: string): SapODataError =>
    new SapODataError(kind, message, service, resource, retryable, status, sapCode, details, hint)

  /** One HTTP exchange; network failures and timeouts become SapODataErrors here. */
  async function exchange (method: string, url: URL, headers: Record<string, string>, body: string | undefined, service: string, resource: string, posting: boolean): Promise<Response> {
    const cookie = jar.header(url.pathname)
    try {
      const res = await fetchFn(url, {
        method,
        headers: { authorization, accept: 'application/json', ...(cookie ? { cookie } : {}), ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs)
      })
      jar.store(res.headers.getSetCookie())
      return res
    } catch (err) {
      const e = err as Error & { cause?: { code?: string, message?: string } }
      const unsure = posting ? '; SAP may or may not have booked it: check before sending it again' : ''
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw fail('timeout', `SAP ${service}/${resource} did not answer ${method} within ${timeoutMs} ms${unsure}`, service, resource, true)
      }
      const cause = e.cause?.code ?? e.cause?.message ?? e.message
      throw fail('network', `SAP ${service}/${resource} cannot be reached at ${origin}: ${cause}${posting && cause !== 'ECONNREFUSED' ? unsure : ''}`, service, resource, true)
    }
  }

  /** A non-2xx answer as a typed error: SAP's error body when there is one, else the status and the text. */
  async function refusal (res: Response, service: string, resource: string, doing: string): Promise<SapODataError> {
    const text = await res.text()
    const sap = parseSapErrorBody(text)
    const status = res.status
    if (status === 401) {
      return fail('authentication', `SAP ${service}/${resource} refused the login of user '${options.username}' (401 ${res.headers.get('www-authenticate') ?? ''})`.trimEnd(), service, resource, false, status, undefined, [], 'check the SAP user and password in the adapter settings')
    }
    const retryable = status >= 500 || status === 429 || status === 408
    const kind: SapFailureKind = retryable ? 'server' : 'business'
    if (!sap) {
      const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)
      return fail(kind, `SAP ${service}/${resource} ${doing}: HTTP ${status}${snippet ? `: ${snippet}` : ''}`, service, resource, retryable, status)
    }
    const others = sap.details.filter((d) => !(d.code === sap.code && d.message === sap.message))
    const detailText = others.length > 0 ? `; details: ${others.map((d) => `${d.message} (${d.code}${d.target ? `, ${d.target}` : ''})`).join('; ')}` : ''
    return fail(kind, `SAP ${service}/${resource} ${doing}: ${sap.message} (${sap.code})${detailText}`, service, resource, retryable, status, sap.code, sap.details)
  }

  function warningsOf (res: Response): SapWarning[] {
    const h = res.headers.get('sap-message')
    if (!h) return []
    try {
      const m = JSON.parse(h) as Record<string, unknown> & { details?: Array<Record<string, unknown>> }
      const one = (x: Record<string, unknown>): SapWarning => ({ code: String(x.code ?? ''), message: String(x.message ?? ''), severity: String(x.severity ?? ''), target: String(x.target ?? '') })
      return [one(m), ...(Array.isArray(m.details) ? m.details.map(one) : [])]
    } catch {
      return [{ code: '', message: h, severity: 'warning', target: '' }]
    }
  }

  async function result<T> (res: Response, service: string, resource: string): Promise<ODataResult<T>> {
    const text = await res.text()
    let d: unknown
    try {
      d = text === '' ? undefined : (JSON.parse(text) as { d?: unknown }).d
    } catch {
      throw fail('protocol', `SAP ${service}/${resource} answered ${res.status} with a body that is not JSON`, service, resource, false, res.status)
    }
    const data = (d && typeof d === 'object' && Array.isArray((d as { results?: unknown }).results)) ? (d as { results: unknown }).results : d
    return { status: res.status, data: data as T, warnings: warningsOf(res) }
  }

  async function fetchToken (service: string, resource: string): Promise<string> {
    tokenFetches++
    const res = await exchange('GET', urlOf(service, ''), { 'x-csrf-token': 'Fetch' }, undefined, service, resource, false)
    if (!res.ok) throw await refusal(res, service, resource, 'refused the CSRF token fetch')
    await res.arrayBuffer()
    const t = res.headers.get('x-csrf-token')
    if (!t || t.toLowerCase() === 'required') throw fail('csrf', `SAP ${service} answered the CSRF token fetch without a token`, service, resource, true, res.status)
    return t
  }

  return {
    get tokenFetches () { return tokenFetches },

    async get<T> (service: string, path: string, query: Record<string, string> = {}): Promise<ODataResult<T>> {
      const resource = path.replace(/^\//, '').split('?')[0]!
      const res = await exchange('GET', urlOf(service, path, { $format: 'json', ...query }), {}, undefined, service, resource, false)
      if (!res.ok) throw await refusal(res, service, resource, 'refused the read')
      return await result<T>(res, service, resource)
    },

    async post<T> (service: string, entitySet: string, body: unknown): Promise<ODataResult<T>> {
      const payload = JSON.stringify(body)
      const url = urlOf(service, entitySet)
      const send = async (): Promise<Response> => {
        token ??= await fetchToken(service, entitySet)
        return await exchange('POST', url, { 'x-csrf-token': token, 'content-type': 'application/json' }, payload, service, entitySet, true)
      }
      let res = await send()
      if (res.status === 403 && res.headers.get('x-csrf-token')?.toLowerCase() === 'required') {
        await res.arrayBuffer()
        token = undefined // the session or its token expired: fetch once more, retry once
        res = await send()
        if (res.status === 403 && res.headers.get('x-csrf-token')?.toLowerCase() === 'required') {
          await res.arrayBuffer()
          token = undefined
          throw fail('csrf', `SAP ${service}/${entitySet} refused ${whatIsPosted(entitySet)}: the CSRF token was refused again right after a fresh fetch`, service, entitySet, true, 403, undefined, [], 'a proxy between the hub and SAP may drop the session cookies')
        }
      }
      if (!res.ok) throw await refusal(res, service, entitySet, `refused ${whatIsPosted(entitySet)}`)
      return await result<T>(res, service, entitySet)
    }
  }
}
