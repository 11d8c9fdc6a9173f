// What an ERP update may change of an order's BOM rules (the override permission of its operations, the alternates
// and tolerance of its components) once work has started, decided without touching the store, like planUpdate in
// work-orders.ts. The rules govern consumptions still to come, so they may change while the order runs, but not so as
// to make a consumption already recorded against a component wrong after the fact: a component consumed from is not
// removed, nor its material, unit or operation changed; an alternate consumed is not removed; its allowed quantity
// (quantity plus tolerance) is not cut below what was consumed. A completed operation's override permission is
// closed with its record. Each refusal is one reason of the update's UpdateRefusedError.
import type { Tx } from './store/store'
import { num, numOrNull, str, strOrNull } from './store/store'
import type { MaterialRequirementInput, OperationInput } from './model/types'
import { EPS } from './repo'

export interface ComponentRule {
  item: number
  material: string
  quantity: number
  unit: string
  operationSequence: number | null
  alternates: string[]
  tolerancePct: number | null
}

/** What was consumed against one BOM item, per material (the component itself or an alternate). */
export interface ConsumedAgainst { item: number, material: string, quantity: number }

export interface BomRulesState {
  overrides: Map<number, { allowed: boolean, completed: boolean }>
  components: ComponentRule[]
  consumed: ConsumedAgainst[]
}

export async function loadBomRules (tx: Tx, orderNumber: string): Promise<BomRulesState> {
  const overrides = new Map<number, { allowed: boolean, completed: boolean }>()
  for (const r of await tx.all('SELECT sequence, bom_override, status FROM operations WHERE order_number = ?', [orderNumber])) {
    overrides.set(num(r.sequence), { allowed: num(r.bom_override) === 1, completed: str(r.status) === 'completed' })
  }
  const components = (await tx.all('SELECT * FROM material_requirements WHERE order_number = ? ORDER BY item', [orderNumber])).map((r) => {
    const alternates = strOrNull(r.alternates)
    return {
      item: num(r.item), material: str(r.material), quantity: num(r.quantity), unit: str(r.unit),
      operationSequence: numOrNull(r.operation_seq), alternates: alternates === null ? [] : JSON.parse(alternates) as string[],
      tolerancePct: numOrNull(r.tolerance_pct)
    }
  })
  const consumed = (await tx.all(`SELECT bom_item, material, SUM(quantity) AS q FROM material_actuals
    WHERE order_number = ? AND direction = 'consumed' AND bom_item IS NOT NULL GROUP BY bom_item, material ORDER BY bom_item, material`,
  [orderNumber])).map((r) => ({ item: num(r.bom_item), material: str(r.material), quantity: num(r.q) }))
  return { overrides, components, consumed }
}

/** Changes of the operations' override permission (`operations` replaces the routing: an omitted flag is false). */
export function planOverrideChanges (state: BomRulesState, operations: readonly OperationInput[] | undefined,
  reasons: string[], changes: string[]): Array<{ sequence: number, allowed: boolean }> {
  if (operations === undefined) return []
  const out: Array<{ sequence: number, allowed: boolean }> = []
  for (const op of operations) {
    const now = state.overrides.get(op.sequence)
    const allowed = op.bomOverride === true
    if (now === undefined || now.allowed === allowed) continue
    if (now.completed) {
      reasons.push(`operation ${op.sequence} BOM override cannot change: the operation is completed`)
      continue
    }
    changes.push(`operation ${op.sequence} BOM override: ${now.allowed ? 'allowed' : 'not allowed'} → ${allowed ? 'allowed' : 'not allowed'}`)
    out.push({ sequence: op.sequence, allowed })
  }
  return out
}

const allowance = (quantity: number, tolerancePct: number): number => quantity * (1 + tolerancePct / 100)

/** Reasons against, and descriptions of, the component changes of `materials` (which replaces the list). */
export function checkComponentChanges (state: BomRulesState, materials: readonly MaterialRequirementInput[], defaultTolerancePct: number,
  reasons: string[], changes: string[]): void {
  const wanted = new Map(materials.map((m) => [m.item, m]))
  for (const c of state.components) {
    const used = state.consumed.filter((k) => k.item === c.item)
    const usedQty = used.reduce((s, k) => s + k.quantity, 0)
    const where = `material item ${c.item} (${c.material})`
    const w = wanted.get(c.item)
    const consumed = `${usedQty} ${c.unit} already consumed against it`
    if (w === undefined) {
      if (used.length) reasons.push(`${where} cannot be removed: ${consumed}`)
      continue
    }
    const nextAlternates = w.alternates ?? []
    const nextTolerance = w.tolerancePct ?? null
    if (used.length) {
      if (w.material !== c.material) reasons.push(`${where} cannot change its material to ${w.material}: ${consumed}`)
      if (w.unit !== c.unit) reasons.push(`${where} cannot change its unit to ${w.unit}: ${consumed}`)
      if ((w.operationSequence ?? null) !== c.operationSequence) {
        reasons.push(`${where} cannot move to operation ${w.operationSequence ?? '(none)'}: ${consumed}`)
      }
      for (const k of used) {
        if (k.material !== c.material && !nextAlternates.includes(k.material)) {
          reasons.push(`${where} cannot drop alternate ${k.material}: ${k.quantity} ${c.unit} of it already consumed`)
        }
      }
      const before = allowance(c.quantity, c.tolerancePct ?? defaultTolerancePct)
      const after = allowance(w.quantity, nextTolerance ?? defaultTolerancePct)
      if (after + EPS < before && after + EPS < usedQty) {
        reasons.push(`${where} cannot allow only ${after} ${c.unit} (${w.quantity} + ${nextTolerance ?? defaultTolerancePct} % tolerance): ${consumed}`)
      }
    }
    if (JSON.stringify(nextAlternates) !== JSON.stringify(c.alternates)) {
      changes.push(`${where} alternates: ${JSON.stringify(c.alternates)} → ${JSON.stringify(nextAlternates)}`)
    }
    if (nextTolerance !== c.tolerancePct) {
      changes.push(`${where} tolerance: ${c.tolerancePct ?? 'default'} → ${nextTolerance ?? 'default'}${nextTolerance === null ? '' : ' %'}`)
    }
  }
}
