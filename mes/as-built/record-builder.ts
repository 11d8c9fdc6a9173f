// The as-built record of a finished lot or serial, built from the store in one read transaction (one consistent
// snapshot): its backward genealogy, the jobs that made each node, holds and overrides, and the process values.
// The record is checked (record-check.ts) before it is handed out; quality results stay empty until the QMS issue.
import Ajv from 'ajv'
import querySchema from '../../schemas/mes/as-built-query.schema.json'
import { check, type SchemaCheck } from '../../core/schema-check'
import type { Tx } from '../store/store'
import { AS_BUILT_SCHEMA_VERSION, type AsBuiltRecord } from './as-built-record'
import { genealogyOf } from './genealogy-from-store'
import { holdsOf, operationsOf } from './operations-from-store'
import { validateAsBuiltRecord } from './record-check'
import { recordedHolds } from './holds-from-store'

/** `{ lotId }` or `{ serial }`: the finished lot or serial. */
export type AsBuiltQuery = { lotId: string, serial?: undefined } | { serial: string, lotId?: undefined }

const queryCheck: SchemaCheck = {
  first: new Ajv({ strict: true, strictRequired: false }).compile(querySchema),
  every: new Ajv({ strict: true, strictRequired: false, allErrors: true }).compile(querySchema)
}

export function validateAsBuiltQuery (query: unknown): AsBuiltQuery {
  return check<AsBuiltQuery>(queryCheck, 'as-built query', query)
}

export async function buildAsBuilt (tx: Tx, q: AsBuiltQuery, generatedAt: string): Promise<AsBuiltRecord> {
  const g = await genealogyOf(tx, q.lotId !== undefined ? { lotId: q.lotId } : { serial: q.serial })
  const nodes = new Map(g.nodes.map((n) => [n.id, n]))
  const operations = await operationsOf(tx, g.actuals, nodes)
  const lotIds = g.nodes.filter((n) => n.kind !== 'serial').map((n) => n.id)
  const holds = [
    ...await holdsOf(tx, lotIds, operations.map((o) => o.jobId)),
    ...await recordedHolds(tx, lotIds, [...new Set(operations.map((o) => o.orderNumber))])
  ]
  const record: AsBuiltRecord = {
    schemaVersion: AS_BUILT_SCHEMA_VERSION,
    generatedAt,
    subject: q.lotId ?? q.serial,
    genealogy: { nodes: g.nodes, edges: g.edges },
    operations,
    holds,
    overrides: g.overrides,
    qualityResults: []
  }
  return validateAsBuiltRecord(record, `as-built record of ${q.lotId !== undefined ? `lot ${q.lotId}` : `serial ${q.serial}`}`)
}
