// What the QMS adapter needs of a quality system, whichever it is: the generic REST / webhook contract
// (adapters/qms/generic/, schemas/qms/) or SAP QM over OData (adapters/sap/qm/, wired in by hub/). The adapter's
// outbox sender (destination 'qms') hands each message to the connector; inbound, the QMS's answers (plans,
// dispositions, holds, usage decisions) reach the MES through its service interface only.
import type { InspectionPlanInput, InspectionResult, Nonconformance, UsageDecisionCode } from '../../mes/service'

/** The outbox message types of destination 'qms' and their payloads (the neutral form the connector maps). */
export interface QmsMessages {
  'inspection-result': { result: InspectionResult }
  nonconformance: { nonconformance: Nonconformance }
  'usage-decision': { inspectionLot: string, code: UsageDecisionCode, who: string, at: string, why: string | null }
}

export type QmsMessageType = keyof QmsMessages

/** What the QMS answered to a message it accepted: its own id of the thing, when it gives one. */
export interface QmsAccepted {
  reference?: string
}

/**
 * A send the QMS did not accept: `retryable` false for a refusal that sending again cannot change (a business
 * error: the outbox makes it a dead letter), true for the QMS down, slow or busy.
 */
export class QmsSendError extends Error {
  constructor (message: string, readonly retryable: boolean, readonly status?: number) {
    super(message)
    this.name = 'QmsSendError'
  }
}

export interface QmsConnector {
  /** 'generic' or 'sap-qm', for logs and the outbox view. */
  readonly system: string
  /** The QMS's inspection plan for an order (its inspection lot and characteristics per operation), or null when it has none. */
  inspectionPlanOf: (order: { orderNumber: string, material: string }) => Promise<InspectionPlanInput | null>
  send: <T extends QmsMessageType>(type: T, payload: QmsMessages[T], idempotencyKey: string) => Promise<QmsAccepted>
  close?: () => Promise<void>
}
