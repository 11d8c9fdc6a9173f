// Test support for the host application suites: a Sparkplug edge node as a real mqtt.js client, whose payloads are
// encoded with an independent codec (protobufjs loading the specification's sparkplug_b.proto, no conversion layer),
// and small waiting helpers keyed on the host's events (never on elapsed time).
import path from 'node:path'
import type { EventEmitter } from 'node:events'
import * as protobuf from 'protobufjs'
import type { MqttClient } from 'mqtt'
import { connect } from '../../support/hub-fixture'

export interface ReceivedCommand {
  topic: string
  payload: Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
  qos: number
  retain: boolean
}

// The specification's schema, copied into the repository (test/fixtures/sparkplug-3.0/PROVENANCE.md).
const SPEC_PROTO = path.resolve(__dirname, '../../../../test/fixtures/sparkplug-3.0/sparkplug_b.proto')
const specRoot = protobuf.loadSync(SPEC_PROTO)
const SpecPayload = specRoot.lookupType('org.eclipse.tahu.protobuf.Payload')

/** A metric in protobufjs object form (camelCase fields of the .proto): name, alias, datatype, intValue, ... */
export type SpecMetric = Record<string, unknown>
export type SpecPayloadObject = { timestamp?: number, seq?: number, metrics?: SpecMetric[], [k: string]: unknown }

export function specEncode (obj: SpecPayloadObject): Buffer {
  // fromObject takes uint64 as number or decimal string (Long inside) and drops unknown keys; verify the result.
  const msg = SpecPayload.fromObject(obj)
  const err = SpecPayload.verify(msg)
  if (err) throw new Error(`test payload does not fit sparkplug_b.proto: ${err}`)
  return Buffer.from(SpecPayload.encode(msg).finish())
}

export function specDecode (buf: Uint8Array): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return SpecPayload.toObject(SpecPayload.decode(buf), { longs: String, bytes: Array, defaults: false }) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The wire presence of fields (toObject with defaults: false lists only the fields that were sent). */
export function hasField (obj: Record<string, unknown>, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, field)
}

export const DT = {
  Int32: 3, Int64: 4, UInt32: 7, Float: 9, Double: 10, Boolean: 11, String: 12
} as const

export const TS = 1700000000000

export class TestEdgeNode {
  /** Next seq to send (the NBIRTH resets it). */
  seq = 0
  private readonly received: ReceivedCommand[] = []
  private readonly waiters: Array<(c: ReceivedCommand) => void> = []

  private constructor (readonly client: MqttClient, readonly groupId: string, readonly edgeNodeId: string, readonly bdSeq: number) {
    client.on('message', (topic, payload, packet) => {
      const c = { topic, payload: specDecode(payload), qos: packet.qos, retain: packet.retain }
      const w = this.waiters.shift()
      if (w) w(c)
      else this.received.push(c)
    })
  }

  /** Commands received and not yet taken by nextCommand. */
  get unread (): readonly ReceivedCommand[] {
    return this.received
  }

