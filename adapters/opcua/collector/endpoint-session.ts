// One OPC UA server as the collector sees it: a client session that heals itself. Each attempt builds everything
// anew (client, secure channel, session, subscription, monitored items), so nothing depends on node-opcua's own
// reconnection or subscription transfer; a watchdog counts the subscription's keep-alives, and a subscription that
// went silent is rebuilt (on the same session when it still answers, else on a new one). What it learns goes to
// its listener: values, which items the server accepted, STALE, and state changes for the status topic.
import {
  AttributeIds, OPCUAClient, SecurityPolicy, StatusCodes, TimestampsToReturn,
  VariableIds, makeBrowsePath, type ClientMonitoredItemBase, type ClientSession, type ClientSubscription,
  type DataValue, type OPCUACertificateManager, type ReadValueIdOptions, type StatusCode, type UserIdentityInfo
} from 'node-opcua'
import type { Logger } from '../../../core/logger'
import type { OpcUaCollectorConfig } from './config'
import { SECURITY_MODES, oneLine, userIdentity, withTimeout } from '../client-connection'
import { describeNode, type CollectedNode, type EndpointBinding } from './bindings'
import { checkTransition, type SessionState } from './session-state'

export interface EndpointListener {
  value (node: CollectedNode, dv: DataValue): void
  /** The server's verdict on one item at subscription time (Good, or why not). */
  item (node: CollectedNode, status: StatusCode, reason: string | undefined): void
  /** The values of this endpoint are no longer current. */
  stale (reason: string): void
  state (s: EndpointStatus): void
}

export interface EndpointStatus {
  readonly endpoint: string
  readonly state: SessionState
  /** When the session entered this state (UTC ms). */
  readonly since: number
  readonly lastError: string | undefined
  /** Sessions opened after the first one. */
  readonly reconnects: number
}

export interface EndpointSessionOptions {
  binding: EndpointBinding
  settings: OpcUaCollectorConfig
  certificates: OPCUACertificateManager
  listener: EndpointListener
  env: NodeJS.ProcessEnv
  log: Logger
}

export class EndpointSession {
  private stateValue: SessionState = 'idle'
  private since = Date.now()
  private lastError: string | undefined
  private opened = 0
  private failures = 0
  private client: OPCUAClient | undefined
  private session: ClientSession | undefined
  private subscription: ClientSubscription | undefined
  /** Bumped per attempt: events of an abandoned client or subscription are ignored. */
  private generation = 0
  private retryTimer: NodeJS.Timeout | undefined
  private watchdog: NodeJS.Timeout | undefined
  /** The close of an abandoned client, still under way: stop waits for it. */
  private closing: Promise<void> = Promise.resolve()
  private lastAlive = 0
  private silentAfterMs = 0

  constructor (private readonly opts: EndpointSessionOptions) {}

  get state (): SessionState { return this.stateValue }

  start (): void {
    void this.connect()
  }

  async stop (): Promise<void> {
    if (this.stateValue === 'stopped') return
    this.to('stopped')
    this.generation++
    clearTimeout(this.retryTimer)
    clearInterval(this.watchdog)
    await this.closing
    await this.closeClient(this.opts.settings.requestTimeoutMs)
  }

  private to (next: SessionState, error?: string): void {
    checkTransition(this.opts.binding.endpoint, this.stateValue, next)
    this.stateValue = next
    this.since = Date.now()
    if (error !== undefined) this.lastError = error
    this.opts.listener.state({ endpoint: this.opts.binding.endpoint, state: next, since: this.since, lastError: this.lastError, reconnects: Math.max(0, this.opened - 1) })
  }

