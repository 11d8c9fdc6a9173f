// Sends one outbox message of destination 'wms' through the configured connector (generic REST or SAP EWM) and
// records the warehouse task the WMS made with the MES's request (Logistics.setTaskReference), so that the task's
// confirmations find their request and a cancel can name the task. The outbox keeps the message until the send
// succeeds: a refusal (not retryable) is a dead letter a person looks at, anything else is retried with backoff;
// a send repeated after a lost answer carries the same idempotency key, and the WMS answers the task it made.
// The task reference is recorded before the outbox marks the message sent: a crash between the two repeats the
// send, and the WMS's answer (the same task) records it again, harmlessly.
import type { Logistics, OutboxMessage } from '../../mes/service'
import { OutboxSendError } from '../../mes/errors'
import { WmsSendError, type WmsConnector, type WmsMessages, type WmsMessageType } from './wms-connector'

export const WMS_DESTINATION = 'wms'
const TYPES: readonly WmsMessageType[] = ['staging-request', 'staging-cancel', 'put-away-request']

export interface WmsSenderOptions {
  readonly connector: WmsConnector
  /** Where the WMS's task is recorded (the MES's Logistics). */
  readonly logistics: Pick<Logistics, 'setTaskReference'>
}

function isWmsType (t: string): t is WmsMessageType {
  return (TYPES as readonly string[]).includes(t)
}

/** The request a message is about (its task is recorded there). */
function requestIdOf (type: WmsMessageType, payload: WmsMessages[WmsMessageType]): string {
  return (payload as WmsMessages[typeof type]).request.requestId
}

export function wmsSender (opts: WmsSenderOptions): (m: OutboxMessage) => Promise<{ reference?: string }> {
  return async (m) => {
    const what = `${m.type} ${m.idempotencyKey}`
    if (!isWmsType(m.type)) {
      throw new OutboxSendError(`the WMS adapter sends ${TYPES.join(', ')}, not '${m.type}'`, false, what, 'discard it')
    }
    let taskRef: string | undefined
    try {
      taskRef = (await opts.connector.send(m.type, m.payload as WmsMessages[typeof m.type], m.idempotencyKey)).taskRef
    } catch (err) {
      if (err instanceof WmsSendError) {
        throw new OutboxSendError(err.message, err.retryable, what, err.retryable ? undefined : 'correct the request (or the WMS) and resubmit it, or discard it')
      }
      throw new OutboxSendError(`${what}: ${(err as Error)?.message ?? String(err)}`, true, what)
    }
    if (taskRef === undefined) return {}
    if (m.type !== 'staging-cancel') await opts.logistics.setTaskReference(requestIdOf(m.type, m.payload as WmsMessages[typeof m.type]), taskRef)
    return { reference: `task ${taskRef}` }
  }
}
