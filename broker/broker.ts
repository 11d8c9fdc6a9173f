// The Unified Namespace broker: aedes with durable persistence, the hub's accounts and ACLs, the UNS publish
// guard, and its listeners. Everything it depends on is passed in, so tests start it on free ports.
import { Aedes } from 'aedes'
import type { Client, PublishPacket, Subscription } from 'aedes'
import type { HubConfig } from '../hub/config'
import type { Logger } from '../hub/logger'
import { AccessControl, isLoopback, type Principal } from './access-control'
import { openPersistence, type BrokerPersistence } from './persistence'
import { createPublishGuard, type UnsRules } from './publish-guard'
import { listenTcp, listenTls, listenWebSocket, type Listener } from './listeners'
import { installWillGuard, type WillAccounts } from './will-guard'
import { numberPacketsInEmitOrder } from './emit-order'
import { acknowledgeAfterStore } from './ack-after-store'
import { markRedeliveries } from './redelivery'
import { cacheTopicMatches } from './match-cache'
import type { Duplex } from 'node:stream'
import { inProcessPair } from './in-process-connection'
import { attachSparkplugAwareness } from './sparkplug/aware-broker'
import { guardHostState } from './sparkplug/host-state-guard'

export interface BrokerOptions {
  config: HubConfig
  uns: UnsRules
  log: Logger
}

export interface RunningBroker {
  readonly aedes: Aedes
  readonly listeners: readonly Listener[]
  /** Publishes from inside the hub (bypasses the client ACLs, not the persistence). */
  publish (topic: string, payload: Buffer | string, opts?: { qos?: 0 | 1, retain?: boolean }): Promise<void>
  /**
   * A new MQTT connection from inside the hub (the Sparkplug host application): a real MQTT session over an
   * in-memory stream, authenticated as admin whatever the anonymous settings are.
   */
  connectInternal (): Duplex
  /** Deletes a client's stored Will (after a clean in-process disconnect, before the store closes). */
  forgetWill (clientId: string): Promise<void>
  /** Stores a retained message without delivering it (for values already delivered live). */
  storeRetained (topic: string, payload: Buffer): Promise<void>
  /** The retained messages whose topics match an MQTT filter, as a new subscriber would receive them. */
  retained (filter: string): AsyncIterable<{ topic: string, payload: Buffer }>
  close (): Promise<void>
}

const NOT_AUTHORIZED = 5
const BAD_USERNAME_OR_PASSWORD = 4

function remoteAddressOf (client: Client): string | undefined {
  const conn = client.conn as { remoteAddress?: string }
  return conn.remoteAddress ?? client.req?.socket?.remoteAddress
}

