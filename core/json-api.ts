// JSON over HTTP the way the hub's APIs speak it: a JSON body parsed with a named size limit, query strings read
// strictly (an unknown or repeated parameter is a 400, as a typo in a config file is), and every failure answered as
// { error: { code, message, source?, path?, hint?, ... } } with the status its kind calls for (each API says which,
// e.g. mes/http/mes-http-errors.ts); anything unexpected is a 500 with a reference, and its detail goes to the log only.
import crypto from 'node:crypto'
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { HubError, ValidationError, type Problem } from './errors'
import type { Logger } from './logger'

/** Largest request body, in bytes (body-parser syntax). A work order with 999 operations is well under 1 MB. */
export const MAX_BODY = '1mb'

/** A refusal at the HTTP layer itself (route, method, media type, permission, body size). */
export class ApiError extends HubError {
  constructor (readonly status: number, code: string, message: string, hint?: string) {
    super(code, message, {}, hint)
  }
}

/** The `error` member of every error answer; an API adds members of its own (`reasons`, `state`, ...). */
export interface ErrorBody {
  code: string
  message: string
  source?: string
  path?: string
  hint?: string
  /** ValidationError: every problem, each with its JSON path (or ?parameter for the query string). */
  problems?: readonly Problem[]
  [more: string]: unknown
}

/** The status and error body an API gives an error; null for one it does not know (a fault: 500). */
export type DescribeError = (err: unknown) => { status: number, body: ErrorBody } | null

/** The body every HubError shares: its code, its message without place and hint, and those in their own fields. */
export function errorBody (err: HubError): ErrorBody {
  const body: ErrorBody = { code: err.code, message: err.detail }
  if (err.where.source !== undefined) body.source = err.where.source
  if (err.where.path !== undefined) body.path = err.where.path
  if (err.hint !== undefined) body.hint = err.hint
  if (err instanceof ValidationError) body.problems = err.problems
  return body
}

/** express's and body-parser's own failures (path encoding, size, syntax, charset) as ApiErrors; undefined for anything else. */
function httpLayerError (err: unknown): ApiError | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  // express's router could not decode a path parameter (a malformed %-escape such as %E0%A4%A).
  if (err instanceof URIError) {
    return new ApiError(400, 'HTTP_BAD_PATH', `${err.message}: a path segment is not valid percent-encoding`,
      'percent-encode path segments as UTF-8 (encodeURIComponent), e.g. an order number A/1 as A%2F1')
  }
  const e = err as { type?: unknown, status?: unknown, message?: unknown }
  if (typeof e.type !== 'string' || typeof e.status !== 'number') return undefined
  if (e.type === 'entity.too.large') {
    return new ApiError(413, 'HTTP_BODY_TOO_LARGE', `request body is larger than the limit of ${MAX_BODY}`,
      'a work order with all its operations and materials fits well within it: check what is being sent')
  }
  if (e.type === 'entity.parse.failed') return new ApiError(400, 'HTTP_MALFORMED_JSON', `request body is not valid JSON: ${String(e.message)}`)
  if (e.status === 415) return new ApiError(415, 'HTTP_UNSUPPORTED_MEDIA_TYPE', String(e.message), 'send UTF-8 JSON')
  if (e.status >= 400 && e.status < 500) return new ApiError(e.status, 'HTTP_BAD_REQUEST', String(e.message))
  return undefined
}

/**
 * The last handler of an API router: HTTP-level refusals, ValidationErrors and the errors `describe` knows become
 * their status and body; anything else is a fault: a 500 with a reference, the detail in the log only.
 */
export function errorHandler (log: Logger, describe: DescribeError = () => null): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err)
    const e = httpLayerError(err) ?? err
    const known = e instanceof ApiError ? { status: e.status, body: errorBody(e) }
      : e instanceof ValidationError ? { status: 400, body: errorBody(e) }
        : describe(e)
    if (known !== null) {
      const line = `${req.method} ${req.originalUrl}: ${known.status} ${known.body.code}: ${known.body.message}`
      if (known.status >= 500) log.warn(line)
      else log.debug(line)
      res.status(known.status).json({ error: known.body })
      return
    }
    const ref = crypto.randomBytes(6).toString('hex')
    log.error(`${req.method} ${req.originalUrl}: internal error (ref ${ref}): ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    res.status(500).json({ error: { code: 'INTERNAL', message: `internal error (ref ${ref}); the hub's log has the details` } })
  }
}

