// Material consumed by machines (mes/machine-consumption.ts): a real hub with Sparkplug and the MES, the demo plant
// with a coil feeder mapped on press-1 (`mes: consumption: [{ lotMetric: Coil Lot, counter: Coil Used, scale }]`), a
// real Sparkplug edge node publishing it, and jobs started by people. Plus the plant model side: the mapping is
// validated.
import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { createLogger } from '../../core/logger'
import { ValidationError } from '../../core/errors'
import { loadPlantModel, parsePlantModel } from '../../plant/load-plant-model'
import type { MetricUpdate } from '../../sparkplug/host/session'
import type { MachineConsumption } from '../../mes/machine-consumption'
import { mqttUrl, tempDir } from '../support/hub-fixture'
import { DT, TestEdgeNode, nextEvent } from '../sparkplug/host/edge-node'
import { demoOrder, forEachHubStore } from './hub-stores'

const DEMO_PLANT = path.join(__dirname, '..', '..', 'plant', 'demo-plant.yaml')
const MACHINE = 'machine:dallas/press-line-1/press-1'
const SUPERVISOR = { who: 'supervisor.sue' }
const OP = 'op.oscar'
const LOT = 21
const USED = 22

const lines: string[] = []
const log = createLogger('debug', 'hub', (line) => { lines.push(line) })
const logged = (re: RegExp): string[] => lines.filter((l) => re.test(l))

/** The demo plant with a coil feeder on press-1: a gram counter, lots in KG. */
function plantWithFeeder (): string {
  const text = fs.readFileSync(DEMO_PLANT, 'utf8')
  const withFeeder = text.replace(/( +)goodCounter: Strokes\n/, (_m, indent: string) =>
    `${indent}goodCounter: Strokes\n${indent}consumption:\n${indent}  - { lotMetric: Coil Lot, counter: Coil Used, scale: 0.001 }\n`)
  assert.notEqual(withFeeder, text)
  const file = path.join(tempDir('plant-'), 'plant.yaml')
  fs.writeFileSync(file, withFeeder)
  return file
}

describe('machine consumption in the plant model (mes: consumption on a work unit)', function () {
  it('a feeder maps a lot metric and a counter with its scale', function () {
    const press1 = loadPlantModel(plantWithFeeder()).byTopic('acme/dallas/press-shop/line-1/press-1')!
    assert.deepEqual(press1.mes?.consumption, [{ lotMetric: 'Coil Lot', counter: 'Coil Used', scale: 0.001 }])
  })

  it('refuses a metric that already means something else, and a feeder without its counter, with the JSON paths', function () {
    const text = fs.readFileSync(DEMO_PLANT, 'utf8').replace(/( +)goodCounter: Strokes\n/, (_m, indent: string) =>
      `${indent}goodCounter: Strokes\n${indent}consumption:\n${indent}  - { lotMetric: Coil Lot, counter: Strokes }\n${indent}  - { lotMetric: Coil Lot }\n`)
    let err: unknown
    try { parsePlantModel(text, 'plant.yaml') } catch (e) { err = e }
    assert.ok(err instanceof ValidationError, String(err))
    const unit = '/sites/0/areas/0/workCenters/0/workUnits/0/mes/consumption'
    const byPath = new Map(err.problems.map((p) => [p.path, p.message]))
    assert.match(byPath.get(`${unit}/0/counter`) ?? '', /'Strokes' is already the goodCounter/)
    assert.match(byPath.get(`${unit}/1/counter`) ?? '', /required, but missing/)
    assert.match(byPath.get(`${unit}/1/lotMetric`) ?? '', /'Coil Lot' is already the lotMetric of consumption 0/)
    assert.equal(err.problems.length, 3, err.message)
  })
})

