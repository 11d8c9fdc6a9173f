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
import type { Client, PublishPacket } from 'aedes'
import type { Logger } from '../hub/logger'
import type { RunningBroker } from './broker'

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
export function installWillGuard (broker: Pick<RunningBroker, 'aedes'>, log: Logger = noopLogger): WillGuard {
  const existing = guards.get(broker.aedes)
  if (existing) return existing
  const aedes = broker.aedes as unknown as AedesRuntime

  // Wills stored during this run belong to live connections, which publish their own; remember whose they are.
  const storedThisRun = new Set<string>()
  const putWill = aedes.persistence.putWill.bind(aedes.persistence)
  aedes.persistence.putWill = (client, packet) => {
    storedThisRun.add(client.id)
    return putWill(client, packet)
  }

  const publishWill = (client: Client | null, will: PublishPacket): Promise<void> => new Promise((resolve) => {
    aedes.authorizePublish(client, will, (err) => {
      if (err) return resolve()
      aedes.publish(will, client, (e) => {
        if (e) log.warn(`could not publish the Will of '${client?.id ?? will.topic}': ${e.message}`)
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
      const leftovers: Array<PublishPacket & { clientId: string }> = []
      for await (const will of aedes.persistence.streamWill()) leftovers.push(will)
      for (const will of leftovers) {
        if (aedes.closed) break
        if (storedThisRun.has(will.clientId) || aedes.clients[will.clientId]) continue
        const packet = { cmd: 'publish', topic: will.topic, payload: Buffer.from(will.payload as Buffer), qos: will.qos, retain: will.retain, dup: false } as PublishPacket
        await publishWill(null, packet)
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
