// The WMS settings with wms.system sap-ewm: what EWM needs is checked before the hub starts (its URL, a user and
// password for HTTP Basic, a warehouse number EWM can have, process types of EWM's length), each refusal naming the
// key; the webhook's secret is not asked for (EWM's confirmations are polled, nothing calls the webhook).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { WMS_SECTION } from '../../../adapters/wms/config'
import { loadConfig } from '../../../hub/config'
import { ValidationError } from '../../../core/errors'

describe('WMS settings for SAP EWM', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wms-ewm-config-'))
  const password = path.join(dir, 'ewm-password')
  fs.writeFileSync(password, 'secret\n', { mode: 0o600 })

  it('name each thing sap-ewm lacks: the URL, the user, the password, a warehouse of 4 characters', function () {
    const c = { ...WMS_SECTION.defaults(dir), enabled: true, system: 'sap-ewm' as const, warehouse: 'WH-MAIN' }
    const problems = WMS_SECTION.check!(c)
    assert.deepEqual(problems.map((p) => p.path), ['/wms/url', '/wms/username', '/wms/passwordFile', '/wms/warehouse'])
    assert.match(problems[0]!.message, /sap-ewm needs the SAP system's HTTP root: set wms.url/)
    assert.match(problems[3]!.message, /'WH-MAIN' is not an EWM warehouse number \(4 characters/)
  })

  it('need no webhook secret, and take the process types and the rest from the environment', function () {
    const c = { ...WMS_SECTION.defaults(dir), enabled: true, system: 'sap-ewm' as const, url: 'https://s4.example.com', username: 'HUB_EWM', passwordFile: password, warehouse: '1710' }
    assert.deepEqual(WMS_SECTION.check!(c), [])
    assert.deepEqual([c.ewmStagingProcessType, c.ewmPutAwayProcessType, c.ewmPollMs, c.sapClient], ['2030', '1011', 10_000, ''])
    const loaded = loadConfig({
      cwd: dir,
      env: {
        HUB_WMS_ENABLED: 'true', HUB_WMS_SYSTEM: 'sap-ewm', HUB_WMS_URL: 'https://s4.example.com', HUB_WMS_USER: 'HUB_EWM', HUB_WMS_PASSWORD_FILE: password,
        HUB_WMS_WAREHOUSE: '1710', HUB_WMS_EWM_STAGING_PROCESS_TYPE: '3040', HUB_WMS_EWM_PUT_AWAY_PROCESS_TYPE: '1010', HUB_WMS_SAP_CLIENT: '100'
      }
    })
    assert.deepEqual([loaded.wms.system, loaded.wms.ewmStagingProcessType, loaded.wms.ewmPutAwayProcessType, loaded.wms.sapClient], ['sap-ewm', '3040', '1010', '100'])
  })

  it('refuse a process type longer than EWM\'s 4 characters, naming the key', function () {
    const file = path.join(dir, 'isa95-hub.yaml')
    fs.writeFileSync(file, 'wms:\n  ewmStagingProcessType: STAGE1\n')
    assert.throws(() => loadConfig({ env: {}, cwd: dir, file }), (err: unknown) => err instanceof ValidationError && err.problems.some((p) => p.path === '/wms/ewmStagingProcessType'))
  })
})
