// What the host application tells about the edge node and device sessions it keeps: the metric updates it delivers
// (event 'metric', getMetric / listMetrics), session changes (event 'session'), the health of nodes and devices, and
// the records of rebirth requests and STALE marks. The sessions themselves are ./session.ts, their state machines
// ./session-transitions.ts.

import type { DataType } from '../datatypes'
import type { MetricValue, PropertySet } from '../types'

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
