// Edge node and device sessions as the host application sees them (specification 3.0 chapter 5, "Operational
// Behavior"), as tables of allowed transitions, plus the per-node state the host keeps: bdSeq, the sequence number
// and its reorder buffer, the alias table, rebirth requests, and why metrics went STALE.
//
// A table entry says, for a state and an incoming message, either the next state or what to do instead:
// `rebirth` (ask the edge node for a new birth sequence, with the reason recorded) or `ignore` (with the reason).
// Every (state, event) pair is listed, so the tables are the complete behaviour and the tests can walk them.

import type { DataType } from '../datatypes'
import type { DecodeOptions } from '../codec'
import type { MetricValue, PropertySet, U64 } from '../types'

// ---------------------------------------------------------------------------------------------------------------
// Public record types

export type Quality = 'GOOD' | 'STALE' | 'BAD'

/** One metric value as the host delivers it (event 'metric') and keeps it (getMetric / listMetrics). */
export interface MetricUpdate {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  readonly name: string
  readonly alias?: number
  readonly datatype: DataType
  /** In the codec's representation (bigint for Int64/UInt64/DateTime, Buffer for Bytes, null for is_null). */
  readonly value: MetricValue
  /** UTC ms: the metric's timestamp, else the payload's; for STALE marks, when the host marked it. */
  readonly timestamp: number
  readonly quality: Quality
  readonly properties?: PropertySet
  /** is_historical values: delivered with this flag, never stored as the current value. */
  readonly historical: boolean
  /** The engineering unit: the metric's own engUnit property, else the one its birth declared. */
  readonly unit?: string
}

export type NodeState = 'UNBORN' | 'ONLINE' | 'OFFLINE'
export type DeviceState = 'UNBORN' | 'ONLINE' | 'OFFLINE'

export type RebirthReason =
  | 'SEQ_GAP' // a sequence gap not filled within the reorder timeout
  | 'UNKNOWN_ALIAS' // an alias the births did not declare
  | 'UNKNOWN_METRIC' // a metric name the births did not declare
  | 'DATA_BEFORE_BIRTH' // NDATA/DDATA/DDEATH from a node without a current NBIRTH
  | 'DBIRTH_BEFORE_NBIRTH' // DBIRTH from a node without a current NBIRTH
  | 'DEVICE_DATA_BEFORE_DBIRTH' // DDATA from a device without a current DBIRTH
  | 'MALFORMED_PAYLOAD' // not a Sparkplug B payload, or a birth missing what it must carry
  | 'DATATYPE_MISMATCH' // a DATA metric with a datatype other than its birth's
  | 'REQUESTED' // requestRebirth() from the API

export interface RebirthRecord {
  readonly at: number
  readonly reason: RebirthReason
  readonly detail: string
  /** false when the rate limit held it back (rebirthMinIntervalMs) or the host was not connected. */
  readonly sent: boolean
}

export type StaleReason = 'NDEATH' | 'DDEATH' | 'NODE_REBIRTH' | 'HOST_CONNECTION_LOST' | 'HOST_STOPPED' | 'BIRTH_REFUSED'

export interface StaleRecord {
  readonly reason: StaleReason
  readonly at: number
}

export interface DeviceHealth {
  readonly deviceId: string
  readonly state: DeviceState
  readonly online: boolean
  /** When the state was entered (UTC ms): host time for births and NDEATH, the DDEATH payload time for DDEATH. */
  readonly since: number
  readonly lastBirthAt: number | undefined
  readonly metricCount: number
  readonly stale: StaleRecord | undefined
}

export interface NodeHealth {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly state: NodeState
  readonly online: boolean
  readonly since: number
  readonly bdSeq: number | undefined
  /** The seq of the last message applied (NBIRTH, DBIRTH, NDATA, DDATA, DDEATH). */
  readonly lastSeq: number | undefined
  /** Gaps that the reorder timeout did not fill. */
  readonly seqGaps: number
  /** Messages that arrived out of order and were held in the reorder buffer. */
  readonly reordered: number
  /** Messages held in the reorder buffer right now. */
  readonly pending: number
  /** True while the Reorder Timeout timer runs (a gap is open). */
  readonly reorderWaiting: boolean
  readonly rebirthsRequested: number
  /** The most recent rebirth requests, oldest first (at most 50). */
  readonly rebirths: readonly RebirthRecord[]
  readonly aliasCount: number
  readonly lastBirthAt: number | undefined
  readonly stale: StaleRecord | undefined
  readonly malformedPayloads: number
  /** Messages refused as a whole or in part: over a limit, a datatype other than the birth's, an error handling them. */
  readonly refusedMessages: number
  /** NDEATHs whose bdSeq did not match the current NBIRTH (deaths of an earlier session). */
  readonly ignoredDeaths: number
  readonly devices: readonly DeviceHealth[]
}

