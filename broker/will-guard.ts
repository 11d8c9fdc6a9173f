// Makes sure a client's Will is published on the disconnect paths where aedes 1.x (1.2.0) loses it.
//
// Found by test/broker/will.test.ts against the real hub:
//   - socket destroyed, keepalive timeout, protocol error, takeover by a second connection with the same client id:
//     aedes publishes the Will (client.close -> authorizePublish -> publish). Clean DISCONNECT: no Will, correctly.
//   - broker shutting down: aedes.close() closes every client, and each client's close() starts the Will publish but
//     does not wait for it; aedes then closes its emitter (mqemitter) while those publishes are still in flight, so
//     no subscriber sees the Will: not the in-process Sparkplug host, not a connected MQTT subscriber. Only a
//     persistent session may find it queued after a restart, and only when the store write beats persistence.destroy().
//     Fix: before aedes closes, publish the Will of every connected client and wait until it has been delivered.
//   - hub process killed (crash, SIGKILL, power loss): the Wills stay in the store with brokerId 'isa95-hub'. aedes
//     publishes stored Wills only of *other* brokers that stopped heartbeating (a cluster feature); the hub always has
//     the same broker id, so its own leftovers are never published. Fix: on start, publish the stored Wills of
//     clients that have not connected again in this run, then delete them.
//
// Whose Will it is: a leftover has no connection any more, and aedes authorizes it with client null, which the
// publish guard trusts (it is how the hub publishes its own messages). So viewer Wills and spoofed STATE Wills passed
// after a kill -9 (test/broker/will-access.test.ts). The guard therefore stores the Will's owner beside it (the
// account's username, anonymous from where, or the hub itself) and publishes a leftover as a stand-in client of that
// owner with the account's *current* rights: a Will of an account that lacks them, or no longer exists, is diverted
// to $hub/errors like any refused publish. At CONNECT a Will the account may not publish is accepted, as mosquitto
// does (it checks a Will's ACL when it sends the Will), and logged as a warning: refusing the CONNECT (return code 5)
// would keep a machine off the broker for a wrong Will topic, and the Will is checked again when it is published.
import type { Aedes, Client, PublishPacket } from 'aedes'
import type { Logger } from '../core/logger'
import { clientText } from '../core/client-text'

