// The material commands checked against schemas/mes/materials.schema.json before any store access (as the rest of
// the MES does in mes/validation.ts, which compiles the schema), each problem with the JSON path of the offending value.
import materialsSchema from '../../schemas/mes/materials.schema.json'
import { check } from '../../core/schema-check'
import { definitionCheck } from '../validation'

type Command = keyof typeof materialsSchema.definitions

/** `input` as the command `name`, or a ValidationError listing its problems. */
export function validateMaterialCommand<T> (name: Command, input: unknown, source: string): T {
  return check<T>(definitionCheck(materialsSchema, name), source, input)
}
