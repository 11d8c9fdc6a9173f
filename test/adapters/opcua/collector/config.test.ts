// The collector's settings as a user writes them: config file keys under opcua.collector, a few environment
// variables, and the rules the schema cannot say.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ValidationError } from '../../../../core/errors'
import { loadConfig } from '../../../../hub/config'
import { tempDir } from '../../../support/hub-fixture'

function configFile (text: string): string {
  const file = path.join(tempDir('opcua-config-'), 'isa95-hub.yaml')
  fs.writeFileSync(file, text)
  return file
}

describe('opcua.collector settings', () => {
  it('defaults collect, with a 1 s publishing interval and a watchdog of 3 keep-alives', () => {
    const c = loadConfig({ env: {}, cwd: tempDir() }).opcua.collector
    assert.equal(c.enabled, true)
    assert.equal(c.publishingIntervalMs, 1000)
    assert.equal(c.watchdogKeepAlives, 3)
    assert.equal(c.acceptUnknownServerCertificates, false)
  })

  it('the config file and the environment set them; the environment wins', () => {
    const file = configFile('opcua:\n  collector:\n    publishingIntervalMs: 250\n    samplingIntervalMs: 100\n    maxItemsPerCall: 50\n')
    const c = loadConfig({ file, env: { HUB_OPCUA_COLLECTOR_ENABLED: 'false', HUB_OPCUA_SAMPLING_MS: '200' } }).opcua.collector
    assert.deepEqual([c.enabled, c.publishingIntervalMs, c.samplingIntervalMs, c.maxItemsPerCall], [false, 250, 200, 50])
  })

  it('a longest reconnect wait below the first, or sampling slower than a keep-alive period, is refused with its path', () => {
    const file = configFile('opcua:\n  collector:\n    reconnectDelayMs: 5000\n    reconnectMaxDelayMs: 1000\n    publishingIntervalMs: 100\n    keepAliveCount: 2\n    samplingIntervalMs: 1000\n')
    assert.throws(() => loadConfig({ file, env: {} }), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.deepEqual(err.problems.map((p) => p.path), ['/opcua/collector/reconnectMaxDelayMs', '/opcua/collector/samplingIntervalMs'])
      return true
    })
  })

  it('an unknown key is named', () => {
    const file = configFile('opcua:\n  collector:\n    publishInterval: 100\n')
    assert.throws(() => loadConfig({ file, env: {} }), /unknown setting 'publishInterval'/)
  })
})
