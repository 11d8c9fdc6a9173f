// Who a connected client is and what it may do. The rules follow the plant model: a machine owns a subtree of
// the namespace (its cell) and its Sparkplug edge node, a viewer only reads, an admin does everything.
import type { AnonymousRole, MqttAccount, Role } from './config'
import { SPARKPLUG_NAMESPACE } from '../plant/sparkplug-topic'
import { verifyPassword } from '../core/passwords'
import type { LoginThrottle } from './login-throttle'
import { CheckerBusyError } from './password-checker'
import { VerifiedLogins } from './verified-logins'

export interface Principal {
  readonly username: string | undefined
  readonly role: Role
  /** Plant paths this principal owns, each ending in '/', for prefix checks. */
  readonly ownedPrefixes: readonly string[]
  /** Sparkplug [group, edgeNode] pairs this principal may publish as. */
  readonly sparkplugNodes: ReadonlyArray<readonly [string, string]>
  /** The hub's own in-process connections (Sparkplug host): may publish what only the hub writes. */
  readonly internal?: true
}

export type AuthResult =
  | { ok: true, principal: Principal }
  | {
    ok: false
    code: 'BAD_USERNAME_OR_PASSWORD' | 'NOT_AUTHORIZED' | 'SERVER_UNAVAILABLE'
    reason: string
    /** Already logged by the login throttle (once per burst of the address). */
    logged?: true
  }

export interface AccessControlOptions {
  accounts: readonly MqttAccount[]
  anonymous: { local: AnonymousRole, remote: AnonymousRole }
  /** Checks a password against a bcrypt hash; default: bcryptjs on the event loop (the broker passes a thread pool). */
  checkPassword?: (password: Buffer, hash: string) => Promise<boolean>
  /** Failed logins per source address; default: none (every login is checked). */
  throttle?: LoginThrottle
}

const EDGE_MESSAGE_TYPES = new Set(['NBIRTH', 'NDEATH', 'NDATA', 'DBIRTH', 'DDEATH', 'DDATA'])

// Compared against for unknown users, so that response time does not reveal which accounts exist.
const NO_ACCOUNT_HASH = '$2b$10$DeOVUjfVumJiMHiN/l1AR.GtCJY190V2ksJQJY.l85f2oNFCCGdHu'

