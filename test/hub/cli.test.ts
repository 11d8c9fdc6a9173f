import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from '../support/hub-fixture'
import { PROJECT_ROOT } from '../support/child-hub'

const CLI = path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')

function run (args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, HUB_DATA_DIR: tempDir(), HUB_MQTT_PORT: '0', HUB_MQTT_WS_PORT: '0', HUB_EDITOR_PORT: '0', ...env }
  })
}

describe('command line', function () {
  it('reports all three errors of an invalid plant model, with file and JSON paths, and exits 2 before listening', function () {
    const file = path.join(__dirname, 'fixtures', 'three-errors-plant.yaml')
    const r = run(['--plant-model', file])
    assert.equal(r.status, 2, r.stderr)
    assert.match(r.stderr, /three-errors-plant\.yaml/)
    assert.match(r.stderr, /\/sites\/0\/id/)
    assert.match(r.stderr, /ConveyorLine/)
    assert.match(r.stderr, /\/sites\/0\/areas\/0\/workCenters\/0\/workUnits\/0.*name/)
    assert.match(r.stderr, /3 problems/)
    assert.doesNotMatch(r.stdout + r.stderr, /listening/)
  })

  it('exits 2 with the file named when the plant model does not exist', function () {
    const r = run(['--plant-model', '/nonexistent/plant.yaml'])
    assert.equal(r.status, 2)
    assert.match(r.stderr, /\/nonexistent\/plant\.yaml/)
  })

  it('lists every setting and its environment variable in --help', function () {
    const r = run(['--help'])
    assert.equal(r.status, 0)
    for (const v of ['HUB_MQTT_PORT', 'HUB_MQTT_WS_PORT', 'HUB_EDITOR_PORT', 'HUB_DATA_DIR', 'HUB_PLANT_MODEL', 'HUB_UNS_ENFORCEMENT', 'HUB_MQTT_TLS_CERT']) {
      assert.match(r.stdout, new RegExp(v))
    }
  })

  it('refuses a config file with an unknown setting and an out-of-range value, naming both', function () {
    const dir = tempDir()
    const file = path.join(dir, 'isa95-hub.yaml')
    fs.writeFileSync(file, 'shutdownTimeoutMs: 5\nmqtt:\n  prot: 1883\n')
    const r = run(['--config', file])
    assert.equal(r.status, 2)
    assert.match(r.stderr, /\/shutdownTimeoutMs: must be >= 1000/)
    assert.match(r.stderr, /unknown setting 'prot'/)
  })

  it('refuses a malformed environment variable', function () {
    const r = run([], { HUB_MQTT_PORT: 'eighteen' })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /HUB_MQTT_PORT: 'eighteen' is not a valid integer/)
  })

  it('refuses an unknown option', function () {
    const r = run(['--port', '1883'])
    assert.equal(r.status, 2)
    assert.match(r.stderr, /unknown option '--port'/)
  })
})
