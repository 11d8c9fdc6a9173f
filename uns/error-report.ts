// Where and how a refused message is reported: `$hub/errors/<original topic>` with a JSON report. The report is a
// message every subscriber of `$hub/errors/#` receives, so it must be valid MQTT whatever the client sent: a topic
// of 65,530 bytes would give a report topic over the 65,535-byte limit, 99 levels would give 101 (over aedes'
// 100), and a control character would be passed on to every subscriber. Such topics are reported under a cut
// topic: the leading levels that are fine, then the level `(cut)`; the report's payload keeps the topic (itself
// cut after MAX_REPORTED_TOPIC_BYTES) and its full size.
import { cutToBytes, forbiddenCharacter, MAX_TOPIC_LEVELS } from './mqtt-text'

export const ERROR_TOPIC_ROOT = '$hub/errors'

/** The level that ends a report topic whose original was cut. */
export const CUT_LEVEL = '(cut)'

/** The longest original topic kept whole in a report topic (bytes); longer ones are cut. */
export const MAX_REPORT_TOPIC_BYTES = 1024

/** The longest original topic copied into a report's payload (bytes); `topicBytes` says how long it was. */
export const MAX_REPORTED_TOPIC_BYTES = 4096

/** The longest reason in a report (characters): reasons quote the client's topic. */
export const MAX_REASON_CHARS = 1024

// '$hub/errors' is two levels, the cut marker one more.
const MAX_KEPT_LEVELS = MAX_TOPIC_LEVELS - 3

/** Whether a topic can be put under `$hub/errors/` as it is. */
function reportableAsIs (topic: string): boolean {
  if (topic.length === 0 || Buffer.byteLength(topic) > MAX_REPORT_TOPIC_BYTES) return false
  if (topic.indexOf('+') !== -1 || topic.indexOf('#') !== -1 || forbiddenCharacter(topic) !== null) return false
  let levels = 1
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) if (++levels > MAX_KEPT_LEVELS + 1) return false
  return true
}

/** The topic a report on `topic` is published on; always a valid MQTT topic. */
export function reportTopicFor (topic: string): { topic: string, cut: boolean } {
  if (reportableAsIs(topic)) return { topic: `${ERROR_TOPIC_ROOT}/${topic}`, cut: false }
  const kept: string[] = []
  let bytes = 0
  for (const level of topic.split('/', MAX_KEPT_LEVELS)) {
    bytes += Buffer.byteLength(level) + 1
    if (bytes > MAX_REPORT_TOPIC_BYTES || level.indexOf('+') !== -1 || level.indexOf('#') !== -1 ||
      forbiddenCharacter(level) !== null) break
    kept.push(level)
  }
  kept.push(CUT_LEVEL)
  return { topic: `${ERROR_TOPIC_ROOT}/${kept.join('/')}`, cut: true }
}

/** What a report's payload says about the refused topic. */
export function reportedTopic (topic: string): { topic: string, topicBytes?: number } {
  const kept = cutToBytes(topic, MAX_REPORTED_TOPIC_BYTES)
  return kept === topic ? { topic } : { topic: kept, topicBytes: Buffer.byteLength(topic) }
}

/** A reason short enough for a report. */
export function reportedReason (reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS)}… (reason cut)`
}

/** Who published from inside the hub: a flow's node, the MES, the Sparkplug bridge, an adapter. */
export interface Publisher {
  readonly kind: 'flow' | 'mes' | 'sparkplug' | 'adapter' | 'hub'
  /** Which one of its kind: the node id, 'uns-bridge', the adapter's name. */
  readonly id: string
}

/** The report on `$hub/errors/<topic>`, the same for an MQTT client's publish and for one from inside the hub. */
export interface RejectionReport {
  error: 'INVALID_TOPIC' | 'RESERVED_TOPIC' | 'PAYLOAD_TOO_LARGE' | 'NOT_AUTHORIZED' | 'UNS_TOPIC' | 'UNS_PAYLOAD' |
  'UNS_COLLISION' | 'SPARKPLUG_LIMIT' | 'SPARKPLUG_REFUSED' | 'COMMAND_FAILED' | 'OPCUA_BINDING' | 'QUALITY_REFUSED'
  reason: string
  /** The refused topic, cut after MAX_REPORTED_TOPIC_BYTES bytes. */
  topic: string
  /** Only when `topic` was cut: the size of the whole topic in bytes. */
  topicBytes?: number
  /** The MQTT client that published; null for a publish from inside the hub. */
  clientId: string | null
  username: string | null
  /** Only for a publish from inside the hub: who it was. */
  publisher?: Publisher
  payloadBytes: number
  action: 'rejected' | 'flagged'
  timestamp: number
}

/** A report as published on `reportTopicFor(topic)`, with the reason and topic cut to a reportable size. */
export function rejectionReport (what: { error: RejectionReport['error'], reason: string, topic: string, action: RejectionReport['action'],
  payloadBytes: number, clientId?: string | null, username?: string | null, publisher?: Publisher }): RejectionReport {
  const report: RejectionReport = {
    error: what.error,
    reason: reportedReason(what.reason),
    ...reportedTopic(what.topic),
    clientId: what.clientId ?? null,
    username: what.username ?? null,
    payloadBytes: what.payloadBytes,
    action: what.action,
    timestamp: Date.now()
  }
  if (what.publisher !== undefined) report.publisher = what.publisher
  return report
}
