// The host application's ingest: the edge node and device sessions (./session.ts), NBIRTH/DBIRTH/NDATA/DDATA/NDEATH/
// DDEATH turned into typed metric updates and session changes, the reorder buffer, and rebirth requests when the
// session state is lost. It owns no connection: the host (./host-application.ts) hands it every message and gives it
// a small port (./ingest-port.ts) to emit events and to send NCMDs.
// Metrics become updates in ./metric-updates.ts, STALE marks are ./stale-marks.ts, the reorder buffer is
// ./reorder-buffer.ts, rebirth requests ./rebirth-requests.ts.
import { decodePayload } from '../codec'
import type { SparkplugPayload } from '../types'
import { SparkplugLimitError } from '../errors'
import { checkBirthMetrics, metricLimitExceeded } from './birth-check'
import type { Logger } from '../../core/logger'
import { edgeTopic, parseTopic } from '../../plant/sparkplug-topic'
import { NodeSession, type DeviceSession, type PendingMessage } from './session'
import type { RebirthRecord } from './session-records'
import { deviceTransition, nodeTransition } from './session-transitions'
import type { RefusedMessage } from './host-types'
import type { IngestOptions, IngestPort } from './ingest-port'
import { deliverData, registerBirthMetrics } from './metric-updates'
import { RebirthRequests } from './rebirth-requests'
import { ReorderBuffer } from './reorder-buffer'
import { deviceOffline, nodeOffline } from './stale-marks'
import { describeNode, seqOf, toNumber } from './payload-facts'
import { SessionQueries } from './session-queries'

export class SparkplugIngest {
  private readonly groups = new Map<string, Map<string, NodeSession>>()
  private readonly rebirths: RebirthRequests
  private readonly reorder: ReorderBuffer
  /** What the host answers about sessions and current values. */
  readonly queries = new SessionQueries(this.groups)
  /** Messages whose handling threw (each logged with its topic); the host carried on. */
  private ingestErrorCount = 0
  /** The topic of the message being handled, for refusals (one message at a time: the client delivers in order). */
  private currentTopic = ''

  constructor (private readonly hostId: string, private readonly opts: IngestOptions, private readonly log: Logger,
    private readonly port: IngestPort) {
    this.rebirths = new RebirthRequests(hostId, opts, log, port)
    this.reorder = new ReorderBuffer(opts.reorderTimeoutMs, {
      applyHeld: (node, m) => this.applyHeld(node, m),
      rebirth: (node, reason, detail) => this.rebirths.request(node, reason, detail),
      emit: port.emit,
      failed: (node, err) => {
        this.ingestErrorCount++
        node.refusedMessages++
        this.log.error(`Sparkplug host '${this.hostId}': held messages of ${node.groupId}/${node.edgeNodeId} refused: ` +
          `unexpected error while applying them: ${(err as Error)?.stack ?? String(err)}`)
      }
    })
  }

  /** Messages whose handling threw an unexpected exception (logged, refused, and the host carried on). */
  get ingestErrors (): number {
    return this.ingestErrorCount
  }

  /** The session of an edge node the host has seen, if any. */
  session (groupId: string, edgeNodeId: string): NodeSession | undefined {
    return this.groups.get(groupId)?.get(edgeNodeId)
  }

  /** Stops every node's held-back rebirth request (the host is stopping). */
  clearTimers (): void {
    for (const group of this.groups.values()) for (const node of group.values()) node.clearRebirthTimer()
  }

