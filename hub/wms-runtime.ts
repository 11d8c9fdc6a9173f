// The hub's WMS side, wired: the adapter (adapters/wms/wms-adapter.ts) on the MES, its webhook (/wms/events) on the
// editor's HTTP port without the editor login (the Standard Webhooks signature is its authentication). Created before
// the editor (which mounts the webhook), started after the MES (the feeder drains what was made while the hub was
// down, the webhook's stored events are applied), stopped before it.
import os from 'node:os'
import type { RequestHandler } from 'express'
import type { Logger } from '../core/logger'
import type { UnsPort } from '../uns/uns-port'
import type { Mes } from '../mes/service'
import type { HubConfig } from './config'
import { WmsAdapter } from '../adapters/wms/wms-adapter'

export interface WmsRuntime {
  readonly adapter: WmsAdapter
  /** The webhook for the editor's HTTP port. */
  routes (): Array<{ path: string, handler: RequestHandler }>
  start (): Promise<void>
  stop (): Promise<void>
}

export function createWmsRuntime (opts: { config: HubConfig, uns: UnsPort, mes: Mes, log: Logger }): WmsRuntime | undefined {
  const { config, uns, mes, log } = opts
  if (!config.wms.enabled) return undefined
  if (!config.editor.enabled) log.warn('wms.enabled but editor.enabled is false: the webhook /wms/events needs the hub\'s HTTP port; only the outbound side runs')
  if (config.mes.staging?.requiredToStart !== true) log.info('WMS: jobs start whether or not their components are staged (mes.staging.requiredToStart is false)')
  const adapter = new WmsAdapter({ config: config.wms, mes, uns, log, instance: `${os.hostname()}:${process.pid}` })
  return {
    adapter,
    routes: () => [adapter.webhook()],
    start: async () => await adapter.start(),
    stop: async () => await adapter.stop()
  }
}
