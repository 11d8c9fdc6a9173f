// The layers (docs/architecture.md) are enforced by dependency-cruiser with the rules of .dependency-cruiser.cjs: on
// this tree, as `npm run layers` runs them, there is no violation; on a tree that breaks each rule once
// (test/fixtures/layers/forbidden/), every rule reports its file. The second half proves that the check can fail.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../support/child-hub'

const DEPCRUISE = path.join(PROJECT_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs')
const CONFIG = path.join(PROJECT_ROOT, '.dependency-cruiser.cjs')
const FORBIDDEN = path.join(PROJECT_ROOT, 'test', 'fixtures', 'layers', 'forbidden')

/** The folders `npm run layers` checks, read from package.json so the test runs what a user runs. */
function layerFolders (): string[] {
  const script = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.layers
  assert.ok(script !== undefined, 'package.json has a "layers" script')
  const args = script.split(/\s+/)
  assert.equal(args[0], 'depcruise')
  return args.filter((a, i) => i > 0 && !a.startsWith('-') && args[i - 1] !== '--config')
}

function cruise (cwd: string, folders: string[]): { status: number | null, out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'err', ...folders], { cwd, encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

describe('layers: imports only downward, siblings never import each other, nothing imports hub/', function () {
  this.timeout(60000)

  it('the project\'s source has no layer violation and no import cycle (type-only imports included)', function () {
    const folders = layerFolders()
    for (const layer of ['core', 'plant', 'uns', 'broker', 'sparkplug', 'mes', 'adapters', 'nodes', 'hub']) {
      assert.ok(folders.includes(layer), `npm run layers checks ${layer}/`)
    }
    const r = cruise(PROJECT_ROOT, folders)
    assert.equal(r.status, 0, r.out)
    assert.match(r.out, /no dependency violations found/)
  })

  it('refuses each forbidden import of the fixture, naming the rule and the files', function () {
    const r = cruise(FORBIDDEN, ['core', 'plant', 'mes', 'sparkplug', 'hub', 'nodes', 'adapters'])
    assert.notEqual(r.status, 0, 'the check fails on the fixture')
    const expected: Array<[string, string]> = [
      ['core-imports-downward', 'core/clock.ts → hub/wiring.ts'],
      ['nothing-imports-hub', 'core/clock.ts → hub/wiring.ts'],
      ['plant-imports-downward', 'plant/model.ts → mes/orders.ts'],
      ['mes-imports-downward', 'mes/orders.ts → sparkplug/codec.ts'],
      ['nodes-are-siblings', 'nodes/a/a.ts → nodes/b/b.ts'],
      ['adapters-uses-mes-service-only', 'adapters/sap/idoc.ts → mes/orders.ts'],
      ['adapters-are-siblings', 'adapters/sap/idoc.ts → adapters/qms/inspection.ts'],
      ['aedes-only-in-broker', 'sparkplug/patch-broker.ts'],
      ['node-red-only-in-nodes-and-hub', 'mes/node-red-wiring.ts'],
      ['no-cycles', 'core/clock.ts']
    ]
    for (const [rule, where] of expected) {
      assert.ok(r.out.split('\n').some((l) => l.includes(`error ${rule}: ${where}`)), `${rule} reports ${where}:\n${r.out}`)
    }
    // The MES's service interface is what an adapter may import: not reported.
    assert.doesNotMatch(r.out, /idoc\.ts → mes\/service\.ts/)
  })
})
