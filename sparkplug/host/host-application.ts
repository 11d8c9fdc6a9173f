// The hub's Sparkplug B 3.0 host application: an MQTT client of the hub's own broker that follows the STATE
// birth/death rules of a host application, hands every Sparkplug message to its ingest (./ingest.ts: edge node and
// device sessions, metric updates, reorder buffer, rebirth requests), and writes to machines with NCMD/DCMD
// (./commands.ts). Its options, state machine and events are in ./host-types.ts; its queries ./session-queries.ts.
//
// Connection: in-process, by default. The mqtt.js client talks to aedes over a pair of in-memory streams handed to
// the broker (`aedes.handle(stream)`, core/in-process-connection.ts), not over loopback TCP, because
//   - it does not depend on the listener configuration: the TCP listener may be bound to one interface, be TLS-only
//     later, or be firewalled, and the host still works; no port, no socket is exposed for it;
//   - it is on the ingest path (every Sparkplug message goes broker -> host), and an in-memory stream spares two
//     kernel socket copies and syscalls per message; packets are still real MQTT (mqtt-packet), so the broker treats
//     the host like any client: Will, clean session, QoS 1 flows, retained STATE, ACLs.
// The broker-side stream reports the loopback address '::1' as its peer, because the connection does come from this
// process, so the broker's `mqtt.anonymous.local` rule applies to it as to any client on this machine. When that is
// `none`, give the host an account (`username`/`password`). A TCP connection (`{ host, port }`) is the alternative,
// e.g. for a host in another process.

import { EventEmitter } from 'node:events'
import net from 'node:net'
import { MqttClient, type IClientOptions } from 'mqtt'
import type { JsonValue } from '../json'
import type { Logger } from '../../core/logger'
import { silentLogger } from '../../core/logger'
import { inProcessPair } from '../../core/in-process-connection'
import type { Duplex } from 'node:stream'
import { isValidSparkplugId, stateTopic, SPARKPLUG_NAMESPACE } from '../../plant/sparkplug-topic'
import type { DeviceHealth, MetricUpdate, NodeHealth, RebirthRecord } from './session-records'
import { SparkplugHostConfigError, SparkplugHostNotConnectedError } from './errors'
import { metricWriteCommand } from './commands'
import {
  DEFAULT_HOST_ID, DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_METRICS_PER_NODE, HOST_TRANSITIONS, hostClientId,
  type HostApplicationOptions, type HostEvent, type HostEvents, type HostStateChange, type HostStatus, type MetricPath
} from './host-types'
import { SparkplugIngest } from './ingest'

const noLog = (): void => {}

export {
  DEFAULT_HOST_ID, DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_METRICS_PER_NODE, HOST_TRANSITIONS, hostClientId,
  type HostApplicationOptions, type HostEvents, type HostStateChange, type HostStatus, type MetricPath
} from './host-types'
export type { RebirthEvent, RefusedMessage, SequenceEvent } from './host-types'
export { REBIRTH_METRIC } from './birth-check'

/** The host answers a change of its own STATE topic at most this often (two hosts with one id must not ping-pong). */
const STATE_RESTORE_MIN_INTERVAL_MS = 1000

const IN_PROCESS_PEER = '::1'

export class SparkplugHostApplication extends EventEmitter<HostEvents> {
  readonly hostId: string
  private readonly opts: Required<Pick<HostApplicationOptions, 'reorderTimeoutMs' | 'rebirthMinIntervalMs' | 'sendRebirths' | 'reconnectPeriodMs' | 'keepaliveSeconds' | 'maxMetricsPerNode' | 'maxArrayLength'>>
  private readonly log: Logger
  private readonly brokerTarget: HostApplicationOptions['broker']
  private readonly clientOptions: IClientOptions
  private client: MqttClient | undefined
  private statusValue: HostStatus = 'STOPPED'
  /** T of the current CONNECT's Will, reused by the birth (tck-id-host-topic-phid-birth-payload-timestamp). */
  private connectTimestamp: number | undefined
  private readonly ingest: SparkplugIngest
  private stopping: Promise<void> | undefined
  private lastStateRestoreAt = -Infinity
  private stateRestoreTimer: NodeJS.Timeout | undefined
  /** The open feed (SparkplugFeed) of this connection, and a number that a closed one's late messages fail. */
  private feedSubscription: { close (): Promise<void> } | undefined
  private feedSession = 0

