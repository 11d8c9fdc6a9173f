// Client-controlled text (client ids, usernames, topics, filters, and reasons that quote them) as it may appear
// in the hub's log: one line per event, so a newline, a terminal escape or a bidi override sent by a client must
// never reach the log as it is (log injection), and a 65 KB topic must not become a 65 KB log line.
// Every broker log line that carries such text passes it through clientText().

/** Longest client-controlled text copied into one log line; the rest is counted, not copied. */
export const MAX_LOGGED_CHARS = 200

// C0 and C1 controls, DEL, the replacement character (what ill-formed UTF-8 decodes to), line/paragraph separators,
// bidi embeddings/overrides/isolates, lone surrogates, and the backslash (so that an escape cannot be forged).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function escapeOne (ch: string): string {
  if (ch === '\\') return '\\\\'
  if (ch === '\n') return '\\n'
  if (ch === '\r') return '\\r'
  if (ch === '\t') return '\\t'
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')
}

/** `text` made safe for one log line: unsafe characters as \uXXXX escapes, cut after `max` characters. */
export function clientText (text: string | null | undefined, max = MAX_LOGGED_CHARS): string {
  if (text === null || text === undefined) return '(none)'
  const cut = text.length > max
  const kept = cut ? text.slice(0, max) : text
  const safe = kept.replace(UNSAFE, escapeOne)
  return cut ? `${safe}… (${text.length} characters in all)` : safe
}
