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
import type { Aedes } from 'aedes'

interface Emitter {
  emit (packet: { brokerId?: string, brokerCounter?: number }, cb?: (err?: Error) => void): unknown
}

export function numberPacketsInEmitOrder (aedes: Aedes): void {
  const broker = aedes as unknown as { id: string, counter: number, mq: Emitter }
  const mq = broker.mq
  const emit = mq.emit.bind(mq)
  mq.emit = (packet, cb) => {
    if (packet.brokerId === broker.id) packet.brokerCounter = ++broker.counter
    return emit(packet, cb)
  }
}
