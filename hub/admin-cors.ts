// Cross-origin requests to the editor's port (the admin API, the MES API, /auth/token, HTTP-in endpoints).
// Node-RED's admin app always installs cors({ origin: '*' }) before anything else (@node-red/editor-api lib/index.js),
// so any web page a user visits could read the answers of the hub's APIs; settings.js's httpAdminCors is applied
// only after the editor's routes, and never to a preflight, which that first handler has already answered.
// The hub answers CORS itself, in front of Node-RED: from settings.js's httpAdminCors (or httpNodeCors under
// httpNodeRoot) when set, else not at all (no Access-Control-* header: a browser refuses the cross-origin call),
// and the CORS headers that Node-RED's own handlers would add after it are dropped.
import { createRequire } from 'node:module'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'

/** The options of the `cors` package, as Node-RED's settings take them. */
export type CorsOptions = Record<string, unknown>
type CorsMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

// The same `cors` package Node-RED's admin app uses (a dependency of @node-red/editor-api, not one of ours).
const cors = createRequire(require.resolve('@node-red/editor-api'))('cors') as (options: CorsOptions) => CorsMiddleware

/** Whether `url` (a request path) is `root` or below it. */
function under (url: string, root: string): boolean {
  const r = root.endsWith('/') ? root.slice(0, -1) : root
  return r === '' || url === r || url.startsWith(r + '/') || url.startsWith(r + '?')
}

/** Stops every later handler of this response from setting an Access-Control-* header. */
function sealCorsHeaders (res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res)
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    /^access-control-/i.test(name) ? res : setHeader(name, value)) as ServerResponse['setHeader']
}

export interface CorsSettings {
  httpAdminCors?: CorsOptions
  httpNodeCors?: CorsOptions
  httpNodeRoot?: string | false
}

/** Middleware for the editor's whole port; mount it before Node-RED's apps. */
export function adminCors (settings: CorsSettings): RequestHandler {
  const admin = settings.httpAdminCors !== undefined ? cors(settings.httpAdminCors) : undefined
  const node = settings.httpNodeCors !== undefined ? cors(settings.httpNodeCors) : undefined
  const nodeRoot = typeof settings.httpNodeRoot === 'string' ? settings.httpNodeRoot : undefined
  return (req, res, next) => {
    if (req.headers.origin === undefined) return next()
    const configured = nodeRoot !== undefined && under(req.url, nodeRoot) ? node : admin
    const rest = (err?: unknown): void => {
      sealCorsHeaders(res)
      next(err)
    }
    if (configured === undefined) return rest()
    // A preflight is answered here (204); other requests go on with the configured headers set.
    configured(req, res, rest)
  }
}
