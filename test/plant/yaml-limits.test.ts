// YAML's anchors and aliases, and deep nesting, in a plant model: the yaml library refuses some of them with a bare
// ReferenceError (or builds a circular object, or overflows its stack); the loader reports each as a problem of
// the file with its line, and the hub exits 2 like for any other invalid model.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ValidationError } from '../../core/errors'
import { loadPlantModel, parsePlantModel } from '../../plant/load-plant-model'
import { MAX_YAML_ALIASES, MAX_YAML_NESTING } from '../../plant/yaml-limits'
import { tempDir } from '../support/hub-fixture'
import { PROJECT_ROOT } from '../support/child-hub'

const DEMO_PLANT = path.join(PROJECT_ROOT, 'plant', 'demo-plant.yaml')
const ALIAS_WITHOUT_ANCHOR = path.join(__dirname, 'fixtures', 'alias-without-anchor.yaml')
const CLI = path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')

function problemsOf (text: string, source = 'plant.yaml'): ValidationError {
  try {
    parsePlantModel(text, source)
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${(err as Error).stack ?? String(err)}`)
    return err
  }
  assert.fail('the plant model loaded without an error')
}

/** The demo plant with `extra` appended at the top level (the schema refuses the key; the aliases come first). */
function demoWith (extra: string): string {
  const demo = fs.readFileSync(DEMO_PLANT, 'utf8')
  assert.ok(demo.includes('\nenterprise:\n'))
  return demo.replace('\nenterprise:\n', '\nenterprise: &acme\n') + extra
}

function writePlant (text: string): string {
  const file = path.join(tempDir(), 'plant.yaml')
  fs.writeFileSync(file, text)
  return file
}

function startHub (plantModel: string) {
  return spawnSync(process.execPath, [CLI, '--plant-model', plantModel], {
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, HUB_DATA_DIR: tempDir(), HUB_MQTT_PORT: '0', HUB_MQTT_WS_PORT: '0', HUB_EDITOR_PORT: '0' }
  })
}

describe('YAML aliases and nesting in a plant model', () => {
  it('an alias with no anchor is a problem of the file, with its line', () => {
    const err = (() => {
      try { loadPlantModel(ALIAS_WITHOUT_ANCHOR) } catch (e) { return e }
      assert.fail('loaded')
    })()
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`)
    assert.equal(err.where.source, ALIAS_WITHOUT_ANCHOR)
    assert.deepEqual(err.problems.map((p) => p.path), ['line 15, column 24'])
    assert.match(err.problems[0].message, /alias '\*line-binding' names no anchor: '&line-binding' must come before it/)
  })

  it(`more than ${MAX_YAML_ALIASES} aliases are refused at the first one too many`, () => {
    const aliases = Array.from({ length: MAX_YAML_ALIASES + 20 }, () => '*acme').join(', ')
    const err = problemsOf(demoWith(`copies: [${aliases}]\n`))
    assert.equal(err.problems.length, 1, err.message)
    assert.match(err.problems[0].path, /^line \d+, column \d+$/)
    assert.match(err.problems[0].message, new RegExp(`more than ${MAX_YAML_ALIASES} aliases`))
  })

  it('fewer aliases that expand to too much (an alias of a list of aliases) are refused, with a line', () => {
    const ten = (x: string): string => `[${Array.from({ length: 10 }, () => x).join(', ')}]`
    const err = problemsOf(demoWith(`a: &a ${ten('x')}\nb: &b ${ten('*a')}\nc: &c ${ten('*b')}\n`))
    assert.equal(err.problems.length, 1, err.message)
    assert.match(err.problems[0].path, /^line \d+, column \d+$/)
    assert.match(err.problems[0].message, /expand to more than 100 copies/)
  })

  it('an alias inside the node it names (a loop) is refused rather than built as a circular object', () => {
    const err = problemsOf('version: 1\nenterprise: &e { id: acme, name: *e }\nsites: []\n')
    assert.deepEqual(err.problems.map((p) => p.path), ['line 2, column 34'])
    assert.match(err.problems[0].message, /alias '\*e' is inside the node anchored '&e', so it would contain itself/)
  })

  it('an alias of an anchor defined before it still works', () => {
    const model = parsePlantModel(demoWith('').replace("sap: { plant: '1000' }", "sap: &dallas-sap { plant: '1000' }"), 'plant.yaml')
    assert.equal(model.enterprise.id, 'acme')
  })

  it(`nesting deeper than ${MAX_YAML_NESTING} levels is refused, in YAML and in JSON, before the recursive parse`, () => {
    const deep = '['.repeat(20000) + ']'.repeat(20000)
    for (const [text, source] of [[`version: ${deep}\n`, 'plant.yaml'], [`{"version": ${deep}}`, 'plant.json']]) {
      const err = problemsOf(text, source)
      assert.equal(err.problems.length, 1, err.message)
      assert.match(err.problems[0].path, /^line 1, column \d+$/)
      assert.match(err.problems[0].message, new RegExp(`nested more than ${MAX_YAML_NESTING} levels deep`))
    }
  })

  it('the hub refuses a model with an alias without anchor, or too many aliases: exit 2, the file and the line, before listening', function () {
    const tooMany = writePlant(demoWith(`copies: [${Array.from({ length: MAX_YAML_ALIASES + 1 }, () => '*acme').join(', ')}]\n`))
    for (const [file, what] of [[ALIAS_WITHOUT_ANCHOR, /line 15, column 24: alias '\*line-binding' names no anchor/],
      [tooMany, /line \d+, column \d+: more than 100 aliases/]] as const) {
      const r = startHub(file)
      assert.equal(r.status, 2, r.stderr)
      assert.match(r.stderr, new RegExp(`cannot start: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 problem`))
      assert.match(r.stderr, what)
      assert.doesNotMatch(r.stderr, /ReferenceError/)
      assert.doesNotMatch(r.stdout + r.stderr, /listening/)
    }
  })
})
