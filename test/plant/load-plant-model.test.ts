import assert from 'node:assert/strict'
import path from 'node:path'
import { HubError, ValidationError } from '../../core/errors'
import { loadPlantModel, parsePlantModel } from '../../plant/load-plant-model'

const fixture = (name: string): string => path.join(__dirname, 'fixtures', name)
const DEMO_PLANT = path.join(__dirname, '..', '..', 'plant', 'demo-plant.yaml')

/** Loads a file that must fail validation and returns the error. */
function problemsOf (file: string): ValidationError {
  try {
    loadPlantModel(file)
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`)
    assert.equal(err.code, 'VALIDATION_FAILED')
    assert.equal(err.where.source, file, 'the error names the file')
    return err
  }
  assert.fail(`${file} loaded without an error`)
}

describe('loading a plant model', () => {
  it('the shipped demo plant loads, with its sites, areas, lines and units', () => {
    const model = loadPlantModel(DEMO_PLANT)
    assert.equal(model.enterprise.id, 'acme')
    assert.equal(model.source, DEMO_PLANT)
    const topics = [...model.walk()].map((e) => e.topic)
    for (const t of ['acme/dallas', 'acme/dallas/press-shop', 'acme/dallas/press-shop/line-1/press-1',
      'acme/dallas/press-shop/line-1/press-2', 'acme/dallas/assembly/line-a/station-10',
      'acme/dallas/assembly/line-a/station-20', 'acme/dallas/assembly/warehouse']) {
      assert.ok(topics.includes(t), `demo plant has ${t}`)
    }
    assert.equal(model.byTopic('acme/dallas')?.bindings.sap?.plant, '1000')
    assert.equal(model.byTopic('acme/dallas/assembly/warehouse')?.kind, 'StorageZone')
    // Line A's stations are collected from the simulator's OPC UA server (npm run simulate, port 4841).
    assert.deepEqual(model.opcuaCollected().map((e) => [e.topic, e.bindings.opcua!.endpoint, e.bindings.opcua!.nodes!.length]), [
      ['acme/dallas/assembly/line-a/station-10', 'opc.tcp://127.0.0.1:4841', 4],
      ['acme/dallas/assembly/line-a/station-20', 'opc.tcp://127.0.0.1:4841', 3]
    ])
  })

  it('a JSON plant model loads just like YAML', () => {
    const model = loadPlantModel(fixture('small-plant.json'))
    assert.equal(model.byTopic('acme/dallas/press-shop/line-1')?.kind, 'ProductionLine')
    assert.equal(model.bySapWorkCenter('1000', 'PRESSL1')?.topic, 'acme/dallas/press-shop/line-1')
  })

  it('a file with three different mistakes reports all three at once, each with its path and line', () => {
    const err = problemsOf(fixture('three-errors.yaml'))
    assert.equal(err.problems.length, 3, err.message)
    const [badId, duplicate, binding] = err.problems
    assert.equal(badId.path, '/sites/0/areas/0/workCenters/0/id')
    assert.match(badId.message, /'Line 1' is not allowed: an id is one MQTT topic level/)
    assert.match(badId.message, /\(line 12\)$/)
    assert.equal(duplicate.path, '/sites/0/areas/0/workCenters/0/workUnits/1/id')
    assert.match(duplicate.message, /duplicate id 'press-1'/)
    assert.match(duplicate.message, /\(line 18\)$/)
    assert.equal(binding.path, '/sites/0/areas/1/workCenters/0/workUnits/0/sparkplug')
    assert.match(binding.message, /Sparkplug device 'press-1' of edge node 'dallas\/press-line-1' is already bound to 'acme\/dallas\/press-shop\/Line 1\/press-1'/)
    assert.match(err.message, /^.*three-errors\.yaml: 3 problems:/)
  })

  it('two siblings with the same id are refused, naming the first one', () => {
    const err = problemsOf(fixture('duplicate-sibling-ids.yaml'))
    assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/areas/2/id'])
    assert.match(err.problems[0].message, /duplicate id 'press-shop': \/sites\/0\/areas\/0 already uses it/)
  })

  it('an equipment id that is a data kind word is refused, since topics would be ambiguous', () => {
    const err = problemsOf(fixture('reserved-id.yaml'))
    assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/areas/0/id'])
    assert.match(err.problems[0].message, /'quality' is a data kind and cannot be an equipment id/)
  })

  it('the same Sparkplug edge node bound to two work centers is refused', () => {
    const err = problemsOf(fixture('duplicate-sparkplug.yaml'))
    assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/areas/0/workCenters/1/sparkplug'])
    assert.match(err.problems[0].message, /Sparkplug edge node 'dallas\/press-line-1' is already bound to 'acme\/dallas\/press-shop\/line-1'/)
  })

  it('the same SAP work center bound twice is refused, even when one inherits the plant', () => {
    const err = problemsOf(fixture('duplicate-sap-work-center.yaml'))
    assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/areas/1/workCenters/0/sap/workCenter'])
    assert.match(err.problems[0].message, /SAP work center 'PRESS01' in plant '1000' is already bound to 'acme\/dallas\/press-shop\/line-1'/)
  })

  it('an SAP work center with no SAP plant anywhere above it is refused', () => {
    const err = problemsOf(fixture('sap-work-center-without-plant.yaml'))
    assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/areas/0/workCenters/0/sap/plant'])
    assert.match(err.problems[0].message, /needs an SAP plant/)
  })

  it('a work cell inside a storage zone is refused with the ISA-95 rule', () => {
    const err = problemsOf(fixture('work-unit-wrong-kind.yaml'))
    assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/areas/0/workCenters/0/workUnits/0/kind'])
    assert.match(err.problems[0].message, /a WorkCell does not belong in a StorageZone: in ISA-95 a StorageZone holds StorageUnit work units/)
  })

  it('a misspelt key, a missing name and an unquoted SAP plant are explained in plain words', () => {
    const err = problemsOf(fixture('unknown-property.yaml'))
    assert.deepEqual(err.problems.map((p) => [p.path, p.message]), [
      ['/sites/0/name', 'required, but missing (line 4)'],
      ['/sites/0/nmae', 'unknown property (allowed: id, name, description, sap, sparkplug, opcua, areas) (line 5)'],
      ['/sites/0/sap/plant', "must be a string, not number 1000 (in YAML, quote it: '1000') (line 6)"]
    ])
  })

  it('a YAML syntax error names the line and column', () => {
    const err = problemsOf(fixture('yaml-syntax-error.yaml'))
    assert.equal(err.problems[0].path, 'line 5, column 11')
    assert.match(err.problems[0].message, /Nested mappings are not allowed/)
    assert.doesNotMatch(err.problems[0].message, /\n/, 'one line per problem')
  })

  it('a JSON syntax error names the line and column', () => {
    const err = problemsOf(fixture('broken.json'))
    assert.equal(err.problems[0].path, 'line 4, column 1')
    assert.match(err.problems[0].message, /^not valid JSON: /)
  })

  it('an empty file says the model is empty', () => {
    assert.throws(() => parsePlantModel('', 'empty.yaml'), (err: unknown) =>
      err instanceof ValidationError && /the plant model is empty/.test(err.problems[0].message))
  })

  it('a wrong version and a missing enterprise are reported together', () => {
    assert.throws(() => parsePlantModel('version: 2\nsites: []\n', 'v2.yaml'), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.deepEqual(err.problems.map((p) => p.path), ['/enterprise', '/version', '/sites'])
      assert.match(err.problems[1].message, /must be 1, not number 2/)
      assert.match(err.problems[2].message, /needs at least 1 entry/)
      return true
    })
  })

  it('a bad OPC UA endpoint and SAP plant are explained with the expected format', () => {
    const text = `version: 1
enterprise: { id: acme, name: ACME }
sites:
  - id: dallas
    name: Dallas
    sap: { plant: '10000' }
    opcua: { endpoint: 'http://127.0.0.1:4840' }
`
    assert.throws(() => parsePlantModel(text, 'inline.yaml'), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.deepEqual(err.problems.map((p) => p.path), ['/sites/0/sap/plant', '/sites/0/opcua/endpoint'])
      assert.match(err.problems[0].message, /'10000' is not allowed: SAP plant \(WERKS\): exactly 4/)
      assert.match(err.problems[1].message, /'http:\/\/127.0.0.1:4840' is not allowed: OPC UA endpoint URL: opc.tcp:\/\/host:port/)
      return true
    })
  })

  it('a missing file is reported as unreadable, naming the file', () => {
    const file = fixture('no-such-plant.yaml')
    assert.throws(() => loadPlantModel(file), (err: unknown) =>
      err instanceof HubError && err.code === 'PLANT_MODEL_UNREADABLE' && err.where.source === file)
  })

  it('a file that is neither YAML nor JSON by name is refused before reading', () => {
    assert.throws(() => loadPlantModel(fixture('plant.txt')), (err: unknown) =>
      err instanceof HubError && err.code === 'PLANT_MODEL_FORMAT' && /\.yaml, \.yml or \.json/.test(err.message))
  })
})