export interface SessionChange {
  readonly kind: 'node' | 'device'
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  readonly state: NodeState
  readonly at: number
  /** The message or event that caused it: NBIRTH, DBIRTH, NDEATH, DDEATH, NODE_REBIRTH, HOST_CONNECTION_LOST... */
  readonly cause: string
}

// ---------------------------------------------------------------------------------------------------------------
// Transition tables

export type NodeEvent = 'NBIRTH' | 'NDATA' | 'DBIRTH' | 'DDATA' | 'DDEATH' | 'NDEATH' | 'NDEATH_OTHER_BDSEQ' | 'HOST_DISCONNECTED'
export type DeviceEvent = 'DBIRTH' | 'DDATA' | 'DDEATH' | 'NODE_REBIRTH' | 'NODE_OFFLINE'

export type Transition<S> =
  | { readonly to: S }
  | { readonly rebirth: RebirthReason }
  | { readonly ignore: string }

/**
 * Edge node sessions. A node is ONLINE between its NBIRTH and the NDEATH that carries the NBIRTH's bdSeq (or the loss
 * of the host's own broker connection). Anything but an NBIRTH from a node that is not ONLINE asks for a rebirth
 * (chapter 5 "Sparkplug Host Application Receive Data"); a death of another session is ignored.
 */
export const NODE_TRANSITIONS: Readonly<Record<NodeState, Readonly<Record<NodeEvent, Transition<NodeState>>>>> = {
  UNBORN: {
    NBIRTH: { to: 'ONLINE' },
    NDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DBIRTH: { rebirth: 'DBIRTH_BEFORE_NBIRTH' },
    DDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DDEATH: { rebirth: 'DATA_BEFORE_BIRTH' },
    NDEATH: { ignore: 'NDEATH of a node the host has no birth of' },
    NDEATH_OTHER_BDSEQ: { ignore: 'NDEATH of a node the host has no birth of' },
    HOST_DISCONNECTED: { ignore: 'not online' }
  },
  ONLINE: {
    NBIRTH: { to: 'ONLINE' },
    NDATA: { to: 'ONLINE' },
    DBIRTH: { to: 'ONLINE' },
    DDATA: { to: 'ONLINE' },
    DDEATH: { to: 'ONLINE' },
    NDEATH: { to: 'OFFLINE' },
    NDEATH_OTHER_BDSEQ: { ignore: 'NDEATH bdSeq does not match the current NBIRTH bdSeq (death of an earlier session)' },
    HOST_DISCONNECTED: { to: 'OFFLINE' }
  },
  OFFLINE: {
    NBIRTH: { to: 'ONLINE' },
    NDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DBIRTH: { rebirth: 'DBIRTH_BEFORE_NBIRTH' },
    DDATA: { rebirth: 'DATA_BEFORE_BIRTH' },
    DDEATH: { rebirth: 'DATA_BEFORE_BIRTH' },
    NDEATH: { ignore: 'node is already offline' },
    NDEATH_OTHER_BDSEQ: { ignore: 'node is already offline' },
    HOST_DISCONNECTED: { ignore: 'not online' }
  }
}

/**
 * Devices of an ONLINE node (the node table is consulted first). A device is ONLINE between its DBIRTH and its
 * DDEATH, the node's NDEATH, or the node's next NBIRTH (after which it must be born again).
 */