forEachHubStore('machine consumption from Sparkplug metrics', (ctx) => {
  let edge: TestEdgeNode | undefined
  let bdSeq = 30
  afterEach(async function () { await edge?.close(); edge = undefined })

  const host = (): EventEmitter => ctx().hub.sparkplug!.host as unknown as EventEmitter
  const feeder = (): MachineConsumption => ctx().hub.mes.machineConsumption!

  /** Waits until the hub's host delivered the press-1 metric with this value, then until the MES consumed it. */
  async function settle (name: string, value: string | number, send: () => Promise<unknown>): Promise<void> {
    const heard = nextEvent<MetricUpdate>(host(), 'metric', (u) => u.deviceId === 'press-1' && u.name === name && String(u.value) === String(value))
    await send()
    await heard
    await feeder().flush()
  }

  async function birth (lot: string, used: number): Promise<TestEdgeNode> {
    edge ??= await TestEdgeNode.connect(mqttUrl(ctx().hub), 'dallas', 'press-line-1', bdSeq++)
    const e = edge
    await e.nbirth([])
    await settle('Coil Used', used, async () => await e.send('DBIRTH', 'press-1', [
      { name: 'Coil Lot', alias: LOT, datatype: DT.String, stringValue: lot },
      { name: 'Coil Used', alias: USED, datatype: DT.Int64, longValue: used }
    ]))
    return e
  }
  const used = async (e: TestEdgeNode, grams: number): Promise<void> =>
    await settle('Coil Used', grams, async () => await e.send('DDATA', 'press-1', [{ alias: USED, datatype: DT.Int64, longValue: grams }]))
  const load = async (e: TestEdgeNode, lot: string): Promise<void> =>
    await settle('Coil Lot', lot, async () => await e.send('DDATA', 'press-1', [{ alias: LOT, datatype: DT.String, stringValue: lot }]))

  async function startedJob (orderNumber: string): Promise<string> {
    const { mes } = ctx()
    await mes.workOrders.create(demoOrder(orderNumber, {
      materials: [{ item: 1, material: 'COIL-STEEL', quantity: 10, unit: 'KG', operationSequence: 10, tolerancePct: 10 }]
    }), { who: 'erp:SAP' })
    await mes.workOrders.release(orderNumber, SUPERVISOR)
    const job = await mes.dispatch.dispatchOperation(orderNumber, 10, 'PRESS01', SUPERVISOR)
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
    return job.jobId
  }

  before(async function () {
    const m = ctx().mes.materials
    await m.define({ material: 'COIL-STEEL', unit: 'KG' }, 'erp:SAP')
    await m.define({ material: 'COIL-ALU', unit: 'KG' }, 'erp:SAP')
    for (const [lotId, material] of [['C-1', 'COIL-STEEL'], ['C-2', 'COIL-STEEL'], ['A-1', 'COIL-ALU']] as const) {
      await m.receiveLot({ lotId, material, quantity: 20, unit: 'KG', who: 'wms:WH1' })
    }
  })

  it('consumes the counted grams from the loaded coil on the running job, once, by the machine', async function () {
    const { mes } = ctx()
    const e = await birth('C-1', 5000)
    const jobId = await startedJob('8101')
    await used(e, 6500)
    assert.equal((await mes.materials.lot('C-1')).quantity, 18.5)
    // A rebirth with the same value consumes nothing; a higher one consumes what was used meanwhile.
    await birth('C-1', 6500)
    await birth('C-1', 7000)
    assert.equal((await mes.materials.lot('C-1')).quantity, 18)
    // A new coil: counted from C-2 now; its counter starting again from 0 is a new base.
    await load(e, 'C-2')
    await used(e, 0)
    await used(e, 2000)
    assert.equal((await mes.materials.lot('C-2')).quantity, 18)
    const actuals = await mes.materials.actualsOfJob(jobId)
    assert.deepEqual(actuals.map((a) => [a.node.id, a.quantity, a.who]), [['C-1', 1.5, MACHINE], ['C-1', 0.5, MACHINE], ['C-2', 2, MACHINE]])
    await mes.wip.apply({ jobId, event: 'complete', who: OP, final: false })
  })

  it('consumes nothing of a wrong material, with no coil loaded or with no job running, and says why in the log', async function () {
    const { mes } = ctx()
    lines.length = 0
    const e = await birth('A-1', 0)
    const jobId = await startedJob('8102')
    await used(e, 1000)
    assert.equal((await mes.materials.lot('A-1')).quantity, 20)
    assert.equal(logged(/PRESS01 .*1 of lot A-1 counted by 'Coil Used' not consumed on job .*COIL-ALU is not a component/).length, 1, lines.join('\n'))
    await load(e, '')
    await used(e, 2000)
    assert.equal(logged(/1 counted by 'Coil Used' with no lot loaded/).length, 1, lines.join('\n'))
    await mes.wip.apply({ jobId, event: 'complete', who: OP, final: false })
    await load(e, 'C-1')
    await used(e, 3000)
    assert.equal(logged(/1 of lot C-1 counted by 'Coil Used' with no job Running: not consumed/).length, 1, lines.join('\n'))
    assert.equal((await mes.materials.lot('C-1')).quantity, 18)
    // The lot id is the machine's text: it reaches the log on the line it belongs to, its newline escaped.
    await load(e, 'C-9\nERROR forged line')
    await used(e, 4000)
    const quoted = logged(/1 of lot C-9\\nERROR forged line counted by 'Coil Used' with no job Running/)
    assert.equal(quoted.length, 1, lines.join('\n'))
    assert.equal(lines.some((l) => l.includes('\nERROR forged')), false, lines.join('\n'))
  })
}, { log, patch: (c) => { c.sparkplug.enabled = true; c.plantModel = plantWithFeeder() } })
