// Validation at the API edge: inputs are checked against the JSON Schemas in schemas/mes before any store
// access. Every problem is reported at once, each with the JSON path of the offending value.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import workOrderSchema from '../schemas/mes/work-order.schema.json'
import workOrderUpdateSchema from '../schemas/mes/work-order-update.schema.json'
import wipEventSchema from '../schemas/mes/wip-event.schema.json'
import { ValidationError, type Problem } from '../hub/errors'
import type { WipEventInput, WorkOrderInput, WorkOrderUpdate } from './model/types'

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
addFormats(ajv)
ajv.addSchema(workOrderSchema)
ajv.addSchema(workOrderUpdateSchema)
ajv.addSchema(wipEventSchema)

function compiled (id: string): ValidateFunction {
  const v = ajv.getSchema(id)
  if (v === undefined) throw new Error(`schema ${id} not registered`)
  return v
}

const validators = {
  workOrder: compiled(workOrderSchema.$id),
  workOrderUpdate: compiled(workOrderUpdateSchema.$id),
  wipEvent: compiled(wipEventSchema.$id)
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
      }
      return { path, message }
    })
}

/** Validates `input` with a compiled schema; a ValidationError names every problem with its JSON path. */
export function check<T>(v: ValidateFunction, source: string, input: unknown): T {
  if (!v(input)) throw new ValidationError(source, problemsOf(v.errors))
  return input as T
}

export function validateWorkOrder (input: unknown, source = 'work order'): WorkOrderInput {
  const order = check<WorkOrderInput>(validators.workOrder, source, input)
  const problems = routingProblems(order.operations, order.materials)
  if (problems.length) throw new ValidationError(source, problems)
  return order
}

export function validateWorkOrderUpdate (input: unknown, source = 'work order update'): WorkOrderUpdate {
  const update = check<WorkOrderUpdate>(validators.workOrderUpdate, source, input)
  const problems = update.operations ? routingProblems(update.operations, update.materials) : []
  if (problems.length) throw new ValidationError(source, problems)
  return update
}

export function validateWipEvent (input: unknown, source = 'job event'): WipEventInput {
  return check<WipEventInput>(validators.wipEvent, source, input)
}

/** What JSON Schema cannot say: unique operation sequences and item numbers, components on existing operations. */
function routingProblems (ops: WorkOrderInput['operations'], materials: WorkOrderInput['materials']): Problem[] {
  const problems: Problem[] = []
  const seqs = new Set<number>()
  ops.forEach((op, i) => {
    if (seqs.has(op.sequence)) problems.push({ path: `/operations/${i}/sequence`, message: `duplicate operation sequence ${op.sequence}` })
    seqs.add(op.sequence)
  })
  const items = new Set<number>()
  ;(materials ?? []).forEach((m, i) => {
    if (items.has(m.item)) problems.push({ path: `/materials/${i}/item`, message: `duplicate item ${m.item}` })
    items.add(m.item)
    if (m.operationSequence !== undefined && !seqs.has(m.operationSequence)) {
      problems.push({ path: `/materials/${i}/operationSequence`, message: `no operation ${m.operationSequence} in the routing` })
    }
  })
  return problems
}
