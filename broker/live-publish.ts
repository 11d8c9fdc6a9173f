// The hub's own live UNS messages (QoS 0, not retained: one per Sparkplug metric) delivered without aedes'
// per-message pipeline, with the outcome aedes would give them.
//
// Why: aedes.publish runs, for every message, a series of steps (new Packet, retained store check, mqemitter emit
// with the emit-order renumbering) and then, per matching subscription, a copy of the packet, the dedupe, the
// authorizeForward hook, a setImmediate, another copy, and mqtt-packet's writeToStream, which hands the socket four
// or five small chunks per packet. At full Sparkplug ingest that was the larger part of the hub's time (profile in
// issue #10: aedes publish/match/deliver 18%, MQTT serialising 5%, socket writes of tiny chunks 21%).
//
// What is kept, message by message, as aedes 1.x does it for a QoS 0, non-retained publish:
// - who gets it: the clients whose subscriptions match now (aedes' own matcher, cached per topic by match-cache.ts),
//   once per client however many of its subscriptions match (aedes' dedupe); a filter starting with a wildcard does
//   not match a `$` topic (MQTT-4.7.2-1); a client that is not connected gets nothing, as for QoS 0 in aedes (nothing
//   is queued for an offline persistent session: aedes queues only QoS 1/2);
// - what it gets: QoS 0, retain false, dup false, the same bytes aedes would write (mqtt-packet's generate);
// - authorizeForward is asked per client, and may refuse (then nothing) or hand back another packet (then that one);
// - in-process subscribers (aedes.subscribe handlers, the UNS port's subscribe) get the message as aedes' emit would;
// - per topic, live messages leave in the order they are published (written in call order). Not kept: order against
//   an aedes.publish of the same topic in the same turn (aedes delivers a few turns later); the hub publishes live
//   only what its Sparkplug stream builds, whose topics nothing else of the hub writes.
// - a subscriber that stops reading is dropped after aedes' drainTimeout (its drain timer, as aedes' own writes);
//   past MAX_UNSENT_BYTES unsent, its live messages are dropped (QoS 0) rather than held.
// What is not done: aedes' 'publish' event (its one listener in the hub, sparkplug-aware.ts, reads only spBv1.0
// topics) and the `published` hook (unused). Topics that start with `$`, or deeper than aedes allows, take aedes'
// own path. Pinned against aedes.publish in test/broker/live-publish.test.ts.
import type { Aedes, AedesPublishPacket, Client } from 'aedes'

type Handler = (packet: AedesPublishPacket, cb: () => void) => void

interface Matcher { match (topic: string): Handler[] }

