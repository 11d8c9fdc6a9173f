// What an ERP update may change of the process values an operation captures (operation `processValues`), decided
// without touching the store, like planUpdate in work-orders.ts. `operations` replaces the routing, so an operation
// given without processValues captures none. A completed operation's record is closed: its list cannot change. An
// operation that has started may add and remove metrics (a Running job follows the change at once, see
// process-values.ts), but not give a metric it names another topic or unit: what was captured under that name would
// then mix two signals; a changed metric is a new name. The same list again (in any order) is no change.
import type { Tx } from './store/store'
import { num, str, strOrNull } from './store/store'
import type { OperationInput, ProcessValueSpec } from './model/types'

export interface ProcessValuesOfOperation {
  specs: ProcessValueSpec[]
  completed: boolean
  started: boolean
}

export async function loadProcessValueSpecs (tx: Tx, orderNumber: string): Promise<Map<number, ProcessValuesOfOperation>> {
  const out = new Map<number, ProcessValuesOfOperation>()
  for (const r of await tx.all('SELECT sequence, status, started, process_values FROM operations WHERE order_number = ?', [orderNumber])) {
    const json = strOrNull(r.process_values)
    out.set(num(r.sequence), {
      specs: json === null ? [] : JSON.parse(json) as ProcessValueSpec[],
      completed: str(r.status) === 'completed',
      started: num(r.started) === 1
    })
  }
  return out
}

/** The column value of a list: NULL for none, as insertOperation stores it. */
export function processValuesColumn (specs: readonly ProcessValueSpec[] | undefined): string | null {
  return specs !== undefined && specs.length > 0 ? JSON.stringify(specs) : null
}

const sameSpec = (a: ProcessValueSpec, b: ProcessValueSpec): boolean => a.topic === b.topic && (a.unit ?? null) === (b.unit ?? null)

/** The operations whose list changes, with the new list; reasons and change descriptions are appended. */
export function planProcessValueChanges (stored: ReadonlyMap<number, ProcessValuesOfOperation>, operations: readonly OperationInput[] | undefined,
  reasons: string[], changes: string[]): Array<{ sequence: number, specs: ProcessValueSpec[] }> {
  if (operations === undefined) return []
  const out: Array<{ sequence: number, specs: ProcessValueSpec[] }> = []
  for (const op of operations) {
    const now = stored.get(op.sequence)
    if (now === undefined) continue // a new operation is inserted with its list
    const wanted = op.processValues ?? []
    const before = new Map(now.specs.map((s) => [s.name, s]))
    const after = new Map(wanted.map((s) => [s.name, s]))
    const added = wanted.filter((s) => !before.has(s.name)).map((s) => s.name)
    const removed = now.specs.filter((s) => !after.has(s.name)).map((s) => s.name)
    const altered = wanted.filter((s) => before.has(s.name) && !sameSpec(before.get(s.name)!, s)).map((s) => s.name)
    if (added.length === 0 && removed.length === 0 && altered.length === 0) continue
    const where = `operation ${op.sequence} process values`
    if (now.completed) {
      reasons.push(`${where} cannot change: the operation is completed and its record is closed`)
      continue
    }
    if (altered.length > 0 && now.started) {
      reasons.push(`${where}: ${altered.join(', ')} cannot change topic or unit: the operation has started and has captured under that name; ` +
        'give the changed metric a new name')
      continue
    }
    const parts = [
      ...(added.length > 0 ? [`added ${added.join(', ')}`] : []),
      ...(removed.length > 0 ? [`removed ${removed.join(', ')}`] : []),
      ...(altered.length > 0 ? [`changed ${altered.join(', ')}`] : [])
    ]
    changes.push(`${where}: ${parts.join('; ')}`)
    out.push({ sequence: op.sequence, specs: wanted })
  }
  return out
}
