// The MES core's typed errors as HTTP answers: one table of statuses, and the members each kind adds to the error
// body. A refusal by the business rules is always 409 (the state is unchanged); the answer says which rule.
import { HubError } from '../../core/errors'
import { errorBody, type DescribeError, type ErrorBody } from '../../core/json-api'
import {
  ConcurrentUpdateError, DispatchRefusedError, DuplicateError, HoldStateError, HoldTargetError, IllegalTransitionError, InboxStatusError, MaterialRefusedError, NotFoundError,
  OrderStatusError, OutboxLeaseError, OutboxStateError, QualityRefusedError, SignatureError, StoreError, TraceLimitError, UpdateRefusedError, WipRuleError
} from '../errors'

/** First match wins. ValidationError (400) and the HTTP layer's own refusals are answered by core/json-api.ts. */
const STATUS_OF: ReadonlyArray<[new (...args: never[]) => HubError, number]> = [
  [NotFoundError, 404],
  [DuplicateError, 409],
  [IllegalTransitionError, 409],
  [WipRuleError, 409],
  [OrderStatusError, 409],
  [UpdateRefusedError, 409],
  [DispatchRefusedError, 409],
  [MaterialRefusedError, 409],
  [QualityRefusedError, 409],
  [OutboxStateError, 409],
  [OutboxLeaseError, 409],
  [InboxStatusError, 409],
  [HoldStateError, 409],
  // A hold on something the MES does not have: the request names a target that is not there.
  [HoldTargetError, 404],
  [SignatureError, 403],
  // The query is valid but its answer is over the limit it names (or the default): narrower, or a higher limit.
  [TraceLimitError, 422],
  [StoreError, 503],
  // The database gave the transaction up for a concurrent one: nothing was stored, and the same request may succeed.
  [ConcurrentUpdateError, 503]
]

export interface MesErrorBody extends ErrorBody {
  /** UpdateRefusedError: every reason the update was refused. */
  reasons?: readonly string[]
  /** IllegalTransitionError: the job's state; OrderStatusError: the order's status (both unchanged). */
  state?: string
  /**
   * WipRuleError: the rule that refused the event (sequence, over-report, work-unit-busy, ...); MaterialRefusedError:
   * the rule that refused the material command (not-a-component, over-tolerance, lot-status, lot-expired, ...).
   */
  rule?: string
}

export const describeMesError: DescribeError = (err) => {
  const hit = STATUS_OF.find(([type]) => err instanceof type)
  if (hit === undefined) return null
  const e = err as HubError
  const body: MesErrorBody = errorBody(e)
  if (e instanceof UpdateRefusedError) body.reasons = e.reasons
  if (e instanceof IllegalTransitionError) body.state = e.state
  if (e instanceof OrderStatusError) body.state = e.status
  if (e instanceof OutboxStateError) body.state = e.status
  if (e instanceof HoldStateError) body.state = e.status
  if (e instanceof WipRuleError || e instanceof MaterialRefusedError || e instanceof QualityRefusedError) body.rule = e.rule
  return { status: hit[1], body }
}
