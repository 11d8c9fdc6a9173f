// The QMS webhook's secret as Standard Webhooks writes it, `whsec_<base64>`: one whose base64 is empty or no base64
// at all would be an empty HMAC key, with which anyone can sign; it is refused (the webhook takes nothing, the
// settings say why), never used.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { QMS_SECTION } from '../../../adapters/qms/config'
import { verifyWebhook, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP } from '../../../core/webhook-signature'

describe('the QMS webhook secret', () => {
  const body = Buffer.from(JSON.stringify({ id: 'evt_1', type: 'hold.released', occurredAt: '2025-03-03T06:00:00Z', data: {} }))
  const now = 1_741_000_000
  /** Signed as anyone can: with an empty key. */
  const forged = (): Record<string, string> => ({
    [WEBHOOK_ID]: 'evt_1', [WEBHOOK_TIMESTAMP]: String(now),
    [WEBHOOK_SIGNATURE]: 'v1,' + crypto.createHmac('sha256', Buffer.alloc(0)).update(`evt_1.${now}.`).update(body).digest('base64')
  })

  it('refuses every callback when the whsec_ secret decodes to no key', () => {
    for (const secret of ['whsec_', 'whsec_!!!!', 'whsec_ ']) {
      const v = verifyWebhook(secret, forged(), body, now, 300)
      assert.equal(v.ok, false, JSON.stringify(secret))
      assert.match(v.ok ? '' : v.why, /secret/, JSON.stringify(secret))
    }
  })

  it('takes a whsec_ secret of valid base64, and any other text as it is', () => {
    const key = Buffer.from('a real secret of 24 bytes')
    for (const [secret, bytes] of [['whsec_' + key.toString('base64'), key], ['plain text secret', Buffer.from('plain text secret')]] as const) {
      const headers = {
        [WEBHOOK_ID]: 'evt_1', [WEBHOOK_TIMESTAMP]: String(now),
        [WEBHOOK_SIGNATURE]: 'v1,' + crypto.createHmac('sha256', bytes).update(`evt_1.${now}.`).update(body).digest('base64')
      }
      assert.equal(verifyWebhook(secret, headers, body, now, 300).ok, true, secret)
    }
  })

  it('is refused by the settings when it cannot sign, naming the key, never the secret', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qms-secret-'))
    const file = path.join(dir, 'secret')
    fs.writeFileSync(file, 'whsec_%%%%\n', { mode: 0o600 })
    const problems = QMS_SECTION.check!({ ...QMS_SECTION.defaults(dir), webhookSecretFile: file })
    assert.deepEqual(problems.map((p) => p.path), ['/qms/webhookSecretFile'])
    assert.match(problems[0]!.message, /cannot sign/)
    assert.doesNotMatch(problems[0]!.message, /%%%%/)
    fs.rmSync(dir, { recursive: true })
  })
})
