// The webhook's signature: `WMS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme
// most webhook senders use (Stripe's, and Svix's "standard webhooks" in substance): the timestamp is signed with
// the body, so a captured request replayed later is refused, and several v1 values may stand side by side while a
// secret is rotated. Compared in constant time.
import crypto from 'node:crypto'

export const SIGNATURE_HEADER = 'wms-signature'

export function signature (secret: string, timestamp: number, body: string | Buffer): string {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')
}

/** The header's value for a body signed now (the simulator and tests sign as a WMS does). */
export function signatureHeader (secret: string, body: string | Buffer, at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000)
  return `t=${t},v1=${signature(secret, t, body)}`
}

/** Why a request's signature is refused, or undefined when it holds. */
export function signatureProblem (header: string | undefined, body: Buffer, secret: string, toleranceSeconds: number, now: Date = new Date()): string | undefined {
  if (secret === '') return 'the hub has no webhook secret configured (wms.webhookSecretFile): no callback is accepted'
  if (header === undefined || header.trim() === '') return `the ${SIGNATURE_HEADER} header is missing: sign the body with the shared secret`
  let t: number | undefined
  const v1: string[] = []
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2)
    if (k === 't' && v !== undefined && /^\d{1,12}$/.test(v)) t = Number(v)
    else if (k === 'v1' && v !== undefined) v1.push(v)
  }
  if (t === undefined || v1.length === 0) return `the ${SIGNATURE_HEADER} header must read t=<unix seconds>,v1=<hex HMAC-SHA256>`
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - t)
  if (skew > toleranceSeconds) return `the signature's timestamp ${new Date(t * 1000).toISOString()} is ${skew} s from now, over the ${toleranceSeconds} s allowed: a replayed or delayed request is not accepted`
  const expected = Buffer.from(signature(secret, t, body), 'hex')
  const ok = v1.some((s) => /^[0-9a-f]{64}$/i.test(s) && crypto.timingSafeEqual(Buffer.from(s, 'hex'), expected))
  return ok ? undefined : 'the signature does not match the body: check the shared secret'
}
