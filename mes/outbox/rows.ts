// Rows of outbox_messages as OutboxMessage.
import { num, str, strOrNull } from '../store/store'
import type { OutboxMessage, OutboxStatus } from './types'

export function messageFromRow (r: Record<string, unknown>): OutboxMessage {
  return {
    id: num(r.id),
    destination: str(r.destination),
    type: str(r.type),
    orderingKey: str(r.ordering_key),
    idempotencyKey: str(r.idempotency_key),
    payload: JSON.parse(str(r.payload)) as unknown,
    status: str(r.status) as OutboxStatus,
    attempts: num(r.attempts),
    nextAttemptAt: str(r.next_attempt_at),
    leaseOwner: strOrNull(r.lease_owner),
    leaseUntil: strOrNull(r.lease_until),
    lastError: strOrNull(r.last_error),
    reference: strOrNull(r.reference),
    createdBy: str(r.created_by),
    createdAt: str(r.created_at),
    sentAt: strOrNull(r.sent_at),
    updatedAt: str(r.updated_at)
  }
}
