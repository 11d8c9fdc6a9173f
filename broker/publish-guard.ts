// The broker's inbound publish pipeline, one small step after another (the shape of aedes' own handlers):
//   reserved topic -> payload size -> account ACL -> UNS topic -> UNS payload
// A refused message is not dropped silently and does not cost the client its connection (an error in aedes'
// authorizePublish would disconnect it, and MQTT 3.1.1 has no reason code to send): it is diverted to
// `$hub/errors/<original topic>` with a JSON report naming the reason. '#' subscribers never see '$' topics.
import type { Client, PublishPacket } from 'aedes'
import type { Principal } from './access-control'
import type { AccessControl } from './access-control'
import type { Logger } from '../hub/logger'

export const ERROR_TOPIC_ROOT = '$hub/errors'

export type Enforcement = 'reject' | 'flag' | 'off'

/** How UNS topics and payloads are judged; the plant model provides the real one. */
export interface UnsRules {
  /** ok, or why not; `notUns` marks topics outside the UNS (Sparkplug, system) that pass unchecked. */
  checkTopic (topic: string): { ok: true } | { ok: false, reason: string, notUns?: boolean }
  checkPayload (payload: Buffer): { ok: true } | { ok: false, reason: string }
}

export interface RejectionReport {
  error: 'RESERVED_TOPIC' | 'PAYLOAD_TOO_LARGE' | 'NOT_AUTHORIZED' | 'UNS_TOPIC' | 'UNS_PAYLOAD'
  reason: string
  topic: string
  clientId: string | null
  username: string | null
  payloadBytes: number
  action: 'rejected' | 'flagged'
  timestamp: number
}

export interface PublishGuardOptions {
  access: AccessControl
  principalOf (client: Client): Principal | undefined
  uns: UnsRules
  enforcement: Enforcement
  maxPayloadBytes: number
  /** Publishes a report on the error topic (in-process, bypassing this guard). */
  report (topic: string, report: RejectionReport): void
  log: Logger
}

type Verdict = { error: RejectionReport['error'], reason: string } | null

export function createPublishGuard (opts: PublishGuardOptions) {
  const lastWarned = new Map<string, number>()

  function warnThrottled (key: string, line: string): void {
    const now = Date.now()
    if ((lastWarned.get(key) ?? 0) + 10000 > now) return opts.log.debug(line)
    lastWarned.set(key, now)
    opts.log.warn(line)
  }

  function accessVerdict (client: Client | null, packet: PublishPacket): Verdict {
    const topic = packet.topic
    if (topic.startsWith('$')) {
      return { error: 'RESERVED_TOPIC', reason: `topics starting with '$' are reserved for the hub ('${topic}')` }
    }
    const size = packet.payload.length
    if (size > opts.maxPayloadBytes) {
      return { error: 'PAYLOAD_TOO_LARGE', reason: `payload of ${size} bytes exceeds the limit of ${opts.maxPayloadBytes} bytes (mqtt.maxPayloadBytes)` }
    }
    if (client) {
      const principal = opts.principalOf(client)
      const denied = principal ? opts.access.publishDenied(principal, topic) : 'client is not authenticated'
      if (denied) return { error: 'NOT_AUTHORIZED', reason: denied }
    }
    return null
  }

  function unsVerdict (packet: PublishPacket): Verdict {
    if (opts.enforcement === 'off') return null
    const t = opts.uns.checkTopic(packet.topic)
    if (!t.ok) return t.notUns ? null : { error: 'UNS_TOPIC', reason: t.reason }
    // An empty retained message clears a retained value: it is a deletion, not data.
    if (packet.retain && packet.payload.length === 0) return null
    const p = opts.uns.checkPayload(packet.payload as Buffer)
    return p.ok ? null : { error: 'UNS_PAYLOAD', reason: p.reason }
  }

  function reportOf (client: Client | null, packet: PublishPacket, v: NonNullable<Verdict>,
    action: RejectionReport['action']): RejectionReport {
    const principal = client ? opts.principalOf(client) : undefined
    return {
      error: v.error,
      reason: v.reason,
      topic: packet.topic,
      clientId: client?.id ?? null,
      username: principal?.username ?? null,
      payloadBytes: packet.payload.length,
      action,
      timestamp: Date.now()
    }
  }

  function divert (client: Client | null, packet: PublishPacket, v: NonNullable<Verdict>): void {
    const report = reportOf(client, packet, v, 'rejected')
    warnThrottled(`${client?.id}:${v.error}`, `rejected publish from '${client?.id ?? 'broker'}' to '${packet.topic}': ${v.reason}`)
    // The packet itself becomes the report, so QoS handshakes complete and nothing reaches the original topic.
    packet.topic = `${ERROR_TOPIC_ROOT}/${packet.topic}`
    packet.payload = Buffer.from(JSON.stringify(report))
    packet.retain = false
  }

  /** aedes' authorizePublish handler. Never passes an error: that would disconnect the client. */
  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    // Will messages of obsolete sessions arrive with client === null: already authorized when the client connected.
    const access = accessVerdict(client, packet)
    if (access) {
      divert(client, packet, access)
      return callback(null)
    }
    const uns = unsVerdict(packet)
    if (uns) {
      if (opts.enforcement === 'reject') {
        divert(client, packet, uns)
      } else {
        warnThrottled(`${client?.id}:${uns.error}`, `flagged publish from '${client?.id ?? 'broker'}' to '${packet.topic}': ${uns.reason}`)
        opts.report(`${ERROR_TOPIC_ROOT}/${packet.topic}`, reportOf(client, packet, uns, 'flagged'))
      }
    }
    callback(null)
  }
}
