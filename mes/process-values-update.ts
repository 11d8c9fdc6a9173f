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
  /** What the operation's jobs captured per metric name (the topic as resolved then, the unit), also of names since removed. */
  captured: Map<string, Array<{ topic: string, unit: string | null }>>
}

export async function loadProcessValueSpecs (tx: Tx, orderNumber: string): Promise<Map<number, ProcessValuesOfOperation>> {
  const out = new Map<number, ProcessValuesOfOperation>()
  for (const r of await tx.all('SELECT sequence, status, started, process_values FROM operations WHERE order_number = ?', [orderNumber])) {
    const json = strOrNull(r.process_values)
    out.set(num(r.sequence), {
      specs: json === null ? [] : JSON.parse(json) as ProcessValueSpec[],
      completed: str(r.status) === 'completed',
      started: num(r.started) === 1,
      captured: new Map()
    })
  }
  for (const r of await tx.all(`SELECT j.sequence, v.name, v.topic, v.unit FROM job_process_values v JOIN job_orders j ON j.job_id = v.job_id
    WHERE j.order_number = ?`, [orderNumber])) {
    const captured = out.get(num(r.sequence))?.captured
    if (captured === undefined) continue
    const name = str(r.name)
    captured.set(name, [...captured.get(name) ?? [], { topic: str(r.topic), unit: strOrNull(r.unit) }])
  }
  return out
}

/**
 * Whether a metric added back under a name the operation's jobs captured is what they captured: the same unit and
 * topic. The store holds the topic as resolved (absolute: without its leading slash; relative: below the work unit's
 * UNS path, or as written for a unit the plant model does not place), so a relative topic is the same when the
 * captured one is it or ends with it. (A new relative topic that is a tail of the old one, `force` after
 * `measurements/force`, passes this check: the plant model that would tell them apart is not in the store.)
 */
function sameAsCaptured (spec: ProcessValueSpec, captured: ReadonlyArray<{ topic: string, unit: string | null }>): boolean {
  return captured.every((c) => c.unit === (spec.unit ?? null) && (spec.topic.startsWith('/')
    ? c.topic === spec.topic.slice(1)
    : c.topic === spec.topic || c.topic.endsWith('/' + spec.topic)))
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
    // A name removed earlier and added back is altered when it comes back other than its jobs captured it.
    const altered = wanted.filter((s) => before.has(s.name)
      ? !sameSpec(before.get(s.name)!, s)
      : now.captured.has(s.name) && !sameAsCaptured(s, now.captured.get(s.name)!)).map((s) => s.name)
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
