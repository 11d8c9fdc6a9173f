// The ReturnStatus of the OPC 10031-4 v2.0.0 job-control methods (Annex B.2): a UInt64 bit map. A refusal is not a
// Bad StatusCode: the spec wants Good with bit 0, or Uncertain with the bits that say why (a Bad call carries no
// output arguments, so the client would not learn the reason). Bits 33-63 are the implementation's: ours name the
// MES's reasons, listed in adapters/opcua/job-control/README.md.
import { DataType, StatusCodes, Variant, VariantArrayType, type StatusCode } from 'node-opcua'
import { HubError, ValidationError } from '../../../core/errors'
import { DispatchRefusedError, IllegalTransitionError, NotFoundError, OrderStatusError, SignatureError, WipRuleError } from '../../../mes/errors'

/** Bit positions of ReturnStatus. */
export const RETURN_BIT = {
  noError: 0,
  unknownJobOrderId: 1,
  invalidJobOrderStatus: 3,
  unableToAcceptJobOrder: 4,
  invalidRequest: 32,
  /** Ours: an MES rule refused it (order not open, routing sequence, work unit busy, dispatch refused). */
  refusedByMesRule: 33,
  /** Ours: a critical operation ends only with an electronic signature, which a method call cannot carry. */
  signatureRequired: 34,
  /** Ours: StoreAndStart stored the job but could not start it (the other bits say why); it waits to be started. */
  storedNotStarted: 35
} as const

export type ReturnBit = typeof RETURN_BIT[keyof typeof RETURN_BIT]

/** The outcome of one method call: the bits set, and for people (the hub's log) why. */
export interface MethodOutcome {
  readonly bits: readonly ReturnBit[]
  readonly reason?: string
}

export const SUCCESS: MethodOutcome = { bits: [RETURN_BIT.noError] }

export function refused (reason: string, ...bits: ReturnBit[]): MethodOutcome {
  return { bits, reason }
}

/** The bit map as node-opcua carries a UInt64: [high 32 bits, low 32 bits]. */
export function returnStatusValue (bits: readonly ReturnBit[]): [number, number] {
  let high = 0
  let low = 0
  for (const b of bits) {
    if (b < 32) low = (low | (1 << b)) >>> 0
    else high = (high | (1 << (b - 32))) >>> 0
  }
  return [high, low]
}

export function returnStatusVariant (outcome: MethodOutcome): Variant {
  return new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: returnStatusValue(outcome.bits) })
}

/** Good only for bit 0 alone; every refusal is Uncertain, with its output arguments. */
export function statusCodeOf (outcome: MethodOutcome): StatusCode {
  return outcome.bits.length === 1 && outcome.bits[0] === RETURN_BIT.noError ? StatusCodes.Good : StatusCodes.Uncertain
}

/**
 * What an MES refusal means as ReturnStatus, or undefined for an error that is no refusal (the store is down, a fault
 * of the hub): the caller answers those with BadInternalError.
 */
export function outcomeOfMesError (err: unknown): MethodOutcome | undefined {
  const reason = err instanceof HubError ? err.detail : undefined
  if (err instanceof NotFoundError) {
    return refused(reason!, err.entity === 'job' ? RETURN_BIT.unknownJobOrderId : RETURN_BIT.unableToAcceptJobOrder)
  }
  if (err instanceof IllegalTransitionError) return refused(reason!, RETURN_BIT.invalidJobOrderStatus)
  if (err instanceof SignatureError) return refused(reason!, RETURN_BIT.signatureRequired)
  if (err instanceof WipRuleError || err instanceof DispatchRefusedError || err instanceof OrderStatusError) {
    return refused(reason!, RETURN_BIT.refusedByMesRule)
  }
  if (err instanceof ValidationError) return refused(err.message, RETURN_BIT.invalidRequest)
  return undefined
}
