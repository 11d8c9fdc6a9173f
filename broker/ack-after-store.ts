// Sends a QoS 1 PUBACK only once the message is in the store.
//
// Why: aedes 1.x (lib/handlers/publish.js, `enqueuePublish`, case 1) writes the PUBACK first and only then publishes,
// which stores the message retained (storeRetained) and queues it for every persistent session subscribed to it
// (outgoingEnqueueCombi). A publisher that got its PUBACK forgets the message, so a crash of the hub between the two
// lost it: 39 of 3,021 acknowledged messages for an offline persistent session, and 16 of 203 retained QoS 1
// messages, after a kill -9 during a burst (test/hub/kill-during-burst.test.ts). QoS 2 was already right: aedes
// stores the incoming message and publishes before its PUBREC.
//
// How: aedes asks authorizePublish right before that step, with the very packet it will then publish. For a QoS 1
// PUBLISH from a client, the publish is done here, after the hub's guard has passed (or diverted) it, and the guard's
// answer is passed on only when the publish has finished: aedes then writes the PUBACK, and its own publish of the
// same packet is skipped. If the store fails, the client gets no PUBACK and loses its connection (aedes' answer to
// an error here), so it sends the message again; without this, it would have been told the message was safe.
import type { Client, PublishPacket } from 'aedes'

type Callback = (err?: Error | null) => void
export type AuthorizePublish = (client: Client | null, packet: PublishPacket, cb: Callback) => void

interface AedesPublish {
  publish (packet: PublishPacket, client: Client | null | Callback, done?: Callback): void
}

export interface AckAfterStore {
  /** aedes' authorizePublish option: the guard, then (QoS 1 from a client) the publish, then the answer. */
  readonly authorizePublish: AuthorizePublish
  /** Call once, right after the broker is created, before any client connects. */
  attach (aedes: unknown): void
}

export function acknowledgeAfterStore (guard: AuthorizePublish): AckAfterStore {
  let publish: AedesPublish['publish'] | undefined
  // Packets already published here, which aedes is about to hand to publish() a second time.
  const publishedEarly = new WeakSet<PublishPacket>()

  const authorizePublish: AuthorizePublish = (client, packet, cb) => {
    guard(client, packet, (err) => {
      // Wills (client.will, or client null for a leftover) and QoS 0/2 take aedes' own path.
      const fromPublishPacket = client !== null && packet.qos === 1 && packet.messageId !== undefined &&
        (client as unknown as { will?: unknown }).will !== packet
      if (err || !fromPublishPacket || !publish) return cb(err)
      publish(packet, client, (e) => {
        if (!e) publishedEarly.add(packet)
        cb(e ?? null)
      })
    })
  }

  return {
    authorizePublish,
    attach (aedes) {
      const broker = aedes as AedesPublish
      const original = broker.publish.bind(broker)
      publish = original
      broker.publish = (packet, client, done) => {
        const cb = typeof client === 'function' ? client : done
        if (publishedEarly.has(packet)) {
          publishedEarly.delete(packet)
          return cb?.()
        }
        return typeof client === 'function' ? original(packet, client) : original(packet, client, done)
      }
    }
  }
}