interface AedesInternals {
  id: string
  counter: number
  closed: boolean
  maxTopicLevels: number
  mq: { _matcher: Matcher }
  clients: Record<string, ClientInternals>
  authorizeForward (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null | undefined
}

interface ClientInternals {
  [batch]?: Batch
  connected: boolean
  connecting?: boolean
  closed: boolean
  conn: { write (chunk: Buffer): boolean, uncork?: () => void, writableLength?: number }
  /** aedes' own back-pressure: destroys the connection when the socket has not drained within drainTimeout. */
  waitForDrain (callback: () => void): void
  subscriptions: Record<string, { func: Handler }>
}

const batch = Symbol('live batch')

/** The frames for one client in this event-loop turn, written as one chunk when the turn ends. */
interface Batch { buf: Buffer, len: number }

// Below half of Buffer.poolSize, so that a turn's first batch comes from Node's pool: a fresh 64 KB buffer per
// turn and client was external memory that drove the GC and the latency p99.
const BATCH_BYTES = 4095

/**
 * A batch this large is written at once, within the turn: a turn that handles a large read (the hub fell behind for a
 * moment) otherwise holds every message of it until the turn ends, and the first ones wait for the last ones.
 */
const SEND_BYTES = 16_000

/** Unsent bytes in a subscriber's socket past which its live (QoS 0) messages are dropped: 64 MB, about 1.5 s at
 * full ingest; aedes bounded a stalled subscriber by time only (drainTimeout), and held up everyone meanwhile. */
const MAX_UNSENT_BYTES = 64 * 1024 * 1024

/**
 * The bytes of an MQTT 3.1.1 PUBLISH at QoS 0 without retain or dup (section 3.3): 0x30, the remaining length
 * (variable-length integer), the topic as a length-prefixed UTF-8 string, the payload. Written here, not with
 * mqtt-packet's generate, because that one builds each packet through a stream and a concat (16% of the hub's time
 * at full ingest); test/broker/live-publish.test.ts compares the bytes with mqtt-packet's for many lengths.
 */
function remainingLength (topicBytes: number, payloadBytes: number): number {
  return 2 + topicBytes + payloadBytes
}

export function writeFrame (into: Buffer, at: number, topic: string, topicBytes: number, payload: Buffer): number {
  let o = at
  into[o++] = 0x30
  let r = remainingLength(topicBytes, payload.length)
  do {
    let b = r & 0x7f
    r >>>= 7
    if (r > 0) b |= 0x80
    into[o++] = b
  } while (r > 0)
  into[o++] = topicBytes >>> 8
  into[o++] = topicBytes & 0xff
  o += into.write(topic, o, topicBytes, 'utf8')
  o += payload.copy(into, o)
  return o
}

/** The whole frame's length in bytes. */
export function frameBytes (topicBytes: number, payloadBytes: number): number {
  // Numbers, not an object of both: this runs once per message and client (an object each was 2.6% of what the hub
  // allocated at 100k metrics/s).
  const remaining = remainingLength(topicBytes, payloadBytes)
  const header = remaining < 128 ? 2 : remaining < 16384 ? 3 : remaining < 2097152 ? 4 : 5
  return header + remaining
}

/** Who a topic's matching handlers are: connected clients (once each) and in-process handlers. */
interface Targets { readonly clients: ClientInternals[], readonly handlers: Handler[] }

function noop (): void {}

export type LivePublish = (topic: string, payload: Buffer) => void

export function livePublisher (aedes: Aedes): LivePublish {
  const broker = aedes as unknown as AedesInternals
  const matcher = broker.mq._matcher
  // A handler that a client's subscription put in the matcher -> that client and its filter; null: in-process.
  const owners = new WeakMap<Handler, { client: ClientInternals, filter: string } | null>()
  // The matcher's (cached) answer for a topic -> its targets. match-cache.ts hands out the same array until the
  // subscriptions change, so a new array is a new answer, and the old one's entry goes with it.
  const targetsOf = new WeakMap<Handler[], Targets>()

  const learnOwners = (): void => {
    for (const id in broker.clients) {
      const client = broker.clients[id]!
      for (const filter in client.subscriptions) owners.set(client.subscriptions[filter]!.func, { client, filter })
    }
  }

  const targets = (topic: string, found: Handler[]): Targets => {
    const clients = new Set<ClientInternals>()
    const handlers: Handler[] = []
    for (const h of found) {
      if (!owners.has(h)) learnOwners()
      const owner = owners.get(h)
      if (owner === undefined || owner === null) {
        owners.set(h, null)
        handlers.push(h)
      } else if (!(topic.charCodeAt(0) === 36 && (owner.filter.charCodeAt(0) === 43 || owner.filter.charCodeAt(0) === 35))) {
        clients.add(owner.client)
      }
    }
    const t = { clients: [...clients], handlers }
    targetsOf.set(found, t)
    return t
  }

  const send = (client: ClientInternals, b: Batch): void => {
    if (client.closed || !(client.connected || client.connecting === true)) return
    // One chunk already: sent now, not held for another turn by the socket's cork (listeners.ts coalesceWrites).
    // A full socket starts aedes' drain timer, as its own writes do: a subscriber that stops reading is dropped
    // after drainTimeout instead of holding the hub's memory.
    if (!client.conn.write(b.buf.subarray(0, b.len))) client.waitForDrain(noop)
    client.conn.uncork?.()
  }

  // Batches written when this event-loop turn ends (setImmediate: after the I/O callbacks of the turn and the
  // ticks and promise jobs they started, as coalesceWrites in listeners.ts does for aedes' own writes).
  let pending: ClientInternals[] = []
  let spare: ClientInternals[] = []
  const flush = (): void => {
    // Swapped before writing: a write that publishes again (or throws) starts the next turn's list, never loses it.
    const now = pending
    pending = spare
    spare = now
    try {
      for (const client of now) {
        const b = client[batch]!
        client[batch] = undefined
        send(client, b)
      }
    } finally {
      now.length = 0
    }
  }
  const batchOf = (client: ClientInternals, need: number): Batch => {
    let b = client[batch]
    if (b === undefined) {
      b = { buf: Buffer.allocUnsafe(Math.max(BATCH_BYTES, need)), len: 0 }
      client[batch] = b
      if (pending.push(client) === 1) setImmediate(flush)
    } else if (b.len + need > b.buf.length && b.len >= SEND_BYTES) {
      // Written now; the client stays in this turn's list with a fresh batch for what follows.
      send(client, b)
      b = { buf: Buffer.allocUnsafe(Math.max(SEND_BYTES, need)), len: 0 }
      client[batch] = b
    } else if (b.len + need > b.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(b.buf.length * 2, b.len + need))
      b.buf.copy(grown, 0, 0, b.len)
      b.buf = grown
    }
    return b
  }

