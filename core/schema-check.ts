// A JSON Schema check with readable refusals: the first problem found fast, every problem (with its JSON path) listed
// when the input is small enough to look for them all.
//
// A body can hold up to 1 MB of bad values, and ajv with allErrors grows with the square of the failing array
// items behind a $ref (it concatenates the errors so far at every call): a work order of [1,1,...] stalled the hub
// for minutes. So an input is first checked up to its first problem (linear, stops there); only a refused input of at
// most MAX_VALUES_FOR_FULL_REPORT values is checked again for every problem, and at most MAX_PROBLEMS are listed.
// Schemas that keep array items free of nested $refs let ajv inline them, and that second pass stays linear.
import type { ErrorObject, ValidateFunction } from 'ajv'
import { ValidationError, type Problem } from './errors'

/** At most this many problems are listed in one refusal; the rest are counted in a last line. */
export const MAX_PROBLEMS = 100
/** A refused input with more JSON values than this is reported with its first problem only. */
export const MAX_VALUES_FOR_FULL_REPORT = 100_000

/** One schema, compiled twice: to find whether (and where first) an input is wrong, and to list every problem. */
export interface SchemaCheck {
  readonly first: ValidateFunction
  readonly every: ValidateFunction
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