  /**
   * No exception on the ingest path may end the process (it would take the broker with it): one that escapes the
   * handling of a message is logged with the topic, counted, and the message refused; the host carries on.
   */
  onMessage (topic: string, payload: Buffer): void {
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
      this.port.emit('refused', { topic: this.currentTopic, groupId, edgeNodeId, deviceId, code, reason })
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
      if (t.hostId === this.hostId) this.port.onOwnState(payload)
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
      this.rebirths.request(node, 'MALFORMED_PAYLOAD', `${what}: ${(err as Error).message}`)
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
      if (node.state === 'ONLINE') nodeOffline(this.port, node, 'BIRTH_REFUSED', now, 'BIRTH_REFUSED')
      return this.refuse(node.groupId, node.edgeNodeId, undefined, 'LIMIT', over)
    }
    node.clearRebirthTimer() // the birth answers any request still held back
    if (node.state === 'ONLINE') {
      // A new birth sequence: devices must be born again; until then their values are STALE.
      for (const d of node.devices.values()) deviceOffline(this.port, node, d, 'NODE_REBIRTH', now, 'NODE_REBIRTH')
    }
    node.clearPending()
    const bdSeqMetric = p.metrics.find((m) => m.name === 'bdSeq')
    node.bdSeq = bdSeqMetric === undefined ? undefined : toNumber(bdSeqMetric.value)
    node.aliases = new Map()
    node.metrics = new Map()
    const entries = registerBirthMetrics(node, undefined, node.metrics, p, now)
    node.state = tr.to
    node.since = now
    node.lastBirthAt = now
    node.stale = undefined
    node.lastSeq = seq
    node.expectedSeq = (seq + 1) & 0xff
    this.port.emit('session', { kind: 'node', groupId: node.groupId, edgeNodeId: node.edgeNodeId, state: 'ONLINE', at: now, cause: 'NBIRTH' })
    for (const e of entries) this.port.emit('metric', e.current)
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
    nodeOffline(this.port, node, 'NDEATH', Date.now(), 'NDEATH')
  }

  private onSequenced (node: NodeSession, type: 'NDATA' | 'DBIRTH' | 'DDATA' | 'DDEATH', deviceId: string | undefined, payload: Buffer): void {
    const tr = nodeTransition(node.state, type)
    if (!('to' in tr)) {
      if ('rebirth' in tr) this.rebirths.request(node, tr.rebirth, `${type}${deviceId === undefined ? '' : ` of device '${deviceId}'`} while the node is ${node.state}`)
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
        if (node.pendingCount > 0) this.reorder.drain(node)
        return
      case 'AHEAD':
        if (this.reorder.enabled) {
          if (!this.reorder.hold(node, { type, deviceId, payload, seq })) {
            return this.rebirths.request(node, 'SEQ_GAP', `a second message with seq ${seq} while waiting for seq ${node.expectedSeq}`)
          }
          return
        }
        node.seqGaps++
        this.rebirths.request(node, 'SEQ_GAP', `expected seq ${node.expectedSeq}, got ${seq} (reordering off)`)
        this.apply(node, type, deviceId, p, seq)
        return
      case 'BEHIND':
        node.seqGaps++
        this.rebirths.request(node, 'SEQ_GAP', `${type} with seq ${seq} arrived late (expected ${node.expectedSeq}); dropped`)
    }
  }

  /** A held message, applied in seq order by the reorder buffer. */
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
      if ('rebirth' in tr) this.rebirths.request(node, tr.rebirth, `${type} of device '${deviceId}' while it is ${device.state}`)
      return
    }
    if (type === 'DBIRTH') return this.applyDBirth(node, device, p)
    if (type === 'DDATA') return this.applyData(node, device, p)
    // DDEATH: offline at the DDEATH payload's timestamp (tck-id-...-ddeath-devices-offline / -tags-stale).
    const at = p.timestamp === undefined ? Date.now() : toNumber(p.timestamp)
    deviceOffline(this.port, node, device, 'DDEATH', at, 'DDEATH')
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
      deviceOffline(this.port, node, device, 'BIRTH_REFUSED', now, 'DDEATH')
      return this.refuse(node.groupId, node.edgeNodeId, device.deviceId, 'LIMIT', over)
    }
    for (const e of device.metrics.values()) {
      if (e.alias !== undefined && node.aliases.get(e.alias) === e) node.aliases.delete(e.alias)
    }
    device.metrics = new Map()
    const entries = registerBirthMetrics(node, device.deviceId, device.metrics, p, now)
    device.state = 'ONLINE'
    device.since = now
    device.lastBirthAt = now
    device.stale = undefined
    this.port.emit('session', { kind: 'device', groupId: node.groupId, edgeNodeId: node.edgeNodeId, deviceId: device.deviceId, state: 'ONLINE', at: now, cause: 'DBIRTH' })
    for (const e of entries) this.port.emit('metric', e.current)
  }

  /** NDATA/DDATA: the declared metrics are delivered; the first problem with the others is refused or asks for a rebirth. */
  private applyData (node: NodeSession, device: DeviceSession | undefined, p: SparkplugPayload): void {
    const problem = deliverData(node, device, p, this.port)
    if (problem === undefined) return
    if (problem.reason === 'DATATYPE_MISMATCH') {
      node.refusedMessages++
      this.refuse(node.groupId, node.edgeNodeId, device?.deviceId, 'DATATYPE_MISMATCH', problem.detail)
    }
    this.rebirths.request(node, problem.reason, problem.detail)
  }

  private malformed (node: NodeSession, detail: string): void {
    node.malformedPayloads++
    this.refuse(node.groupId, node.edgeNodeId, undefined, 'MALFORMED', detail)
    this.rebirths.request(node, 'MALFORMED_PAYLOAD', detail)
  }

  /** Every online node goes offline, its metrics STALE: the host lost its own connection, or it stops. */
  takeAllOffline (reason: 'HOST_CONNECTION_LOST' | 'HOST_STOPPED'): void {
    const now = Date.now()
    for (const group of this.groups.values()) {
      for (const node of group.values()) {
        const tr = nodeTransition(node.state, 'HOST_DISCONNECTED')
        if ('to' in tr) nodeOffline(this.port, node, reason, now, reason)
      }
    }
  }

  /** Asks an edge node for a new birth sequence (rate-limited like every rebirth request). */
  requestRebirth (groupId: string, edgeNodeId: string, detail: string): RebirthRecord {
    const node = this.node(groupId, edgeNodeId)
    this.rebirths.request(node, 'REQUESTED', detail)
    return node.rebirths[node.rebirths.length - 1]!
  }
}
