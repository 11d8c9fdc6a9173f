// The Unified Namespace broker: aedes with durable persistence, the hub's accounts and ACLs, the UNS publish
// guard, and its listeners. Everything it depends on is passed in, so tests start it on free ports.
import { Aedes } from 'aedes'
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes'
import type { MqttConfig } from './config'
import type { Enforcement } from '../uns/config'
import type { Logger } from '../core/logger'
import { AccessControl, isLoopback, type Principal } from './access-control'
import { catchRetainedStreamErrors, openPersistence, type BrokerPersistence } from './persistence'
import { livePublisher, type LivePublish } from './live-publish'
import { createPublishGuard, type UnsRules } from './publish-guard'
import { listenTcp, listenTls, listenWebSocket, type Listener } from './listeners'
import { installWillGuard, type WillAccounts } from './will-guard'
import { numberPacketsInEmitOrder } from './emit-order'
import { acknowledgeAfterStore } from './ack-after-store'
import { markRedeliveries } from './redelivery'
import { cacheTopicMatches } from './match-cache'
import type { Duplex } from 'node:stream'
import { inProcessPair } from '../core/in-process-connection'
import { attachSparkplugAwareness, type SparkplugAwarenessOptions } from './sparkplug-aware'
import { clientText } from '../core/client-text'
import { connectRefusal, type ConnectFacts } from './connect-checks'
import { LoginThrottle } from './login-throttle'
import { PasswordChecker } from './password-checker'
import { reportDeepTopics } from './deep-topics'
import { exceedsMqttStringLimit, forbiddenCharacter } from '../uns/mqtt-text'

export interface BrokerOptions {
  /** The config file's `mqtt` section. */
  mqtt: MqttConfig
  /** The data directory; the broker keeps its store in it. */
  dataDir: string
  uns: UnsRules
  enforcement: Enforcement
  /** Client ids only the hub's in-process connections use (refused to network clients: broker/connect-checks.ts). */
  reservedClientIds: readonly string[]
  /** The Sparkplug STATE topic only the hub's own host may write (broker/host-state-guard.ts); none without a host. */
  hostStateTopic?: string
  /** The Sparkplug-aware server's options (broker/sparkplug-aware.ts): the hub passes the payload timestamper. */
  sparkplugAware?: SparkplugAwarenessOptions
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
  /** A live QoS 0, non-retained message from inside the hub, delivered as aedes would but without its pipeline (live-publish.ts). */
  publishLive: LivePublish
  /** Stores a retained message without delivering it (for values already delivered live). */
  storeRetained (topic: string, payload: Buffer): Promise<void>
  /** The retained messages whose topics match an MQTT filter, as a new subscriber would receive them. */
  retained (filter: string): AsyncIterable<{ topic: string, payload: Buffer }>
  close (): Promise<void>
}

const RETURN_CODES = { SERVER_UNAVAILABLE: 3, BAD_USERNAME_OR_PASSWORD: 4, NOT_AUTHORIZED: 5 } as const

/** A refused CONNECT: logged where it is refused (once per burst of its address), so not again as a client error. */
class LoginRefused extends Error {
  constructor (reason: string, readonly returnCode: number) { super(reason) }
}

function remoteAddressOf (client: Client): string | undefined {
  const conn = client.conn as { remoteAddress?: string }
  return conn.remoteAddress ?? client.req?.socket?.remoteAddress
}

