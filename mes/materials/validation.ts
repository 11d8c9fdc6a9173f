// The material commands checked against schemas/mes/materials.schema.json before any store access (as the rest of
// the MES does in mes/validation.ts), each problem with the JSON path of the offending value.
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import materialsSchema from '../../schemas/mes/materials.schema.json'
import { check, type SchemaCheck } from '../../core/schema-check'
import { isDateTime } from '../validation'

type Command = keyof typeof materialsSchema.definitions

function compiler (allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, strict: true, strictRequired: false })
  addFormats(ajv)
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime })
  ajv.addSchema(materialsSchema)
  return ajv
}
const first = compiler(false)
const every = compiler(true)
const checks = new Map<Command, SchemaCheck>()

function checkOf (name: Command): SchemaCheck {
  let c = checks.get(name)
  if (c === undefined) {
    const id = `${materialsSchema.$id}#/definitions/${name}`
    c = { first: first.getSchema(id)!, every: every.getSchema(id)! }
    checks.set(name, c)
  }
  return c
}

/** `input` as the command `name`, or a ValidationError listing its problems. */
export function validateMaterialCommand<T> (name: Command, input: unknown, source: string): T {
  return check<T>(checkOf(name), source, input)
}
