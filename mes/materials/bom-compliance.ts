// BOM compliance of one consumption, decided without touching the store: the material must be a component of the
// order (or an allowed alternate of one) at this operation, in the component's unit, within its quantity tolerance,
// from a released, unexpired lot (a serial: itself released, and the lot it was produced into, if any, released and
// unexpired). A lot's state is never overridable (the QMS releases a lot, not the line); a material or quantity
// refusal may be accepted where the operation allows an override.
import type { BomRule } from './types'

const EPS = 1e-9

export interface Component {
  item: number
  material: string
  quantity: number
  unit: string
  operationSequence: number | null
  alternates: readonly string[]
  /** Percent over `quantity` allowed. */
  tolerancePct: number
  /** Already consumed against this item by the order's jobs. */
  consumed: number
}

export interface ConsumptionCase {
  material: string
  quantity: number
  unit: string
  sequence: number
  /** The lot's (or serial's) status and expiry, and how much the lot holds. */
  status: string
  statusReason: string | null
  expiresAt: string | null
  available: number
  now: string
  /** 'lot L-1' or 'serial S-1', for the reasons. */
  source: string
  /** Whose status and expiry these are when not the source's own: the lot a serial was produced into. */
  statusSource?: string
}

export interface Refusal { rule: BomRule, reason: string, overridable: boolean }

export interface BomDecision {
  /** The component the consumption counts against (null: none matched). */
  item: number | null
  refusal: Refusal | null
}

/**
 * The component a consumption of `material` at operation `sequence` counts against: the component itself before an
 * alternate; among equals, the one with the most left to consume. Undefined when none matches.
 */
export function componentFor (components: readonly Component[], material: string, sequence: number): Component | undefined {
  const here = components.filter((k) => (k.material === material || k.alternates.includes(material)) &&
    (k.operationSequence === null || k.operationSequence === sequence))
  return [...here].sort((a, b) => Number(b.material === material) - Number(a.material === material) ||
    (b.quantity - b.consumed) - (a.quantity - a.consumed))[0]
}

export function checkConsumption (components: readonly Component[], c: ConsumptionCase): BomDecision {
  const holder = c.statusSource ?? c.source
  if (c.status !== 'released') {
    const why = c.statusReason !== null ? ` (${c.statusReason})` : ''
    // A serial refused by its own status says so; one refused by the lot it was produced into, the lot's.
    const rule = c.statusSource === undefined && c.source.startsWith('serial ') ? 'serial-status' : 'lot-status'
    return { item: null, refusal: { rule, reason: `${holder} is ${c.status}${why}, not released`, overridable: false } }
  }
  if (c.expiresAt !== null && Date.parse(c.expiresAt) <= Date.parse(c.now)) {
    return { item: null, refusal: { rule: 'lot-expired', reason: `${holder} expired at ${c.expiresAt}`, overridable: false } }
  }
  if (c.quantity > c.available + EPS) {
    return { item: null, refusal: { rule: 'insufficient-quantity', reason: `${c.source} holds ${c.available} ${c.unit}, not ${c.quantity}`, overridable: false } }
  }
  const best = componentFor(components, c.material, c.sequence)
  if (best === undefined) {
    const elsewhere = components.filter((k) => k.material === c.material || k.alternates.includes(c.material))
      .map((k) => k.operationSequence).filter((s) => s !== null)
    const reason = elsewhere.length > 0
      ? `material ${c.material} is a component of operation ${elsewhere.join(', ')}, not of operation ${c.sequence}`
      : `material ${c.material} is not a component of the order (nor an allowed alternate)`
    return { item: null, refusal: { rule: 'not-a-component', reason, overridable: true } }
  }
  if (best.unit !== c.unit) {
    return { item: best.item, refusal: { rule: 'unit-mismatch', reason: `${c.source} is in ${c.unit}, BOM item ${best.item} in ${best.unit}`, overridable: false } }
  }
  const limit = best.quantity * (1 + best.tolerancePct / 100)
  if (best.consumed + c.quantity > limit + EPS) {
    return {
      item: best.item,
      refusal: {
        rule: 'over-tolerance',
        reason: `BOM item ${best.item} (${best.material}) allows ${limit} ${best.unit} (${best.quantity} + ${best.tolerancePct}%); ` +
          `${best.consumed} consumed, ${c.quantity} more would be ${best.consumed + c.quantity}`,
        overridable: true
      }
    }
  }
  return { item: best.item, refusal: null }
}