export function isLoopback (address: string | undefined): boolean {
  if (!address) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

export class AccessControl {
  private readonly accounts: Map<string, MqttAccount>
  private readonly verified = new VerifiedLogins()
  private readonly checkPassword: (password: Buffer, hash: string) => Promise<boolean>

  constructor (private readonly opts: AccessControlOptions) {
    this.accounts = new Map(opts.accounts.map((a) => [a.username, a]))
    this.checkPassword = opts.checkPassword ?? ((pw, hash) => verifyPassword(pw.toString('utf8'), hash))
  }

  async authenticate (username: string | undefined, password: Buffer | undefined,
    remoteAddress: string | undefined): Promise<AuthResult> {
    if (username === undefined || username === '') {
      const local = isLoopback(remoteAddress)
      const role = local ? this.opts.anonymous.local : this.opts.anonymous.remote
      if (role === 'none') {
        return { ok: false, code: 'NOT_AUTHORIZED', reason: `anonymous clients are not allowed from ${local ? 'this machine' : remoteAddress ?? 'an unknown address'}` }
      }
      return { ok: true, principal: { username: undefined, role, ownedPrefixes: [], sparkplugNodes: [] } }
    }
    const address = remoteAddress ?? 'unknown address'
    const throttle = this.opts.throttle
    const wait = throttle?.retryAfterSeconds(address) ?? 0
    if (wait > 0) {
      // Refused unchecked, even a right password: a cached check is fast and would let guesses through.
      const reason = `too many failed logins from ${address}; try again in ${wait} s`
      throttle!.throttled(address, username, reason)
      return { ok: false, code: 'NOT_AUTHORIZED', reason, logged: true }
    }
    const account = this.accounts.get(username)
    const pw = password ?? Buffer.alloc(0)
    let matches = account !== undefined && this.verified.has(username, account.passwordHash, pw)
    if (!matches) {
      try {
        matches = await this.checkPassword(pw, account?.passwordHash ?? NO_ACCOUNT_HASH)
      } catch (err) {
        if (err instanceof CheckerBusyError) return { ok: false, code: 'SERVER_UNAVAILABLE', reason: `server busy: ${err.message}` }
        throw err
      }
      if (matches && account !== undefined) this.verified.remember(username, account.passwordHash, pw)
    }
    if (!account || !matches) {
      const reason = `wrong username or password for '${username}'`
      if (throttle === undefined) return { ok: false, code: 'BAD_USERNAME_OR_PASSWORD', reason }
      throttle.failed(address, username, reason)
      return { ok: false, code: 'BAD_USERNAME_OR_PASSWORD', reason, logged: true }
    }
    return {
      ok: true,
      principal: {
        username,
        role: account.role,
        ownedPrefixes: (account.equipment ?? []).map((p) => p.replace(/\/+$/, '') + '/'),
        sparkplugNodes: (account.sparkplugNodes ?? []).map((n) => n.split('/') as [string, string])
      }
    }
  }

  /**
   * The current rights of an account, without its password: for a client that is no longer connected (a Will left
   * in the store by a crash). undefined when no such account exists any more.
   */
  principalOfAccount (username: string): Principal | undefined {
    const account = this.accounts.get(username)
    if (!account) return undefined
    return {
      username,
      role: account.role,
      ownedPrefixes: (account.equipment ?? []).map((p) => p.replace(/\/+$/, '') + '/'),
      sparkplugNodes: (account.sparkplugNodes ?? []).map((n) => n.split('/') as [string, string])
    }
  }

  /** The current rights of anonymous clients from this machine (local) or elsewhere; undefined when not allowed. */
  anonymousPrincipal (local: boolean): Principal | undefined {
    const role = local ? this.opts.anonymous.local : this.opts.anonymous.remote
    return role === 'none' ? undefined : { username: undefined, role, ownedPrefixes: [], sparkplugNodes: [] }
  }

  /** null when allowed, otherwise the reason in words. */
  publishDenied (p: Principal, topic: string): string | null {
    if (p.role === 'admin') return null
    if (p.role === 'viewer') return `account ${who(p)} is a viewer and may not publish`
    if (p.ownedPrefixes.some((prefix) => topic.startsWith(prefix))) return null
    if (topic.startsWith(SPARKPLUG_NAMESPACE + '/')) {
      const [, group, type, node] = topic.split('/')
      if (EDGE_MESSAGE_TYPES.has(type) && this.ownsNode(p, group, node)) return null
    }
    return `machine account ${who(p)} may publish only under ${describeScope(p)}, not to '${topic}'`
  }

  subscribeDenied (p: Principal, filter: string): string | null {
    if (p.role !== 'machine') return null
    if (p.ownedPrefixes.some((prefix) => filter.startsWith(prefix) || filter + '/' === prefix)) return null
    if (filter.startsWith(SPARKPLUG_NAMESPACE + '/')) {
      const [, group, , node] = filter.split('/')
      if (group === 'STATE') return null // host application state: every edge node must see it
      if (this.ownsNode(p, group, node)) return null
    }
    return `machine account ${who(p)} may subscribe only under ${describeScope(p)}, not to '${filter}'`
  }

  private ownsNode (p: Principal, group: string | undefined, node: string | undefined): boolean {
    return p.sparkplugNodes.some(([g, n]) => g === group && n === node)
  }
}

function who (p: Principal): string {
  return p.username === undefined ? '(anonymous)' : `'${p.username}'`
}

function describeScope (p: Principal): string {
  const parts = [...p.ownedPrefixes.map((x) => `'${x}#'`),
    ...p.sparkplugNodes.map(([g, n]) => `Sparkplug node '${g}/${n}'`)]
  return parts.length > 0 ? parts.join(', ') : 'nothing (no equipment or Sparkplug node configured)'
}
