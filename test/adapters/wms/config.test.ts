// The WMS section's rules the schema cannot say: the password and webhook secret files must be the hub user's alone,
// the webhook is never on without its secret, and the environment comes before the files.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { WMS_SECTION, wmsPassword, wmsWebhookSecret, wmsWebhookSecrets } from '../../../adapters/wms/config'

describe('WMS settings', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wms-config-'))
  const write = (name: string, text: string, mode: number): string => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, text, { mode })
    fs.chmodSync(file, mode)
    return file
  }

  it('are off by default, generic, sending nothing', function () {
    const c = WMS_SECTION.defaults(dir)
    assert.equal(c.enabled, false)
    assert.equal(c.system, 'generic')
    assert.equal(c.url, '')
    assert.deepEqual(WMS_SECTION.check!(c), [])
  })

  it('refuse secret files other users can read, naming the file and not its content', function () {
    const c = WMS_SECTION.defaults(dir)
    c.passwordFile = write('open-password', 'token-123\n', 0o644)
    c.webhookSecretFile = write('open-secret', 'whsec-456\n', 0o640)
    const problems = WMS_SECTION.check!(c)
    assert.deepEqual(problems.map((p) => p.path), ['/wms/passwordFile', '/wms/webhookSecretFile'])
    assert.match(problems[1]!.message, /can be read by other users: chmod 600 it \(it holds the webhook's HMAC secret\)/)
    assert.doesNotMatch(JSON.stringify(problems), /token-123|whsec-456/)
    c.passwordFile = path.join(dir, 'missing')
    assert.match(WMS_SECTION.check!(c)[0]!.message, /does not exist or cannot be read/)
  })

  it('refuse the webhook on without a secret', function () {
    const c = WMS_SECTION.defaults(dir)
    c.enabled = true
    const saved = process.env.HUB_WMS_WEBHOOK_SECRET
    delete process.env.HUB_WMS_WEBHOOK_SECRET
    try {
      assert.match(WMS_SECTION.check!(c)[0]!.message, /needs its shared secret/)
    } finally {
      if (saved !== undefined) process.env.HUB_WMS_WEBHOOK_SECRET = saved
    }
    c.webhookSecretFile = write('secret', 'whsec\n', 0o600)
    assert.deepEqual(WMS_SECTION.check!(c), [])
  })

  it('take the password and the secret from 0600 files, and the environment before them', function () {
    const c = WMS_SECTION.defaults(dir)
    c.passwordFile = write('password', 'from-file\nignored\n', 0o600)
    c.webhookSecretFile = write('secret2', 'secret-from-file\n', 0o600)
    assert.equal(wmsPassword(c, {}), 'from-file')
    assert.equal(wmsPassword(c, { HUB_WMS_PASSWORD: 'from-env' }), 'from-env')
    assert.equal(wmsWebhookSecret(c, {}), 'secret-from-file')
    assert.equal(wmsWebhookSecret(c, { HUB_WMS_WEBHOOK_SECRET: 'env-secret' }), 'env-secret')
    assert.equal(wmsWebhookSecret(WMS_SECTION.defaults(dir), {}), '')
  })

  it('take several webhook secrets, one per line, while a secret is rotated', function () {
    const c = WMS_SECTION.defaults(dir)
    c.webhookSecretFile = write('rotating', 'whsec_bmV3\r\n\n  old-secret  \n', 0o600)
    assert.deepEqual(wmsWebhookSecrets(c, {}), ['whsec_bmV3', 'old-secret'])
    assert.equal(wmsWebhookSecret(c, {}), 'whsec_bmV3')
    assert.deepEqual(wmsWebhookSecrets(c, { HUB_WMS_WEBHOOK_SECRET: 'env-secret' }), ['env-secret'])
    assert.deepEqual(wmsWebhookSecrets(WMS_SECTION.defaults(dir), {}), [])
  })
})
