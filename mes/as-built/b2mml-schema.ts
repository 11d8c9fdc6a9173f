// Validation of the hub's B2MML V7 documents against MESA's own JSON schema (schemas/b2mml-v7/AllSchemas.json,
// copied unchanged; see PROVENANCE.md there).
//
// The whole file has 1,687 definitions and takes ~1.8 s to compile; the documents the hub writes need 51 of them
// (the closure of OperationsPerformance and MaterialLot), which compile in ~0.3-0.5 s. So only that closure is
// compiled, taken unchanged from the file, once, on the first validation. The file compiles only with
// `strict: false, unicodeRegExp: false` (duplicate keys, patterns written for the XSD's regex dialect).
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020'
import b2mml from '../../schemas/b2mml-v7/AllSchemas.json'
import type { Problem } from '../../core/errors'
import { ValidationError } from '../../core/errors'

/** The root elements the hub writes; a document is an object with exactly one of them. */
export const B2MML_DOCUMENTS = ['OperationsPerformance', 'MaterialLot'] as const
export type B2mmlDocumentName = typeof B2MML_DOCUMENTS[number]

type Definitions = Record<string, unknown>
const DEFS_REF = /^#\/\$defs\/(.+)$/

/** The definitions `roots` reach through `$ref`, each unchanged. */
export function definitionClosure (defs: Definitions, roots: readonly string[]): Definitions {
  const out: Definitions = {}
  const pending = [...roots]
  while (pending.length > 0) {
    const name = pending.pop() as string
    if (name in out) continue
    const def = defs[name]
    if (def === undefined) throw new Error(`B2MML schema: definition ${name} is referenced but missing`)
    out[name] = def
    JSON.stringify(def, (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') {
        const m = DEFS_REF.exec(value)
        if (m !== null) pending.push(m[1])
      }
      return value
    })
  }
  return out
}

let compiled: ValidateFunction | undefined

function validator (): ValidateFunction {
  if (compiled !== undefined) return compiled
  const defs = (b2mml as unknown as { $defs: Definitions }).$defs
  const properties = Object.fromEntries(B2MML_DOCUMENTS.map((d) => [d, { $ref: `#/$defs/${d}` }]))
  const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: true })
  compiled = ajv.compile({
    $id: 'https://isa95-hub.local/schemas/b2mml-v7/hub-documents.json',
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    properties,
    $defs: definitionClosure(defs, B2MML_DOCUMENTS)
  })
  return compiled
}

/**
 * Every problem of a B2MML document (`{ "OperationsPerformance": ... }` or `{ "MaterialLot": ... }`) against
 * MESA's schema, each with its JSON path; empty when it validates.
 */
export function validateB2mml (doc: unknown): Problem[] {
  const v = validator()
  if (v(doc)) return []
  return readable(v.errors ?? [])
}

/** The document, or a ValidationError that lists its problems. */
export function assertB2mml<T> (doc: T, source = 'B2MML export'): T {
  const problems = validateB2mml(doc)
  if (problems.length > 0) throw new ValidationError(source, problems, 'the export does not match MESA\'s B2MML V7 schema')
  return doc
}

// MESA's schema writes an optional element as anyOf [null, type] and every simple element as a type that is also
// a string: a wrong value fails every branch, and ajv reports each branch. Kept: the branch that says what is wrong
// (not "must be null", not the anyOf summary), once per path.
function readable (errors: readonly ErrorObject[]): Problem[] {
  const seen = new Set<string>()
  const problems: Problem[] = []
  for (const e of errors) {
    if (e.keyword === 'anyOf') continue
    if (e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null') continue
    let path = e.instancePath || '/'
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required') {
      path = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`
      message = 'is required'
    } else if (e.keyword === 'additionalProperties') {
      path = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`
      message = e.instancePath === '' ? `is not a document the hub writes (${B2MML_DOCUMENTS.join(', ')})` : 'is not an element B2MML has here'
    } else if (e.keyword === 'enum') {
      message = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
    } else if (e.instancePath === '' && (e.keyword === 'minProperties' || e.keyword === 'maxProperties')) {
      message = `must hold exactly one document (${B2MML_DOCUMENTS.join(' or ')})`
    }
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push({ path, message })
  }
  return problems
}
