// The outbox worker's send function for destination 'qms': each message handed to the connector (generic or SAP QM)
// with its idempotency key, the outcome turned into what the outbox records. A QmsSendError keeps its verdict (a
// refusal is a dead letter with the QMS's reason, the QMS down or slow is retried with backoff); a body that cannot
// be made from the payload (a ValidationError, any HubError) is final too, as sending it again cannot help; anything
// else (a bug, a network error outside the connector) is retried. No settle time is needed after a lost answer:
// the QMS de-duplicates by the idempotency key, so the retry finds what the first attempt did.
import type { OutboxMessage } from '../../mes/service'
import { OutboxSendError } from '../../mes/errors'
import { HubError } from '../../core/errors'
import { QmsSendError, type QmsConnector, type QmsMessageType, type QmsMessages } from './qms-connector'

export const QMS_DESTINATION = 'qms'
const TYPES: readonly QmsMessageType[] = ['inspection-result', 'nonconformance', 'usage-decision']

export function qmsSender (connector: QmsConnector): (m: OutboxMessage) => Promise<{ reference?: string }> {
  return async (m) => {
    const what = `${m.type} ${m.idempotencyKey}`
    if (!(TYPES as readonly string[]).includes(m.type)) {
      throw new OutboxSendError(`the QMS adapter sends ${TYPES.join(', ')}, not '${m.type}'`, false, what, 'discard the message')
    }
    try {
      const accepted = await connector.send(m.type as QmsMessageType, m.payload as QmsMessages[QmsMessageType], m.idempotencyKey)
      return accepted.reference !== undefined ? { reference: accepted.reference } : {}
    } catch (err) {
      if (err instanceof QmsSendError) {
        throw new OutboxSendError(`${connector.system} QMS: ${err.message}`, err.retryable, what,
          err.retryable ? undefined : 'correct the cause the QMS names, then resubmit the dead letter (or discard it)')
      }
      if (err instanceof HubError) throw new OutboxSendError(`${what} cannot be sent: ${err.message}`, false, what, 'correct the payload and resubmit it, or discard it')
      throw new OutboxSendError(`${what}: ${(err as Error)?.message ?? String(err)}`, true, what)
    }
  }
}
