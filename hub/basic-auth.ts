// HTTP Basic authentication of the editor's users, for endpoints whose callers cannot log in first: SAP's XML-HTTP
// and IDoc-SOAP ports send Basic credentials with every request. The same users and permission rule as the editor,
// the same password check and per-source throttle as its login (hub/editor-login-guard.ts), and a password checked
// once is remembered as an HMAC for this process (broker/verified-logins.ts), so that an IDoc costs no bcrypt.
// A wrong or missing login is a 401 with a Basic challenge, never a 500.
import type { Request, RequestHandler, Response } from 'express'
import type { EditorUser } from './own-config'
import { scopeAllows } from './node-red-permissions'
import { LoginThrottle, checkLogin } from './editor-login-guard'
import { VerifiedLogins } from '../broker/verified-logins'

export interface BasicAuthOptions {
  /** Shown in the challenge (WWW-Authenticate: Basic realm="..."). */
  realm?: string
  throttle?: LoginThrottle
}

/** The user a request authenticated as (set by the middleware). */
export function basicAuthUser (req: Request): string | undefined {
  return (req as Request & { basicAuthUser?: string }).basicAuthUser
}

/** `user:password` of an Authorization: Basic header; undefined when there is none or it is not Basic. */
function credentials (header: string | undefined): { username: string, password: Buffer } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (m === null) return undefined
  const text = Buffer.from(m[1]!, 'base64')
  const colon = text.indexOf(0x3a)
  if (colon < 0) return undefined
  return { username: text.subarray(0, colon).toString('utf8'), password: text.subarray(colon + 1) }
}

/** Middleware: the request's Basic credentials are an editor user's, with `permission`; else 401, 403 or 429. */
export function basicAuth (users: readonly EditorUser[], permission: string, opts: BasicAuthOptions = {}): RequestHandler {
  const throttle = opts.throttle ?? new LoginThrottle()
  const verified = new VerifiedLogins()
  const realm = opts.realm ?? 'isa95-hub'
  const refuse = (res: Response, status: number, message: string): void => {
    if (status === 401) res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
    res.status(status).type('text/plain').send(message + '\n')
  }
  return (req, res, next) => {
    const source = req.socket.remoteAddress ?? '?'
    const wait = throttle.waitMs(source)
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)))
      return refuse(res, 429, `too many failed logins from ${source}: try again in ${Math.ceil(wait / 1000)} s`)
    }
    const given = credentials(req.headers.authorization)
    if (given === undefined) return refuse(res, 401, 'HTTP Basic authentication of a hub user is required')
    const user = users.find((u) => u.username === given.username)
    const admitted = (u: EditorUser): void => {
      if (!scopeAllows(u.permissions ?? '*', permission)) {
        return refuse(res, 403, `user ${u.username} lacks the permission ${permission}`)
      }
      ;(req as Request & { basicAuthUser?: string }).basicAuthUser = u.username
      next()
    }
    if (user !== undefined && verified.has(user.username, user.passwordHash, given.password)) return admitted(user)
    checkLogin(users, given.username, given.password.toString('utf8')).then((checked) => {
      if (checked === undefined) {
        throttle.fail(source)
        return refuse(res, 401, 'wrong user name or password')
      }
      verified.remember(checked.username, checked.passwordHash, given.password)
      admitted(checked)
    }, (err: Error) => refuse(res, 401, `the login could not be checked: ${err.message}`))
  }
}
