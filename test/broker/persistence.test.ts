import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'

describe('broker persistence', function () {
  this.timeout(180000)

  it('passes the aedes-persistence abstract test suite', function () {
    const suite = path.join(__dirname, 'persistence.abstract.js')
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', suite], { encoding: 'utf8', timeout: 170000 })
    const output = run.stdout + run.stderr
    const pass = /^# pass (\d+)/m.exec(output)
    const fail = /^# fail (\d+)/m.exec(output)
    assert.ok(pass && Number(pass[1]) >= 40, `expected the abstract suite to run its tests, got:\n${output.slice(-3000)}`)
    assert.equal(fail?.[1], '0', `abstract suite failures:\n${output.split('\n').filter((l) => /not ok|Error|expected|actual/.test(l)).slice(0, 60).join('\n')}`)
    assert.equal(run.status, 0, output.slice(-3000))
  })
})
