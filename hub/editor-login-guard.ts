// The editor's (and the MES API's) login, POST /auth/token, guarded by the hub. Node-RED counts login attempts per
// *username*, from any source, and after six in ten minutes refuses that user, even with the right password, as an
// HTTP 500: anyone who can reach the port could lock the admin out. So the hub checks the password before Node-RED
// does, counts failures per *source address* instead, and answers a source over the limit 429 with Retry-After.
// Node-RED then only sees logins that succeed (which clear its counter), so its own lockout never triggers.
import express, { type RequestHandler } from 'express'
import type { EditorUser } from './own-config'
import { generatePassword, hashPassword, verifyPassword } from '../core/passwords'
import { scopeAllows } from './node-red-permissions'

/** Failed logins from one source address within LOGIN_WINDOW_MS before that source must wait. */
export const LOGIN_MAX_FAILURES = 5
export const LOGIN_WINDOW_MS = 10 * 60_000
/** Sources remembered at most (the oldest are forgotten first), so that many addresses cannot fill the memory. */
export const LOGIN_MAX_SOURCES = 10_000
/** Largest login request body. */
const LOGIN_BODY_LIMIT = '16kb'
/** A bcrypt hash of a random password: an unknown user costs one comparison too, so timing does not tell names. */
let noUserHash: Promise<string> | undefined

/** Failures per source: the times of those within the window, oldest first. */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()

  constructor (private readonly now: () => number = Date.now) {}

  /** Milliseconds until `source` may try again; 0 when it may now. */
  waitMs (source: string): number {
    const times = this.recent(source)
    if (times.length < LOGIN_MAX_FAILURES) return 0
    return times[times.length - LOGIN_MAX_FAILURES]! + LOGIN_WINDOW_MS - this.now()
  }

  fail (source: string): void {
    const times = this.recent(source)
    times.push(this.now())
    this.failures.delete(source) // re-inserted last: Map order is then least recently failed first
    this.failures.set(source, times)
    if (this.failures.size > LOGIN_MAX_SOURCES) this.failures.delete(this.failures.keys().next().value!)
  }

  private recent (source: string): number[] {
    const since = this.now() - LOGIN_WINDOW_MS
    const times = (this.failures.get(source) ?? []).filter((t) => t > since)
    if (times.length === 0) this.failures.delete(source)
    return times
  }
}

/**
 * The editor user with this name and password, or undefined. An unknown user costs one bcrypt comparison too, so
 * that timing does not tell which names exist.
 */
export async function checkLogin (users: readonly EditorUser[], username: string, password: string): Promise<EditorUser | undefined> {
  const user = users.find((u) => u.username === username)
  const hash = user !== undefined ? user.passwordHash : await (noUserHash ??= hashPassword(generatePassword()))
  const ok = await verifyPassword(password, hash)
  return user !== undefined && ok ? user : undefined
}

/** An OAuth 2 error answer, in the shape Node-RED's token endpoint gives its own. */
function oauthError (res: express.Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description })
}

/**
 * Middleware for POST <admin root>/auth/token, in front of Node-RED's. It parses the body itself (Node-RED's parsers
 * then leave it as it is), refuses a throttled source, checks the password grant's user, password and scope against
 * the editor users, and passes only a login that will succeed on to Node-RED.
 */
export function loginGuard (users: readonly EditorUser[], throttle = new LoginThrottle()): RequestHandler[] {
  const guard: RequestHandler = (req, res, next) => {
    const source = req.socket.remoteAddress ?? '?'
    const wait = throttle.waitMs(source)
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)))
      return oauthError(res, 429, 'too_many_requests',
        `too many failed logins from ${source}: try again in ${Math.ceil(wait / 1000)} s`)
    }
    const body = (req.body ?? {}) as Record<string, unknown>
    if (body.grant_type !== 'password') return next()
    const { username, password, scope } = body
    if (typeof username !== 'string' || typeof password !== 'string' || (scope !== undefined && typeof scope !== 'string')) {
      return oauthError(res, 400, 'invalid_request', 'username, password and scope must be plain text values')
    }
    checkLogin(users, username, password).then((user) => {
      if (user === undefined) {
        throttle.fail(source)
        return oauthError(res, 403, 'invalid_grant', 'Invalid resource owner credentials')
      }
      // Node-RED's rule: no scope means the user's own permissions; each scope asked for must be within them.
      const asked = (scope ?? '').split(' ').filter(Boolean)
      const permissions = user.permissions ?? '*'
      if (!asked.every((s) => scopeAllows(permissions, s))) {
        return oauthError(res, 403, 'invalid_grant', `user ${username} may not have a token of scope '${String(scope)}'`)
      }
      if (asked.length === 0) body.scope = ''
      next()
    }, next)
  }
  return [express.urlencoded({ extended: true, limit: LOGIN_BODY_LIMIT }), express.json({ limit: LOGIN_BODY_LIMIT }), guard]
}