  /**
   * Connects with the NDEATH Will (bdSeq metric, QoS 1, not retained), clean session, and subscribes to its NCMD and
   * DCMD topics with QoS 1, as chapter 5 requires of an edge node.
   */
  static async connect (url: string, groupId: string, edgeNodeId: string, bdSeq = 0): Promise<TestEdgeNode> {
    const will = specEncode({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', datatype: DT.Int64, longValue: bdSeq }] })
    const client = await connect(url, {
      clientId: `edge-${groupId}-${edgeNodeId}-${bdSeq}`,
      clean: true,
      protocolVersion: 4,
      will: { topic: `spBv1.0/${groupId}/NDEATH/${edgeNodeId}`, payload: will, qos: 1, retain: false }
    })
    await client.subscribeAsync([`spBv1.0/${groupId}/NCMD/${edgeNodeId}`, `spBv1.0/${groupId}/DCMD/${edgeNodeId}/+`], { qos: 1 })
    return new TestEdgeNode(client, groupId, edgeNodeId, bdSeq)
  }

  topic (type: string, deviceId?: string): string {
    return `spBv1.0/${this.groupId}/${type}/${this.edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`
  }

  async publish (type: string, deviceId: string | undefined, payload: Buffer): Promise<void> {
    await this.client.publishAsync(this.topic(type, deviceId), payload, { qos: 0, retain: false })
  }

  /** NBIRTH with seq 0 (or the given one), bdSeq and 'Node Control/Rebirth' = false, then the given metrics. */
  async nbirth (metrics: SpecMetric[], opts: { seq?: number, bdSeq?: number } = {}): Promise<void> {
    this.seq = opts.seq ?? 0
    await this.publish('NBIRTH', undefined, specEncode({
      timestamp: Date.now(),
      seq: this.seq,
      metrics: [
        { name: 'bdSeq', datatype: DT.Int64, longValue: opts.bdSeq ?? this.bdSeq, timestamp: Date.now() },
        { name: 'Node Control/Rebirth', datatype: DT.Boolean, booleanValue: false, timestamp: Date.now() },
        ...metrics
      ]
    }))
    this.seq = (this.seq + 1) & 0xff
  }

  /** A sequenced message (DBIRTH, NDATA, DDATA, DDEATH) with the next seq, or `seq` to send out of order. */
  async send (type: 'DBIRTH' | 'NDATA' | 'DDATA' | 'DDEATH', deviceId: string | undefined, metrics: SpecMetric[],
    opts: { seq?: number, timestamp?: number } = {}): Promise<number> {
    const seq = opts.seq ?? this.seq
    if (opts.seq === undefined) this.seq = (this.seq + 1) & 0xff
    await this.publish(type, deviceId, specEncode({ timestamp: opts.timestamp ?? Date.now(), seq, metrics }))
    return seq
  }

  async ndeath (bdSeq = this.bdSeq): Promise<void> {
    await this.publish('NDEATH', undefined, specEncode({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', datatype: DT.Int64, longValue: bdSeq }] }))
  }

  /** The next NCMD/DCMD to this node, decoded with the specification's .proto (fails the test after 5 s). */
  nextCommand (timeoutMs = 5000): Promise<ReceivedCommand> {
    const c = this.received.shift()
    if (c) return Promise.resolve(c)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w)
        if (i >= 0) this.waiters.splice(i, 1)
        reject(new Error(`no NCMD/DCMD for ${this.groupId}/${this.edgeNodeId} within ${timeoutMs} ms`))
      }, timeoutMs)
      const w = (x: ReceivedCommand): void => { clearTimeout(timer); resolve(x) }
      this.waiters.push(w)
    })
  }

  /** Drops the TCP connection without DISCONNECT: the broker publishes the NDEATH Will. */
  kill (): void {
    this.client.stream.destroy()
  }

  async close (): Promise<void> {
    await this.client.endAsync(true)
  }
}

/** Waits for the next event `name` from `emitter` whose argument satisfies `match` (3 s, then fails the test). */
export function nextEvent<T> (emitter: EventEmitter, name: string, match: (e: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, on)
      reject(new Error(`no '${name}' event matching within ${timeoutMs} ms`))
    }, timeoutMs)
    function on (e: T): void {
      if (!match(e)) return
      clearTimeout(timer)
      emitter.off(name, on)
      resolve(e)
    }
    emitter.on(name, on)
  })
}

/** Collects every event `name` of `emitter` into an array until `stop()` is called. */
export function record<T> (emitter: EventEmitter, name: string): { events: T[], stop: () => void } {
  const events: T[] = []
  const on = (e: T): void => { events.push(e) }
  emitter.on(name, on)
  return { events, stop: () => emitter.off(name, on) }
}

let counter = 0
/** A fresh id per test so that no two tests share an edge node, a device or a host id. */
export function uniqueId (prefix: string): string {
  counter++
  return `${prefix}-${process.pid}-${counter}`
}
