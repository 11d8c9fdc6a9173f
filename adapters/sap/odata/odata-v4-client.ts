// A thin OData v4 client for S/4HANA's RAP APIs (EWM's API_WAREHOUSE_ORDER_TASK_2), beside the v2 one
// (odata-client.ts): the service root is `/sap/opu/odata4/sap/<service>/srvd_a2x/sap/<service definition>/<version>/`,
// answers carry no `d` wrapper (a collection is `{ value: [...] }`), and operations are bound actions posted to
// `<entity>(<key>)/<namespace>.<Action>`. The CSRF flow is SAP's, as for v2: a GET `X-CSRF-Token: Fetch` on the
// service root, the session cookies kept, the token sent with every POST, one re-fetch on 403 `Required`. A request
// may carry `Repeatability-Request-ID` / `Repeatability-First-Sent` (OData v4.01 repeatable requests, which SAP's
// RAP runtime honours): the server answers a repeated id with the first answer instead of doing it twice.
import { CookieJar } from './cookie-jar'
import { parseSapErrorBody, SapODataError, type SapFailureKind } from './odata-errors'

export interface ODataV4ClientOptions {
  readonly baseUrl: string
  /** The service's path below the origin, e.g. `/sap/opu/odata4/sap/api_warehouse_order_task_2/srvd_a2x/sap/warehouseorder/0001/`. */
  readonly servicePath: string
  /** The service's name in messages. */
  readonly service: string
  readonly username: string
  readonly password: string
  readonly timeoutMs?: number
  readonly sapClient?: string
  readonly fetch?: typeof globalThis.fetch
}

export interface ODataV4Client {
  get<T = unknown> (path: string, query?: Record<string, string>): Promise<T>
  /** A create or a bound action; `repeatabilityId` makes a resend of the same request safe. */
  post<T = Record<string, unknown>> (path: string, body: unknown, repeatabilityId?: string): Promise<T>
  readonly tokenFetches: number
}

export function createODataV4Client (options: ODataV4ClientOptions): ODataV4Client {
  const fetchFn = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 30_000
  const origin = options.baseUrl.replace(/\/+$/, '')
  const root = '/' + options.servicePath.replace(/^\/+|\/+$/g, '') + '/'
  const service = options.service
  const authorization = 'Basic ' + Buffer.from(`${options.username}:${options.password}`).toString('base64')
  const jar = new CookieJar()
  let token: string | undefined
  let tokenFetches = 0

  const urlOf = (path: string, query: Record<string, string> = {}): URL => {
    const u = new URL(`${origin}${root}${path.replace(/^\//, '')}`)
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
    if (options.sapClient && !u.searchParams.has('sap-client')) u.searchParams.set('sap-client', options.sapClient)
    return u
  }
  const fail = (kind: SapFailureKind, message: string, resource: string, retryable: boolean, status?: number, sapCode?: string, hint?: string): SapODataError =>
    new SapODataError(kind, message, service, resource, retryable, status, sapCode, [], hint)

  async function exchange (method: string, url: URL, headers: Record<string, string>, body: string | undefined, resource: string): Promise<Response> {
    const cookie = jar.header(url.pathname)
    try {
      const res = await fetchFn(url, {
        method, headers: { authorization, accept: 'application/json', ...(cookie ? { cookie } : {}), ...headers }, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs)
      })
      jar.store(res.headers.getSetCookie())
      return res
    } catch (err) {
      const e = err as Error & { cause?: { code?: string, message?: string } }
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw fail('timeout', `SAP ${service}/${resource} did not answer ${method} within ${timeoutMs} ms`, resource, true)
      throw fail('network', `SAP ${service}/${resource} cannot be reached at ${origin}: ${e.cause?.code ?? e.cause?.message ?? e.message}`, resource, true)
    }
  }

  async function refusal (res: Response, resource: string, doing: string): Promise<SapODataError> {
    const text = await res.text()
    const status = res.status
    if (status === 401) return fail('authentication', `SAP ${service}/${resource} refused the login of user '${options.username}' (401)`, resource, false, status, undefined, 'check the SAP user and password in the adapter settings')
    const retryable = status >= 500 || status === 429 || status === 408
    const sap = parseSapErrorBody(text)
    if (!sap) return fail(retryable ? 'server' : 'business', `SAP ${service}/${resource} ${doing}: HTTP ${status}${text ? `: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)}` : ''}`, resource, retryable, status)
    const others = sap.details.filter((d) => !(d.code === sap.code && d.message === sap.message))
    const more = others.length > 0 ? `; details: ${others.map((d) => `${d.message} (${d.code})`).join('; ')}` : ''
    return new SapODataError(retryable ? 'server' : 'business', `SAP ${service}/${resource} ${doing}: ${sap.message} (${sap.code})${more}`, service, resource, retryable, status, sap.code, sap.details)
  }

  async function json<T> (res: Response, resource: string): Promise<T> {
    const text = await res.text()
    try { return (text === '' ? {} : JSON.parse(text)) as T } catch {
      throw fail('protocol', `SAP ${service}/${resource} answered ${res.status} with a body that is not JSON`, resource, false, res.status)
    }
  }

  const resourceOf = (path: string): string => path.replace(/^\//, '').split('?')[0]!

  return {
    get tokenFetches () { return tokenFetches },

    async get<T> (path: string, query: Record<string, string> = {}): Promise<T> {
      const resource = resourceOf(path)
      const res = await exchange('GET', urlOf(path, query), {}, undefined, resource)
      if (!res.ok) throw await refusal(res, resource, 'refused the read')
      return await json<T>(res, resource)
    },

    async post<T> (path: string, body: unknown, repeatabilityId?: string): Promise<T> {
      const resource = resourceOf(path)
      const payload = JSON.stringify(body)
      const firstSent = new Date().toUTCString()
      const send = async (): Promise<Response> => {
        if (token === undefined) {
          tokenFetches++
          const r = await exchange('GET', urlOf(''), { 'x-csrf-token': 'Fetch' }, undefined, resource)
          if (!r.ok) throw await refusal(r, resource, 'refused the CSRF token fetch')
          await r.arrayBuffer()
          const t = r.headers.get('x-csrf-token')
          if (!t || t.toLowerCase() === 'required') throw fail('csrf', `SAP ${service} answered the CSRF token fetch without a token`, resource, true, r.status)
          token = t
        }
        const repeat: Record<string, string> = repeatabilityId !== undefined ? { 'repeatability-request-id': repeatabilityId, 'repeatability-first-sent': firstSent } : {}
        return await exchange('POST', urlOf(path), { 'x-csrf-token': token, 'content-type': 'application/json', ...repeat }, payload, resource)
      }
      let res = await send()
      for (let again = 0; res.status === 403 && res.headers.get('x-csrf-token')?.toLowerCase() === 'required'; again++) {
        await res.arrayBuffer()
        token = undefined
        if (again > 0) throw fail('csrf', `SAP ${service}/${resource}: the CSRF token was refused again right after a fresh fetch`, resource, true, 403, undefined, 'a proxy between the hub and SAP may drop the session cookies')
        res = await send()
      }
      if (!res.ok) throw await refusal(res, resource, `refused the ${resource} request`)
      return await json<T>(res, resource)
    }
  }
}
