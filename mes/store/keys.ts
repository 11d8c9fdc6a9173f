// The unique keys of the store that a write can run into, by the names each database gives them, and the
// DuplicateError each becomes. Both stores (sqlite-store.ts, postgres-store.ts) recognize their driver's refusals and
// throw these typed errors, so that no service looks at a driver's error codes.
import type { SqlValue } from './store'
import { DuplicateError } from '../errors'

/** The entity of the key that lets one job only be Running per work unit (a partial unique index). */
export const RUNNING_JOB_OF_WORK_UNIT = 'running job of work unit'

/** The entity of the key that lets one consume or produce only claim an eventId (mes/materials/event-ids.ts). */
export const MATERIAL_EVENT = 'material event'

/**
 * The entity of the key of the ids lots and serials share (migration 010): a command that lost a race for an id
 * cannot tell from the key which kind took it.
 */
export const MATERIAL_ID = 'lot or serial'
/** The entity of a hold's id (mes/holds/holds-service.ts: two places of one holdId at once, the second answers the first). */
export const HOLD = 'hold'

export interface UniqueKey {
  table: string
  columns: readonly string[]
  /** PostgreSQL's name of the constraint or unique index (SQLite names the table and columns instead). */
  constraint: string
  /** What a duplicate is called in the error: "work order 1000 already exists". */
  entity: string
}

export const UNIQUE_KEYS: readonly UniqueKey[] = [
  { table: 'work_orders', columns: ['order_number'], constraint: 'work_orders_pkey', entity: 'work order' },
  { table: 'operations', columns: ['order_number', 'sequence'], constraint: 'operations_pkey', entity: 'operation' },
  { table: 'material_requirements', columns: ['order_number', 'item'], constraint: 'material_requirements_pkey', entity: 'material item' },
  { table: 'job_orders', columns: ['job_id'], constraint: 'job_orders_pkey', entity: 'job' },
  { table: 'job_orders', columns: ['work_unit'], constraint: 'ux_jobs_running_unit', entity: RUNNING_JOB_OF_WORK_UNIT },
  { table: 'job_events', columns: ['job_id', 'event_id'], constraint: 'ux_job_events_event_id', entity: 'job event' },
  { table: 'material_events', columns: ['kind', 'event_id'], constraint: 'material_events_pkey', entity: MATERIAL_EVENT },
  { table: 'material_ids', columns: ['id'], constraint: 'material_ids_pkey', entity: MATERIAL_ID },
  // Behind material_ids (claimed first in the same transaction), so reached only by an insert that bypassed it.
  { table: 'material_lots', columns: ['lot_id'], constraint: 'material_lots_pkey', entity: 'lot' },
  { table: 'material_serials', columns: ['serial'], constraint: 'material_serials_pkey', entity: 'serial' },
  { table: 'holds', columns: ['hold_id'], constraint: 'holds_pkey', entity: HOLD }
]

/** The key named by SQLite's "UNIQUE constraint failed: table.column, table.column" text, if it is one of ours. */
export function keyOfSqliteMessage (message: string): UniqueKey | undefined {
  const m = /UNIQUE constraint failed: (.+)$/.exec(message)
  if (m === null) return undefined
  const parts = m[1]!.split(', ').map((c) => c.split('.'))
  const table = parts[0]![0]
  const columns = parts.map((p) => p[1]).join(',')
  return UNIQUE_KEYS.find((k) => k.table === table && k.columns.join(',') === columns)
}

export function keyOfConstraint (constraint: unknown): UniqueKey | undefined {
  return UNIQUE_KEYS.find((k) => k.constraint === constraint)
}

/**
 * The duplicate, named by its key's values: those the database reported (PostgreSQL's detail), else those the
 * failing INSERT gave for the key's columns, else '?'.
 */
export function duplicateOf (key: UniqueKey, sql: string, params: readonly SqlValue[] | undefined, reported?: string): DuplicateError {
  const values = reported ?? insertedValues(sql, params ?? [], key.columns)?.join('/')
  return new DuplicateError(key.entity, values ?? '?')
}

/** PostgreSQL's "Key (a, b)=(1000, 10) already exists." as "1000/10". */
export function valuesOfDetail (detail: unknown): string | undefined {
  const m = typeof detail === 'string' ? /^Key \(.*?\)=\((.*)\) already exists\.$/.exec(detail) : null
  return m === null ? undefined : m[1]!.split(', ').join('/')
}

/** The parameters an `INSERT INTO t (columns) VALUES (...)` binds to `columns`, when each of them is a `?`. */
function insertedValues (sql: string, params: readonly SqlValue[], columns: readonly string[]): string[] | undefined {
  const m = /^\s*INSERT\s+INTO\s+\w+\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)/i.exec(sql)
  if (m === null) return undefined
  const names = m[1]!.split(',').map((c) => c.trim())
  // Our SQL has no commas or question marks inside the literals of a VALUES list.
  const items = m[2]!.split(',').map((v) => v.trim())
  const out: string[] = []
  for (const column of columns) {
    const at = names.indexOf(column)
    if (at < 0 || items[at] !== '?') return undefined
    const param = params[items.slice(0, at).filter((v) => v === '?').length]
    if (param === undefined || param === null) return undefined
    out.push(String(param))
  }
  return out
}