  private async connect (): Promise<void> {
    const { binding, settings, log } = this.opts
    const generation = ++this.generation
    this.to('connecting')
    try {
      const client = OPCUAClient.create({
        applicationName: 'isa95-hub collector',
        clientCertificateManager: this.opts.certificates,
        securityMode: SECURITY_MODES[binding.securityMode],
        securityPolicy: SecurityPolicy[binding.securityPolicy],
        endpointMustExist: false,
        // The collector owns reconnection: node-opcua's would try to transfer subscriptions it cannot verify.
        connectionStrategy: { maxRetry: 0, initialDelay: settings.reconnectDelayMs, maxDelay: settings.reconnectMaxDelayMs },
        keepSessionAlive: false,
        requestedSessionTimeout: Math.max(60_000, settings.requestTimeoutMs * 6),
        transportTimeout: settings.requestTimeoutMs,
        defaultTransactionTimeout: settings.requestTimeoutMs
      })
      this.client = client
      const lost = (why: string) => (): void => { this.lost(generation, why) }
      client.on('connection_lost', lost('connection lost'))
      client.on('close', lost('connection closed'))
      client.on('start_reconnection', lost('connection broken'))
      const t = settings.requestTimeoutMs
      await withTimeout(client.connect(binding.endpoint), t, `connecting to ${binding.endpoint}`)
      const session = await withTimeout(client.createSession(this.identity()), t, 'creating the session')
      if (generation !== this.generation) return
      this.session = session
      session.on('session_closed', lost('session closed by the server'))
      this.opened++
      await this.subscribe(generation, session)
      if (generation !== this.generation) return
      this.failures = 0
      this.to('connected')
      log.info(`OPC UA ${binding.endpoint}: session open, ${binding.nodes.length} item${binding.nodes.length === 1 ? '' : 's'} subscribed`)
    } catch (err) {
      this.lost(generation, oneLine((err as Error).message))
    }
  }

  private identity (): UserIdentityInfo {
    return userIdentity(this.opts.binding.username, this.opts.binding.passwordEnv, this.opts.env)
  }

  /** A new subscription with every item, in batches the server accepts; replaces the one before. */
  private async subscribe (generation: number, session: ClientSession): Promise<void> {
    const { settings } = this.opts
    const t = settings.requestTimeoutMs
    const perCall = Math.min(settings.maxItemsPerCall, await withTimeout(this.serverMaxItemsPerCall(session), t, 'reading the server\'s operation limits'))
    const items = await withTimeout(this.resolve(session), t, 'translating browse paths')
    if (generation !== this.generation) return
    const old = this.subscription
    this.subscription = undefined
    if (old !== undefined) void withTimeout(old.terminate(), t, 'ending the silent subscription').catch(() => {})
    const sub = await withTimeout(session.createSubscription2({
      requestedPublishingInterval: settings.publishingIntervalMs,
      requestedMaxKeepAliveCount: settings.keepAliveCount,
      // The server ends a subscription nobody asks for after lifetimeCount intervals: well after our watchdog.
      requestedLifetimeCount: settings.keepAliveCount * (settings.watchdogKeepAlives + 1) * 3,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10
    }), t, 'creating the subscription')
    if (generation !== this.generation) {
      void sub.terminate().catch(() => {})
      return
    }
    this.subscription = sub
    const alive = (): void => { this.lastAlive = Date.now() }
    sub.on('keepalive', alive)
    sub.on('received_notifications', alive)
    sub.on('terminated', () => { if (this.subscription === sub) this.silent(generation, 'the server ended the subscription') })
    alive()
    for (let i = 0; i < items.length; i += perCall) {
      const batch = items.slice(i, i + perCall)
      const readable = batch.filter((b) => b.read !== undefined)
      for (const b of batch) if (b.read === undefined) this.opts.listener.item(b.node, b.status, b.reason)
      if (readable.length === 0) continue
      const group = await withTimeout(sub.monitorItems(readable.map((b) => b.read!), {
        samplingInterval: settings.samplingIntervalMs, discardOldest: true, queueSize: 1
      }, TimestampsToReturn.Both), t, `creating monitored items ${i + 1}..${i + readable.length}`)
      if (generation !== this.generation) return
      group.monitoredItems.forEach((m: ClientMonitoredItemBase, k) => {
        const b = readable[k]!
        const status = m.statusCode ?? StatusCodes.Good
        this.opts.listener.item(b.node, status, status.isGood() ? undefined : `${describeNode(b.node)}: ${status.name} (${status.description})`)
      })
      group.on('changed', (_item: ClientMonitoredItemBase, dv: DataValue, k: number) => {
        if (generation === this.generation) this.opts.listener.value(readable[k]!.node, dv)
      })
    }
    this.startWatchdog(generation, sub)
  }

  /** MaxMonitoredItemsPerCall of the server; 0 (no limit) and an unreadable value count as no limit. */
  private async serverMaxItemsPerCall (session: ClientSession): Promise<number> {
    const dv = await session.read({ nodeId: VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall, attributeId: AttributeIds.Value })
    const n = dv.statusCode.isGood() ? Number(dv.value.value) : 0
    return n > 0 ? n : Number.MAX_SAFE_INTEGER
  }