export const DEVICE_TRANSITIONS: Readonly<Record<DeviceState, Readonly<Record<DeviceEvent, Transition<DeviceState>>>>> = {
  UNBORN: {
    DBIRTH: { to: 'ONLINE' },
    DDATA: { rebirth: 'DEVICE_DATA_BEFORE_DBIRTH' },
    DDEATH: { ignore: 'DDEATH of a device the host has no birth of' },
    NODE_REBIRTH: { ignore: 'not online' },
    NODE_OFFLINE: { ignore: 'not online' }
  },
  ONLINE: {
    DBIRTH: { to: 'ONLINE' },
    DDATA: { to: 'ONLINE' },
    DDEATH: { to: 'OFFLINE' },
    NODE_REBIRTH: { to: 'OFFLINE' },
    NODE_OFFLINE: { to: 'OFFLINE' }
  },
  OFFLINE: {
    DBIRTH: { to: 'ONLINE' },
    DDATA: { rebirth: 'DEVICE_DATA_BEFORE_DBIRTH' },
    DDEATH: { ignore: 'device is already offline' },
    NODE_REBIRTH: { ignore: 'not online' },
    NODE_OFFLINE: { ignore: 'not online' }
  }
}

export function nodeTransition (state: NodeState, event: NodeEvent): Transition<NodeState> {
  return NODE_TRANSITIONS[state][event]
}

export function deviceTransition (state: DeviceState, event: DeviceEvent): Transition<DeviceState> {
  return DEVICE_TRANSITIONS[state][event]
}

// ---------------------------------------------------------------------------------------------------------------
// Session state

/** A metric declared by a birth certificate: the alias/name tables point here; `current` is its latest value. */
export interface MetricEntry {
  readonly name: string
  readonly alias: number | undefined
  readonly datatype: DataType
  readonly deviceId: string | undefined
  /** The engUnit property of the birth, kept for the DATA messages that do not repeat it. */
  readonly engUnit: string | undefined
  current: MetricUpdate
}

export class DeviceSession {
  state: DeviceState = 'UNBORN'
  since: number
  lastBirthAt: number | undefined
  metrics = new Map<string, MetricEntry>()
  stale: StaleRecord | undefined

  constructor (readonly deviceId: string, now: number) {
    this.since = now
  }

  health (): DeviceHealth {
    return {
      deviceId: this.deviceId,
      state: this.state,
      online: this.state === 'ONLINE',
      since: this.since,
      lastBirthAt: this.lastBirthAt,
      metricCount: this.metrics.size,
      stale: this.stale
    }
  }
}

/** A message held because its seq is ahead of the expected one; decoded again when applied (births may come first). */
export interface PendingMessage {
  readonly type: 'NDATA' | 'DBIRTH' | 'DDATA' | 'DDEATH'
  readonly deviceId: string | undefined
  readonly payload: Buffer
  readonly seq: number
}

export type SeqVerdict = 'IN_ORDER' | 'AHEAD' | 'BEHIND'

const MAX_REBIRTH_RECORDS = 50

export class NodeSession {
  state: NodeState = 'UNBORN'
  since: number
  bdSeq: number | undefined
  /** Expected seq of the next message, once born. */
  expectedSeq = 0
  lastSeq: number | undefined
  seqGaps = 0
  reordered = 0
  /** Reorder buffer: slot = seq (0..255). */
  readonly pending: Array<PendingMessage | undefined> = new Array<PendingMessage | undefined>(256).fill(undefined)
  pendingCount = 0
  reorderTimer: NodeJS.Timeout | undefined
  rebirthsRequested = 0
  rebirths: RebirthRecord[] = []
  lastRebirthSentAt = -Infinity
  /** A rebirth request held back by the rate limit, sent when the limit allows (unless a birth comes first). */
  rebirthTimer: NodeJS.Timeout | undefined
  lastBirthAt: number | undefined
  stale: StaleRecord | undefined
  malformedPayloads = 0
  refusedMessages = 0
  ignoredDeaths = 0
  /** Aliases of the node and all its devices (an alias is unique across the edge node, tck-id-payloads-alias-uniqueness). */
  aliases = new Map<number, MetricEntry>()
  /** Node-level metrics by name. */
  metrics = new Map<string, MetricEntry>()
  readonly devices = new Map<string, DeviceSession>()

  // Decode context: the codec's datatypeOf resolver is bound once per node; `decodeDevice` says which device's names
  // apply, and `resolved[i]` keeps the entry found for metric i so that applying it costs no second lookup.
  decodeDevice: DeviceSession | undefined
  readonly resolved: Array<MetricEntry | undefined> = []
  readonly decodeOptions: DecodeOptions

