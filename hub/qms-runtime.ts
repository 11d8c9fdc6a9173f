// The hub's QMS side, wired: the adapter (adapters/qms/qms-adapter.ts) on the MES, its webhook on the editor's HTTP
// port without the editor login (the Standard Webhooks signature with the shared secret is its authentication:
// a QMS has no editor user). Created before the editor (which mounts the webhook), started after the MES, stopped
// before it.
import os from 'node:os'
import type { RequestHandler } from 'express'
import type { Logger } from '../core/logger'
import type { UnsPort } from '../uns/uns-port'
import type { Mes } from '../mes/service'
import type { HubConfig } from './config'
import { QmsAdapter } from '../adapters/qms/qms-adapter'
import { qmsCredentials, qmsWebhookSecret, type QmsConfig } from '../adapters/qms/config'
import { QmsSendError, type QmsConnector } from '../adapters/qms/qms-connector'
import { SapQmConnector } from '../adapters/sap/qm/sap-qm-connector'
import { createODataClient } from '../adapters/sap/odata/odata-client'

export interface QmsRuntime {
  readonly adapter: QmsAdapter
  /** The webhook for the editor's HTTP port (POST /qms/webhook), signed, no login. */
  routes (): Array<{ path: string, handler: RequestHandler }>
  start (): Promise<void>
  stop (): Promise<void>
}

export function createQmsRuntime (opts: { config: HubConfig, uns: UnsPort, mes: Mes, log: Logger }): QmsRuntime | undefined {
  const { config, uns, mes, log } = opts
  if (!config.qms.enabled) return undefined
  if (!config.editor.enabled) log.warn('qms.enabled but editor.enabled is false: the QMS webhook needs the hub\'s HTTP port; only the outbound side runs')
  if (qmsWebhookSecret(config.qms) === '') log.warn('qms.enabled but no webhook secret (qms.webhookSecretFile or HUB_QMS_WEBHOOK_SECRET): every QMS callback is refused (503)')
  const connector = config.qms.system === 'sap-qm' ? sapQm(config.qms, config.sap.unitCodes) : undefined
  const adapter = new QmsAdapter({ config: config.qms, mes, uns, log, instance: `${os.hostname()}:${process.pid}`, ...(connector !== undefined ? { connector } : {}) })
  return {
    adapter,
    routes: () => [adapter.webhook()],
    start: async () => await adapter.start(),
    stop: async () => await adapter.stop()
  }
}

/**
 * SAP QM as the QMS (qms.system sap-qm): API_INSPECTIONLOT_SRV at qms.url with the user:password of
 * qms.credentialsFile. The connector lives in the SAP adapter (only it speaks SAP); the QMS adapter's error type is
 * handed in, as adapters never import each other.
 */
function sapQm (qms: QmsConfig, unitCodes: 'sap' | 'iso'): QmsConnector | undefined {
  if (qms.url === '') return undefined
  const credentials = qmsCredentials(qms)
  const colon = credentials.indexOf(':')
  const client = createODataClient({
    baseUrl: qms.url, username: colon < 0 ? credentials : credentials.slice(0, colon), password: colon < 0 ? '' : credentials.slice(colon + 1),
    timeoutMs: qms.timeoutMs, ...(qms.sapClient !== '' ? { sapClient: qms.sapClient } : {})
  })
  return new SapQmConnector({ client, plant: qms.sapPlant, unitCodes, refusal: (message, retryable, status) => new QmsSendError(message, retryable, status) })
}
