// The broker's inbound publish pipeline, one small step after another (the shape of aedes' own handlers):
//   valid MQTT topic -> reserved topic -> payload size -> account ACL -> MES-written topic -> the hub's Sparkplug STATE
//   -> UNS topic -> UNS payload
// A refused message is not dropped silently and does not cost the client its connection (an error in aedes'
// authorizePublish would disconnect it, and MQTT 3.1.1 has no reason code to send): it is diverted to
// `$hub/errors/<original topic>` with a JSON report naming the reason. '#' subscribers never see '$' topics.
// The access steps apply whatever `uns.enforcement` says; the UNS steps follow it.
import type { Client, PublishPacket } from 'aedes'
import type { Principal } from './access-control'
import type { AccessControl } from './access-control'
import type { Logger } from '../core/logger'
import { clientText } from '../core/client-text'
import { deepTopicOf } from './deep-topics'
import { ERROR_TOPIC_ROOT, reportedReason, reportedTopic, reportTopicFor } from './error-report'
import { forbiddenCharacter, MAX_TOPIC_LEVELS, topicLevelCount } from './mqtt-text'
import { isMesWritten } from '../plant/mes-topics'
import { hostStateRefusal } from './host-state-guard'
import type { Enforcement } from '../uns/config'

export { ERROR_TOPIC_ROOT }

/** How UNS topics and payloads are judged; the plant model provides the real one. */
export interface UnsRules {
  /** ok, or why not; `notUns` marks topics outside the UNS (Sparkplug, system) that pass unchecked. */
  checkTopic (topic: string): { ok: true } | { ok: false, reason: string, notUns?: boolean }
  checkPayload (payload: Buffer): { ok: true } | { ok: false, reason: string }
}

export interface RejectionReport {
  error: 'INVALID_TOPIC' | 'RESERVED_TOPIC' | 'PAYLOAD_TOO_LARGE' | 'NOT_AUTHORIZED' | 'UNS_TOPIC' | 'UNS_PAYLOAD'
  reason: string
  /** The refused topic, cut after MAX_REPORTED_TOPIC_BYTES bytes. */
  topic: string
  /** Only when `topic` was cut: the size of the whole topic in bytes. */
  topicBytes?: number
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
  /** The hub's own Sparkplug STATE topic (only its host may publish it); undefined when it runs no host. */
  hostStateTopic?: string
  /** Publishes a report on the error topic (in-process, bypassing this guard). */
  report (topic: string, report: RejectionReport): void
  log: Logger
}

type Verdict = { error: RejectionReport['error'], reason: string } | null

/** One step of the access checks: null to pass the message on, or why it is refused. */
type AccessStep = (client: Client | null, topic: string, packet: PublishPacket) => Verdict

export function createPublishGuard (opts: PublishGuardOptions) {
  const lastWarned = new Map<string, number>()

  function warnThrottled (key: string, line: string): void {
    const now = Date.now()
    if ((lastWarned.get(key) ?? 0) + 10000 > now) return opts.log.debug(line)
    lastWarned.set(key, now)
    opts.log.warn(line)
  }

  const principalVerdict = (client: Client | null, check: (p: Principal) => string | null): Verdict => {
    if (!client) return null // Wills of obsolete sessions: authorized when their client connected
    const principal = opts.principalOf(client)
    const denied = principal ? check(principal) : 'client is not authenticated'
    return denied ? { error: 'NOT_AUTHORIZED', reason: denied } : null
  }

  const validTopic: AccessStep = (_client, topic) => {
    const bad = forbiddenCharacter(topic)
    return bad ? { error: 'INVALID_TOPIC', reason: `topic contains ${bad}; MQTT topics are UTF-8 text without control characters (MQTT-1.5.3)` } : null
  }
  const deepTopic: AccessStep = (_client, topic, packet) => deepTopicOf(packet) === undefined
    ? null
    : { error: 'INVALID_TOPIC', reason: `topic has ${topicLevelCount(topic)} levels; the broker takes at most ${MAX_TOPIC_LEVELS}` }
  const reservedTopic: AccessStep = (_client, topic) => topic.startsWith('$')
    ? { error: 'RESERVED_TOPIC', reason: `topics starting with '$' are reserved for the hub ('${topic}')` }
    : null
  const payloadSize: AccessStep = (_client, _topic, packet) => packet.payload.length > opts.maxPayloadBytes
    ? { error: 'PAYLOAD_TOO_LARGE', reason: `payload of ${packet.payload.length} bytes exceeds the limit of ${opts.maxPayloadBytes} bytes (mqtt.maxPayloadBytes)` }
    : null
  const accountAcl: AccessStep = (client, topic) => principalVerdict(client, (p) => opts.access.publishDenied(p, topic))
  const mesWritten: AccessStep = (client, topic) => isMesWritten(topic)
    ? principalVerdict(client, (p) => p.internal === true ? null
      : `'${topic}' is MES state: only the hub's MES publishes it (clients may subscribe to it)`)
    : null

  const hostState: AccessStep = (client, topic) => topic === opts.hostStateTopic
    ? principalVerdict(client, (p) => p.internal === true ? null : hostStateRefusal(topic))
    : null

  const ACCESS_STEPS: readonly AccessStep[] = [deepTopic, validTopic, reservedTopic, payloadSize, accountAcl, mesWritten, hostState]

  function accessVerdict (client: Client | null, topic: string, packet: PublishPacket): Verdict {
    for (const step of ACCESS_STEPS) {
      const v = step(client, topic, packet)
      if (v !== null) return v
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

  function reportOf (client: Client | null, topic: string, packet: PublishPacket, v: NonNullable<Verdict>,
    action: RejectionReport['action']): RejectionReport {
    const principal = client ? opts.principalOf(client) : undefined
    return {
      error: v.error,
      reason: reportedReason(v.reason),
      ...reportedTopic(topic),
      clientId: client?.id ?? null,
      username: principal?.username ?? null,
      payloadBytes: packet.payload.length,
      action,
      timestamp: Date.now()
    }
  }

  function logLine (what: string, client: Client | null, topic: string, v: NonNullable<Verdict>): string {
    return `${what} publish from '${clientText(client?.id ?? 'broker')}' to '${clientText(topic)}': ${clientText(v.reason, 400)}`
  }

  function divert (client: Client | null, topic: string, packet: PublishPacket, v: NonNullable<Verdict>): void {
    const report = reportOf(client, topic, packet, v, 'rejected')
    warnThrottled(`${client?.id}:${v.error}`, logLine('rejected', client, topic, v))
    // The packet itself becomes the report, so QoS handshakes complete and nothing reaches the original topic.
    packet.topic = reportTopicFor(topic).topic
    packet.payload = Buffer.from(JSON.stringify(report))
    packet.retain = false
  }

  /** aedes' authorizePublish handler. Never passes an error: that would disconnect the client. */
  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const topic = deepTopicOf(packet) ?? packet.topic
    const access = accessVerdict(client, topic, packet)
    if (access) {
      divert(client, topic, packet, access)
      return callback(null)
    }
    const uns = unsVerdict(packet)
    if (uns) {
      if (opts.enforcement === 'reject') {
        divert(client, topic, packet, uns)
      } else {
        warnThrottled(`${client?.id}:${uns.error}`, logLine('flagged', client, topic, uns))
        opts.report(reportTopicFor(topic).topic, reportOf(client, topic, packet, uns, 'flagged'))
      }
    }
    callback(null)
  }
}