  constructor (options: HostApplicationOptions) {
    super()
    const hostId = options.hostId ?? DEFAULT_HOST_ID
    if (!isValidSparkplugId(hostId)) {
      throw new SparkplugHostConfigError(`'${hostId}' is not a valid Sparkplug host id (one topic level, no '/', '+' or '#')`, 'hostId')
    }
    const num = (v: number | undefined, d: number, path: string): number => {
      const x = v ?? d
      if (!Number.isFinite(x) || x < 0) throw new SparkplugHostConfigError(`${path} must be a number ≥ 0, got ${String(v)}`, path)
      return x
    }
    this.hostId = hostId
    this.opts = {
      reorderTimeoutMs: num(options.reorderTimeoutMs, 2000, 'reorderTimeoutMs'),
      rebirthMinIntervalMs: num(options.rebirthMinIntervalMs, 5000, 'rebirthMinIntervalMs'),
      sendRebirths: options.sendRebirths ?? true,
      reconnectPeriodMs: num(options.reconnectPeriodMs, 1000, 'reconnectPeriodMs'),
      keepaliveSeconds: num(options.keepaliveSeconds, 30, 'keepaliveSeconds'),
      maxMetricsPerNode: num(options.maxMetricsPerNode, DEFAULT_MAX_METRICS_PER_NODE, 'maxMetricsPerNode'),
      maxArrayLength: num(options.maxArrayLength, DEFAULT_MAX_ARRAY_LENGTH, 'maxArrayLength')
    }
    this.log = options.log ?? silentLogger
    this.ingest = new SparkplugIngest(hostId, this.opts, this.log, {
      emit: (event, ...args) => { (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args) },
      online: () => this.statusValue === 'ONLINE',
      publish: (topic, payload) => { this.client!.publish(topic, payload, { qos: 0, retain: false }) },
      onOwnState: (payload) => this.onOwnState(payload)
    })
    this.brokerTarget = options.broker
    this.clientOptions = {
      clientId: options.clientId ?? hostClientId(hostId),
      protocolVersion: 4,
      // tck-id-message-flow-phid-sparkplug-clean-session-311
      clean: true,
      keepalive: this.opts.keepaliveSeconds,
      reconnectPeriod: this.opts.reconnectPeriodMs,
      connectTimeout: 10000,
      // Subscriptions are made by this class on every CONNACK, before the birth; nothing is queued while offline,
      // so the birth is always the first publish of a session (tck-id-host-topic-phid-birth-message).
      resubscribe: false,
      queueQoSZero: false,
      // mqtt.js asks the debug package per packet whether its namespace is on (a few % of the hub at full ingest);
      // with DEBUG unset nothing would be printed anyway.
      ...(process.env.DEBUG === undefined ? { log: noLog } : {}),
      username: options.username,
      password: options.password,
      // The payload is set when each CONNECT is sent (streamBuilder below).
      will: { topic: stateTopic(hostId), payload: Buffer.alloc(0), qos: 1, retain: true }
    }
  }

  get status (): HostStatus {
    return this.statusValue
  }

  /** Messages whose handling threw an unexpected exception (logged, refused, and the host carried on). */
  get ingestErrors (): number {
    return this.ingest.ingestErrors
  }

  /** The timestamp of the current session's STATE Will and birth (undefined before the first CONNECT). */
  get stateTimestamp (): number | undefined {
    return this.connectTimestamp
  }

  /** Connects, subscribes, publishes the STATE birth; resolves once online. Rejects if the first attempt fails. */
  start (): Promise<void> {
    this.transition('START')
    return new Promise<void>((resolve, reject) => {
      const client = new MqttClient((c) => this.openStream(c), { ...this.clientOptions, will: { ...this.clientOptions.will! } })
      this.client = client
      let settled = false
      const onOnline = (c: HostStateChange): void => {
        if (c.status !== 'ONLINE' || settled) return
        settled = true
        this.off('status', onOnline)
        resolve()
      }
      this.on('status', onOnline)
      client.on('connect', () => this.onConnack())
      client.on('close', () => this.onClose())
      client.on('message', (topic, payload) => this.ingest.onMessage(topic, payload))
      client.on('error', (err) => {
        this.log.warn(`Sparkplug host '${this.hostId}': ${err.message}`)
        if (!settled) {
          settled = true
          this.off('status', onOnline)
          this.stop().then(() => reject(err), () => reject(err))
        }
      })
    })
  }

