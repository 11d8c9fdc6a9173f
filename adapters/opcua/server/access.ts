// Who may do what on the OPC UA server: the hub's MQTT accounts (mqtt.accounts) and its anonymous rules, read the
// same way the broker reads them. A viewer reads, a machine also writes the commands of its own equipment subtree,
// an admin writes everything; an anonymous session reads, and only from where the broker admits anonymous clients.
// SecurityPolicy None carries passwords in clear text: a session over it is refused from other machines unless
// `opcua.server.securityNoneRemote` allows it (GetEndpoints over None stays open: clients need it to find the
// secure endpoints). Wrong passwords are counted per address by the same kind of throttle as the broker's (the hub
// hands it in): a guessing client gets its burst, then its address is refused unchecked for a while.
import { verifyPassword } from '../../../core/passwords'

/** An MQTT account as the broker's config holds it (mqtt.accounts); only these fields matter here. */
export interface OpcUaAccount {
  readonly username: string
  readonly passwordHash: string
  readonly role: 'admin' | 'machine' | 'viewer'
  readonly equipment?: readonly string[]
}

export type AnonymousRole = 'admin' | 'machine' | 'viewer' | 'none'

/** Failed logins per address (broker/login-throttle.ts's LoginThrottle has this shape). */
export interface FailedLoginThrottle {
  /** Seconds until `address` may try again, 0 when it may try now. */
  retryAfterSeconds (address: string): number
  failed (address: string, username: string | undefined, reason: string): void
  throttled (address: string, username: string | undefined, reason: string): void
}

export interface AccessOptions {
  accounts: readonly OpcUaAccount[]
  anonymous: { readonly local: AnonymousRole, readonly remote: AnonymousRole }
  securityNoneRemote: boolean
  /** Counts wrong passwords per address; without one, every guess is checked. */
  throttle?: FailedLoginThrottle
}

/** What a session asks for when it activates. */
export interface Activation {
  readonly anonymous: boolean
  readonly remoteAddress: string | undefined
  /** The secure channel's mode has no signing (MessageSecurityMode None). */
  readonly securityNone: boolean
}

export type Refusal = { readonly code: 'BadSecurityModeRejected' | 'BadIdentityTokenRejected', readonly reason: string }

// Compared against for unknown users, so that response time does not reveal which accounts exist.
const NO_ACCOUNT_HASH = '$2b$10$DeOVUjfVumJiMHiN/l1AR.GtCJY190V2ksJQJY.l85f2oNFCCGdHu'

export function isLoopback (address: string | undefined): boolean {
  if (!address) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

export class OpcUaAccess {
  private readonly accounts: Map<string, OpcUaAccount>

  constructor (private readonly opts: AccessOptions) {
    this.accounts = new Map(opts.accounts.map((a) => [a.username, a]))
  }

  /** Whether anonymous sessions can be admitted at all (from somewhere). */
  get anonymousAllowed (): boolean {
    return this.opts.anonymous.local !== 'none' || this.opts.anonymous.remote !== 'none'
  }

  /** Why a session may not activate, or undefined when it may. */
  activationRefusal (a: Activation): Refusal | undefined {
    const local = isLoopback(a.remoteAddress)
    if (a.securityNone && !local && !this.opts.securityNoneRemote) {
      return {
        code: 'BadSecurityModeRejected',
        reason: `SecurityPolicy None is refused from ${a.remoteAddress ?? 'an unknown address'}: connect with Basic256Sha256 or an ` +
          'Aes policy (Sign or SignAndEncrypt), or set opcua.server.securityNoneRemote'
      }
    }
    if (a.anonymous && (local ? this.opts.anonymous.local : this.opts.anonymous.remote) === 'none') {
      return { code: 'BadIdentityTokenRejected', reason: `anonymous sessions are not allowed from ${local ? 'this machine' : a.remoteAddress ?? 'an unknown address'}` }
    }
    return undefined
  }

  /** Whether the password is the account's; `address` is where the session comes from (for the throttle). */
  async checkPassword (username: string, password: string, address = 'unknown address'): Promise<boolean> {
    const throttle = this.opts.throttle
    const wait = throttle?.retryAfterSeconds(address) ?? 0
    if (wait > 0) {
      throttle!.throttled(address, username, `OPC UA: too many failed logins from ${address}; try again in ${wait} s`)
      return false
    }
    const account = this.accounts.get(username)
    const ok = await verifyPassword(password, account?.passwordHash ?? NO_ACCOUNT_HASH) && account !== undefined
    if (!ok) throttle?.failed(address, username, `OPC UA: wrong username or password for '${username}'`)
    return ok
  }

  /** Whether a session's user (undefined: anonymous) may write the commands of the equipment at `equipmentTopic`. */
  mayWrite (username: string | undefined, equipmentTopic: string): boolean {
    if (username === undefined) return false // anonymous sessions read only
    const account = this.accounts.get(username)
    if (account === undefined) return false
    if (account.role === 'admin') return true
    if (account.role !== 'machine') return false
    return (account.equipment ?? []).some((p) => equipmentTopic === p || equipmentTopic.startsWith(p.endsWith('/') ? p : `${p}/`))
  }
}
