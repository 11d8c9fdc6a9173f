// Numbers every packet when aedes hands it to subscribers, not when the publish starts.
//
// Why: aedes drops a delivery whose `brokerCounter` is lower than the last one that client received from this
// broker (lib/client.js `dedupe`, meant for duplicates arriving over a cluster). aedes numbers a packet when the
// publish begins, but retained and QoS 1/2 publishes first wait for the store (LevelDB here) while QoS 0 ones go
// straight out. So a QoS 0 message published a moment later overtakes them, and the earlier retained or QoS 1
// message is then silently dropped for every subscriber that got the later one: measured here, 50 of 50 retained
// messages lost while another client published QoS 0 (test/broker/emit-order.test.ts).
// Renumbering at emit time keeps what dedupe is for (one packet, reaching a client through two overlapping
// subscriptions, is delivered once) and makes the numbers rise in the order subscribers see the packets.
//
// The store, though, knows a QoS 1/2 packet by the number it had when it was queued for persistent sessions
// (aedes-persistence keys `outgoing:<client>:<broker>:<counter>`, written before the emit). When aedes then records
// the packet id it sends to a connected persistent subscriber (persistence.outgoingUpdate), it looks the packet up
// by its counter: with the emit-time number that lookup failed ('no such packet'), and aedes dropped the subscriber
// on every live QoS 1/2 message (test/broker/persistent-session.test.ts). So the emit-time number is remembered
// against the stored one while the packet is being delivered, and outgoingUpdate is given the stored one.
import type { Aedes } from 'aedes'

interface Numbered { brokerId?: string, brokerCounter?: number, qos?: number }

interface Emitter {
  emit (packet: Numbered, cb?: (err?: Error) => void): unknown
}

interface OutgoingStore {
  outgoingUpdate (client: unknown, packet: Numbered & { cmd?: string }): Promise<unknown>
}

export function numberPacketsInEmitOrder (aedes: Aedes): void {
  const broker = aedes as unknown as { id: string, counter: number, mq: Emitter, persistence: OutgoingStore }
  const mq = broker.mq
  const emit = mq.emit.bind(mq)
  // emit-time number -> number in the store, for QoS 1/2 packets of this broker until every subscriber has them
  // (mqemitter calls back once all deliveries are done, and each delivery records its packet id before that).
  const storedAs = new Map<number, number>()
  mq.emit = (packet, cb) => {
    if (packet.brokerId !== broker.id) return emit(packet, cb)
    const stored = packet.brokerCounter
    const counter = ++broker.counter
    packet.brokerCounter = counter
    if (!packet.qos || stored === undefined) return emit(packet, cb)
    storedAs.set(counter, stored)
    return emit(packet, (err) => {
      storedAs.delete(counter)
      cb?.(err)
    })
  }

  const persistence = broker.persistence
  const outgoingUpdate = persistence.outgoingUpdate.bind(persistence)
  persistence.outgoingUpdate = (client, packet) => {
    const stored = packet.brokerId === broker.id && packet.brokerCounter !== undefined ? storedAs.get(packet.brokerCounter) : undefined
    return outgoingUpdate(client, stored === undefined ? packet : { ...packet, brokerCounter: stored })
  }
}
