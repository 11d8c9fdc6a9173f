// The hub's Sparkplug B 3.0 host application: an MQTT client of the hub's own broker that follows the STATE
// birth/death rules of a host application, keeps edge node and device sessions (./session.ts), turns NBIRTH/DBIRTH/
// NDATA/DDATA/NDEATH/DDEATH into typed metric updates and session changes, asks for rebirths when the session state
// is lost, and writes to machines with NCMD/DCMD.
//
// Connection: in-process, by default. The mqtt.js client talks to aedes over a pair of in-memory streams handed to
// `aedes.handle(stream)` (./in-process.ts), not over loopback TCP, because
//   - it does not depend on the listener configuration: the TCP listener may be bound to one interface, be TLS-only
//     later, or be firewalled, and the host still works; no port, no socket is exposed for it;
//   - it is on the ingest path (every Sparkplug message goes broker -> host), and an in-memory stream spares two
//     kernel socket copies and syscalls per message; packets are still real MQTT (mqtt-packet), so the broker treats
//     the host like any client: Will, clean session, QoS 1 flows, retained STATE, ACLs.
// The broker-side stream reports the loopback address '::1' as its peer, because the connection does come from this
// process, so the broker's `mqtt.anonymous.local` rule applies to it as to any client on this machine. When that is
// `none`, give the host an account (`username`/`password`). A TCP connection (`{ host, port }`) is the alternative,
// e.g. for a host in another process.
//
// Reorder buffer: a message whose seq is ahead of the expected one is held (raw bytes, in a 256-slot array indexed
// by seq) and the Reorder Timeout timer starts. When the missing messages arrive, everything is applied in seq
// order and the timer stops. When the timer fires first, the host sends a rebirth request (SEQ_GAP) and then applies
// what it holds in seq order (the values are real, only their predecessors are lost; the rebirth brings the full
// state back). A message behind the expected seq (after such a gap, or a duplicate) is dropped with a rebirth
// request. A held message is decoded again when applied, so a DBIRTH held before it defines its aliases.
// reorderTimeoutMs 0 means no reordering: a gap asks for a rebirth at once and the message is applied.

import { EventEmitter } from 'node:events'
import net from 'node:net'
import { MqttClient, type IClientOptions } from 'mqtt'
import type { Aedes } from 'aedes'
import { decodePayload, encodePayload } from '../codec'
import { DataType, dataTypeName } from '../datatypes'
import { fromJsonValue, type JsonValue } from '../json'
import type { PropertySet, SparkplugMetric, SparkplugPayload, U64 } from '../types'
import { SparkplugLimitError } from '../errors'
import { REBIRTH_METRIC, checkBirthMetrics, engUnitOf, metricLimitExceeded } from './birth-check'
import type { Logger } from '../../../hub/logger'
import { silentLogger } from '../../../hub/logger'
import { inProcessPair } from '../../in-process-connection'
import type { Duplex } from 'node:stream'
import { edgeTopic, isValidSparkplugId, parseTopic, stateTopic, SPARKPLUG_NAMESPACE } from './topic'
import {
  DeviceSession, NodeSession, deviceTransition, nodeTransition,
  type DeviceHealth, type MetricEntry, type MetricUpdate, type NodeHealth, type PendingMessage, type Quality,
  type RebirthReason, type RebirthRecord, type SessionChange, type StaleReason
} from './session'
import {
  SparkplugHostConfigError, SparkplugHostNotConnectedError, SparkplugNodeOfflineError, SparkplugUnknownMetricError
} from './errors'

export const DEFAULT_HOST_ID = 'isa95-hub'
export { REBIRTH_METRIC }
/** Default of sparkplug.maxMetricsPerNode: one NBIRTH once declared 27,000 metrics, each a retained UNS topic. */
export const DEFAULT_MAX_METRICS_PER_NODE = 5000
/** Default of sparkplug.maxArrayLength: a 1 MiB BooleanArray is 8.4 million elements, a 50 MB UNS message. */
export const DEFAULT_MAX_ARRAY_LENGTH = 65536
/** The host's MQTT client id unless one is given; the broker refuses it to network clients (broker/connect-checks.ts). */
export function hostClientId (hostId: string): string {
  return `sparkplug-host-${hostId}`
}

/** The host answers a change of its own STATE topic at most this often (two hosts with one id must not ping-pong). */
const STATE_RESTORE_MIN_INTERVAL_MS = 1000

