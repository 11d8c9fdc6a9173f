// Turns ajv's errors into problems a person can act on: the JSON path of the field and what is wrong with it in
// plain words ("unknown property 'nmae' (allowed: id, name, ...)" rather than "must NOT have additional properties").
// Shared by the plant model loader and the UNS payload validator. Ajv must be created with `verbose: true` so
// that each error carries the offending value and the schema around it (its description explains patterns, its
// title glosses types).
import type { ErrorObject } from 'ajv'
import type { Problem } from '../core/errors'

/** One problem per distinct path and message, in ajv's order (which follows the document). */
export function schemaProblems (errors: readonly ErrorObject[] | null | undefined): Problem[] {
  const seen = new Set<string>()
  const problems: Problem[] = []
  for (const e of errors ?? []) {
    const p = schemaProblem(e)
    const key = `${p.path}\u0000${p.message}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push(p)
  }
  return problems
}

export function schemaProblem (e: ErrorObject): Problem {
  const parent = isRecord(e.parentSchema) ? e.parentSchema : {}
  const description = typeof parent.description === 'string' ? parent.description : undefined
  const explain = description ? `: ${lowerFirst(description)}` : ''
  // A schema's `title` is a short gloss for type errors ("must be an integer (UTC epoch ms)").
  const title = typeof parent.title === 'string' ? ` (${parent.title})` : ''
  switch (e.keyword) {
    case 'required':
      return { path: `${e.instancePath}/${pointerEscape(String(e.params.missingProperty))}`, message: 'required, but missing' }
    case 'additionalProperties': {
      const allowed = isRecord(parent.properties) ? Object.keys(parent.properties) : []
      return {
        path: `${e.instancePath}/${pointerEscape(String(e.params.additionalProperty))}`,
        message: `unknown property${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`
      }
    }
    case 'type':
      return { path: e.instancePath, message: `must be ${article(String(e.params.type))}${title}, not ${describe(e.data)}${quoteHint(e)}` }
    case 'const':
      return { path: e.instancePath, message: `must be ${JSON.stringify(e.params.allowedValue)}, not ${describe(e.data)}` }
    case 'enum':
      return {
        path: e.instancePath,
        message: `${describe(e.data)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`
      }
    case 'pattern':
    case 'format':
      return { path: e.instancePath, message: `${describe(e.data)} is not allowed${explain}` }
    case 'minLength':
      return { path: e.instancePath, message: e.params.limit === 1 ? 'must not be empty' : `is too short (at least ${String(e.params.limit)} characters)${explain}` }
    case 'maxLength':
      return { path: e.instancePath, message: `${describe(e.data)} is too long (at most ${String(e.params.limit)} characters)${explain}` }
    case 'minItems':
      return { path: e.instancePath, message: `needs at least ${String(e.params.limit)} entr${e.params.limit === 1 ? 'y' : 'ies'}` }
    case 'minProperties':
      return { path: e.instancePath, message: `must not be empty${explain}` }
    case 'minimum':
    case 'maximum':
      return { path: e.instancePath, message: `${describe(e.data)} is ${e.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} of ${String(e.params.limit)}` }
    default:
      return { path: e.instancePath, message: e.message ?? `fails the '${e.keyword}' rule` }
  }
}

/** A short, quoted rendering of a value for a message. */
export function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '...' : value}'`
  return `${typeof value} ${String(value)}`
}

// YAML reads `plant: 1000` as a number; the fix is quoting, which is not obvious from "must be a string".
function quoteHint (e: ErrorObject): string {
  return e.params.type === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean')
    ? ` (in YAML, quote it: '${String(e.data)}')`
    : ''
}

// JSON Pointer (RFC 6901): a key containing '/' or '~' must not read as two levels.
function pointerEscape (key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

function article (type: string): string {
  switch (type) {
    case 'object': return 'an object'
    case 'array': return 'a list'
    case 'integer': return 'an integer'
    default: return `a ${type}`
  }
}

// "Identifier..." reads better mid-sentence as "identifier...", but "SAP plant..." must stay as it is.
function lowerFirst (s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
