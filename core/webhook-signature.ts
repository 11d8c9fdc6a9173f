// The signature of a webhook, as Standard Webhooks 1.0 defines it (github.com/standard-webhooks/webhooks, the scheme
// Svix, Make and others send), shared by every adapter that takes callbacks (QMS, WMS) and by the simulators that
// send them. Three headers: webhook-id (the event's id, the same on every retry), webhook-timestamp (Unix seconds of
// the attempt) and webhook-signature, a space-separated list of `v1,<base64 HMAC-SHA256 over "id.timestamp.body">`.
// While a secret is rotated the sender signs with the old and the new one (several entries) and the receiver accepts
// any of its secrets: one match is enough. The key is the secret's bytes: `whsec_<base64>` decoded, or any other text
// as it is. The timestamp is signed too, so a captured request replayed later is refused by its age. Compared in
// constant time; a refusal names the header, never the expected value.
import crypto from 'node:crypto'

export const WEBHOOK_ID = 'webhook-id'
export const WEBHOOK_TIMESTAMP = 'webhook-timestamp'
export const WEBHOOK_SIGNATURE = 'webhook-signature'

/** Five minutes, as the Standard Webhooks reference libraries allow for clock skew and retries in flight. */
export const DEFAULT_TOLERANCE_S = 300

/**
 * Why a secret cannot sign, or undefined: a `whsec_` secret whose rest is not base64 of at least one byte would be
 * an empty (or silently shortened) HMAC key, and with an empty key anyone can sign.
 */
export function secretProblem (secret: string): string | undefined {
  if (secret === '') return 'it is empty'
  if (!secret.startsWith('whsec_')) return undefined
  const b64 = secret.slice('whsec_'.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || Buffer.from(b64, 'base64').length === 0) return 'after whsec_ it is not base64 of a key'
  return undefined
}

export function secretKey (secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8')
}

/** One `v1,<base64>` entry of the webhook-signature header. */
export function signWebhook (secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const mac = crypto.createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64')
  return `v1,${mac}`
}

/**
 * The three headers of a delivery signed now (each attempt is signed afresh: its timestamp is the attempt's), with
 * one signature per secret (several while a secret is rotated).
 */
export function webhookHeaders (secrets: string | readonly string[], id: string, body: Buffer | string, at: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000)
  const list = typeof secrets === 'string' ? [secrets] : secrets
  return {
    [WEBHOOK_ID]: id,
    [WEBHOOK_TIMESTAMP]: String(timestamp),
    [WEBHOOK_SIGNATURE]: list.map((s) => signWebhook(s, id, timestamp, body)).join(' ')
  }
}

export type SignatureVerdict =
  | { ok: true, id: string, timestamp: number }
  | { ok: false, why: string }

export interface VerifyOptions {
  /** The setting that holds the tolerance, named when a timestamp is refused (`wms.signatureToleranceSeconds`). */
  readonly toleranceSetting?: string
}

/**
 * Whether the headers sign this exact body with one of the secrets, within `toleranceS` of `nowS`. Secrets that are
 * '' are ignored; none left refuses everything.
 */
export function verifyWebhook (secrets: string | readonly string[], headers: Record<string, string | string[] | undefined>, body: Buffer | string,
  nowS: number, toleranceS: number, opts: VerifyOptions = {}): SignatureVerdict {
  // A secret that cannot sign (secretProblem) is never a key: with an empty HMAC key anyone could sign.
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).filter((s) => secretProblem(s) === undefined)
  if (keys.length === 0) return { ok: false, why: 'the hub has no webhook secret configured (or none that can sign): no callback is accepted' }
  const one = (name: string): string | undefined => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const id = one(WEBHOOK_ID)
  const ts = one(WEBHOOK_TIMESTAMP)
  const sig = one(WEBHOOK_SIGNATURE)
  if (id === undefined || id === '') return { ok: false, why: `the ${WEBHOOK_ID} header is missing` }
  if (ts === undefined || !/^\d{1,12}$/.test(ts)) return { ok: false, why: `the ${WEBHOOK_TIMESTAMP} header is missing or not Unix seconds` }
  if (sig === undefined || sig.trim() === '') return { ok: false, why: `the ${WEBHOOK_SIGNATURE} header is missing` }
  const timestamp = Number(ts)
  const skew = Math.abs(nowS - timestamp)
  if (skew > toleranceS) {
    const setting = opts.toleranceSetting !== undefined ? ` (${opts.toleranceSetting})` : ''
    return { ok: false, why: `the ${WEBHOOK_TIMESTAMP} ${timestamp} is ${skew} s from the hub's clock, more than ${toleranceS} s${setting}: a replay, or a clock to set right` }
  }
  const given = sig.split(' ').flatMap((entry) => {
    const [version, value] = entry.split(',', 2)
    return version === 'v1' && value !== undefined && value !== '' ? [Buffer.from(value, 'base64')] : []
  })
  if (given.length === 0) return { ok: false, why: `the ${WEBHOOK_SIGNATURE} header holds no v1 signature (it must read v1,<base64 HMAC-SHA256>)` }
  for (const key of keys) {
    const expected = Buffer.from(signWebhook(key, id, timestamp, body).slice(3), 'base64')
    if (given.some((g) => g.length === expected.length && crypto.timingSafeEqual(g, expected))) return { ok: true, id, timestamp }
  }
  return { ok: false, why: `the ${WEBHOOK_SIGNATURE} does not match the body (a wrong secret, or a body changed on the way)` }
}
