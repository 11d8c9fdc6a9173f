// A JSON client of the MES HTTP API and a real HTTP server over a real Mes with a stand-in login in front, for the
// router-level suites (test/hub/mes-http-*.test.ts).
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Request } from 'express'
import { MES_API_PATH, mesHttpApi, type ApiAuth } from '../../mes/http/mes-http-api'
import { scopeAllows } from '../../hub/node-red'
import { createLogger } from '../../core/logger'
import type { Mes } from '../../mes/index'

export interface Answer {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
  text: string
}

/** A JSON client of one API root; `as` picks the credentials (headers) sent with every request. */
export function client (root: string, credentials: Record<string, string>) {
  const call = async (method: string, url: string, body?: unknown, opts: { raw?: string, headers?: Record<string, string> } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...credentials, ...opts.headers }
    let payload: string | undefined = opts.raw
    if (body !== undefined) payload = JSON.stringify(body)
    if (payload !== undefined) headers['content-type'] ??= 'application/json'
    const res = await fetch(root + url, { method, headers, body: payload })
    const text = await res.text()
    let parsed: unknown = null
    if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text)
    return { status: res.status, headers: res.headers, body: parsed, text }
  }
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, body?: unknown) => call('POST', url, body),
    patch: (url: string, body?: unknown) => call('PATCH', url, body),
    call
  }
}

/**
 * Stand-in login for the router-level suites: the user and the token scope come from x-test-user / x-test-scope,
 * and the permission rule is Node-RED's (the one the hub uses).
 */
export const testAuth: ApiAuth = {
  authenticate: (req, _res, next) => {
    const user = req.header('x-test-user')
    if (user !== undefined) Object.assign(req, { user: { username: user }, authInfo: { scope: req.header('x-test-scope') ?? '*' } })
    next()
  },
  allows: (req: Request, permission) => scopeAllows((req as Request & { authInfo?: { scope?: unknown } }).authInfo?.scope, permission)
}

export interface Served { root: string, logged: string[], close: () => Promise<void> }

export async function serve (mes: Mes): Promise<Served> {
  const logged: string[] = []
  const app = express()
  app.use(MES_API_PATH, mesHttpApi(mes, { auth: testAuth, log: createLogger('debug', 'mes-api', (l) => logged.push(l)) }))
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    root: `http://127.0.0.1:${(server.address() as AddressInfo).port}${MES_API_PATH}`,
    logged,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

