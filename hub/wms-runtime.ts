// The hub's WMS side, wired: the adapter (adapters/wms/wms-adapter.ts) on the MES, its webhook (/wms/events) on the
// editor's HTTP port without the editor login (the Standard Webhooks signature is its authentication). Created before
// the editor (which mounts the webhook), started after the MES (the feeder drains what was made while the hub was
// down, the webhook's stored events are applied), stopped before it. With wms.system 'sap-ewm' the connector is SAP
// EWM's warehouse task API at wms.url (it lives in the SAP adapter: only that speaks SAP) and, as EWM has no webhook,
// its task poller runs beside the adapter: the tasks Logistics still has open are read from EWM and each closed one
// is handed to the adapter's `deliver` (stored in the inbox once by its event id, then applied, as a webhook event).
import os from 'node:os'
import type { RequestHandler } from 'express'
import type { Logger } from '../core/logger'
import { ValidationError } from '../core/errors'
import type { UnsPort } from '../uns/uns-port'
import type { Mes } from '../mes/service'
import type { HubConfig } from './config'
import { WmsAdapter } from '../adapters/wms/wms-adapter'
import { wmsPassword, type WmsConfig } from '../adapters/wms/config'
import { WmsSendError } from '../adapters/wms/wms-connector'
import { EWM_SERVICE, EWM_SERVICE_PATH, SapEwmConnector } from '../adapters/sap/ewm/sap-ewm-connector'
import { EwmTaskPoller } from '../adapters/sap/ewm/ewm-task-poller'
import { createODataV4Client } from '../adapters/sap/odata/odata-v4-client'

export interface WmsRuntime {
  readonly adapter: WmsAdapter
  /** SAP EWM's task poller (wms.system 'sap-ewm' with a url); undefined otherwise. */
  readonly ewmPoller: EwmTaskPoller | undefined
  /** The webhook for the editor's HTTP port. */
  routes (): Array<{ path: string, handler: RequestHandler }>
  start (): Promise<void>
  stop (): Promise<void>
}

export function createWmsRuntime (opts: { config: HubConfig, uns: UnsPort, mes: Mes, log: Logger }): WmsRuntime | undefined {
  const { config, uns, mes, log } = opts
  if (!config.wms.enabled) return undefined
  const ewm = config.wms.system === 'sap-ewm' ? sapEwm(config.wms, config.sap.unitCodes) : undefined
  if (!config.editor.enabled && ewm === undefined) log.warn('wms.enabled but editor.enabled is false: the webhook /wms/events needs the hub\'s HTTP port; only the outbound side runs')
  if (config.mes.staging?.requiredToStart !== true) log.info('WMS: jobs start whether or not their components are staged (mes.staging.requiredToStart is false)')
  const adapter = new WmsAdapter({ config: config.wms, mes, uns, log, instance: `${os.hostname()}:${process.pid}`, ...(ewm !== undefined ? { connector: ewm } : {}) })
  const pollLog = log.child('ewm-poll')
  const ewmPoller = ewm === undefined
    ? undefined
    : new EwmTaskPoller({
      connector: ewm,
      openTasks: async () => await mes.logistics.openTasks(),
      deliver: async (event) => {
        try {
          await adapter.deliver(event, 'ewm-poll')
        } catch (err) {
          // An event that is not one the MES can take (EWM answered something the schema refuses) is for a person;
          // it is logged and the others go on. A failure of the store throws: the poller tries again.
          if (!(err instanceof ValidationError)) throw err
          pollLog.error(`EWM task ${event.task.taskId} of ${event.task.requestId}: not taken: ${err.message}`)
        }
      },
      intervalMs: config.wms.ewmPollMs,
      log: pollLog
    })
  return {
    adapter,
    ewmPoller,
    routes: () => [adapter.webhook()],
    start: async () => {
      await adapter.start()
      ewmPoller?.start()
    },
    stop: async () => {
      await ewmPoller?.stop()
      await adapter.stop()
    }
  }
}

/**
 * SAP EWM as the WMS: API_WAREHOUSE_ORDER_TASK_2 at wms.url (the SAP system's root), HTTP Basic with wms.username and
 * the password of wms.passwordFile, in wms.sapClient, warehouse wms.warehouse, the landscape's process types. The
 * WMS adapter's error type is handed in, as adapters never import each other. No url: nothing to talk to (the
 * requests wait in the outbox, as for the generic WMS).
 */
function sapEwm (wms: WmsConfig, unitCodes: 'sap' | 'iso'): SapEwmConnector | undefined {
  if (wms.url === '') return undefined
  const client = createODataV4Client({
    baseUrl: wms.url, servicePath: EWM_SERVICE_PATH, service: EWM_SERVICE, username: wms.username, password: wmsPassword(wms),
    timeoutMs: wms.timeoutMs, ...(wms.sapClient !== '' ? { sapClient: wms.sapClient } : {})
  })
  return new SapEwmConnector({
    client, warehouse: wms.warehouse, stagingProcessType: wms.ewmStagingProcessType, putAwayProcessType: wms.ewmPutAwayProcessType, unitCodes,
    refusal: (message, retryable, status) => new WmsSendError(message, retryable, status)
  })
}