  constructor (readonly groupId: string, readonly edgeNodeId: string, now: number, maxArrayLength = Infinity) {
    this.since = now
    this.decodeOptions = {
      maxArrayLength,
      datatypeOf: (m: { readonly name?: string, readonly alias?: U64 }, i: number): DataType | undefined => {
        const e = this.lookup(m.name, m.alias)
        this.resolved[i] = e
        return e?.datatype
      }
    }
  }

  /** The birth entry for a metric of the current decode context (node, or `decodeDevice`): by alias, else by name. */
  lookup (name: string | undefined, alias: U64 | undefined): MetricEntry | undefined {
    if (alias !== undefined) return this.aliases.get(typeof alias === 'number' ? alias : Number(alias))
    if (name === undefined) return undefined
    return (this.decodeDevice === undefined ? this.metrics : this.decodeDevice.metrics).get(name)
  }

  device (deviceId: string, now: number): DeviceSession {
    let d = this.devices.get(deviceId)
    if (d === undefined) {
      d = new DeviceSession(deviceId, now)
      this.devices.set(deviceId, d)
    }
    return d
  }

  /** Where a message's seq stands against the expected one (mod 256): ahead by 1..127 is held, else it is late. */
  classifySeq (seq: number): SeqVerdict {
    if (seq === this.expectedSeq) return 'IN_ORDER'
    const ahead = (seq - this.expectedSeq + 256) & 0xff
    return ahead < 128 ? 'AHEAD' : 'BEHIND'
  }

  hold (m: PendingMessage): boolean {
    if (this.pending[m.seq] !== undefined) return false
    this.pending[m.seq] = m
    this.pendingCount++
    this.reordered++
    return true
  }

  /** Takes the pending message with the expected seq, if there is one. */
  takeExpected (): PendingMessage | undefined {
    const m = this.pending[this.expectedSeq]
    if (m !== undefined) {
      this.pending[this.expectedSeq] = undefined
      this.pendingCount--
    }
    return m
  }

  /** Takes every pending message in seq order starting after the gap (for a reorder timeout). */
  takeAllPending (): PendingMessage[] {
    const out: PendingMessage[] = []
    for (let d = 0; d < 256 && this.pendingCount > 0; d++) {
      const s = (this.expectedSeq + d) & 0xff
      const m = this.pending[s]
      if (m !== undefined) {
        this.pending[s] = undefined
        this.pendingCount--
        out.push(m)
      }
    }
    return out
  }

  clearPending (): void {
    if (this.pendingCount > 0) this.pending.fill(undefined)
    this.pendingCount = 0
    if (this.reorderTimer !== undefined) {
      clearTimeout(this.reorderTimer)
      this.reorderTimer = undefined
    }
  }

  /**
   * The metrics of the current birth sequence: the node's and its online devices' (except `exceptDevice`, whose birth
   * is being replaced).
   */
  metricCount (exceptDevice?: string): number {
    let n = this.metrics.size
    for (const d of this.devices.values()) if (d.state === 'ONLINE' && d.deviceId !== exceptDevice) n += d.metrics.size
    return n
  }

  clearRebirthTimer (): void {
    if (this.rebirthTimer !== undefined) clearTimeout(this.rebirthTimer)
    this.rebirthTimer = undefined
  }

  recordRebirth (r: RebirthRecord): void {
    this.rebirthsRequested++
    this.rebirths.push(r)
    if (this.rebirths.length > MAX_REBIRTH_RECORDS) this.rebirths.shift()
    if (r.sent) this.lastRebirthSentAt = r.at
  }

  health (): NodeHealth {
    return {
      groupId: this.groupId,
      edgeNodeId: this.edgeNodeId,
      state: this.state,
      online: this.state === 'ONLINE',
      since: this.since,
      bdSeq: this.bdSeq,
      lastSeq: this.lastSeq,
      seqGaps: this.seqGaps,
      reordered: this.reordered,
      pending: this.pendingCount,
      reorderWaiting: this.reorderTimer !== undefined,
      rebirthsRequested: this.rebirthsRequested,
      rebirths: this.rebirths.slice(),
      aliasCount: this.aliases.size,
      lastBirthAt: this.lastBirthAt,
      stale: this.stale,
      malformedPayloads: this.malformedPayloads,
      refusedMessages: this.refusedMessages,
      ignoredDeaths: this.ignoredDeaths,
      devices: [...this.devices.values()].map((d) => d.health())
    }
  }
}