  /** Each node as a ReadValueId; a browse path the server cannot translate is a bad item. */
  private async resolve (session: ClientSession): Promise<Array<{ node: CollectedNode, read?: ReadValueIdOptions, status: StatusCode, reason?: string }>> {
    const nodes = this.opts.binding.nodes
    const paths = nodes.filter((n) => n.nodeId === undefined)
    const results = paths.length === 0
      ? []
      : await session.translateBrowsePath(paths.map((n) => makeBrowsePath(n.startNodeId ?? 'ObjectsFolder', n.browsePath ?? '')))
    const byNode = new Map(paths.map((n, i) => [n, results[i]!]))
    return nodes.map((node) => {
      if (node.nodeId !== undefined) return { node, read: { nodeId: node.nodeId, attributeId: AttributeIds.Value }, status: StatusCodes.Good }
      const r = byNode.get(node)!
      const target = r.statusCode.isGood() ? r.targets?.[0]?.targetId : undefined
      if (target === undefined) {
        return { node, status: r.statusCode, reason: `${describeNode(node)}: not found (${r.statusCode.name}); check the browse names and their namespace index` }
      }
      return { node, read: { nodeId: target.toString(), attributeId: AttributeIds.Value }, status: StatusCodes.Good }
    })
  }

  /** Checks the subscription's heartbeat every half keep-alive period. */
  private startWatchdog (generation: number, sub: ClientSubscription): void {
    clearInterval(this.watchdog)
    const period = sub.publishingInterval * sub.maxKeepAliveCount
    this.silentAfterMs = period * this.opts.settings.watchdogKeepAlives
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastAlive > this.silentAfterMs) this.silent(generation, `no data and no keep-alive for ${this.silentAfterMs} ms`)
    }, Math.max(10, Math.floor(period / 2)))
  }

  /** A silent subscription: values go STALE, then a new subscription on the session, else a new session. */
  private silent (generation: number, why: string): void {
    if (generation !== this.generation || this.stateValue !== 'connected' || this.session === undefined) return
    clearInterval(this.watchdog)
    const reason = `OPC UA ${this.opts.binding.endpoint}: subscription silent (${why})`
    this.opts.log.warn(`${reason}; rebuilding it`)
    this.to('resubscribing', why)
    this.opts.listener.stale(reason)
    this.subscribe(generation, this.session).then(() => {
      if (generation !== this.generation || this.stateValue !== 'resubscribing') return
      this.to('connected')
      this.opts.log.info(`OPC UA ${this.opts.binding.endpoint}: subscription rebuilt on the same session`)
    }, (err: Error) => { this.lost(generation, `rebuilding the subscription failed: ${oneLine(err.message)}`) })
  }

  /** The session is gone (or never came): STALE, close what is left, try again after the backoff. */
  private lost (generation: number, why: string): void {
    if (generation !== this.generation || this.stateValue === 'stopped' || this.stateValue === 'disconnected') return
    this.generation++
    clearInterval(this.watchdog)
    const { binding, settings, log } = this.opts
    const delay = Math.min(settings.reconnectMaxDelayMs, settings.reconnectDelayMs * 2 ** Math.min(this.failures, 20))
    this.failures++
    const wasUp = this.stateValue !== 'connecting'
    // The first failure of a run is worth a warning; the retries after it are not.
    if (wasUp || this.failures === 1) log.warn(`OPC UA ${binding.endpoint}: ${why}; retrying in ${delay} ms (and then with a growing delay)`)
    else log.debug(`OPC UA ${binding.endpoint}: ${why}; retrying in ${delay} ms`)
    this.to('disconnected', why)
    this.opts.listener.stale(`OPC UA server ${binding.endpoint} not reachable: ${why}`)
    this.closing = this.closeClient(settings.requestTimeoutMs)
    this.retryTimer = setTimeout(() => { void this.connect() }, delay)
  }

  /** Ends the client without waiting on a server that may never answer. */
  private async closeClient (timeoutMs: number): Promise<void> {
    const client = this.client
    const session = this.session
    const sub = this.subscription
    this.client = undefined
    this.session = undefined
    this.subscription = undefined
    if (client === undefined) return
    const short = Math.min(timeoutMs, 2000)
    if (sub !== undefined) await withTimeout(sub.terminate(), short, 'ending the subscription').catch(() => {})
    if (session !== undefined) await withTimeout(session.close(true), short, 'closing the session').catch(() => {})
    await withTimeout(client.disconnect(), short, 'disconnecting').catch(() => {})
    client.removeAllListeners()
  }
}