  /**
   * Publishes the STATE death (online false, current time) with QoS 1 and waits for its PUBACK, then sends
   * DISCONNECT (tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean). Metrics are marked STALE.
   */
  stop (): Promise<void> {
    this.stopping ??= (async () => {
      const client = this.client
      const wasOnline = this.statusValue === 'ONLINE'
      if (this.statusValue !== 'STOPPED') this.transition('STOP')
      if (client) {
        if (wasOnline && client.connected) {
          try {
            await client.publishAsync(stateTopic(this.hostId), statePayload(false, Date.now()), { qos: 1, retain: true })
          } catch (err) {
            this.log.warn(`Sparkplug host '${this.hostId}': STATE death not published: ${(err as Error).message}`)
          }
        }
        await client.endAsync(!client.connected)
      }
      this.closeFeed()
      this.ingest.takeAllOffline('HOST_STOPPED')
      clearTimeout(this.stateRestoreTimer)
      this.ingest.clearTimers()
      if (this.statusValue === 'STOPPING') this.transition('CLOSED')
    })()
    return this.stopping
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connection

  private openStream (client: MqttClient): net.Socket | Duplex {
    // The Will's timestamp is the time of this CONNECT (tck-id-host-topic-phid-death-payload-timestamp-connect);
    // mqtt.js reads options.will right after calling this builder, to write the CONNECT packet.
    const t = Date.now()
    this.connectTimestamp = t
    client.options.will!.payload = statePayload(false, t)
    const target = this.brokerTarget
    if ('connect' in target) return target.connect()
    if ('handle' in target) {
      const { client, server } = inProcessPair(IN_PROCESS_PEER)
      target.handle(server)
      return client
    }
    const socket = net.connect(target.port, target.host)
    socket.setNoDelay(true)
    return socket
  }

  private transition (event: HostEvent): void {
    const to = HOST_TRANSITIONS[this.statusValue][event]
    if (to === undefined) throw new Error(`Sparkplug host '${this.hostId}': ${event} is not allowed in status ${this.statusValue}`)
    if (to === this.statusValue) return
    this.statusValue = to
    this.emit('status', { status: to, stateTimestamp: to === 'ONLINE' || to === 'SUBSCRIBING' ? this.connectTimestamp : undefined })
  }

  private onConnack (): void {
    if (this.statusValue === 'STOPPING') return
    this.transition('CONNACK')
    const target = this.brokerTarget
    const feed = 'feed' in target ? target.feed : undefined
    if (feed === undefined) return this.subscribe(false)
    // The namespace from the broker's feed first, then the own STATE topic over MQTT, then the birth.
    const session = ++this.feedSession
    const own = stateTopic(this.hostId)
    feed(`${SPARKPLUG_NAMESPACE}/#`, (topic, payload) => {
      if (session === this.feedSession && topic !== own) this.ingest.onMessage(topic, payload)
    }).then((sub) => {
      if (session !== this.feedSession || this.statusValue !== 'SUBSCRIBING') return void sub.close()
      this.feedSubscription = sub
      this.subscribe(true)
    }, (err: Error) => {
      this.log.error(`Sparkplug host '${this.hostId}': could not subscribe to the Sparkplug namespace in the broker: ${err.message}; ` +
        'it stays offline until it reconnects')
    })
  }

  /**
   * Own STATE topic and (without a feed) the Sparkplug namespace, in one SUBSCRIBE, before the birth
   * (tck-id-host-topic-phid-birth-sub-required, tck-id-message-flow-phid-sparkplug-subscription).
   */
  private subscribe (fed: boolean): void {
    const client = this.client!
    const topics = fed ? { [stateTopic(this.hostId)]: { qos: 1 as const } } : { [stateTopic(this.hostId)]: { qos: 1 as const }, [`${SPARKPLUG_NAMESPACE}/#`]: { qos: 1 as const } }
    client.subscribe(topics, (err, granted) => {
      if (err || this.statusValue !== 'SUBSCRIBING') {
        if (err) this.log.warn(`Sparkplug host '${this.hostId}': subscribe failed: ${err.message}`)
        return
      }
      const refused = (granted ?? []).filter((g) => g.qos === 128)
      if (refused.length > 0) {
        this.log.error(`Sparkplug host '${this.hostId}': the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`)
      }
      this.publishBirth()
      this.transition('SUBACK')
    })
  }

  /** STATE birth: QoS 1, retained, the same timestamp as this session's Will (tck-id-payloads-state-birth-payload). */
  private publishBirth (): void {
    this.client!.publish(stateTopic(this.hostId), statePayload(true, this.connectTimestamp!), { qos: 1, retain: true }, (err) => {
      if (err) this.log.warn(`Sparkplug host '${this.hostId}': STATE birth not acknowledged: ${err.message}`)
    })
  }

  /** Closes this connection's feed; a message it still delivers is dropped (the session number moved on). */
  private closeFeed (): void {
    this.feedSession++
    const sub = this.feedSubscription
    this.feedSubscription = undefined
    sub?.close().catch((err: Error) => this.log.warn(`Sparkplug host '${this.hostId}': closing the namespace feed: ${err.message}`))
  }

  private onClose (): void {
    this.closeFeed()
    if (this.statusValue === 'STOPPED') return
    const wasConnected = this.statusValue === 'ONLINE' || this.statusValue === 'SUBSCRIBING'
    this.transition('CONNECTION_LOST')
    if (wasConnected) {
      this.log.warn(`Sparkplug host '${this.hostId}': connection to the broker lost; all Sparkplug metrics are STALE`)
      this.ingest.takeAllOffline('HOST_CONNECTION_LOST')
    }
  }

  /**
   * The host's own STATE topic belongs to it: an offline STATE for our id after our birth (another client's, or our
   * own Will of an earlier session; tck-id-message-flow-hid-sparkplug-state-message-delivered), a deletion, or any
   * other value than this session's birth is answered with the birth again, so that edge nodes waiting for their
   * primary host see it online. At most once per STATE_RESTORE_MIN_INTERVAL_MS; a change within that is answered
   * when it has passed.
   */
  private onOwnState (payload: Buffer): void {
    if (this.statusValue !== 'ONLINE') return
    let state: { online?: unknown, timestamp?: unknown } | undefined
    try {
      state = JSON.parse(payload.toString('utf8')) as { online?: unknown, timestamp?: unknown }
    } catch {
      state = undefined
    }
    if (state?.online === true && state.timestamp === this.connectTimestamp) return // our own birth
    const what = payload.length === 0 ? 'deleted' : state?.online === false ? 'offline' : state?.online === true ? `a birth of another session (timestamp ${String(state.timestamp)})` : 'not a STATE payload'
    this.log.warn(`Sparkplug host '${this.hostId}': its STATE ${stateTopic(this.hostId)} is ${what}; publishing the birth again`)
    this.restoreBirth()
  }

  private restoreBirth (): void {
    if (this.stateRestoreTimer !== undefined) return
    const wait = this.lastStateRestoreAt + STATE_RESTORE_MIN_INTERVAL_MS - Date.now()
    if (wait > 0) {
      this.stateRestoreTimer = setTimeout(() => {
        this.stateRestoreTimer = undefined
        this.restoreBirth()
      }, wait)
      this.stateRestoreTimer.unref()
      return
    }
    if (this.statusValue !== 'ONLINE') return
    this.lastStateRestoreAt = Date.now()
    this.publishBirth()
  }

  /** Asks an edge node for a new birth sequence (rate-limited like every rebirth request). */
  requestRebirth (groupId: string, edgeNodeId: string, detail = 'requested through the API'): RebirthRecord {
    if (this.statusValue !== 'ONLINE') throw new SparkplugHostNotConnectedError(this.hostId, `request a rebirth of ${groupId}/${edgeNodeId}`)
    return this.ingest.requestRebirth(groupId, edgeNodeId, detail)
  }

  /**
   * Writes a metric that the node's (or device's) birth declared: NCMD or DCMD (./commands.ts), QoS 0, not retained.
   * The JSON value is checked against the birth's datatype. Resolves when handed to the broker.
   */
  async writeMetric (groupId: string, edgeNodeId: string, deviceId: string | undefined, name: string, value: JsonValue): Promise<void> {
    const client = this.client
    if (this.statusValue !== 'ONLINE' || client === undefined) {
      throw new SparkplugHostNotConnectedError(this.hostId, `write '${name}' to ${groupId}/${edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`)
    }
    const command = metricWriteCommand(this.ingest.session(groupId, edgeNodeId), groupId, edgeNodeId, deviceId, name, value)
    await client.publishAsync(command.topic, command.payload, { qos: 0, retain: false })
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queries (answered by the ingest, which keeps the sessions)

  getNodeHealth (groupId: string, edgeNodeId: string): NodeHealth | undefined {
    return this.ingest.queries.getNodeHealth(groupId, edgeNodeId)
  }

  getDeviceHealth (groupId: string, edgeNodeId: string, deviceId: string): DeviceHealth | undefined {
    return this.ingest.queries.getDeviceHealth(groupId, edgeNodeId, deviceId)
  }

  listNodes (): NodeHealth[] {
    return this.ingest.queries.listNodes()
  }

  /** The current value of a metric (the latest non-historical update, or its STALE mark). */
  getMetric (path: MetricPath): MetricUpdate | undefined {
    return this.ingest.queries.getMetric(path)
  }

  /** Current values, optionally of one group, node or device. */
  listMetrics (filter: { groupId?: string, edgeNodeId?: string, deviceId?: string } = {}): MetricUpdate[] {
    return this.ingest.queries.listMetrics(filter)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export function statePayload (online: boolean, timestamp: number): Buffer {
  return Buffer.from(`{"online":${online},"timestamp":${timestamp}}`, 'utf8')
}
