// What the WMS adapter needs of a warehouse system, whichever it is: the generic REST / webhook contract
// (adapters/wms/generic/, schemas/wms/) or SAP EWM warehouse tasks over OData (adapters/sap/ewm/, wired in by hub/).
// The adapter's outbox sender (destination 'wms') hands each message to the connector; the WMS's confirmations and
// cancellations reach the MES through its service interface only (Logistics).
import type { PutAwayRequest, StagingRequest } from '../../mes/service'

/** The outbox message types of destination 'wms' and their payloads (the neutral form the connector maps). */
export interface WmsMessages {
  /** Create a warehouse task bringing a component to the work unit's supply location. */
  'staging-request': { request: StagingRequest }
  /** Cancel the task of a staging request the MES no longer needs (its job aborted). */
  'staging-cancel': { request: StagingRequest, why: string }
  /** Create a warehouse task putting a produced lot away. */
  'put-away-request': { request: PutAwayRequest }
}

export type WmsMessageType = keyof WmsMessages

/** What the WMS answered to a message it accepted: its warehouse task, when it gives one. */
export interface WmsAccepted {
  taskRef?: string
}

/** A send the WMS did not accept; `retryable` as for QmsSendError. */
export class WmsSendError extends Error {
  constructor (message: string, readonly retryable: boolean, readonly status?: number) {
    super(message)
    this.name = 'WmsSendError'
  }
}

export interface WmsConnector {
  /** 'generic' or 'sap-ewm'. */
  readonly system: string
  send: <T extends WmsMessageType>(type: T, payload: WmsMessages[T], idempotencyKey: string) => Promise<WmsAccepted>
  close?: () => Promise<void>
}