/**
 * Parses a JSON body (objects and arrays only) up to MAX_BODY. A request that has a body of another media type is a
 * 415 instead of reaching a handler as an empty object.
 */
export function jsonBody (): RequestHandler[] {
  const parse = express.json({ limit: MAX_BODY, strict: true })
  const mediaType: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
    if (hasBody && !req.is('application/json')) {
      return next(new ApiError(415, 'HTTP_UNSUPPORTED_MEDIA_TYPE',
        `request body is ${req.headers['content-type'] ?? 'of no declared type'}, not JSON`, 'send Content-Type: application/json'))
    }
    next()
  }
  return [mediaType, parse]
}

export { check as checkBody } from './schema-check'

/**
 * A strict reader of one request's query string: each getter records a problem instead of throwing, and `done()`
 * throws them all at once. Parameters not asked for are refused (a misspelt filter would otherwise be ignored).
 */
export class QueryReader {
  private readonly problems: Problem[] = []
  // Node-RED's own name for a token in the query string: not one of ours, and not refused here as unknown (Node-RED
  // decides about it: the hub answers such requests 401).
  private readonly known = new Set<string>(['access_token'])

  constructor (private readonly query: Record<string, unknown>) {}

  private raw (name: string): string[] | undefined {
    this.known.add(name)
    const v = this.query[name]
    if (v === undefined) return undefined
    const values = Array.isArray(v) ? v : [v]
    if (!values.every((x) => typeof x === 'string')) {
      this.problems.push({ path: `?${name}`, message: 'must be a plain value' })
      return undefined
    }
    return values as string[]
  }

  /** One text value. */
  text (name: string): string | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    if (v.length > 1) { this.problems.push({ path: `?${name}`, message: 'is given more than once' }); return undefined }
    if (v[0] === '') { this.problems.push({ path: `?${name}`, message: 'is empty' }); return undefined }
    return v[0]
  }

  /** A whole number from min to max. */
  int (name: string, min: number, max: number): number | undefined {
    const t = this.text(name)
    if (t === undefined) return undefined
    const n = Number(t)
    if (!/^-?\d+$/.test(t) || n < min || n > max) {
      this.problems.push({ path: `?${name}`, message: `must be a whole number from ${min} to ${max}` })
      return undefined
    }
    return n
  }

  /** One of `allowed`. */
  oneOf<T extends string> (name: string, allowed: readonly T[]): T | undefined {
    const t = this.text(name)
    if (t === undefined) return undefined
    if (!(allowed as readonly string[]).includes(t)) {
      this.problems.push({ path: `?${name}`, message: `must be one of ${allowed.join(', ')}` })
      return undefined
    }
    return t as T
  }

  /** Several of `allowed`: repeated (?state=a&state=b) or comma-separated (?state=a,b). */
  someOf<T extends string> (name: string, allowed: readonly T[]): T[] | undefined {
    const v = this.raw(name)
    if (v === undefined) return undefined
    const items = v.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)
    const bad = items.filter((x) => !(allowed as readonly string[]).includes(x))
    if (bad.length || items.length === 0) {
      this.problems.push({ path: `?${name}`, message: `${bad.length ? `${bad.join(', ')}: ` : ''}each must be one of ${allowed.join(', ')}` })
      return undefined
    }
    return items as T[]
  }

  /** Throws every problem found so far, and one for each parameter nobody asked for. */
  done (): void {
    for (const name of Object.keys(this.query)) {
      if (!this.known.has(name)) this.problems.push({ path: `?${name}`, message: 'is not a known parameter' })
    }
    if (this.problems.length) throw new ValidationError('query string', this.problems)
  }
}

/** Answers a request for a path the API does not have. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'HTTP_NOT_FOUND', `no such resource: ${req.method} ${req.originalUrl.split('?')[0]}`))
}

/** Answers a known path asked with a method it does not have. */
export function methodNotAllowed (allowed: readonly string[], hint?: string): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Allow', allowed.join(', '))
    next(new ApiError(405, 'HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${allowed.join(', ')}`, hint))
  }
}
