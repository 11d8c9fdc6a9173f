// The collector's running part, loaded with node-opcua only when the plant model binds OPC UA variables: the
// client certificate store under the data directory, and one session with its feed per endpoint.
import { routeNodeOpcuaLogs } from '../node-opcua-log'
import fs from 'node:fs'
import path from 'node:path'
import { OPCUACertificateManager } from 'node-opcua'
import type { Logger } from '../../../core/logger'
import type { PlantModel } from '../../../plant/plant-model'
import type { UnsPort } from '../../../uns/uns-port'
import type { EndpointBinding } from './bindings'
import type { OpcUaCollectorConfig } from './config'
import { EndpointFeed } from './endpoint-feed'
import { EndpointSession } from './endpoint-session'

export interface OpcUaCollectorOptions {
  model: PlantModel
  uns: UnsPort
  settings: OpcUaCollectorConfig
  /** The hub's data directory: the collector's certificates live in `<dataDir>/opcua/collector-pki`. */
  dataDir: string
  /** Where the passwords named by `passwordEnv` are read (default process.env). */
  env?: NodeJS.ProcessEnv
  log: Logger
}

export interface RunningCollector {
  /** The endpoints with a session, in plant model order. */
  readonly endpoints: readonly string[]
  /** Stops every session; values keep their last state. */
  stop (): Promise<void>
}

export async function startSessions (bindings: readonly EndpointBinding[], opts: OpcUaCollectorOptions): Promise<RunningCollector> {
  const { settings, log } = opts
  routeNodeOpcuaLogs(log)
  const rootFolder = path.join(opts.dataDir, 'opcua', 'collector-pki')
  const certificates = new OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate: settings.acceptUnknownServerCertificates })
  await certificates.initialize()
  if (!fs.existsSync(path.join(certificates.rootDir, 'own', 'certs', 'client_certificate.pem'))) {
    log.info(`creating the OPC UA collector's client certificate in ${rootFolder} (once; RSA key generation takes a few seconds) ...`)
  }
  const sessions = bindings.map((b) => new EndpointSession({
    binding: b, settings, certificates, env: opts.env ?? process.env, log, listener: new EndpointFeed(b, opts.uns, log)
  }))
  for (const s of sessions) s.start()
  log.info(`OPC UA collector: ${bindings.length} endpoint${bindings.length === 1 ? '' : 's'}, ` +
    `${bindings.reduce((n, b) => n + b.nodes.length, 0)} variables`)
  return {
    endpoints: bindings.map((b) => b.endpoint),
    async stop () {
      await Promise.all(sessions.map((s) => s.stop()))
      await certificates.dispose()
    }
  }
}
