// Validation at the API edge: inputs are checked against the JSON Schemas in schemas/mes before any store
// access, each problem with the JSON path of the offending value.
//
// A body can hold up to 1 MB of bad values, and ajv with allErrors grows with the square of the failing array
// items behind a $ref (it concatenates the errors so far at every call): a work order of [1,1,...] stalled the hub
// for minutes. So a body is first checked up to its first problem (linear, stops there); only a refused body of at
// most MAX_VALUES_FOR_FULL_REPORT values is checked again for every problem, and at most MAX_PROBLEMS are listed.
// The schemas keep array items free of nested $refs, so that ajv inlines them and that second pass stays linear.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats'
import workOrderSchema from '../schemas/mes/work-order.schema.json'
import workOrderUpdateSchema from '../schemas/mes/work-order-update.schema.json'
import wipEventSchema from '../schemas/mes/wip-event.schema.json'
import apiRequestsSchema from '../schemas/mes/api-requests.schema.json'
import { ValidationError, type Problem } from '../core/errors'
import type { WipEventInput, WorkOrderInput, WorkOrderUpdate } from './model/types'

/** At most this many problems are listed in one refusal; the rest are counted in a last line. */
export const MAX_PROBLEMS = 100
/** A refused input with more JSON values than this is reported with its first problem only. */
export const MAX_VALUES_FOR_FULL_REPORT = 100_000

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
  for (const s of [workOrderSchema, workOrderUpdateSchema, wipEventSchema, apiRequestsSchema]) ajv.addSchema(s)
  return ajv
}
const firstProblem = schemaCompiler(false)
const everyProblem = schemaCompiler(true)

/** One schema, compiled twice: to find whether (and where first) an input is wrong, and to list every problem. */
export interface SchemaCheck {
  readonly first: ValidateFunction
  readonly every: ValidateFunction
}

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

/** The check of one body of the HTTP API's commands (schemas/mes/api-requests.schema.json). */
export function requestCheck (name: keyof typeof apiRequestsSchema.definitions): SchemaCheck {
  return compiled(`${apiRequestsSchema.$id}#/definitions/${name}`)
}

export function problemsOf (errors: readonly ErrorObject[] | null | undefined): Problem[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      let path = e.instancePath || '/'
      let message = e.message ?? 'is invalid'
      if (e.keyword === 'required') {
        const missing = (e.params as { missingProperty: string }).missingProperty
        path = `${e.instancePath}/${missing}`
        message = 'is required'
      } else if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty
        path = `${e.instancePath}/${extra}`
        message = 'is not a known property'
      } else if (e.keyword === 'enum') {
        message = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
      } else if (e.keyword === 'format' && (e.params as { format?: string }).format === 'date-time') {
        message = 'must be an RFC 3339 date-time that exists, e.g. 2025-03-07T16:00:00Z (no leap second :60)'
      }
      return { path, message }
    })
}

/** Whether `input` holds at most `limit` JSON values (objects, arrays and scalars); stops counting at the limit. */
function atMostValues (input: unknown, limit: number): boolean {
  let count = 0
  const stack: unknown[] = [input]
  while (stack.length > 0) {
    const v = stack.pop()
    if (++count > limit) return false
    if (typeof v !== 'object' || v === null) continue
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      stack.push(child)
      if (count + stack.length > limit) return false
    }
  }
  return true
}

/**
 * A refusal that lists at most MAX_PROBLEMS problems; the hint says how many more there were, or (`complete` false)
 * that the input was too large to look for more than the first.
 */
export function refusal (source: string, problems: readonly Problem[], complete = true): ValidationError {
  if (!complete) {
    return new ValidationError(source, problems.slice(0, MAX_PROBLEMS),
      `the input has more than ${MAX_VALUES_FOR_FULL_REPORT} values, so only its first problem is listed`)
  }
  if (problems.length <= MAX_PROBLEMS) return new ValidationError(source, problems)
  return new ValidationError(source, problems.slice(0, MAX_PROBLEMS), `${problems.length} problems in all; the first ${MAX_PROBLEMS} are listed`)
}

/** Validates `input` with a compiled schema; a ValidationError names its problems (MAX_PROBLEMS at most) with their JSON paths. */
export function check<T>(v: SchemaCheck, source: string, input: unknown): T {
  if (v.first(input)) return input as T
  if (!atMostValues(input, MAX_VALUES_FOR_FULL_REPORT)) throw refusal(source, problemsOf(v.first.errors), false)
  v.every(input)
  throw refusal(source, problemsOf(v.every.errors ?? v.first.errors))
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
 * What JSON Schema cannot say: unique operation sequences and item numbers, and (when the routing is given)
 * components on existing operations.
 */
function routingProblems (ops: WorkOrderInput['operations'] | undefined, materials: WorkOrderInput['materials']): Problem[] {
  const problems: Problem[] = []
  const seqs = new Set<number>()
  ;(ops ?? []).forEach((op, i) => {
    if (seqs.has(op.sequence)) problems.push({ path: `/operations/${i}/sequence`, message: `duplicate operation sequence ${op.sequence}` })
    seqs.add(op.sequence)
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
