// The WMS's answers (confirmations, cancellations) checked against schemas/mes/logistics.schema.json at the edge,
// each problem with the JSON path of the offending value. Compiled here, on first use, with the same ajv settings
// as mes/validation.ts (strict; first problem for the answer, every problem when asked).
import Ajv from 'ajv'
import logisticsSchema from '../../schemas/mes/logistics.schema.json'
import { check, type SchemaCheck } from '../../core/schema-check'

type Definition = keyof typeof logisticsSchema.definitions

const compilers = [false, true].map((allErrors) => {
  const ajv = new Ajv({ allErrors, strict: true, strictRequired: false })
  ajv.addSchema(logisticsSchema)
  return ajv
})
const checks = new Map<string, SchemaCheck>()

function checkOf (name: Definition): SchemaCheck {
  let c = checks.get(name)
  if (c === undefined) {
    const id = `${logisticsSchema.$id}#/definitions/${name}`
    c = { first: compilers[0]!.getSchema(id)!, every: compilers[1]!.getSchema(id)! }
    checks.set(name, c)
  }
  return c
}

export function validateLogistics<T> (name: Definition, input: unknown, source: string): T {
  return check<T>(checkOf(name), source, input)
}
