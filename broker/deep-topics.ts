// Broker fix: a PUBLISH whose topic has more than 100 levels is reported, not dropped with its connection.
// aedes refuses such a topic in its PUBLISH handler, before the hub's publish guard is asked, by closing the
// client's connection (its topic matcher cannot take more than 100 levels); the client reconnects and sends the same
// message again, and nobody learns why. The hub looks at each PUBLISH as it is parsed, before aedes' handler: a topic
// with too many levels is cut to a placeholder that aedes accepts, and the original is kept on the packet, where
// the publish guard finds it (deepTopicOf) and diverts the message to `$hub/errors/...` like any refused publish.
import type { Aedes, Client, PublishPacket } from 'aedes'
import { MAX_TOPIC_LEVELS, topicLevelCount } from '../uns/mqtt-text'

const ORIGINAL_TOPIC = Symbol('topic with more than 100 levels')

type MarkedPacket = PublishPacket & { [ORIGINAL_TOPIC]?: string }

/** The topic the client sent, when it had more levels than aedes takes (the packet's own topic is a placeholder). */
export function deepTopicOf (packet: PublishPacket): string | undefined {
  return (packet as MarkedPacket)[ORIGINAL_TOPIC]
}

function markDeepTopic (packet: { cmd?: string, topic?: unknown }): void {
  if (packet.cmd !== 'publish' || typeof packet.topic !== 'string') return
  if (packet.topic.length < MAX_TOPIC_LEVELS || topicLevelCount(packet.topic) <= MAX_TOPIC_LEVELS) return
  const p = packet as MarkedPacket
  p[ORIGINAL_TOPIC] = p.topic
  p.topic = '$hub/too-many-levels' // never delivered: the guard always diverts a marked packet
}

/** Installs the fix on every connection the broker handles from now on. */
export function reportDeepTopics (aedes: Aedes): void {
  const handle = aedes.handle.bind(aedes)
  aedes.handle = ((conn: Parameters<Aedes['handle']>[0], req?: Parameters<Aedes['handle']>[1]) => {
    const client = handle(conn, req) as Client & { _parser: NodeJS.EventEmitter }
    // Before aedes' own listener, which hands the packet to its handlers.
    client._parser.prependListener('packet', markDeepTopic)
    return client
  }) as Aedes['handle']
}
