// The embedded broker as a "Sparkplug Aware MQTT Server" (Sparkplug 3.0, chapter 10):
//   - every NBIRTH and DBIRTH that passes through is stored, byte for byte, as a retained message on
//     $sparkplug/certificates/spBv1.0/<group>/NBIRTH/<node> and .../DBIRTH/<node>/<device>; a newer birth replaces
//     it (tck-id-conformance-mqtt-aware-store, -nbirth-mqtt-topic, -nbirth-mqtt-retain, -dbirth-mqtt-topic,
//     -dbirth-mqtt-retain). The births themselves are delivered as published (retain false).
//   - optionally (the specification says MAY) the timestamp of an NDEATH Will is set to the time the broker publishes
//     it, which is when it attempts delivery (tck-id-conformance-mqtt-aware-ndeath-timestamp): the Will was
//     registered at CONNECT, so its own timestamp is the connect time, possibly days old.
//
// Cost on the data path: one `startsWith` and one `indexOf` per Sparkplug message on aedes' 'publish' event (after
// delivery); only NBIRTH/DBIRTH topics do more. Clients cannot write $sparkplug/... themselves: the publish guard
// refuses every '$' topic (RESERVED_TOPIC); the certificates are published from inside the hub.
import type { Aedes, Client, PublishPacket } from 'aedes'
import { SPARKPLUG_NAMESPACE } from '../plant/sparkplug-topic'
import type { Logger } from '../core/logger'

const CERTIFICATES_ROOT = '$sparkplug/certificates'

const PREFIX = SPARKPLUG_NAMESPACE + '/'

/** A Sparkplug payload with its timestamp set (sparkplug/payload-timestamp.ts), or undefined when it is not one. */
export type PayloadTimestamper = (payload: Buffer, timestamp: number) => Buffer | undefined

export interface SparkplugAwarenessOptions {
  /**
   * Sets an NDEATH Will's payload timestamp to the time it is published. The hub passes the Sparkplug codec's
   * (broker/ may not import sparkplug/, its sibling); without it the Wills keep their timestamps.
   */
  stampPayload?: PayloadTimestamper
  /** Set the NDEATH Will's payload timestamp to the time it is published (default true, when stampPayload is given). */
  replaceNdeathTimestamp?: boolean
}

export interface SparkplugAwareness {
  /** Resolves when every certificate already handed to the broker is stored. */
  idle (): Promise<void>
  /** Stops storing certificates and restores the broker's authorizePublish. */
  detach (): void
}

/**
 * The certificate topic for a Sparkplug birth topic: `$sparkplug/certificates/<topic>` for
 * `spBv1.0/<group>/NBIRTH/<node>` and `spBv1.0/<group>/DBIRTH/<node>/<device>`; undefined for anything else.
 */
export function certificateTopicFor (topic: string): string | undefined {
  if (!topic.startsWith(PREFIX)) return undefined
  const typeAt = topic.indexOf('/', PREFIX.length) + 1
  if (typeAt <= PREFIX.length + 1) return undefined // no group level, or an empty one
  const nbirth = topic.startsWith('NBIRTH/', typeAt)
  if (!nbirth && !topic.startsWith('DBIRTH/', typeAt)) return undefined
  const levels = topic.split('/')
  if (levels.length !== (nbirth ? 4 : 5) || levels.some((l) => l === '')) return undefined
  return `${CERTIFICATES_ROOT}/${topic}`
}

/** true for `spBv1.0/<group>/NDEATH/<node>`. */
export function isNdeathTopic (topic: string): boolean {
  if (!topic.startsWith(PREFIX)) return false
  const levels = topic.split('/')
  return levels.length === 4 && levels[2] === 'NDEATH' && levels[1] !== '' && levels[3] !== ''
}

/** What the awareness needs of the broker: its aedes and a publish from inside the hub (which may write $sparkplug/...). */
export interface SparkplugAwareBroker {
  readonly aedes: Aedes
  publish (topic: string, payload: Buffer, opts: { qos: 0 | 1, retain: boolean }): Promise<void>
}

interface AedesRuntime {
  authorizePublish (client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void
}

const attached = new WeakMap<Aedes, SparkplugAwareness>()

/**
 * Makes the running broker Sparkplug aware. Idempotent per broker (a second call returns the first handle).
 * startBroker attaches it before its listeners accept a connection.
 */
export function attachSparkplugAwareness (broker: SparkplugAwareBroker, log: Logger,
  options: SparkplugAwarenessOptions = {}): SparkplugAwareness {
  const existing = attached.get(broker.aedes)
  if (existing) return existing
  const aedes = broker.aedes
  const runtime = aedes as unknown as AedesRuntime

  // One chain per certificate topic, so that two births in quick succession are stored in the order they passed.
  const chains = new Map<string, Promise<void>>()

  function onPublish (packet: PublishPacket, client: Client | null): void {
    const topic = packet.topic
    if (topic.charCodeAt(0) !== 0x73 /* 's' */) return
    const certificate = certificateTopicFor(topic)
    if (!certificate) return
    const payload = packet.payload as Buffer
    // An empty retained message would delete the stored certificate; an empty birth is no birth.
    if (payload.length === 0) {
      log.warn(`empty ${topic} from '${client?.id ?? 'hub'}' not stored as a certificate`)
      return
    }
    const qos = packet.qos === 0 ? 0 : 1
    const previous = chains.get(certificate) ?? Promise.resolve()
    const next = previous
      .then(() => broker.publish(certificate, payload, { qos, retain: true }))
      .then(() => log.debug(`stored ${certificate} (${payload.length} bytes)`),
        (err: Error) => log.warn(`could not store ${certificate}: ${err.message}`))
    chains.set(certificate, next)
    next.finally(() => { if (chains.get(certificate) === next) chains.delete(certificate) }).catch(() => {})
  }
  aedes.on('publish', onPublish)

  // NDEATH Wills: aedes authorizes a Will right before publishing it, with the Will packet itself (client.will), or
  // with client null for a Will left in the store by an earlier run. The timestamp is set after the hub's own guard
  // has passed it (a diverted Will is on $hub/errors and keeps its payload).
  const authorize = runtime.authorizePublish
  const stampPayload = options.stampPayload
  if (stampPayload !== undefined && options.replaceNdeathTimestamp !== false) {
    runtime.authorizePublish = function authorizeWithNdeathTimestamp (client, packet, cb) {
      const isWill = client === null || (client as unknown as { will?: unknown }).will === packet
      if (!isWill) return authorize.call(this, client, packet, cb)
      authorize.call(this, client, packet, (err) => {
        if (!err && isNdeathTopic(packet.topic)) {
          const stamped = stampPayload(packet.payload as Buffer, Date.now())
          if (stamped) packet.payload = stamped
          else log.warn(`NDEATH Will on ${packet.topic} is not a protobuf payload; its timestamp was left as it was`)
        }
        cb(err)
      })
    }
  }

  const handle: SparkplugAwareness = {
    async idle () {
      while (chains.size > 0) await Promise.all([...chains.values()])
    },
    detach () {
      aedes.removeListener('publish', onPublish)
      if (runtime.authorizePublish !== authorize) runtime.authorizePublish = authorize
      attached.delete(aedes)
    }
  }
  attached.set(aedes, handle)
  return handle
}
