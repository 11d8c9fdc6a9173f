// Node-RED embedded in the hub's process: same event loop as the broker, so the hub's nodes publish into the
// namespace in-process (no MQTT connection that could drop messages while disconnected). Its admin app also serves
// the MES HTTP API (mes/http/mes-http-api.ts), behind the editor's login.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import express, { type Request, type RequestHandler } from 'express'
import type { HubConfig } from './config'
import type { Logger } from '../core/logger'
import { ensureCredentialSecret, ensureEditorCredentials, type EditorCredentials } from './editor-credentials'
import { NODES_DIR, SETTINGS_FILE, SHIPPED_FLOWS_DIR } from './paths'
import type { Mes } from '../mes/index'
import { HUB_SERVICES_SETTING, type HubServices } from '../nodes/hub-services'
import { MES_API_PATH, mesHttpApi, type ApiAuth } from '../mes/http/mes-http-api'
import { scopeAllows } from './node-red-permissions'
import { LoginThrottle, loginGuard } from './editor-login-guard'
import { adminCors, type CorsSettings } from './admin-cors'
import type { EditorUser } from './own-config'
export { scopeAllows }

interface NodeRedAuth {
  /** Express middleware: a valid editor token (or session) with `permission` in its scope, else 401. */
  needsPermission (permission: string): RequestHandler
}

interface NodeRedRuntime {
  init (server: http.Server, settings: Record<string, unknown>): void
  start (): Promise<void>
  stop (): Promise<void>
  httpAdmin: express.Express
  httpNode: express.Express
  auth: NodeRedAuth
}

export interface RunningEditor {
  readonly url: string
  readonly port: number
  readonly credentials: EditorCredentials
  /** The MES HTTP API's root, when the editor serves it. */
  readonly mesApiUrl: string | undefined
  close (): Promise<void>
}

export interface EditorOptions {
  /** The MES core to serve as an HTTP API beside the editor's admin API (same login). */
  mes?: Mes
  /** The hub's services for its nodes, put in the runtime's settings (nodes/hub-services.ts). */
  services?: HubServices
  /**
   * Endpoints at fixed paths of the HTTP port, outside Node-RED (SAP's /sap/bc/...), each given the editor users
   * for its own authentication; mounted before Node-RED's admin app.
   */
  routes?: (users: readonly EditorUser[], throttle: LoginThrottle) => Array<{ path: string, handler: RequestHandler }>
}

const FLOW_FILE = 'flows.json'

/** On first start the user's flow file is seeded from flows/ in the package; after that it is the user's. */
function seedFlows (userDir: string, log: Logger): void {
  const target = path.join(userDir, FLOW_FILE)
  if (fs.existsSync(target)) return
  const shipped = path.join(SHIPPED_FLOWS_DIR, 'hub-flows.json')
  if (!fs.existsSync(shipped)) return
  fs.copyFileSync(shipped, target)
  fs.chmodSync(target, 0o600) // copyFileSync keeps the package file's mode (0644); the flows are the user's own
  log.info(`seeded ${target} from the shipped flows (${shipped})`)
}

/**
 * The editor login guards the MES API: Node-RED's own middleware checks the bearer token (POST /auth/token) and
 * the mes.read floor (401 without a valid token). Writes then need mes.write in the token's scope; lacking it is
 * a 403 (Node-RED itself would say 401, which a client cannot tell apart from "log in").
 */
function editorAuth (RED: NodeRedRuntime): ApiAuth {
  return {
    authenticate: RED.auth.needsPermission('mes.read'),
    allows: (req: Request, permission) => scopeAllows((req as Request & { authInfo?: { scope?: unknown } }).authInfo?.scope, permission)
  }
}