export interface HostApplicationOptions {
  /** sparkplug_host_id: one topic level, unique in the infrastructure. Default 'isa95-hub'. */
  hostId?: string
  /**
   * The broker: a trusted in-process connection of the hub's broker (`RunningBroker.connectInternal`), the hub's
   * aedes directly (in-process, authenticated like a loopback client), or a TCP address.
   */
  broker: { connect: () => Duplex } | { aedes: Aedes } | { host: string, port: number }
  /** MQTT client id; default `sparkplug-host-<hostId>`. */
  clientId?: string
  username?: string
  password?: string
  /** Reorder Timeout (tck-id-operational-behavior-host-reordering-param), ms; 0 = no reordering. Default 2000. */
  reorderTimeoutMs?: number
  /** At most one rebirth request per edge node in this many ms. Default 5000. */
  rebirthMinIntervalMs?: number
  /** NBIRTH + DBIRTH metrics an edge node may declare in all (sparkplug.maxMetricsPerNode). Default 5000. */
  maxMetricsPerNode?: number
  /** Elements an array metric may have (sparkplug.maxArrayLength). Default 65536. */
  maxArrayLength?: number
  /** Send rebirth requests at all (spec: SHOULD be configurable). Default true; when false they are only recorded. */
  sendRebirths?: boolean
  /** Pause between reconnection attempts, ms. Default 1000. */
  reconnectPeriodMs?: number
  keepaliveSeconds?: number
  log?: Logger
}

export type HostStatus = 'STOPPED' | 'CONNECTING' | 'SUBSCRIBING' | 'ONLINE' | 'STOPPING'
type HostEvent = 'START' | 'CONNACK' | 'SUBACK' | 'CONNECTION_LOST' | 'STOP' | 'CLOSED'

/** The host's own connection, as a table of allowed transitions (anything else is a bug and throws). */
export const HOST_TRANSITIONS: Readonly<Record<HostStatus, Partial<Readonly<Record<HostEvent, HostStatus>>>>> = {
  STOPPED: { START: 'CONNECTING' },
  CONNECTING: { CONNACK: 'SUBSCRIBING', CONNECTION_LOST: 'CONNECTING', STOP: 'STOPPING' },
  SUBSCRIBING: { SUBACK: 'ONLINE', CONNECTION_LOST: 'CONNECTING', STOP: 'STOPPING' },
  ONLINE: { CONNECTION_LOST: 'CONNECTING', STOP: 'STOPPING' },
  STOPPING: { CLOSED: 'STOPPED', CONNECTION_LOST: 'STOPPING', CONNACK: 'STOPPING', SUBACK: 'STOPPING' }
}

export interface HostStateChange {
  readonly status: HostStatus
  /** The timestamp of the current MQTT session's STATE Will (and birth), when connected. */
  readonly stateTimestamp: number | undefined
}

export interface RebirthEvent extends RebirthRecord {
  readonly groupId: string
  readonly edgeNodeId: string
}

/** Events of the host application. */
export interface HostEvents {
  /** A metric value: from a birth, a data message (historical ones flagged), or a STALE mark. */
  metric: [update: MetricUpdate]
  /** An edge node or device went online or offline. */
  session: [change: SessionChange]
  /** A rebirth request was decided (sent, or held back by the rate limit). */
  rebirth: [event: RebirthEvent]
  /** The host's own connection status. */
  status: [change: HostStateChange]
  /** The reorder buffer: a message held (out of order), the gap filled in time, or the Reorder Timeout elapsed. */
  sequence: [event: SequenceEvent]
  /** A message refused as a whole or in part (what was refused is not delivered; a rebirth may have been asked for). */
  refused: [event: RefusedMessage]
}

export interface RefusedMessage {
  /** The Sparkplug topic of the refused message. */
  readonly topic: string
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  /** LIMIT: over a sparkplug.* limit; MALFORMED: not what Sparkplug B requires; DATATYPE_MISMATCH: a DATA metric's
   *  datatype differs from its birth's; INGEST_ERROR: an unexpected exception while handling it. */
  readonly code: 'LIMIT' | 'MALFORMED' | 'DATATYPE_MISMATCH' | 'INGEST_ERROR'
  readonly reason: string
}

export interface SequenceEvent {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly kind: 'HELD' | 'FILLED' | 'TIMEOUT'
  /** The seq the host waits for (for FILLED: the next one after the drained messages). */
  readonly expectedSeq: number
  /** HELD: the seq of the held message. */
  readonly seq?: number
  /** Messages still held. */
  readonly pending: number
}

