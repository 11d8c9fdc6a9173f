// package.json names files that exist after the build: `main` (the hub to embed: startHub) and the `bin` command.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../support/child-hub'

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { main: string, bin: Record<string, string> }

describe('package.json entry points', function () {
  it('main is the built hub module, which exports startHub', function () {
    const file = path.join(PROJECT_ROOT, pkg.main)
    assert.ok(fs.existsSync(file), `${pkg.main} exists after npm run build`)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hub = require(file) as { startHub?: unknown }
    assert.equal(typeof hub.startHub, 'function')
  })

  it('every bin command is a built file', function () {
    for (const [name, file] of Object.entries(pkg.bin)) assert.ok(fs.existsSync(path.join(PROJECT_ROOT, file)), `bin ${name}: ${file} exists`)
  })
})