export async function startEditor (config: HubConfig, log: Logger, opts: EditorOptions = {}): Promise<RunningEditor> {
  const userDir = path.join(config.dataDir, 'node-red')
  fs.mkdirSync(userDir, { recursive: true })
  seedFlows(userDir, log)
  const credentials = await ensureEditorCredentials(config.dataDir, config.editor.users)

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const base = require(SETTINGS_FILE) as Record<string, unknown>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as NodeRedRuntime

  // The MES API lives in Node-RED's admin app, behind the settings file's own httpAdminMiddleware and before the
  // admin app's JSON parser (apiMaxLength, HTML error pages), so that it parses and answers its bodies itself.
  const adminMiddleware: unknown[] = base.httpAdminMiddleware === undefined ? [] : [base.httpAdminMiddleware].flat()
  if (opts.mes !== undefined) {
    adminMiddleware.push(express.Router().use(MES_API_PATH, mesHttpApi(opts.mes, { auth: editorAuth(RED), log: log.child('mes-api') })))
  }
  const settings: Record<string, unknown> = {
    ...base,
    uiHost: config.editor.host,
    uiPort: config.editor.port,
    userDir,
    flowFile: FLOW_FILE,
    credentialSecret: ensureCredentialSecret(config.dataDir),
    nodesDir: [NODES_DIR],
    [HUB_SERVICES_SETTING]: opts.services,
    httpAdminMiddleware: adminMiddleware.length > 0 ? adminMiddleware : undefined,
    adminAuth: {
      type: 'credentials',
      users: credentials.users.map((u) => ({ username: u.username, password: u.passwordHash, permissions: u.permissions ?? '*' }))
    },
    logging: { console: { level: config.logLevel === 'debug' ? 'debug' : config.logLevel, metrics: false, audit: false } }
  }

  const app = express()
  app.disable('x-powered-by')
  const server = http.createServer(app)
  server.on('connection', (s) => s.setNoDelay(true))
  RED.init(server, settings)
  // The port listens before Node-RED has started (so a port in use is reported before flows load), but a request
  // that reached Node-RED then (a client retrying with its token while the hub restarts) found its session store
  // not yet set up, and the TypeError ended the process. Until RED.start() is done the answer is 503 with Retry-After.
  let started = false
  app.use((_req, res, next) => {
    if (started) return next()
    res.set('Retry-After', '1').status(503).type('application/json')
      .send(JSON.stringify({ error: { code: 'HUB_STARTING', message: 'the hub is starting; try again in a second' } }))
  })
  // In front of Node-RED: CORS only as settings.js configures it, and the login checked and throttled by source.
  app.use(adminCors(settings as CorsSettings))
  // One count of failed logins per source for the editor's login and the routes' own (HTTP Basic): a source does not
  // get five guesses at each.
  const throttle = new LoginThrottle()
  for (const r of opts.routes?.(credentials.users, throttle) ?? []) app.use(r.path, r.handler)
  if (settings.httpAdminRoot !== false) {
    app.post(path.posix.join(String(settings.httpAdminRoot ?? '/'), 'auth/token'), ...loginGuard(credentials.users, throttle))
  }
  app.use(String(settings.httpAdminRoot ?? '/'), RED.httpAdmin)
  app.use(String(settings.httpNodeRoot ?? '/api'), RED.httpNode)

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new Error(`editor port ${config.editor.port} on ${config.editor.host} is already in use: stop the other program or set HUB_EDITOR_PORT`)
      : err))
    server.listen(config.editor.port, config.editor.host, () => resolve((server.address() as AddressInfo).port))
  })
  await RED.start()
  started = true
  const host = config.editor.host === '0.0.0.0' ? '127.0.0.1' : config.editor.host
  const url = `http://${host}:${port}/`
  const adminRoot = settings.httpAdminRoot
  return {
    url,
    port,
    credentials,
    mesApiUrl: opts.mes !== undefined && adminRoot !== false
      ? new URL(path.posix.join(String(adminRoot ?? '/'), MES_API_PATH), url).href
      : undefined,
    async close () {
      await RED.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
