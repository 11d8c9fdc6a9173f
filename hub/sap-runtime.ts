// The hub's SAP side, wired: the adapter (adapters/sap/sap-adapter.ts) on the MES, its IDoc endpoints on the editor's
// HTTP port behind HTTP Basic authentication of the editor users with sap.write (hub/basic-auth.ts). Created before
// the editor (which mounts the endpoints), started after the MES, stopped before it.
import os from 'node:os'
import type { Request, RequestHandler } from 'express'
import type { Logger } from '../core/logger'
import type { PlantModel } from '../plant/plant-model'
import type { UnsPort } from '../uns/uns-port'
import type { Mes } from '../mes/service'
import type { HubConfig } from './config'
import type { EditorUser } from './own-config'
import { SapAdapter } from '../adapters/sap/sap-adapter'
import { basicAuth, basicAuthUser } from './basic-auth'
import type { LoginThrottle } from './editor-login-guard'

export const SAP_PERMISSION = 'sap.write'

export interface SapRuntime {
  readonly adapter: SapAdapter
  /** The endpoints for the editor's HTTP port, given its users. */
  routes (users: readonly EditorUser[], throttle?: LoginThrottle): Array<{ path: string, handler: RequestHandler }>
  start (): Promise<void>
  stop (): Promise<void>
}

export function createSapRuntime (opts: { config: HubConfig, model: PlantModel, uns: UnsPort, mes: Mes, log: Logger }): SapRuntime | undefined {
  const { config, model, uns, mes, log } = opts
  if (!config.sap.enabled) return undefined
  if (!config.editor.enabled) log.warn('sap.enabled but editor.enabled is false: the IDoc endpoints need the hub\'s HTTP port; only the outbound side runs')
  const adapter = new SapAdapter({ config: config.sap, mes, model, uns, log, instance: `${os.hostname()}:${process.pid}` })
  return {
    adapter,
    routes: (users, throttle) => adapter.endpoints(basicAuth(users, SAP_PERMISSION, { realm: 'isa95-hub SAP', ...(throttle !== undefined ? { throttle } : {}) }), (req: Request) => basicAuthUser(req)),
    start: async () => await adapter.start(),
    stop: async () => await adapter.stop()
  }
}
