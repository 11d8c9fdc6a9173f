// The SAP section's rules the schema cannot say: the password file must be the hub user's alone, and the password
// comes from HUB_SAP_PASSWORD before the file.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SAP_SECTION, sapPassword } from '../../../adapters/sap/config'

describe('SAP settings', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sap-config-'))

  it('refuse a password file other users can read, naming the file and what to do', function () {
    const file = path.join(dir, 'open-password')
    fs.writeFileSync(file, 'secret\n', { mode: 0o644 })
    fs.chmodSync(file, 0o644)
    const c = SAP_SECTION.defaults(dir)
    c.outbound.passwordFile = file
    const problems = SAP_SECTION.check!(c)
    assert.equal(problems.length, 1)
    assert.equal(problems[0]!.path, '/sap/outbound/passwordFile')
    assert.match(problems[0]!.message, /can be read by other users: chmod 600/)
    assert.doesNotMatch(problems[0]!.message, /secret/)
  })

  it('take the password from a 0600 file, and HUB_SAP_PASSWORD before it', function () {
    const file = path.join(dir, 'password')
    fs.writeFileSync(file, 'from-file\nignored\n', { mode: 0o600 })
    const c = SAP_SECTION.defaults(dir)
    c.outbound.passwordFile = file
    assert.deepEqual(SAP_SECTION.check!(c), [])
    assert.equal(sapPassword(c.outbound, {}), 'from-file')
    assert.equal(sapPassword(c.outbound, { HUB_SAP_PASSWORD: 'from-env' }), 'from-env')
    assert.equal(sapPassword(SAP_SECTION.defaults(dir).outbound, {}), '')
  })

  it('refuse a time zone that is not IANA, and take one that is', function () {
    const c = SAP_SECTION.defaults(dir)
    c.timeZone = 'Mars/Olympus_Mons'
    assert.match(SAP_SECTION.check!(c)[0]!.message, /'Mars\/Olympus_Mons' is not an IANA time zone/)
    c.timeZone = 'Europe/Berlin'
    assert.deepEqual(SAP_SECTION.check!(c), [])
  })

  it('send nothing by default: no SAP URL', function () {
    assert.equal(SAP_SECTION.defaults(dir).outbound.url, '')
  })
})
