// The check of an as-built record: its shape against schemas/mes/as-built-record.schema.json, then what a schema
// cannot say: every id a record names is a node (or override) of the same record, each node once, and an override
// signed by someone other than the operator it overrode. A record that fails is never handed out or exported.
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import recordSchema from '../../schemas/mes/as-built-record.schema.json'
import type { Problem } from '../../core/errors'
import { check, refusal, type SchemaCheck } from '../../core/schema-check'
import { isDateTime } from '../validation'
import type { AsBuiltRecord } from './as-built-record'

function compiler (allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, strict: true, strictRequired: false })
  addFormats(ajv)
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime })
  return ajv
}
const recordCheck: SchemaCheck = {
  first: compiler(false).compile(recordSchema),
  every: compiler(true).compile(recordSchema)
}

/** The record, typed, or a ValidationError that lists every problem with its JSON path. */
export function validateAsBuiltRecord (input: unknown, source = 'as-built record'): AsBuiltRecord {
  const record = check<AsBuiltRecord>(recordCheck, source, input)
  const problems = referenceProblems(record)
  if (problems.length > 0) throw refusal(source, problems)
  return record
}

function referenceProblems (r: AsBuiltRecord): Problem[] {
  const problems: Problem[] = []
  const nodes = new Set<string>()
  r.genealogy.nodes.forEach((n, i) => {
    if (nodes.has(n.id)) problems.push({ path: `/genealogy/nodes/${i}/id`, message: `node ${n.id} is listed twice` })
    nodes.add(n.id)
  })
  const overrides = new Set(r.overrides.map((o) => o.id))
  const node = (id: string, path: string): void => {
    if (!nodes.has(id)) problems.push({ path, message: `${id} is not a node of the genealogy` })
  }
  node(r.subject, '/subject')
  r.genealogy.edges.forEach((e, i) => {
    node(e.from, `/genealogy/edges/${i}/from`)
    node(e.to, `/genealogy/edges/${i}/to`)
    if (e.from === e.to) problems.push({ path: `/genealogy/edges/${i}`, message: `${e.from} cannot go into itself` })
    if (e.overrideId !== undefined && !overrides.has(e.overrideId)) {
      problems.push({ path: `/genealogy/edges/${i}/overrideId`, message: `${e.overrideId} is not an override of the record` })
    }
  })
  r.operations.forEach((op, i) => {
    op.consumed.forEach((m, j) => node(m.nodeId, `/operations/${i}/consumed/${j}/nodeId`))
    op.produced.forEach((m, j) => node(m.nodeId, `/operations/${i}/produced/${j}/nodeId`))
  })
  r.overrides.forEach((o, i) => {
    node(o.nodeId, `/overrides/${i}/nodeId`)
    if (o.signature.user === o.operator) {
      problems.push({ path: `/overrides/${i}/signature/user`, message: `an override is signed by someone other than the operator (${o.operator})` })
    }
  })
  r.qualityResults.forEach((q, i) => node(q.nodeId, `/qualityResults/${i}/nodeId`))
  return problems
}
