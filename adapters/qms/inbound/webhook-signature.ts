// The signature of a QMS callback, as Standard Webhooks 1.0 defines it (github.com/standard-webhooks/webhooks, the
// scheme Svix, Make and others send): three headers, webhook-id (the event id), webhook-timestamp (Unix seconds of
// the attempt) and webhook-signature, a space-separated list of `v1,<base64 HMAC-SHA256 over "id.timestamp.body">`
// (several during a key rotation; one match is enough). The key is the secret's bytes: `whsec_<base64>` decoded, or
// any other text as it is. The timestamp is signed too, so an old request replayed is refused by its age.
import crypto from 'node:crypto'

export const WEBHOOK_ID = 'webhook-id'
export const WEBHOOK_TIMESTAMP = 'webhook-timestamp'
export const WEBHOOK_SIGNATURE = 'webhook-signature'

export function secretKey (secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8')
}

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

/** The webhook-signature header's value for one body. */
export function signWebhook (secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const mac = crypto.createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64')
  return `v1,${mac}`
}

export type SignatureVerdict =
  | { ok: true, id: string, timestamp: number }
  | { ok: false, why: string }

/**
 * Whether the headers sign this exact body with the secret, within `toleranceS` of `nowS`. The reasons name the
 * header, never the expected value.
 */
export function verifyWebhook (secret: string, headers: Record<string, string | string[] | undefined>, body: Buffer, nowS: number, toleranceS: number): SignatureVerdict {
  const one = (name: string): string | undefined => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const unusable = secretProblem(secret)
  if (unusable !== undefined) return { ok: false, why: `the hub's webhook secret cannot sign: ${unusable} (qms.webhookSecretFile)` }
  const id = one(WEBHOOK_ID)
  const ts = one(WEBHOOK_TIMESTAMP)
  const sig = one(WEBHOOK_SIGNATURE)
  if (id === undefined || id === '') return { ok: false, why: `the ${WEBHOOK_ID} header is missing` }
  if (ts === undefined || !/^\d{1,12}$/.test(ts)) return { ok: false, why: `the ${WEBHOOK_TIMESTAMP} header is missing or not Unix seconds` }
  if (sig === undefined || sig === '') return { ok: false, why: `the ${WEBHOOK_SIGNATURE} header is missing` }
  const timestamp = Number(ts)
  if (Math.abs(nowS - timestamp) > toleranceS) {
    return { ok: false, why: `the ${WEBHOOK_TIMESTAMP} ${timestamp} is ${Math.abs(nowS - timestamp)} s from the hub's clock, more than ${toleranceS} s (qms.webhookToleranceS): a replay, or a clock to set right` }
  }
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body).slice(3), 'base64')
  for (const entry of sig.split(' ')) {
    const [version, value] = entry.split(',', 2)
    if (version !== 'v1' || value === undefined) continue
    const given = Buffer.from(value, 'base64')
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return { ok: true, id, timestamp }
  }
  return { ok: false, why: `the ${WEBHOOK_SIGNATURE} does not match the body (a wrong secret, or a body changed on the way)` }
}
