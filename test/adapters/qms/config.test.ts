// The QMS section's rules the schema cannot say: the credentials and the webhook secret in files that are the hub
// user's alone, each overridden from the environment; enabled without a URL is refused.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { QMS_SECTION, qmsCredentials, qmsWebhookSecret } from '../../../adapters/qms/config'

describe('QMS settings', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qms-config-'))

  it('are off by default: no QMS, nothing sent', function () {
    const c = QMS_SECTION.defaults(dir)
    assert.equal(c.enabled, false)
    assert.equal(c.url, '')
    assert.deepEqual(QMS_SECTION.check!(c), [])
  })

  it('refuse files other users can read, naming the file, the key and what to do, never the secret', function () {
    const open = path.join(dir, 'open')
    fs.writeFileSync(open, 'whsec_c2VjcmV0\n', { mode: 0o644 })
    fs.chmodSync(open, 0o644)
    const c = { ...QMS_SECTION.defaults(dir), credentialsFile: open, webhookSecretFile: path.join(dir, 'missing') }
    const problems = QMS_SECTION.check!(c)
    assert.deepEqual(problems.map((p) => p.path), ['/qms/credentialsFile', '/qms/webhookSecretFile'])
    assert.match(problems[0]!.message, /can be read by other users: chmod 600 it \(it holds the QMS credentials\)/)
    assert.match(problems[1]!.message, /does not exist or cannot be read/)
    assert.doesNotMatch(JSON.stringify(problems), /whsec_/)
  })

  it('take the token and the secret from 0600 files, and the environment before them', function () {
    const token = path.join(dir, 'token')
    const secret = path.join(dir, 'secret')
    fs.writeFileSync(token, 'tok-from-file\n', { mode: 0o600 })
    fs.writeFileSync(secret, 'whsec_ZmlsZQ==\n', { mode: 0o600 })
    const c = { ...QMS_SECTION.defaults(dir), credentialsFile: token, webhookSecretFile: secret }
    assert.deepEqual(QMS_SECTION.check!(c), [])
    assert.equal(qmsCredentials(c, {}), 'tok-from-file')
    assert.equal(qmsCredentials(c, { HUB_QMS_CREDENTIALS: 'tok-env' }), 'tok-env')
    assert.equal(qmsWebhookSecret(c, {}), 'whsec_ZmlsZQ==')
    assert.equal(qmsWebhookSecret(c, { HUB_QMS_WEBHOOK_SECRET: 'env-secret' }), 'env-secret')
    assert.equal(qmsWebhookSecret(QMS_SECTION.defaults(dir), {}), '')
  })

  it('refuse the QMS enabled without its URL', function () {
    const problems = QMS_SECTION.check!({ ...QMS_SECTION.defaults(dir), enabled: true })
    assert.equal(problems[0]!.path, '/qms/url')
    assert.match(problems[0]!.message, /set qms\.url \(or HUB_QMS_URL\)/)
  })
})
