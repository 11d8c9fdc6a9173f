// The Sparkplug host application's public types: its options and defaults, its own connection's state machine, and
// the events it emits. The host itself is ./host-application.ts (connection and STATE) with ./ingest.ts (sessions)
// and ./commands.ts (NCMD/DCMD).
import type { Duplex } from 'node:stream'
import type { Logger } from '../../core/logger'
import type { MetricUpdate, RebirthRecord, SessionChange } from './session-records'

export const DEFAULT_HOST_ID = 'isa95-hub'
/** Default of sparkplug.maxMetricsPerNode: one NBIRTH once declared 27,000 metrics, each a retained UNS topic. */
export const DEFAULT_MAX_METRICS_PER_NODE = 5000
/** Default of sparkplug.maxArrayLength: a 1 MiB BooleanArray is 8.4 million elements, a 50 MB UNS message. */
export const DEFAULT_MAX_ARRAY_LENGTH = 65536
/** The host's MQTT client id unless one is given; the broker refuses it to network clients (broker/connect-checks.ts). */
export function hostClientId (hostId: string): string {
  return `sparkplug-host-${hostId}`
}

/**
 * The Sparkplug namespace from the broker of this very process (the UNS port's in-process subscribe), instead of
 * through the host's MQTT connection: every message would otherwise be serialised by the broker into the in-process
 * stream and parsed again by the host's mqtt.js client (about a seventh of the hub's time at full ingest). Messages
 * come in the broker's delivery order, as an MQTT subscription would get them. The host still holds an MQTT session
 * (Will, STATE birth and death, NCMD/DCMD, its own STATE topic subscribed over MQTT); the feed is opened at each
 * CONNACK before that subscription, and closed when the connection is lost or the host stops.
 */
export type SparkplugFeed = (filter: string, onMessage: (topic: string, payload: Buffer) => void) => Promise<{ close (): Promise<void> }>

export interface HostApplicationOptions {
  /** sparkplug_host_id: one topic level, unique in the infrastructure. Default 'isa95-hub'. */
  hostId?: string
  /**
   * The broker: a trusted in-process connection of the hub's broker (`RunningBroker.connectInternal`), a function
   * that takes the broker's end of an in-process stream pair (`(s) => aedes.handle(s)`: a client on loopback), or
   * a TCP address. With an in-process connection, `feed` may give the Sparkplug namespace straight from the broker
   * (see SparkplugFeed).
   */
  broker: { connect: () => Duplex, feed?: SparkplugFeed } | { handle: (server: Duplex) => void } | { host: string, port: number }
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
export type HostEvent = 'START' | 'CONNACK' | 'SUBACK' | 'CONNECTION_LOST' | 'STOP' | 'CLOSED'

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
