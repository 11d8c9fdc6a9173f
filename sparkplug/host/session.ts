// The per-node state the host application keeps for an edge node and its devices: bdSeq, the sequence number and its
// reorder buffer, the alias and name tables, rebirth requests, and why metrics went STALE. What the host tells about
// them is ./session-records.ts (re-exported here); their state machines are ./session-transitions.ts.

import type { DataType } from '../datatypes'
import type { DecodeOptions } from '../codec'
import type { U64 } from '../types'
import type {
  DeviceHealth, DeviceState, MetricUpdate, NodeHealth, NodeState, RebirthRecord, StaleRecord
} from './session-records'

export type {
  MetricUpdate, Quality, NodeState, DeviceState, RebirthReason, RebirthRecord, StaleReason, StaleRecord, DeviceHealth,
  NodeHealth, SessionChange
} from './session-records'

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
