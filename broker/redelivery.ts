// Sets DUP on a QoS 1/2 message that a returning persistent session is sent again.
//
// Why: MQTT 3.1.1 [MQTT-3.3.1-1] and 4.4: when a client reconnects with CleanSession 0, the server re-sends the
// unacknowledged PUBLISH packets with their original packet identifiers and DUP set. aedes 1.x re-sends them from
// the store (lib/handlers/connect.js `emptyQueue`) with the flag as it was stored, always 0, so a client cannot tell
// a re-delivery from a new message (test/broker/persistent-session.test.ts). The store has recorded a packet id for a
// message exactly when it was sent (persistence.outgoingUpdate right before the write); a message queued while the
// client was away has none and goes out as new.
import type { Aedes } from 'aedes'
import type { Readable } from 'node:stream'

interface Stored { cmd?: string, messageId?: number, dup?: boolean }

export function markRedeliveries (aedes: Aedes): void {
  const persistence = (aedes as unknown as { persistence: { outgoingStream (client: unknown): Readable } }).persistence
  const outgoingStream = persistence.outgoingStream.bind(persistence)
  persistence.outgoingStream = (client) => outgoingStream(client).map((packet: Stored) => {
    if (packet.cmd === 'publish' && packet.messageId !== undefined && packet.messageId !== null) packet.dup = true
    return packet
  })
}
