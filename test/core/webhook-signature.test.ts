// The Standard Webhooks 1.0 signature both adapters take (QMS, WMS) and both simulators send: the standard's example
// (a whsec_ secret, its id, timestamp and body, the signature the reference libraries' tests expect), a plain-text
// secret, several signatures while a secret is rotated on either side, the timestamp window, and each refusal naming
// its header.
import assert from 'node:assert/strict'
import { signWebhook, verifyWebhook, webhookHeaders } from '../../core/webhook-signature'

const STANDARD = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', ts: 1614265330, body: '{"test": 2432232314}' }
const SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='

function headersOf (id: string, ts: number, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature }
}

describe('webhook signature (Standard Webhooks 1.0)', () => {
  it('signs the standard example as the reference libraries do, and verifies it within the window', () => {
    assert.equal(signWebhook(STANDARD.secret, STANDARD.id, STANDARD.ts, STANDARD.body), SIG)
    const h = headersOf(STANDARD.id, STANDARD.ts, SIG)
    assert.deepEqual(verifyWebhook(STANDARD.secret, h, Buffer.from(STANDARD.body), STANDARD.ts + 299, 300), { ok: true, id: STANDARD.id, timestamp: STANDARD.ts })
    assert.deepEqual(verifyWebhook(STANDARD.secret, h, STANDARD.body, STANDARD.ts - 299, 300), { ok: true, id: STANDARD.id, timestamp: STANDARD.ts })
  })

  it('refuses a timestamp outside the window, naming the setting', () => {
    const v = verifyWebhook(STANDARD.secret, headersOf(STANDARD.id, STANDARD.ts, SIG), STANDARD.body, STANDARD.ts + 301, 300, { toleranceSetting: 'wms.signatureToleranceSeconds' })
    assert.equal(v.ok, false)
    assert.match((v as { why: string }).why, /webhook-timestamp 1614265330 is 301 s from the hub's clock, more than 300 s \(wms.signatureToleranceSeconds\)/)
  })

  it('a plain-text secret is its UTF-8 bytes; the headers of a delivery verify', () => {
    const at = new Date('2026-12-01T10:00:00Z')
    const h = webhookHeaders('plain secret', 'EV-1', '{"a":1}', at)
    assert.equal(h['webhook-timestamp'], String(at.getTime() / 1000))
    assert.equal(verifyWebhook('plain secret', h, '{"a":1}', at.getTime() / 1000, 300).ok, true)
    assert.equal(verifyWebhook('whsec_' + Buffer.from('plain secret').toString('base64'), h, '{"a":1}', at.getTime() / 1000, 300).ok, true)
  })

  it('while a secret is rotated: a sender signing with both, and a receiver knowing both, each meet the other', () => {
    const now = Math.floor(Date.now() / 1000)
    const both = webhookHeaders(['old-secret', 'new-secret'], 'EV-2', 'x')
    assert.equal(both['webhook-signature']!.split(' ').length, 2)
    assert.equal(verifyWebhook('new-secret', both, 'x', now, 300).ok, true)
    assert.equal(verifyWebhook('old-secret', both, 'x', now, 300).ok, true)
    const onlyOld = webhookHeaders('old-secret', 'EV-2', 'x')
    assert.equal(verifyWebhook(['new-secret', 'old-secret'], onlyOld, 'x', now, 300).ok, true)
    assert.equal(verifyWebhook(['new-secret', 'third'], onlyOld, 'x', now, 300).ok, false)
  })

  it('refuses what is missing, malformed, changed or signed under another id, naming the header', () => {
    const now = Math.floor(Date.now() / 1000)
    const h = webhookHeaders('s', 'EV-3', 'body')
    const why = (headers: Record<string, string | undefined>, body = 'body', secret: string | string[] = 's'): string => {
      const v = verifyWebhook(secret, headers, body, now, 300)
      assert.equal(v.ok, false)
      return (v as { why: string }).why
    }
    assert.match(why({ ...h, 'webhook-id': undefined }), /webhook-id header is missing/)
    assert.match(why({ ...h, 'webhook-timestamp': '12:00' }), /webhook-timestamp header is missing or not Unix seconds/)
    assert.match(why({ ...h, 'webhook-signature': undefined }), /webhook-signature header is missing/)
    assert.match(why({ ...h, 'webhook-signature': 'v2,abc t=1,v1' }), /holds no v1 signature/)
    assert.match(why(h, 'Body'), /does not match the body/)
    assert.match(why({ ...h, 'webhook-id': 'EV-4' }), /does not match the body/)
    assert.match(why(h, 'body', ['', '']), /no webhook secret configured/)
    // A truncated signature is compared without throwing (timingSafeEqual needs equal lengths).
    assert.match(why({ ...h, 'webhook-signature': h['webhook-signature']!.slice(0, 20) }), /does not match/)
  })
})
