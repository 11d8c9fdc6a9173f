// SAP's CSRF protection as SAP Gateway applies it (SAP blog "How does CSRF token work? SAP Gateway", 2021; SAP KBA
// 3048103): a GET with `X-CSRF-Token: Fetch` answers the token in that header and the session cookies
// (`SAP_SESSIONID_<SID>_<client>`, `sap-usercontext`); a modifying request (POST, PUT, PATCH, MERGE, DELETE) must
// carry the token *and* the session cookie it belongs to, else 403 with `X-CSRF-Token: Required`. The token lives as
// long as the security session; within a session a second Fetch answers the same token.
import { randomBytes } from 'node:crypto'

export const SYSTEM_ID = 'SIM'
export const CLIENT = '100'
export const SESSION_COOKIE = `SAP_SESSIONID_${SYSTEM_ID}_${CLIENT}`

interface Session { readonly token: string, readonly user: string, expiresAt: number }

export type CsrfVerdict = 'ok' | 'no-session' | 'no-token' | 'wrong-token' | 'expired'

export class CsrfSessions {
  private readonly sessions = new Map<string, Session>()

  /** `http/security_session_timeout`: 1800 s by default on ABAP systems. */
  constructor (private readonly timeoutMs = 1_800_000, private readonly now: () => number = Date.now) {}

  /** Answers a Fetch: the session of the cookie when it is still valid (same token), else a new one. */
  fetch (cookieHeader: string | undefined, user: string): { token: string, setCookies: string[] } {
    const id = sessionIdOf(cookieHeader)
    const live = id === undefined ? undefined : this.sessions.get(id)
    if (id !== undefined && live && live.user === user && live.expiresAt > this.now()) {
      live.expiresAt = this.now() + this.timeoutMs
      return { token: live.token, setCookies: [] }
    }
    const newId = randomBytes(24).toString('base64url')
    const token = randomBytes(18).toString('base64')
    this.sessions.set(newId, { token, user, expiresAt: this.now() + this.timeoutMs })
    return {
      token,
      setCookies: [
        `${SESSION_COOKIE}=${encodeURIComponent(newId)}; path=/; HttpOnly`,
        `sap-usercontext=sap-client=${CLIENT}; path=/`
      ]
    }
  }

  check (cookieHeader: string | undefined, token: string | undefined, user: string): CsrfVerdict {
    const id = sessionIdOf(cookieHeader)
    if (id === undefined) return 'no-session'
    const s = this.sessions.get(id)
    if (!s || s.user !== user) return 'no-session'
    if (s.expiresAt <= this.now()) return 'expired'
    if (token === undefined || token === '' || token.toLowerCase() === 'fetch') return 'no-token'
    if (token !== s.token) return 'wrong-token'
    s.expiresAt = this.now() + this.timeoutMs
    return 'ok'
  }

  /** Ends every security session (the control API's `expire-csrf`): the next modifying request gets 403 Required. */
  expireAll (): void {
    this.sessions.clear()
  }
}

function sessionIdOf (cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return undefined
}