export interface MetricPath {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  readonly name: string
}

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
  private readonly groups = new Map<string, Map<string, NodeSession>>()
  private stopping: Promise<void> | undefined
  /** Messages whose handling threw (each logged with its topic); the host carried on. */
  private ingestErrorCount = 0
  /** The topic of the message being handled, for refusals (one message at a time: the client delivers in order). */
  private currentTopic = ''
  private lastStateRestoreAt = -Infinity
  private stateRestoreTimer: NodeJS.Timeout | undefined

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
    return this.ingestErrorCount
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
      client.on('message', (topic, payload) => this.onMessage(topic, payload))
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
      this.takeAllOffline('HOST_STOPPED')
      clearTimeout(this.stateRestoreTimer)
      for (const group of this.groups.values()) for (const node of group.values()) node.clearRebirthTimer()
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
    if ('aedes' in target) {
      const { client, server } = inProcessPair(IN_PROCESS_PEER)
      target.aedes.handle(server)
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
    const client = this.client!
    // Own STATE topic and the Sparkplug namespace, in one SUBSCRIBE, before the birth
    // (tck-id-host-topic-phid-birth-sub-required, tck-id-message-flow-phid-sparkplug-subscription).
    client.subscribe({ [stateTopic(this.hostId)]: { qos: 1 }, [`${SPARKPLUG_NAMESPACE}/#`]: { qos: 1 } }, (err, granted) => {
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

  private onClose (): void {
    if (this.statusValue === 'STOPPED') return
    const wasConnected = this.statusValue === 'ONLINE' || this.statusValue === 'SUBSCRIBING'
    this.transition('CONNECTION_LOST')
    if (wasConnected) {
      this.log.warn(`Sparkplug host '${this.hostId}': connection to the broker lost; all Sparkplug metrics are STALE`)
      this.takeAllOffline('HOST_CONNECTION_LOST')
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

  // -------------------------------------------------------------------------------------------------------------
  // Ingest

  /**
   * No exception on the ingest path may end the process (it would take the broker with it): one that escapes the
   * handling of a message is logged with the topic, counted, and the message refused; the host carries on.
   */
  private onMessage (topic: string, payload: Buffer): void {
    this.currentTopic = topic
    try {
      this.handle(topic, payload)
    } catch (err) {
      this.ingestErrorCount++
      const reason = `unexpected error while handling it: ${(err as Error)?.stack ?? String(err)}`
      this.log.error(`Sparkplug host '${this.hostId}': ${topic} (${payload.length} bytes) refused: ${reason}`)
      const t = parseTopic(topic)
      if (t.ok && t.kind !== 'state') {
        const node = this.groups.get(t.groupId)?.get(t.edgeNodeId)
        if (node !== undefined) node.refusedMessages++
        this.refuse(t.groupId, t.edgeNodeId, t.deviceId, 'INGEST_ERROR', `unexpected error while handling it: ${(err as Error)?.message ?? String(err)}`)
      }
    }
  }

  /** Emits 'refused' for the message being handled; a listener that throws does not undo the refusal. */
  private refuse (groupId: string, edgeNodeId: string, deviceId: string | undefined, code: RefusedMessage['code'], reason: string): void {
    try {
      this.emit('refused', { topic: this.currentTopic, groupId, edgeNodeId, deviceId, code, reason })
    } catch (err) {
      this.log.error(`Sparkplug host '${this.hostId}': a 'refused' listener failed: ${(err as Error)?.message ?? String(err)}`)
    }
  }

  private handle (topic: string, payload: Buffer): void {
    const t = parseTopic(topic)
    if (!t.ok) {
      this.log.debug(`Sparkplug host '${this.hostId}': ignored: ${t.reason}`)
      return
    }
    if (t.kind === 'state') {
      if (t.hostId === this.hostId) this.onOwnState(payload)
      return
    }
    switch (t.type) {
      case 'NCMD': case 'DCMD':
        return // commands from host applications, ours included
      case 'NBIRTH':
        return this.onNBirth(this.node(t.groupId, t.edgeNodeId), payload)
      case 'NDEATH':
        return this.onNDeath(this.node(t.groupId, t.edgeNodeId), payload)
      default:
        return this.onSequenced(this.node(t.groupId, t.edgeNodeId), t.type, t.deviceId, payload)
    }
  }

  private node (groupId: string, edgeNodeId: string): NodeSession {
    let group = this.groups.get(groupId)
    if (group === undefined) {
      group = new Map()
      this.groups.set(groupId, group)
    }
    let node = group.get(edgeNodeId)
    if (node === undefined) {
      node = new NodeSession(groupId, edgeNodeId, Date.now(), this.opts.maxArrayLength)
      group.set(edgeNodeId, node)
    }
    return node
  }

  private decode (node: NodeSession, payload: Buffer, what: string, resolve: boolean, device?: DeviceSession): SparkplugPayload | undefined {
    node.decodeDevice = device
    node.resolved.length = 0
    try {
      return resolve ? decodePayload(payload, node.decodeOptions) : decodePayload(payload, { maxArrayLength: this.opts.maxArrayLength })
    } catch (err) {
      if (err instanceof SparkplugLimitError) {
        node.refusedMessages++
        this.refuse(node.groupId, node.edgeNodeId, device?.deviceId, 'LIMIT', `${what} of ${describeNode(node, device)}: ${err.message}`)
      } else {
        node.malformedPayloads++
        this.refuse(node.groupId, node.edgeNodeId, device?.deviceId, 'MALFORMED', `${what}: ${(err as Error).message}`)
      }
      this.rebirth(node, 'MALFORMED_PAYLOAD', `${what}: ${(err as Error).message}`)
      return undefined
    }
  }

  private onNBirth (node: NodeSession, payload: Buffer): void {
    const p = this.decode(node, payload, 'NBIRTH', false)
    if (p === undefined) return
    const seq = seqOf(p)
    if (seq === undefined) return this.malformed(node, 'NBIRTH has no seq between 0 and 255 (tck-id-payloads-nbirth-seq)')
    const bad = checkBirthMetrics(p.metrics, undefined)
    if (bad !== undefined) return this.malformed(node, `NBIRTH: ${bad}`)
    const tr = nodeTransition(node.state, 'NBIRTH')
    if (!('to' in tr)) return
    const now = Date.now()
    const over = metricLimitExceeded('NBIRTH', `${node.groupId}/${node.edgeNodeId}`, p.metrics.length, this.opts.maxMetricsPerNode)
    if (over !== undefined) {
      // Asking for a rebirth would bring the same birth: refused, and what the node said before is STALE.
      node.refusedMessages++
      this.log.warn(`Sparkplug host '${this.hostId}': ${this.currentTopic} refused: ${over}`)
      if (node.state === 'ONLINE') this.nodeOffline(node, 'BIRTH_REFUSED', now, 'BIRTH_REFUSED')
      return this.refuse(node.groupId, node.edgeNodeId, undefined, 'LIMIT', over)
    }
    node.clearRebirthTimer() // the birth answers any request still held back
    if (node.state === 'ONLINE') {
      // A new birth sequence: devices must be born again; until then their values are STALE.
      for (const d of node.devices.values()) this.deviceOffline(node, d, 'NODE_REBIRTH', now, 'NODE_REBIRTH')
    }
    node.clearPending()
    const bdSeqMetric = p.metrics.find((m) => m.name === 'bdSeq')
    node.bdSeq = bdSeqMetric === undefined ? undefined : toNumber(bdSeqMetric.value)
    node.aliases = new Map()
    node.metrics = new Map()
    const entries = this.register(node, undefined, node.metrics, p, now)
    node.state = tr.to
    node.since = now
    node.lastBirthAt = now
    node.stale = undefined
    node.lastSeq = seq
    node.expectedSeq = (seq + 1) & 0xff
    this.emit('session', { kind: 'node', groupId: node.groupId, edgeNodeId: node.edgeNodeId, state: 'ONLINE', at: now, cause: 'NBIRTH' })
    for (const e of entries) this.emit('metric', e.current)
  }

  /** Birth metrics into the alias and name tables, each with its birth value as the current value. */
  private register (node: NodeSession, deviceId: string | undefined, table: Map<string, MetricEntry>, p: SparkplugPayload, now: number): MetricEntry[] {
    const entries: MetricEntry[] = []
    const payloadTs = p.timestamp === undefined ? now : toNumber(p.timestamp)
    for (const m of p.metrics) {
      const alias = m.alias === undefined ? undefined : toNumber(m.alias)
      const e: MetricEntry = {
        name: m.name!,
        alias,
        datatype: m.datatype!,
        deviceId,
        engUnit: engUnitOf(m.properties),
        current: undefined as unknown as MetricUpdate
      }
      e.current = this.update(node, e, m, payloadTs)
      table.set(e.name, e)
      if (alias !== undefined) node.aliases.set(alias, e)
      entries.push(e)
    }
    return entries
  }

  private update (node: NodeSession, e: MetricEntry, m: SparkplugMetric, payloadTs: number): MetricUpdate {
    return {
      groupId: node.groupId,
      edgeNodeId: node.edgeNodeId,
      deviceId: e.deviceId,
      name: e.name,
      alias: e.alias,
      datatype: e.datatype,
      value: m.value,
      timestamp: m.timestamp === undefined ? payloadTs : typeof m.timestamp === 'number' ? m.timestamp : Number(m.timestamp),
      quality: qualityOf(m.properties),
      properties: m.properties,
      historical: m.isHistorical === true,
      unit: engUnitOf(m.properties) ?? e.engUnit
    }
  }

  private onNDeath (node: NodeSession, payload: Buffer): void {
    let p: SparkplugPayload
    try {
      p = decodePayload(payload)
    } catch (err) {
      // A dead node cannot be asked for a rebirth; record it.
      node.malformedPayloads++
      this.log.debug(`Sparkplug host '${this.hostId}': malformed NDEATH from ${node.groupId}/${node.edgeNodeId}: ${(err as Error).message}`)
      return
    }
    const m = p.metrics.find((x) => x.name === 'bdSeq')
    const bdSeq = m === undefined ? undefined : toNumber(m.value)
    // tck-id-operational-behavior-... bdSeq: a death belongs to the birth with the same bdSeq; others are ignored.
    const matches = node.bdSeq === undefined || bdSeq === node.bdSeq
    const tr = nodeTransition(node.state, matches ? 'NDEATH' : 'NDEATH_OTHER_BDSEQ')
    if (!('to' in tr)) {
      if (!matches && node.state === 'ONLINE') node.ignoredDeaths++
      return
    }
    this.nodeOffline(node, 'NDEATH', Date.now(), 'NDEATH')
  }

  private onSequenced (node: NodeSession, type: 'NDATA' | 'DBIRTH' | 'DDATA' | 'DDEATH', deviceId: string | undefined, payload: Buffer): void {
    const tr = nodeTransition(node.state, type)
    if (!('to' in tr)) {
      if ('rebirth' in tr) this.rebirth(node, tr.rebirth, `${type}${deviceId === undefined ? '' : ` of device '${deviceId}'`} while the node is ${node.state}`)
      return
    }
    const device = deviceId === undefined ? undefined : node.devices.get(deviceId)
    const p = this.decode(node, payload, type, type !== 'DBIRTH', device)
    if (p === undefined) return
    const seq = seqOf(p)
    if (seq === undefined) return this.malformed(node, `${type} has no seq between 0 and 255 (tck-id-payloads-sequence-num-always-included)`)
    switch (node.classifySeq(seq)) {
      case 'IN_ORDER':
        this.apply(node, type, deviceId, p, seq)
        if (node.pendingCount > 0) this.drain(node)
        return
      case 'AHEAD':
        if (this.opts.reorderTimeoutMs > 0) {
          // tck-id-operational-behavior-host-reordering-start
          if (!node.hold({ type, deviceId, payload, seq })) {
            return this.rebirth(node, 'SEQ_GAP', `a second message with seq ${seq} while waiting for seq ${node.expectedSeq}`)
          }
          if (node.reorderTimer === undefined) this.startReorderTimer(node)
          this.emit('sequence', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, kind: 'HELD', expectedSeq: node.expectedSeq, seq, pending: node.pendingCount })
          return
        }
        node.seqGaps++
        this.rebirth(node, 'SEQ_GAP', `expected seq ${node.expectedSeq}, got ${seq} (reordering off)`)
        this.apply(node, type, deviceId, p, seq)
        return
      case 'BEHIND':
        node.seqGaps++
        this.rebirth(node, 'SEQ_GAP', `${type} with seq ${seq} arrived late (expected ${node.expectedSeq}); dropped`)
    }
  }

  private startReorderTimer (node: NodeSession): void {
    node.reorderTimer = setTimeout(() => {
      // Outside onMessage's guard: the same rule, no exception ends the process.
      try {
        this.onReorderTimeout(node)
      } catch (err) {
        this.ingestErrorCount++
        node.refusedMessages++
        this.log.error(`Sparkplug host '${this.hostId}': held messages of ${node.groupId}/${node.edgeNodeId} refused: ` +
          `unexpected error while applying them: ${(err as Error)?.stack ?? String(err)}`)
      }
    }, this.opts.reorderTimeoutMs)
    node.reorderTimer.unref()
  }

  /** Applies held messages that are now in order; stops the timer when the gap closed (tck-id-...-reordering-success). */
  private drain (node: NodeSession): void {
    let drained = false
    for (let m = node.takeExpected(); m !== undefined; m = node.takeExpected()) {
      drained = true
      this.applyHeld(node, m)
      if (node.state !== 'ONLINE') return // a held DBIRTH/DDATA can not take the node offline, but be safe
    }
    if (!drained) return // the gap is still open: the running timer keeps counting
    if (node.reorderTimer !== undefined) clearTimeout(node.reorderTimer)
    node.reorderTimer = undefined
    if (node.pendingCount > 0) this.startReorderTimer(node) // a further gap: a new window
    this.emit('sequence', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, kind: 'FILLED', expectedSeq: node.expectedSeq, pending: node.pendingCount })
  }

  /** tck-id-operational-behavior-host-reordering-rebirth: the gap did not fill in time. */
  private onReorderTimeout (node: NodeSession): void {
    node.reorderTimer = undefined
    if (node.pendingCount === 0 || node.state !== 'ONLINE') return
    node.seqGaps++
    const expectedSeq = node.expectedSeq
    const held = node.takeAllPending()
    this.rebirth(node, 'SEQ_GAP', `seq ${node.expectedSeq} did not arrive within the reorder timeout of ${this.opts.reorderTimeoutMs} ms ` +
      `(held: ${held.map((m) => m.seq).join(', ')})`)
    for (const m of held) {
      if (node.state !== 'ONLINE') break
      this.applyHeld(node, m)
    }
    this.emit('sequence', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, kind: 'TIMEOUT', expectedSeq, pending: node.pendingCount })
  }

  private applyHeld (node: NodeSession, m: PendingMessage): void {
    this.currentTopic = edgeTopic(node.groupId, m.type, node.edgeNodeId, m.deviceId)
    const device = m.deviceId === undefined ? undefined : node.devices.get(m.deviceId)
    const p = this.decode(node, m.payload, m.type, m.type !== 'DBIRTH', device)
    if (p === undefined) {
      node.lastSeq = m.seq
      node.expectedSeq = (m.seq + 1) & 0xff
      return
    }
    this.apply(node, m.type, m.deviceId, p, m.seq)
  }

  private apply (node: NodeSession, type: 'NDATA' | 'DBIRTH' | 'DDATA' | 'DDEATH', deviceId: string | undefined, p: SparkplugPayload, seq: number): void {
    node.lastSeq = seq
    node.expectedSeq = (seq + 1) & 0xff
    if (type === 'NDATA') return this.applyData(node, undefined, p)
    const device = node.device(deviceId!, Date.now())
    const tr = deviceTransition(device.state, type)
    if (!('to' in tr)) {
      if ('rebirth' in tr) this.rebirth(node, tr.rebirth, `${type} of device '${deviceId}' while it is ${device.state}`)
      return
    }
    if (type === 'DBIRTH') return this.applyDBirth(node, device, p)
    if (type === 'DDATA') return this.applyData(node, device, p)
    // DDEATH: offline at the DDEATH payload's timestamp (tck-id-...-ddeath-devices-offline / -tags-stale).
    const at = p.timestamp === undefined ? Date.now() : toNumber(p.timestamp)
    this.deviceOffline(node, device, 'DDEATH', at, 'DDEATH')
  }

  private applyDBirth (node: NodeSession, device: DeviceSession, p: SparkplugPayload): void {
    const bad = checkBirthMetrics(p.metrics, node.aliases, device.deviceId)
    if (bad !== undefined) return this.malformed(node, `DBIRTH of device '${device.deviceId}': ${bad}`)
    const now = Date.now()
    const over = metricLimitExceeded(`DBIRTH of device '${device.deviceId}'`, `${node.groupId}/${node.edgeNodeId}`,
      node.metricCount(device.deviceId) + p.metrics.length, this.opts.maxMetricsPerNode)
    if (over !== undefined) {
      node.refusedMessages++
      this.log.warn(`Sparkplug host '${this.hostId}': ${this.currentTopic} refused: ${over}`)
      this.deviceOffline(node, device, 'BIRTH_REFUSED', now, 'DDEATH')
      return this.refuse(node.groupId, node.edgeNodeId, device.deviceId, 'LIMIT', over)
    }
    for (const e of device.metrics.values()) {
      if (e.alias !== undefined && node.aliases.get(e.alias) === e) node.aliases.delete(e.alias)
    }
    device.metrics = new Map()
    const entries = this.register(node, device.deviceId, device.metrics, p, now)
    device.state = 'ONLINE'
    device.since = now
    device.lastBirthAt = now
    device.stale = undefined
    this.emit('session', { kind: 'device', groupId: node.groupId, edgeNodeId: node.edgeNodeId, deviceId: device.deviceId, state: 'ONLINE', at: now, cause: 'DBIRTH' })
    for (const e of entries) this.emit('metric', e.current)
  }

  /** NDATA/DDATA: per metric one alias (or name) lookup, done by the decoder's datatypeOf, and one update object. */
  private applyData (node: NodeSession, device: DeviceSession | undefined, p: SparkplugPayload): void {
    const metrics = p.metrics
    const n = metrics.length
    const deviceId = device === undefined ? undefined : device.deviceId
    const payloadTs = p.timestamp === undefined ? Date.now() : toNumber(p.timestamp)
    let unknownAlias: string | undefined
    let unknownName: string | undefined
    let mismatch: string | undefined
    node.decodeDevice = device
    for (let i = 0; i < n; i++) {
      const m = metrics[i]!
      let e = node.resolved[i]
      if (e === undefined) e = node.lookup(m.name, m.alias) // the metric carried its datatype: no resolver call
      if (e === undefined || e.deviceId !== deviceId) {
        if (m.alias !== undefined) unknownAlias ??= String(m.alias)
        else unknownName ??= m.name ?? '(no name, no alias)'
        continue
      }
      if (m.datatype !== e.datatype) {
        // The value was decoded by the payload's datatype; delivered under the birth's, it would be read as another
        // type (issue #8: a DataSet birth, then Int32 data). Refused; the rebirth states the datatype anew.
        mismatch ??= `metric '${e.name}' is ${dataTypeName(m.datatype ?? DataType.Unknown)} in this ${deviceId === undefined ? 'NDATA' : 'DDATA'}, ` +
          `but ${dataTypeName(e.datatype)} in its birth`
        continue
      }
      const u = this.update(node, e, m, payloadTs)
      if (!u.historical) e.current = u // is_historical never overwrites the live value
      this.emit('metric', u)
    }
    if (mismatch !== undefined) {
      node.refusedMessages++
      this.refuse(node.groupId, node.edgeNodeId, deviceId, 'DATATYPE_MISMATCH', mismatch)
      this.rebirth(node, 'DATATYPE_MISMATCH', mismatch)
    } else if (unknownAlias !== undefined) {
      this.rebirth(node, 'UNKNOWN_ALIAS', `${deviceId === undefined ? 'NDATA' : `DDATA of device '${deviceId}'`}: alias ${unknownAlias} is not in the births`)
    } else if (unknownName !== undefined) {
      this.rebirth(node, 'UNKNOWN_METRIC', `${deviceId === undefined ? 'NDATA' : `DDATA of device '${deviceId}'`}: metric '${unknownName}' is not in the births`)
    }
  }

  private malformed (node: NodeSession, detail: string): void {
    node.malformedPayloads++
    this.refuse(node.groupId, node.edgeNodeId, undefined, 'MALFORMED', detail)
    this.rebirth(node, 'MALFORMED_PAYLOAD', detail)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Offline and STALE

  private nodeOffline (node: NodeSession, reason: StaleReason, at: number, cause: string): void {
    node.clearPending()
    node.state = 'OFFLINE'
    node.since = at
    node.stale = { reason, at }
    this.emit('session', { kind: 'node', groupId: node.groupId, edgeNodeId: node.edgeNodeId, state: 'OFFLINE', at, cause })
    this.markStale(node.metrics, at)
    for (const d of node.devices.values()) this.deviceOffline(node, d, reason, at, 'NODE_OFFLINE')
  }

  private deviceOffline (node: NodeSession, d: DeviceSession, reason: StaleReason, at: number, event: 'NODE_OFFLINE' | 'NODE_REBIRTH' | 'DDEATH'): void {
    const tr = deviceTransition(d.state, event)
    if (!('to' in tr)) return
    d.state = tr.to
    d.since = at
    d.stale = { reason, at }
    this.emit('session', { kind: 'device', groupId: node.groupId, edgeNodeId: node.edgeNodeId, deviceId: d.deviceId, state: 'OFFLINE', at, cause: reason })
    this.markStale(d.metrics, at)
  }

  private markStale (table: Map<string, MetricEntry>, at: number): void {
    for (const e of table.values()) {
      e.current = { ...e.current, timestamp: at, quality: 'STALE', historical: false }
      this.emit('metric', e.current)
    }
  }

  private takeAllOffline (reason: 'HOST_CONNECTION_LOST' | 'HOST_STOPPED'): void {
    const now = Date.now()
    for (const group of this.groups.values()) {
      for (const node of group.values()) {
        const tr = nodeTransition(node.state, 'HOST_DISCONNECTED')
        if ('to' in tr) this.nodeOffline(node, reason, now, reason)
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rebirth requests and writes

  private rebirth (node: NodeSession, reason: RebirthReason, detail: string): void {
    const now = Date.now()
    const wait = node.lastRebirthSentAt + this.opts.rebirthMinIntervalMs - now
    const sent = this.opts.sendRebirths && this.statusValue === 'ONLINE' && wait <= 0
    const record: RebirthRecord = { at: now, reason, detail, sent }
    node.recordRebirth(record)
    this.log[sent ? 'info' : 'debug'](`Sparkplug host '${this.hostId}': rebirth of ${node.groupId}/${node.edgeNodeId} ` +
      `${sent ? 'requested' : wait > 0 ? `held back by the rate limit for ${wait} ms` : 'not sent (offline)'}: ${reason}: ${detail}`)
    if (!sent && wait > 0 && this.opts.sendRebirths && node.rebirthTimer === undefined) {
      // Held back, not dropped: sent when the limit allows, unless an NBIRTH (which clears the timer) comes first.
      node.rebirthTimer = setTimeout(() => {
        node.rebirthTimer = undefined
        if (this.statusValue === 'ONLINE') this.rebirth(node, reason, detail)
      }, wait)
      node.rebirthTimer.unref()
    }
    if (sent) {
      // tck-id-operational-behavior-data-commands-ncmd-rebirth-verb/-name/-value; the metric goes by name (the
      // NBIRTH must not alias it) with its datatype, as the specification's example; payload timestamp, no seq.
      const payload = encodePayload({
        timestamp: now,
        metrics: [{ name: REBIRTH_METRIC, datatype: DataType.Boolean, value: true, timestamp: now }]
      })
      this.client!.publish(edgeTopic(node.groupId, 'NCMD', node.edgeNodeId), Buffer.from(payload), { qos: 0, retain: false })
    }
    this.emit('rebirth', { groupId: node.groupId, edgeNodeId: node.edgeNodeId, ...record })
  }

  /** Asks an edge node for a new birth sequence (rate-limited like every rebirth request). */
  requestRebirth (groupId: string, edgeNodeId: string, detail = 'requested through the API'): RebirthRecord {
    if (this.statusValue !== 'ONLINE') throw new SparkplugHostNotConnectedError(this.hostId, `request a rebirth of ${groupId}/${edgeNodeId}`)
    const node = this.node(groupId, edgeNodeId)
    this.rebirth(node, 'REQUESTED', detail)
    return node.rebirths[node.rebirths.length - 1]!
  }

  /**
   * Writes a metric that the node's (or device's) birth declared: NCMD or DCMD, QoS 0, not retained, with the payload
   * timestamp (tck-id-topics-ncmd-timestamp) and no seq; the metric by alias when the birth gave one, else by name.
   * The JSON value is checked against the birth's datatype (fromJsonValue). Resolves when handed to the broker.
   */
  async writeMetric (groupId: string, edgeNodeId: string, deviceId: string | undefined, name: string, value: JsonValue): Promise<void> {
    const client = this.client
    if (this.statusValue !== 'ONLINE' || client === undefined) {
      throw new SparkplugHostNotConnectedError(this.hostId, `write '${name}' to ${groupId}/${edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`)
    }
    const node = this.groups.get(groupId)?.get(edgeNodeId)
    if (node === undefined || node.state !== 'ONLINE') {
      throw new SparkplugNodeOfflineError(groupId, edgeNodeId, undefined, describeState(node?.state))
    }
    let table = node.metrics
    if (deviceId !== undefined) {
      const d = node.devices.get(deviceId)
      if (d === undefined || d.state !== 'ONLINE') throw new SparkplugNodeOfflineError(groupId, edgeNodeId, deviceId, describeState(d?.state))
      table = d.metrics
    }
    const e = table.get(name)
    if (e === undefined) throw new SparkplugUnknownMetricError(groupId, edgeNodeId, deviceId, name)
    const v = fromJsonValue(e.datatype, value, name) // throws SparkplugValueError
    const now = Date.now()
    const metric: SparkplugMetric = e.alias !== undefined
      ? { alias: e.alias, datatype: e.datatype, timestamp: now, value: v as SparkplugMetric['value'] }
      : { name: e.name, datatype: e.datatype, timestamp: now, value: v as SparkplugMetric['value'] }
    const payload = encodePayload({ timestamp: now, metrics: [metric] }, { omitDatatype: true })
    const topic = deviceId === undefined ? edgeTopic(groupId, 'NCMD', edgeNodeId) : edgeTopic(groupId, 'DCMD', edgeNodeId, deviceId)
    await client.publishAsync(topic, Buffer.from(payload), { qos: 0, retain: false })
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queries

  getNodeHealth (groupId: string, edgeNodeId: string): NodeHealth | undefined {
    return this.groups.get(groupId)?.get(edgeNodeId)?.health()
  }

  getDeviceHealth (groupId: string, edgeNodeId: string, deviceId: string): DeviceHealth | undefined {
    return this.groups.get(groupId)?.get(edgeNodeId)?.devices.get(deviceId)?.health()
  }

  listNodes (): NodeHealth[] {
    const out: NodeHealth[] = []
    for (const group of this.groups.values()) for (const node of group.values()) out.push(node.health())
    return out
  }

  /** The current value of a metric (the latest non-historical update, or its STALE mark). */
  getMetric (path: MetricPath): MetricUpdate | undefined {
    const node = this.groups.get(path.groupId)?.get(path.edgeNodeId)
    if (node === undefined) return undefined
    const table = path.deviceId === undefined ? node.metrics : node.devices.get(path.deviceId)?.metrics
    return table?.get(path.name)?.current
  }

  /** Current values, optionally of one group, node or device. */
  listMetrics (filter: { groupId?: string, edgeNodeId?: string, deviceId?: string } = {}): MetricUpdate[] {
    const out: MetricUpdate[] = []
    for (const [g, group] of this.groups) {
      if (filter.groupId !== undefined && g !== filter.groupId) continue
      for (const [n, node] of group) {
        if (filter.edgeNodeId !== undefined && n !== filter.edgeNodeId) continue
        if (filter.deviceId === undefined) for (const e of node.metrics.values()) out.push(e.current)
        for (const [d, device] of node.devices) {
          if (filter.deviceId !== undefined && d !== filter.deviceId) continue
          for (const e of device.metrics.values()) out.push(e.current)
        }
      }
    }
    return out
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export function statePayload (online: boolean, timestamp: number): Buffer {
  return Buffer.from(`{"online":${online},"timestamp":${timestamp}}`, 'utf8')
}

function seqOf (p: SparkplugPayload): number | undefined {
  const s = p.seq
  return typeof s === 'number' && s >= 0 && s <= 255 ? s : undefined
}

function toNumber (v: U64): number
function toNumber (v: unknown): number | undefined
function toNumber (v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  return undefined
}

/** Sparkplug quality codes in a metric's 'Quality' property: 192 GOOD, 500 STALE, 0 BAD (chapter 6). */
function qualityOf (props: PropertySet | undefined): Quality {
  if (props === undefined) return 'GOOD'
  const q = props.Quality
  if (q === undefined) return 'GOOD'
  return q.value === 0 ? 'BAD' : q.value === 500 ? 'STALE' : 'GOOD'
}

function describeNode (node: NodeSession, device: DeviceSession | undefined): string {
  return `${node.groupId}/${node.edgeNodeId}${device === undefined ? '' : '/' + device.deviceId}`
}

function describeState (s: string | undefined): string {
  return s === undefined || s === 'UNBORN' ? 'not born (no birth certificate seen)' : s === 'OFFLINE' ? 'offline' : s.toLowerCase()
}
