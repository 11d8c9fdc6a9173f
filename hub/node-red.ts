// Node-RED embedded in the hub's process: same event loop as the broker, so the hub's nodes publish into the
// namespace in-process (no MQTT connection that could drop messages while disconnected).
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { HubConfig } from './config'
import type { Logger } from './logger'
import { ensureCredentialSecret, ensureEditorCredentials, type EditorCredentials } from './editor-credentials'
import { NODES_DIR, SETTINGS_FILE, SHIPPED_FLOWS_DIR } from './paths'

interface NodeRedRuntime {
  init (server: http.Server, settings: Record<string, unknown>): void
  start (): Promise<void>
  stop (): Promise<void>
  httpAdmin: express.Express
  httpNode: express.Express
}

export interface RunningEditor {
  readonly url: string
  readonly port: number
  readonly credentials: EditorCredentials
  close (): Promise<void>
}

const FLOW_FILE = 'flows.json'

/** On first start the user's flow file is seeded from flows/ in the package; after that it is the user's. */
function seedFlows (userDir: string, log: Logger): void {
  const target = path.join(userDir, FLOW_FILE)
  if (fs.existsSync(target)) return
  const shipped = path.join(SHIPPED_FLOWS_DIR, 'hub-flows.json')
  if (!fs.existsSync(shipped)) return
  fs.copyFileSync(shipped, target)
  log.info(`seeded ${target} from the shipped flows (${shipped})`)
}

export async function startEditor (config: HubConfig, log: Logger): Promise<RunningEditor> {
  const userDir = path.join(config.dataDir, 'node-red')
  fs.mkdirSync(userDir, { recursive: true })
  seedFlows(userDir, log)
  const credentials = await ensureEditorCredentials(config.dataDir, config.editor.users)

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const base = require(SETTINGS_FILE) as Record<string, unknown>
  const settings: Record<string, unknown> = {
    ...base,
    uiHost: config.editor.host,
    uiPort: config.editor.port,
    userDir,
    flowFile: FLOW_FILE,
    credentialSecret: ensureCredentialSecret(config.dataDir),
    nodesDir: [NODES_DIR],
    adminAuth: {
      type: 'credentials',
      users: credentials.users.map((u) => ({ username: u.username, password: u.passwordHash, permissions: u.permissions ?? '*' }))
    },
    logging: { console: { level: config.logLevel === 'debug' ? 'debug' : config.logLevel, metrics: false, audit: false } }
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as NodeRedRuntime
  const app = express()
  app.disable('x-powered-by')
  const server = http.createServer(app)
  server.on('connection', (s) => s.setNoDelay(true))
  RED.init(server, settings)
  app.use(String(settings.httpAdminRoot ?? '/'), RED.httpAdmin)
  app.use(String(settings.httpNodeRoot ?? '/api'), RED.httpNode)

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new Error(`editor port ${config.editor.port} on ${config.editor.host} is already in use: stop the other program or set HUB_EDITOR_PORT`)
      : err))
    server.listen(config.editor.port, config.editor.host, () => resolve((server.address() as AddressInfo).port))
  })
  await RED.start()
  const host = config.editor.host === '0.0.0.0' ? '127.0.0.1' : config.editor.host
  return {
    url: `http://${host}:${port}/`,
    port,
    credentials,
    async close () {
      await RED.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
