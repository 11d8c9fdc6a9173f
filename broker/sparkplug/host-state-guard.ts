// The hub's STATE topic (spBv1.0/STATE/<hostId>) is written only by the hub's own Sparkplug host, on its in-process
// connection. Edge nodes that wait for their primary host birth only while it says online, so a client that deletes
// it (`mosquitto_pub -r -n -t spBv1.0/STATE/isa95-hub`) or publishes a death there would stop every such node.
// Admin clients are refused too: no account needs to write another application's STATE. A refused publish becomes a
// report on $hub/errors/<topic>, like every refusal of the publish guard (broker/publish-guard.ts), and the client
// keeps its connection. Wills of an earlier run (client null) were registered by that run's host and pass.
import type { Client, PublishPacket } from 'aedes'
import type { Logger } from '../../hub/logger'
import { ERROR_TOPIC_ROOT, type RejectionReport } from '../publish-guard'
import { stateTopic } from './host/topic'

type AuthorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) => void

export interface HostStateGuardOptions {
  /** The hub's Sparkplug host id; undefined when the hub runs no host (nothing to protect). */
  hostId: string | undefined
  /** True for the hub's own in-process connections. */
  isHub (client: Client): boolean
  usernameOf (client: Client): string | null
  log: Logger
}

/** Wraps the broker's authorizePublish so that only the hub may publish its own STATE topic. */
export function guardHostState (next: AuthorizePublish, opts: HostStateGuardOptions): AuthorizePublish {
  if (opts.hostId === undefined) return next
  const protectedTopic = stateTopic(opts.hostId)
  return function authorizePublish (client, packet, callback) {
    if (client === null || packet.topic !== protectedTopic || opts.isHub(client)) return next(client, packet, callback)
    const reason = `only the hub's Sparkplug host may publish its STATE topic '${protectedTopic}' (edge nodes wait for it ` +
      'to birth); refused for every client, admin included'
    const report: RejectionReport = {
      error: 'NOT_AUTHORIZED', reason, topic: packet.topic, clientId: client.id ?? null, username: opts.usernameOf(client),
      payloadBytes: packet.payload.length, action: 'rejected', timestamp: Date.now()
    }
    opts.log.warn(`rejected publish from '${client.id}' to '${packet.topic}': ${reason}`)
    // The packet itself becomes the report (as in the publish guard): QoS handshakes complete, nothing reaches STATE.
    packet.topic = `${ERROR_TOPIC_ROOT}/${packet.topic}`
    packet.payload = Buffer.from(JSON.stringify(report))
    packet.retain = false
    callback(null)
  }
}