/** The parts of aedes' runtime this guard uses (not in its public typings). */
interface AedesRuntime {
  closed: boolean
  clients: Record<string, Client & WillClient>
  persistence: {
    putWill (client: { id: string }, packet: PublishPacket): Promise<void>
    delWill (client: { id: string }): Promise<unknown>
    streamWill (brokers?: Record<string, number>): AsyncIterable<PublishPacket & { clientId: string, brokerId?: string }>
  }
  authorizePublish (client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void
  publish (packet: PublishPacket, client: Client | null, cb: (err?: Error) => void): void
  close (cb?: () => void): void
}

interface WillClient {
  will: PublishPacket | null
  closed?: boolean
  _disconnected?: boolean
}

/** Who a Will belongs to, as stored with it. */
export type WillOwner =
  | { kind: 'hub' }
  | { kind: 'account', username: string }
  | { kind: 'anonymous', local: boolean }

/** The broker's view of accounts that the guard needs (broker/broker.ts provides it). */
export interface WillAccounts {
  /** The owner of a connected client; undefined when the hub does not know it. */
  ownerOf (client: Client): WillOwner | undefined
  /** Why the client may not publish this Will, or null. */
  willDenied (client: Client, will: PublishPacket): string | null
  /**
   * A client to authorize and publish a leftover Will with: null for the hub's own (trusted), otherwise a stand-in
   * with the owner's current rights (none when the account is gone: the guard then diverts the Will).
   */
  standIn (owner: WillOwner | undefined, clientId: string): Client | null
}

/** Until the broker says otherwise: every Will trusted as before (used by tests that install the guard alone). */
const TRUSTING: WillAccounts = { ownerOf: () => ({ kind: 'hub' }), willDenied: () => null, standIn: () => null }

export interface WillGuard {
  /** Resolves when the Wills left in the store by a previous run of the hub have been published. */
  readonly leftoversPublished: Promise<number>
}

const guards = new WeakMap<object, WillGuard>()

const noopLogger: Logger = { error () {}, warn () {}, info () {}, debug () {}, child: () => noopLogger }

/**
 * Installs the guard on a broker (idempotent: a second call returns the first guard). Best before the listeners
 * open: in broker/broker.ts right after `aedes = await Aedes.createBroker({...})`:
 *   installWillGuard({ aedes }, log.child('will'))
 */
export function installWillGuard (broker: { readonly aedes: Aedes }, log: Logger = noopLogger,
  accounts: WillAccounts = TRUSTING): WillGuard {
  const existing = guards.get(broker.aedes)
  if (existing) return existing
  const aedes = broker.aedes as unknown as AedesRuntime

  // Wills stored during this run belong to live connections, which publish their own; remember whose they are.
  const storedThisRun = new Set<string>()
  const putWill = aedes.persistence.putWill.bind(aedes.persistence)
  aedes.persistence.putWill = (client, packet) => {
    storedThisRun.add(client.id)
    const c = client as unknown as Client
    const denied = accounts.willDenied(c, packet)
    if (denied) log.warn(`client '${clientText(client.id)}' has a Will on '${clientText(packet.topic)}' that it may not publish (${clientText(denied, 400)}); if its connection ends, the Will goes to $hub/errors`)
    return putWill(client, { ...packet, owner: accounts.ownerOf(c) } as PublishPacket)
  }

  const publishWill = (client: Client | null, will: PublishPacket): Promise<void> => new Promise((resolve) => {
    aedes.authorizePublish(client, will, (err) => {
      if (err) return resolve()
      aedes.publish(will, client, (e) => {
        if (e) log.warn(`could not publish the Will of '${clientText(client?.id ?? will.topic)}': ${clientText(e.message, 400)}`)
        resolve()
      })
    })
  })

  // Shutdown: publish every connected client's Will while subscribers and the store are still there.
  const close = aedes.close.bind(aedes)
  aedes.close = (cb?: () => void): void => {
    if (aedes.closed) return close(cb)
    const pending: Array<Promise<void>> = []
    for (const client of Object.values(aedes.clients)) {
      const will = client.will
      if (!will || client.closed || client._disconnected) continue
      const published = publishWill(client, will) // authorizes at once, while client.will is still this Will
      client.will = null // aedes' own close() must not publish it a second time
      pending.push(published
        .then(() => aedes.persistence.delWill({ id: client.id }))
        .then(() => {}, () => {}))
    }
    if (pending.length > 0) log.debug(`publishing the Wills of ${pending.length} client(s) before the broker closes`)
    Promise.all(pending).finally(() => close(cb))
  }

  const leftoversPublished = (async () => {
    let n = 0
    try {
      const leftovers: Array<PublishPacket & { clientId: string, owner?: WillOwner }> = []
      for await (const will of aedes.persistence.streamWill()) leftovers.push(will)
      for (const will of leftovers) {
        if (aedes.closed) break
        if (storedThisRun.has(will.clientId) || aedes.clients[will.clientId]) continue
        const packet = { cmd: 'publish', topic: will.topic, payload: Buffer.from(will.payload as Buffer), qos: will.qos, retain: will.retain, dup: false } as PublishPacket
        const owner = accounts.standIn(will.owner, will.clientId)
        if (owner) {
          if (!will.owner) log.warn(`the Will of '${clientText(will.clientId)}' was stored without its owner (by an earlier version of the hub): it goes to $hub/errors`)
          else if (will.owner.kind === 'account') log.debug(`publishing the Will of '${clientText(will.clientId)}' with the current rights of account '${clientText(will.owner.username)}'`)
          // Marks the packet as this client's Will, as aedes' own Will publish does (client.will === packet).
          ;(owner as unknown as WillClient).will = packet
        }
        await publishWill(owner, packet)
        // Deleted only if nobody has connected with that client id (and stored a new Will) meanwhile.
        if (!storedThisRun.has(will.clientId)) await aedes.persistence.delWill({ id: will.clientId })
        n++
      }
      if (n > 0) log.info(`published ${n} Will(s) of clients whose connection ended when the hub last stopped unexpectedly`)
    } catch (err) {
      if (!aedes.closed) log.warn(`could not publish the Wills left by the previous run: ${(err as Error).message}`)
    }
    return n
  })()

  const guard: WillGuard = { leftoversPublished }
  guards.set(broker.aedes, guard)
  return guard
}