  const levelsOver = (topic: string, max: number): boolean => {
    // A topic of N levels has N - 1 slashes: a short one cannot be too deep.
    if (topic.length <= max) return false
    let levels = 1
    for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) if (++levels > max) return true
    return false
  }

  return (topic, payload) => {
    if (broker.closed) return
    if (topic.charCodeAt(0) === 36 || levelsOver(topic, broker.maxTopicLevels)) {
      aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false } as AedesPublishPacket, noop)
      return
    }
    const found = matcher.match(topic)
    if (found.length === 0) return
    const t = targetsOf.get(found) ?? targets(topic, found)
    const packet = { cmd: 'publish', brokerId: broker.id, brokerCounter: ++broker.counter, topic, payload, qos: 0, retain: false, dup: false } as AedesPublishPacket
    let topicBytes = -1
    let first: Buffer | undefined
    let firstAt = 0
    let size = 0
    for (const client of t.clients) {
      if (client.closed || !(client.connected || client.connecting === true)) continue
      // QoS 0 may be dropped: a subscriber this far behind loses live values until it catches up (or is dropped).
      if ((client.conn.writableLength ?? 0) > MAX_UNSENT_BYTES) continue
      const forward = broker.authorizeForward(client as unknown as Client, packet)
      if (!forward) continue
      if (forward !== packet) {
        // Another packet for this client: framed on its own (after what it already has in this turn's batch).
        const fb = Buffer.isBuffer(forward.payload) ? forward.payload : Buffer.from(forward.payload)
        const tb = Buffer.byteLength(forward.topic)
        const b = batchOf(client, frameBytes(tb, fb.length))
        b.len = writeFrame(b.buf, b.len, forward.topic, tb, fb)
        continue
      }
      if (topicBytes < 0) {
        topicBytes = Buffer.byteLength(topic)
        size = frameBytes(topicBytes, payload.length)
      }
      const b = batchOf(client, size)
      // Serialised once: the first client's batch gets the frame written, the others a copy of those bytes.
      if (first === undefined) {
        firstAt = b.len
        b.len = writeFrame(b.buf, b.len, topic, topicBytes, payload)
        first = b.buf
      } else {
        b.len += first.copy(b.buf, b.len, firstAt, firstAt + size)
      }
    }
    for (const h of t.handlers) h(packet, noop)
  }
}