export async function startBroker ({ mqtt, dataDir, uns, enforcement, reservedClientIds, hostStateTopic, sparkplugAware, log }: BrokerOptions): Promise<RunningBroker> {
  const checker = new PasswordChecker()
  const throttle = new LoginThrottle(mqtt.loginThrottle, log.child('login'))
  const access = new AccessControl({ ...mqtt, checkPassword: (pw, hash) => checker.check(pw, hash), throttle })
  const principals = new WeakMap<Client, Principal>()
  // What each CONNECT said, from preConnect (aedes replaces an empty client id before authenticate is asked).
  const connects = new WeakMap<Client, ConnectFacts>()
  // Server ends of the hub's own in-process connections: trusted, never exposed to the network.
  const internalStreams = new WeakSet<object>()
  const hubClientIds = new Set(reservedClientIds)
  const INTERNAL: Principal = { username: '(hub)', role: 'admin', ownedPrefixes: [], sparkplugNodes: [], internal: true }
  const persistence: BrokerPersistence = await openPersistence(dataDir, { sync: mqtt.persistence.sync })
  let closing = false
  catchRetainedStreamErrors(persistence, (err) => {
    const line = `could not send retained messages to a subscriber: ${err.message}`
    if (closing) log.debug(`${line} (the broker is closing)`)
    else log.warn(line)
  })

  let aedes: Aedes | undefined
  const publishInternal = (topic: string, payload: Buffer | string, opts: { qos?: 0 | 1, retain?: boolean } = {}): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!aedes) return reject(new Error('broker not started'))
      const packet = { cmd: 'publish', topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false } as PublishPacket
      aedes.publish(packet, (err) => err ? reject(err) : resolve())
    })

  const guard = createPublishGuard({
    access,
    principalOf: (c) => principals.get(c),
    uns,
    enforcement,
    maxPayloadBytes: mqtt.maxPayloadBytes,
    hostStateTopic,
    report: (topic, report) => { publishInternal(topic, JSON.stringify(report)).catch(() => {}) },
    log: log.child('uns')
  })
  // QoS 1: PUBACK only once the message is stored (aedes acknowledges first).
  const ackAfterStore = acknowledgeAfterStore(guard)

  aedes = await Aedes.createBroker({
    id: 'isa95-hub',
    persistence,
    // For MQTT 3.1 (aedes checks 3.1 only; connectRefusal checks every version).
    maxClientsIdLength: mqtt.maxClientIdLength,
    drainTimeout: 30000,
    preConnect (client, packet, done) {
      connects.set(client, { clientId: packet.clientId ?? '', clean: packet.clean !== false, username: packet.username })
      done(null, true)
    },
    authenticate (client, username, password, done) {
      if (internalStreams.has(client.conn)) {
        principals.set(client, INTERNAL)
        return done(null, true)
      }
      const address = remoteAddressOf(client) ?? 'unknown address'
      const facts = connects.get(client)
      const refusal = facts ? connectRefusal(facts, mqtt.maxClientIdLength, hubClientIds) : null
      if (refusal) {
        throttle.refused(address, username, `client '${facts!.clientId}': ${refusal.reason}`)
        return done(new LoginRefused(refusal.reason, refusal.returnCode), false)
      }
      access.authenticate(username, password, address).then((r) => {
        if (r.ok) {
          principals.set(client, r.principal)
          log.debug(`client '${clientText(client.id)}' connected as ${clientText(r.principal.username ?? 'anonymous')} (${r.principal.role})`)
          return done(null, true)
        }
        // Every refusal is logged (escaped) once per burst of its address; wrong passwords by access.authenticate.
        if (r.logged !== true) throttle.refused(address, username, `client '${client.id}': ${r.reason}`)
        done(new LoginRefused(r.reason, RETURN_CODES[r.code]), false)
      }, (err: Error) => {
        log.error(`cannot check the login of client '${clientText(client.id)}' from ${clientText(address)}: ${err.message}`)
        done(Object.assign(err, { returnCode: RETURN_CODES.SERVER_UNAVAILABLE }), false)
      })
    },
    authorizePublish: ackAfterStore.authorizePublish,
    authorizeSubscribe (client: Client, sub: Subscription, done) {
      const principal = principals.get(client)
      const bad = forbiddenCharacter(sub.topic)
      const denied = bad !== null
        ? `filter contains ${bad} (MQTT-1.5.3)`
        : principal ? access.subscribeDenied(principal, sub.topic) : 'client is not authenticated'
      if (denied) {
        log.warn(`refused subscription of '${clientText(client.id)}' to '${clientText(sub.topic)}': ${clientText(denied, 400)}`)
        return done(null, null) // SUBACK 0x80 for this filter; the client stays connected
      }
      done(null, sub)
    },
    // Last line of defence: a message whose topic no MQTT packet can carry would cost each subscriber its
    // connection, and a persistent one would get it again on every reconnect. Such a message is never sent (and
    // leaves the session's queue).
    authorizeForward (client: Client, packet: AedesPublishPacket) {
      if (!exceedsMqttStringLimit(packet.topic)) return packet
      log.warn(`not delivering a message to '${clientText(client.id)}': its topic of ${Buffer.byteLength(packet.topic)} bytes ` +
        `exceeds MQTT's 65,535 ('${clientText(packet.topic, 80)}')`)
      return null
    }
  })

  aedes.on('clientError', (client: Client, err: Error) => {
    if (!(err instanceof LoginRefused)) log.debug(`client '${clientText(client.id)}': ${clientText(err.message, 400)}`)
  })
  aedes.on('connectionError', (client: Client, err: Error) => {
    if (!(err instanceof LoginRefused)) log.debug(`connection from '${clientText(client.id ?? '?')}' failed: ${clientText(err.message, 400)}`)
  })

  // Before any client connects: no QoS 1 PUBACK before the message is stored,
  ackAfterStore.attach(aedes)
  // a topic of over 100 levels reported, not a dropped connection (aedes' handler),
  reportDeepTopics(aedes)
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
      else if (owner) log.warn(`the Will of '${clientText(clientId)}' belongs to ${owner.kind === 'account' ? `account '${clientText(owner.username)}', which no longer exists` : 'an anonymous client, and anonymous clients are no longer allowed'}: it goes to $hub/errors`)
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
    publishLive: livePublisher(broker),
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
      closing = true
      // Clients first (their sessions and queues are already in persistence), then the store.
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await Promise.all(listeners.map((l) => l.close()))
      await persistence.destroy()
      throttle.close()
      await checker.close()
    }
  }
  // Sparkplug-aware (births kept as retained certificates, NDEATH Wills stamped when sent) before any client connects.
  attachSparkplugAwareness(running, log.child('sparkplug-aware'), sparkplugAware)
  try {
    listeners.push(await listenTcp(broker, mqtt.host, mqtt.port))
    if (mqtt.ws.enabled) listeners.push(await listenWebSocket(broker, mqtt.ws.host, mqtt.ws.port, mqtt.ws.path))
    if (mqtt.tls) {
      const t = mqtt.tls
      listeners.push(await listenTls(broker, { host: t.host ?? mqtt.host, port: t.port ?? 8883, cert: t.cert, key: t.key, ca: t.ca }))
    }
  } catch (err) {
    await running.close()
    throw err
  }
  return running
}