export async function startBroker ({ config, uns, log }: BrokerOptions): Promise<RunningBroker> {
  const access = new AccessControl(config.mqtt)
  const principals = new WeakMap<Client, Principal>()
  // Server ends of the hub's own in-process connections: trusted, never exposed to the network.
  const internalStreams = new WeakSet<object>()
  const INTERNAL: Principal = { username: '(hub)', role: 'admin', ownedPrefixes: [], sparkplugNodes: [] }
  const persistence: BrokerPersistence = await openPersistence(config.dataDir, { sync: config.mqtt.persistence.sync })

  let aedes: Aedes | undefined
  const publishInternal = (topic: string, payload: Buffer | string, opts: { qos?: 0 | 1, retain?: boolean } = {}): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!aedes) return reject(new Error('broker not started'))
      const packet = { cmd: 'publish', topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false } as PublishPacket
      aedes.publish(packet, (err) => err ? reject(err) : resolve())
    })

  const unsGuard = createPublishGuard({
    access,
    principalOf: (c) => principals.get(c),
    uns,
    enforcement: config.uns.enforcement,
    maxPayloadBytes: config.mqtt.maxPayloadBytes,
    report: (topic, report) => { publishInternal(topic, JSON.stringify(report)).catch(() => {}) },
    log: log.child('uns')
  })
  // Only the hub's own host writes spBv1.0/STATE/<hostId> (broker/sparkplug/host-state-guard.ts).
  const guard = guardHostState(unsGuard, {
    hostId: config.sparkplug.enabled ? config.sparkplug.hostId : undefined,
    isHub: (c) => principals.get(c) === INTERNAL,
    usernameOf: (c) => principals.get(c)?.username ?? null,
    log: log.child('uns')
  })
  // QoS 1: PUBACK only once the message is stored (aedes acknowledges first).
  const ackAfterStore = acknowledgeAfterStore(guard)

  aedes = await Aedes.createBroker({
    id: 'isa95-hub',
    persistence,
    // Sparkplug edge nodes and PLC gateways often use long client ids.
    maxClientsIdLength: 256,
    drainTimeout: 30000,
    authenticate (client, username, password, done) {
      if (internalStreams.has(client.conn)) {
        principals.set(client, INTERNAL)
        return done(null, true)
      }
      access.authenticate(username, password, remoteAddressOf(client)).then((r) => {
        if (r.ok) {
          principals.set(client, r.principal)
          log.debug(`client '${client.id}' connected as ${r.principal.username ?? 'anonymous'} (${r.principal.role})`)
          return done(null, true)
        }
        log.warn(`refused client '${client.id}' from ${remoteAddressOf(client) ?? 'unknown address'}: ${r.reason}`)
        const err = Object.assign(new Error(r.reason), { returnCode: r.code === 'NOT_AUTHORIZED' ? NOT_AUTHORIZED : BAD_USERNAME_OR_PASSWORD })
        done(err, false)
      }, (err: Error) => done(Object.assign(err, { returnCode: 3 }), false))
    },
    authorizePublish: ackAfterStore.authorizePublish,
    authorizeSubscribe (client: Client, sub: Subscription, done) {
      const principal = principals.get(client)
      const denied = principal ? access.subscribeDenied(principal, sub.topic) : 'client is not authenticated'
      if (denied) {
        log.warn(`refused subscription of '${client.id}' to '${sub.topic}': ${denied}`)
        return done(null, null) // SUBACK 0x80 for this filter; the client stays connected
      }
      done(null, sub)
    }
  })

  aedes.on('clientError', (client: Client, err: Error) => log.debug(`client '${client.id}': ${err.message}`))
  aedes.on('connectionError', (client: Client, err: Error) => log.debug(`connection from '${client.id ?? '?'}' failed: ${err.message}`))

  // Before any client connects: no QoS 1 PUBACK before the message is stored,
  ackAfterStore.attach(aedes)
  // no retained/QoS 1 message dropped for arriving after a later QoS 0 one (aedes dedupe),
  numberPacketsInEmitOrder(aedes)
  // DUP set on messages sent again to a returning persistent session,
  markRedeliveries(aedes)
  // topic matches remembered until the subscriptions change (the UNS republishes the same topics all the time),
  cacheTopicMatches(aedes)
  // and Wills on every disconnect path (aedes loses them on shutdown and after a crash), each with its owner's rights.
  const willAccounts: WillAccounts = {
    ownerOf (client) {
      const p = principals.get(client)
      if (!p) return undefined
      if (p === INTERNAL) return { kind: 'hub' }
      return p.username === undefined ? { kind: 'anonymous', local: isLoopback(remoteAddressOf(client)) } : { kind: 'account', username: p.username }
    },
    willDenied (client, will) {
      const p = principals.get(client)
      return p ? access.publishDenied(p, will.topic) : 'client is not authenticated'
    },
    standIn (owner, clientId) {
      if (owner?.kind === 'hub') return null
      const standIn = { id: clientId } as unknown as Client
      const p = owner?.kind === 'account' ? access.principalOfAccount(owner.username)
        : owner?.kind === 'anonymous' ? access.anonymousPrincipal(owner.local) : undefined
      if (p) principals.set(standIn, p)
      else if (owner) log.warn(`the Will of '${clientId}' belongs to ${owner.kind === 'account' ? `account '${owner.username}', which no longer exists` : 'an anonymous client, and anonymous clients are no longer allowed'}: it goes to $hub/errors`)
      return standIn
    }
  }
  installWillGuard({ aedes }, log.child('will'), willAccounts)

  const broker = aedes
  const listeners: Listener[] = []
  const running: RunningBroker = {
    aedes: broker,
    listeners,
    publish: publishInternal,
    connectInternal () {
      const { client, server } = inProcessPair(undefined)
      internalStreams.add(server)
      broker.handle(server)
      return client
    },
    forgetWill: async (clientId) => { await (persistence.delWill as (c: { id: string }) => Promise<unknown>)({ id: clientId }) },
    storeRetained: (topic, payload) => (persistence.storeRetained as (p: unknown) => Promise<void>)(
      { cmd: 'publish', topic, payload, qos: 0, retain: true, dup: false, brokerId: broker.id, brokerCounter: 0 }),
    retained: (filter) => (persistence.createRetainedStream as (f: string) => AsyncIterable<{ topic: string, payload: Buffer }>)(filter),
    async close () {
      // Clients first (their sessions and queues are already in persistence), then the store.
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await Promise.all(listeners.map((l) => l.close()))
      await persistence.destroy()
    }
  }
  // Sparkplug-aware: births kept as retained certificates, NDEATH Wills stamped with the time they are sent.
  attachSparkplugAwareness(running, log.child('sparkplug-aware'))

  try {
    listeners.push(await listenTcp(broker, config.mqtt.host, config.mqtt.port))
    if (config.mqtt.ws.enabled) listeners.push(await listenWebSocket(broker, config.mqtt.ws.host, config.mqtt.ws.port, config.mqtt.ws.path))
    if (config.mqtt.tls) {
      const t = config.mqtt.tls
      listeners.push(await listenTls(broker, { host: t.host ?? config.mqtt.host, port: t.port ?? 8883, cert: t.cert, key: t.key, ca: t.ca }))
    }
  } catch (err) {
    await running.close()
    throw err
  }
  return running
}

