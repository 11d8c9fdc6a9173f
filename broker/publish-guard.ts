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
import { rejectionReport, reportTopicFor, type RejectionReport } from '../uns/error-report'
import { unsVerdict, type Enforcement, type UnsRules } from '../uns/uns-rules'
import { forbiddenCharacter, MAX_TOPIC_LEVELS, topicLevelCount } from '../uns/mqtt-text'
import { isMesWritten } from '../plant/mes-topics'
import { hostStateRefusal } from './host-state-guard'

export type { Enforcement, RejectionReport, UnsRules }

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

  function unsVerdictOf (packet: PublishPacket): Verdict {
    if (opts.enforcement === 'off') return null
    return unsVerdict(opts.uns, packet.topic, packet.payload as Buffer, packet.retain)
  }

  function reportOf (client: Client | null, topic: string, packet: PublishPacket, v: NonNullable<Verdict>,
    action: RejectionReport['action']): RejectionReport {
    const principal = client ? opts.principalOf(client) : undefined
    return rejectionReport({
      error: v.error, reason: v.reason, topic, action, payloadBytes: packet.payload.length, clientId: client?.id ?? null, username: principal?.username ?? null
    })
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
    const uns = unsVerdictOf(packet)
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
