// Fuzz target: the plant model loader. Any text, YAML or JSON, gives a PlantModel or a HubError (ValidationError
// with its problems), never another exception, within the time bound. Inputs: arbitrary text, the demo plant with
// random edits (anchors, aliases, brackets, deletions), and random documents of the model's shape.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import YAML from 'yaml'
import { HubError } from '../../core/errors'
import { parsePlantModel } from '../../plant/load-plant-model'
import { PlantModel } from '../../plant/plant-model'
import { PROJECT_ROOT } from '../support/child-hub'
import { fuzz, nastyString, suiteTimeout } from './support/fuzz'

const TARGET = 'plant-loader'
const DEMO = fs.readFileSync(path.join(PROJECT_ROOT, 'plant', 'demo-plant.yaml'), 'utf8')

/** The oracle: a model or a typed error; a ValidationError has problems, each with a path or a line. */
function load (text: string, source: string): void {
  let result: unknown
  try {
    result = parsePlantModel(text, source)
  } catch (err) {
    if (!(err instanceof HubError)) throw err
    assert.ok(err.message.length > 0)
    return
  }
  assert.ok(result instanceof PlantModel)
}

/** An edit of the demo plant's text at a random place. */
const edit = fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.oneof(
  fc.constantFrom('*a', '&a ', '*b', '&b ', ': *a', '[', ']', '{', '}', '- ', '? ', ': ', '\n  ', '\t', '"', "'", '!!binary ',
    '!!set ', '<<: *a\n', '&a [*a]', '--- \n', '%YAML 1.1\n', '\u0000', '\ufeff', '#', '|\n', '>-\n'),
  fc.string({ maxLength: 12 })))

function applyEdits (text: string, edits: Array<[number, number, string]>): string {
  let t = text
  for (const [at, cut, insert] of edits) {
    const i = at % (t.length + 1)
    t = t.slice(0, i) + insert + t.slice(i + cut)
  }
  return t
}

const id = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,6}$/), fc.constantFrom('measurements', 'state', 'Line 1', ''), fc.string({ maxLength: 5 }))
const anyValue = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null))
const node = (children: fc.Arbitrary<unknown> | undefined): fc.Arbitrary<Record<string, unknown>> => fc.record({
  id,
  name: fc.oneof(fc.string({ maxLength: 10 }), anyValue),
  kind: fc.constantFrom('ProductionLine', 'ProcessCell', 'ProductionUnit', 'StorageZone', 'WorkCell', 'Unit', 'StorageUnit', 'Conveyor'),
  sap: fc.record({ plant: fc.oneof(fc.constantFrom('1000', '2000'), anyValue), workCenter: fc.constantFrom('PRESS01', 'PRESS02', 'X') }, { requiredKeys: [] }),
  sparkplug: fc.record({ groupId: fc.constantFrom('dallas', 'g'), edgeNodeId: fc.constantFrom('press-line-1', 'n'), deviceId: fc.constantFrom('press-1', 'd') }, { requiredKeys: [] }),
  mes: fc.record({ goodCounter: fc.constantFrom('Strokes', 'S'), scrapCounter: fc.constantFrom('Strokes', 'Scrap'), state: fc.record({ metric: fc.constantFrom('State', 'Strokes'), running: fc.array(fc.constantFrom('RUNNING', 'STOPPED')), stopped: fc.array(fc.constantFrom('RUNNING', 'STOPPED')) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  ...(children ? { children } : {})
}, { requiredKeys: ['id'] })
const workUnits = fc.array(node(undefined), { maxLength: 3 })
const workCenters = fc.array(node(workUnits).map(({ children, ...n }) => ({ ...n, workUnits: children })), { maxLength: 3 })
const areas = fc.array(node(workCenters).map(({ children, ...n }) => ({ ...n, workCenters: children })), { maxLength: 2 })
const sites = fc.array(node(areas).map(({ children, ...n }) => ({ ...n, areas: children })), { maxLength: 2 })
const plantDocument = fc.record({
  version: fc.oneof(fc.constant(1), anyValue),
  enterprise: fc.oneof(fc.record({ id, name: fc.string({ maxLength: 8 }) }), anyValue),
  sites: fc.oneof(sites, anyValue)
}, { requiredKeys: [] })

describe('fuzz: plant model loader', function () {
  this.timeout(suiteTimeout())

  it('any text as YAML: a model or a typed error', () => {
    const aliasSeeds: Array<[string]> = [
      ['version: 1\nx: *a\n'],
      [DEMO.replace('\nenterprise:\n', '\nenterprise: &acme\n') + `copies: [${Array(150).fill('*acme').join(', ')}]\n`],
      ['version: 1\nenterprise: &e { id: acme, name: *e }\n'],
      ['a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'],
      [`version: ${'['.repeat(20000)}${']'.repeat(20000)}\n`],
      [`${'- '.repeat(5000)}x\n`]
    ]
    fuzz(TARGET, 'any text as YAML', 100, [fc.oneof(nastyString(400), fc.string({ maxLength: 400 }))],
      (text) => load(text, 'plant.yaml'), aliasSeeds)
  })

  it('any text as JSON: a model or a typed error', () => {
    fuzz(TARGET, 'any text as JSON', 100, [fc.oneof(nastyString(400), fc.json(), fc.string({ maxLength: 200 }).map((s) => `{"version": 1, "enterprise": ${s}}`))],
      (text) => load(text, 'plant.json'), [[`{"version": ${'['.repeat(20000)}${']'.repeat(20000)}}`], ['{"version": 1, "x": "\\ud800"}']])
  })

  it('the demo plant with random edits: a model or a typed error', () => {
    fuzz(TARGET, 'edited demo plant', 100, [fc.array(edit, { minLength: 1, maxLength: 6 })],
      (edits) => load(applyEdits(DEMO, edits), 'plant.yaml'))
  })

  it('random documents of the model\'s shape, as YAML (with anchors) and JSON: a model or a typed error', () => {
    fuzz(TARGET, 'documents of the model\'s shape', 100, [plantDocument, fc.boolean()], (doc, asJson) => {
      if (asJson) {
        load(JSON.stringify(doc), 'plant.json')
      } else {
        // The yaml stringifier writes an anchor and aliases for objects that repeat; these have none, so add some.
        const text = YAML.stringify(doc)
        load(text, 'plant.yaml')
        load(text.replace(/^( *)sap:/m, '$1sap: &s').replace(/(\n *)sap:.*\n/g, (m, indent: string, i: number) => i % 3 === 0 ? `${indent}sap: *s\n` : m), 'plant.yaml')
      }
    })
  })
})
