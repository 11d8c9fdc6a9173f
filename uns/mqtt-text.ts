// What MQTT allows in its strings (topics, filters, client ids, usernames), checked where the hub accepts them.
// MQTT-1.5.3-1: well-formed UTF-8 only; MQTT-1.5.3-2: no U+0000; MQTT-1.5.3-3 (3.1.1 "SHOULD NOT"): no control
// characters. aedes decodes strings with Buffer#toString, which turns ill-formed UTF-8 into U+FFFD, so the hub
// refuses U+FFFD: a client never needs the replacement character in a topic or id, and it is the only trace of
// bytes that were not UTF-8.

/** The most levels a topic may have: aedes' own ceiling (its topic matcher throws beyond 100 words). */
export const MAX_TOPIC_LEVELS = 100

/** The longest MQTT string in bytes (a 16-bit length prefix). */
export const MAX_MQTT_STRING_BYTES = 65535

const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function describe (ch: string): string {
  const code = ch.charCodeAt(0)
  const hex = 'U+' + code.toString(16).toUpperCase().padStart(4, '0')
  if (code === 0) return `the null character (${hex})`
  if (code === 0xfffd) return `ill-formed UTF-8 (decoded as ${hex})`
  if (code >= 0xd800 && code <= 0xdfff) return `a lone surrogate (${hex})`
  return `the control character ${hex}`
}

/** null when `text` may be an MQTT string here, otherwise what is wrong, e.g. "the null character (U+0000) at character 5". */
export function forbiddenCharacter (text: string): string | null {
  const m = FORBIDDEN.exec(text)
  return m === null ? null : `${describe(m[0])} at character ${m.index + 1}`
}

/** Number of levels of a topic or filter ('a/b' has 2). */
export function topicLevelCount (topic: string): number {
  let levels = 1
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) levels++
  return levels
}

/** Whether `text` is longer than an MQTT string can be (65,535 UTF-8 bytes); cheap for short strings. */
export function exceedsMqttStringLimit (text: string): boolean {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so shorter strings never exceed the limit.
  return text.length > MAX_MQTT_STRING_BYTES / 3 && Buffer.byteLength(text) > MAX_MQTT_STRING_BYTES
}

/**
 * null when `topic` may be the topic of a PUBLISH, otherwise why not: what MQTT itself forbids (no wildcards, at
 * least one character, MQTT-3.3.2-2 and 4.7.3-1; the characters and the length of an MQTT string), whatever the
 * namespace's rules are. An MQTT client cannot send such a topic at all; a publisher inside the hub must not either.
 */
export function publishTopicProblem (topic: string): string | null {
  if (topic.length === 0) return 'empty topic: a PUBLISH needs at least one character'
  if (topic.indexOf('+') !== -1 || topic.indexOf('#') !== -1) return `wildcards ('+', '#') are only allowed in subscriptions, not in a publish topic`
  const bad = forbiddenCharacter(topic)
  if (bad !== null) return `topic contains ${bad}; MQTT topics are UTF-8 text without control characters (MQTT-1.5.3)`
  if (exceedsMqttStringLimit(topic)) return `topic of ${Buffer.byteLength(topic)} bytes is over MQTT's limit of ${MAX_MQTT_STRING_BYTES} bytes`
  return null
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function cutToBytes (text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3) return text
  const buf = Buffer.from(text)
  if (buf.length <= maxBytes) return text
  let end = maxBytes
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end-- // not in the middle of a multi-byte character
  return buf.subarray(0, end).toString('utf8')
}
