// Validation at the API edge: inputs are checked against the JSON Schemas in schemas/mes before any store
// access, each problem with the JSON path of the offending value (core/schema-check.ts: first problem fast, every
// problem for small inputs). The schemas keep array items free of nested $refs, so that ajv inlines them and the
// every-problem pass stays linear.
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats'
import workOrderSchema from '../schemas/mes/work-order.schema.json'
import workOrderUpdateSchema from '../schemas/mes/work-order-update.schema.json'
import wipEventSchema from '../schemas/mes/wip-event.schema.json'
import apiRequestsSchema from '../schemas/mes/api-requests.schema.json'
import materialsSchema from '../schemas/mes/materials.schema.json'
import unsRequestsSchema from '../schemas/mes/uns-requests.schema.json'
import outboxSchema from '../schemas/mes/outbox.schema.json'
import inboxSchema from '../schemas/mes/inbox.schema.json'
import { QUALITY_SCHEMAS } from './quality/quality-schemas'
import type { Problem } from '../core/errors'
import { check, refusal, type SchemaCheck } from '../core/schema-check'
import type { WipEventInput, WorkOrderInput, WorkOrderUpdate } from './model/types'

/**
 * RFC 3339 date-time (ajv-formats' full check) that is also a real instant: a leap second (23:59:60) passes the
 * RFC's grammar, but Date.parse makes NaN of it, and a NaN time breaks every later computation on the job or order.
 */
const rfc3339DateTime = (fullFormats['date-time'] as { validate: (s: string) => boolean }).validate
export function isDateTime (s: string): boolean {
  return rfc3339DateTime(s) && Number.isFinite(Date.parse(s))
}

function schemaCompiler (allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, strict: true, strictRequired: false })
  addFormats(ajv)
  // The one date-time check of every MES schema (replaces ajv-formats' own).
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime })
  for (const s of [workOrderSchema, workOrderUpdateSchema, wipEventSchema, apiRequestsSchema, materialsSchema, unsRequestsSchema, outboxSchema, inboxSchema, ...QUALITY_SCHEMAS]) ajv.addSchema(s)
  return ajv
}
const firstProblem = schemaCompiler(false)
const everyProblem = schemaCompiler(true)

function compiled (id: string): SchemaCheck {
  const first = firstProblem.getSchema(id)
  const every = everyProblem.getSchema(id)
  if (first === undefined || every === undefined) throw new Error(`schema ${id} not registered`)
  return { first, every }
}

const validators = {
  workOrder: compiled(workOrderSchema.$id),
  workOrderUpdate: compiled(workOrderUpdateSchema.$id),
  wipEvent: compiled(wipEventSchema.$id)
}

export { MAX_PROBLEMS, MAX_VALUES_FOR_FULL_REPORT } from '../core/schema-check'

/** The check of one body of the HTTP API's commands (schemas/mes/api-requests.schema.json). */
export function requestCheck (name: keyof typeof apiRequestsSchema.definitions): SchemaCheck {
  return compiled(`${apiRequestsSchema.$id}#/definitions/${name}`)
}

const definitionChecks = new Map<string, SchemaCheck>()

/**
 * The check of one definition of a schema registered here: a material command (schemas/mes/materials.schema.json)
 * or a request that arrives over the UNS (schemas/mes/uns-requests.schema.json). Compiled on first use.
 */
export function definitionCheck<S extends { $id: string, definitions: object }> (schema: S, name: keyof S['definitions'] & string): SchemaCheck {
  const id = `${schema.$id}#/definitions/${name}`
  let c = definitionChecks.get(id)
  if (c === undefined) definitionChecks.set(id, c = compiled(id))
  return c
}

export function validateWorkOrder (input: unknown, source = 'work order'): WorkOrderInput {
  const order = check<WorkOrderInput>(validators.workOrder, source, input)
  const problems = routingProblems(order.operations, order.materials)
  if (problems.length) throw refusal(source, problems)
  return order
}

export function validateWorkOrderUpdate (input: unknown, source = 'work order update'): WorkOrderUpdate {
  const update = check<WorkOrderUpdate>(validators.workOrderUpdate, source, input)
  // Without operations, the materials are checked against the stored routing by the update itself.
  const problems = routingProblems(update.operations, update.materials)
  if (problems.length) throw refusal(source, problems)
  return update
}

export function validateWipEvent (input: unknown, source = 'job event'): WipEventInput {
  return check<WipEventInput>(validators.wipEvent, source, input)
}

/**
 * What JSON Schema cannot say: unique operation sequences, item numbers and process value names per operation, and (when the routing is given)
 * components on existing operations.
 */
function routingProblems (ops: WorkOrderInput['operations'] | undefined, materials: WorkOrderInput['materials']): Problem[] {
  const problems: Problem[] = []
  const seqs = new Set<number>()
  ;(ops ?? []).forEach((op, i) => {
    if (seqs.has(op.sequence)) problems.push({ path: `/operations/${i}/sequence`, message: `duplicate operation sequence ${op.sequence}` })
    seqs.add(op.sequence)
    const names = new Set<string>()
    ;(op.processValues ?? []).forEach((pv, j) => {
      if (names.has(pv.name)) problems.push({ path: `/operations/${i}/processValues/${j}/name`, message: `duplicate process value ${pv.name}` })
      names.add(pv.name)
    })
  })
  const items = new Set<number>()
  ;(materials ?? []).forEach((m, i) => {
    if (items.has(m.item)) problems.push({ path: `/materials/${i}/item`, message: `duplicate item ${m.item}` })
    items.add(m.item)
    if (ops !== undefined && m.operationSequence !== undefined && !seqs.has(m.operationSequence)) {
      problems.push({ path: `/materials/${i}/operationSequence`, message: `no operation ${m.operationSequence} in the routing` })
    }
  })
  return problems
}
