// Job events from machines (mes/machine-events.ts): a real hub with Sparkplug and the MES, a real Sparkplug edge
// node publishing press-line-1/press-1 of the demo plant (goodCounter: Strokes, state: State), and jobs started by
// people. Plus the plant model side: `mes:` on a work unit is validated, and a fake host for what the demo plant
// does not map (held, scrap counter, BAD quality).
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createLogger } from '../../core/logger'
import { ValidationError } from '../../core/errors'
import { loadPlantModel, parsePlantModel } from '../../plant/load-plant-model'
import type { MetricUpdate } from '../../sparkplug/host/session'
import type { UnsUpdate, UnsUpdateSource } from '../../uns/uns-update'
import type { Quality } from '../../plant/uns-payload'
import { createMes, openSqliteMes, type Mes } from '../../mes/index'
import { RUNNING_JOB_TTL_MS, startMachineEvents, type MachineEvents } from '../../mes/machine-events'
import { mqttUrl } from '../support/hub-fixture'
import { DT, TestEdgeNode, nextEvent, type SpecMetric } from '../sparkplug/host/edge-node'
import { demoOrder, forEachHubStore } from './hub-stores'

const DEMO_PLANT = path.join(__dirname, '..', '..', 'plant', 'demo-plant.yaml')
const MACHINE = 'machine:dallas/press-line-1/press-1'
const SUPERVISOR = { who: 'supervisor.sue' }
const OP = 'op.oscar'
const STROKES = 11
const STATE = 12

const lines: string[] = []
const log = createLogger('debug', 'hub', (line) => { lines.push(line) })
const logged = (re: RegExp): string[] => lines.filter((l) => re.test(l))

// ---- The plant model --------------------------------------------------------------------------------------------

function unitYaml (unit: string): string {
  return `version: 1
enterprise: { id: acme, name: ACME }
sites:
  - id: dallas
    name: Dallas
    sap: { plant: '1000' }
    areas:
      - id: press-shop
        name: Press Shop
        workCenters:
          - id: line-1
            name: Line 1
            kind: ProductionLine
            sap: { workCenter: PRESSL1 }
            workUnits:
              - id: press-1
                name: Press 1
                kind: WorkCell
${unit.split('\n').map((l) => `                ${l}`).join('\n')}
`
}

function problems (text: string): ValidationError {
  try {
    parsePlantModel(text, 'plant.yaml')
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err))
    return err
  }
  assert.fail('the plant model loaded without an error')
}

const UNIT = '/sites/0/areas/0/workCenters/0/workUnits/0'

describe('machine events in the plant model (mes: on a work unit)', function () {
  it('the demo plant maps press-1\'s Strokes counter and State metric', function () {
    const model = loadPlantModel(DEMO_PLANT)
    const press1 = model.byTopic('acme/dallas/press-shop/line-1/press-1')!
    assert.deepEqual(press1.mes, { goodCounter: 'Strokes', state: { metric: 'State', running: ['RUNNING'], stopped: ['STOPPED', 'SETUP'] } })
    assert.deepEqual(model.machineEventUnits().map((e) => e.id), ['press-1'])
  })

  it('refuses mes on a work unit without a Sparkplug binding, or without an SAP work center, with the JSON path', function () {
    let err = problems(unitYaml('sap: { workCenter: PRESS01 }\nmes: { goodCounter: Strokes }'))
    assert.equal(err.problems.length, 1, err.message)
    assert.equal(err.problems[0]!.path, `${UNIT}/mes`)
    assert.match(err.problems[0]!.message, /need a Sparkplug binding on this work unit.*add sparkplug: \{ groupId, edgeNodeId, deviceId \}/)
    assert.match(err.problems[0]!.message, /\(line \d+\)$/)

    err = problems(unitYaml('sparkplug: { groupId: dallas, edgeNodeId: press-line-1, deviceId: press-1 }\nmes: { goodCounter: Strokes }'))
    assert.equal(err.problems.length, 1, err.message)
    assert.equal(err.problems[0]!.path, `${UNIT}/mes`)
    assert.match(err.problems[0]!.message, /need an SAP work center on this work unit/)
  })

  it('refuses a mapping that cannot mean one thing, and names every problem at once', function () {
    const err = problems(unitYaml(`sap: { workCenter: PRESS01 }
sparkplug: { groupId: dallas, edgeNodeId: press-line-1, deviceId: press-1 }
mes:
  goodCounter: Strokes
  scrapCounter: Strokes
  state: { metric: State, running: [RUNNING], stopped: [STOPPED, RUNNING], idle: [IDLE] }`))
    const byPath = new Map(err.problems.map((p) => [p.path, p.message]))
    assert.match(byPath.get(`${UNIT}/mes/scrapCounter`) ?? '', /already the goodCounter/)
    assert.match(byPath.get(`${UNIT}/mes/state/stopped/1`) ?? '', /'RUNNING' is already listed under running/)
    assert.match(byPath.get(`${UNIT}/mes/state/idle`) ?? '', /unknown property \(allowed: metric, running, stopped, held\)/)
    assert.equal(err.problems.length, 3, err.message)

    const empty = problems(unitYaml(`sap: { workCenter: PRESS01 }
sparkplug: { groupId: dallas, edgeNodeId: press-line-1, deviceId: press-1 }
mes: { state: { metric: State } }`))
    assert.deepEqual(empty.problems.map((p) => p.path), [`${UNIT}/mes/state`])
    assert.match(empty.problems[0]!.message, /list the metric's values under running, stopped and\/or held/)
  })
})

// ---- With the hub: a real edge node, a real MES --------------------------------------------------------------------

forEachHubStore('machine events from Sparkplug metrics', (ctx) => {
  let bdSeq = 10
  let edge: TestEdgeNode | undefined
  afterEach(async function () { await edge?.close(); edge = undefined })

  const host = (): EventEmitter => ctx().hub.sparkplug!.host as unknown as EventEmitter
  const machine = (): MachineEvents => ctx().hub.mes.machineEvents!

  /** Waits until the hub's host delivered the press-1 metric with this value, then until the MES applied it. */
  async function settle (name: string, value: string | number, send: () => Promise<unknown>): Promise<void> {
    const heard = nextEvent<MetricUpdate>(host(), 'metric', (u) => u.deviceId === 'press-1' && u.name === name && u.quality === 'GOOD' && String(u.value) === String(value))
    await send()
    await heard
    await machine().flush()
  }

  /** A new session of press-line-1 (NBIRTH) and a DBIRTH of press-1 with these values. */
  async function birth (strokes: number, state: string): Promise<TestEdgeNode> {
    edge ??= await TestEdgeNode.connect(mqttUrl(ctx().hub), 'dallas', 'press-line-1', bdSeq++)
    const e = edge
    await e.nbirth([])
    await settle('State', state, async () => await e.send('DBIRTH', 'press-1', [
      { name: 'Strokes', alias: STROKES, datatype: DT.Int64, longValue: strokes },
      { name: 'State', alias: STATE, datatype: DT.String, stringValue: state },
      { name: 'Die Temperature', alias: 13, datatype: DT.Double, doubleValue: 180 }
    ]))
    return e
  }

  const data = async (e: TestEdgeNode, name: string, value: number | string, extra: SpecMetric = {}): Promise<void> => {
    const metric: SpecMetric = name === 'Strokes'
      ? { alias: STROKES, datatype: DT.Int64, longValue: value, ...extra }
      : { alias: STATE, datatype: DT.String, stringValue: value, ...extra }
    await settle(name, value, async () => await e.send('DDATA', 'press-1', [metric]))
  }

  /** An order released and dispatched to PRESS01, its job started by a person. */
  async function startedJob (orderNumber: string): Promise<string> {
    const { mes } = ctx()
    await mes.workOrders.create(demoOrder(orderNumber), { who: 'erp:SAP' })
    await mes.workOrders.release(orderNumber, SUPERVISOR)
    const job = await mes.dispatch.dispatchOperation(orderNumber, 10, 'PRESS01', SUPERVISOR)
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
    return job.jobId
  }

  const endJob = async (jobId: string): Promise<void> => {
    const { mes } = ctx()
    if ((await mes.wip.getJob(jobId)).state !== 'Running') await mes.wip.apply({ jobId, event: 'resume', who: OP })
    await mes.wip.apply({ jobId, event: 'complete', who: OP, final: false })
  }

  it('reports counter increases as good quantity on the running job, once: a rebirth with the same value adds nothing', async function () {
    const { mes } = ctx()
    const e = await birth(1000, 'RUNNING')
    const jobId = await startedJob('8001')
    const good = async (): Promise<number> => (await mes.wip.getJob(jobId)).goodQuantity

    await data(e, 'Strokes', 1003)
    assert.equal(await good(), 3)
    await data(e, 'Strokes', 1005)
    assert.equal(await good(), 5)

    // The same session's birth again (a rebirth the host asked for, a replayed birth): same value, nothing more.
    await birth(1005, 'RUNNING')
    await machine().flush()
    assert.equal(await good(), 5)
    await data(e, 'Strokes', 1006)
    assert.equal(await good(), 6)

    // A birth with a higher value: parts made while the host could not hear the node are counted.
    await birth(1010, 'RUNNING')
    assert.equal(await good(), 10)

    // Historical values are not the machine's present: ignored, and the next live value counts from 1010.
    await data(e, 'Strokes', 5000, { isHistorical: true })
    assert.equal(await good(), 10)
    await data(e, 'Strokes', 1011)
    assert.equal(await good(), 11)

    // A lower value is a counter reset: the new base, nothing reported; counting goes on from there.
    await data(e, 'Strokes', 2)
    assert.equal(await good(), 11)
    await data(e, 'Strokes', 4)
    assert.equal(await good(), 13)

    const response = await mes.wip.jobResponse(jobId)
    assert.deepEqual(response.reports.map((r) => [r.good, r.who]), [[3, MACHINE], [2, MACHINE], [1, MACHINE], [4, MACHINE], [1, MACHINE], [2, MACHINE]])
    const op = (await mes.workOrders.get('8001')).operations.find((o) => o.sequence === 10)!
    assert.equal(op.goodQuantity, 13, 'the operation (and its ERP confirmations) got the same quantities')
    await endJob(jobId)
  })

  it('pauses the running job when State is STOPPED (or SETUP) and resumes it on RUNNING; a person\'s pause is left alone', async function () {
    const { mes } = ctx()
    const e = await birth(0, 'RUNNING')
    const jobId = await startedJob('8002')
    const job = async (): Promise<{ state: string, lastWho: string }> => {
      const r = await mes.wip.jobResponse(jobId)
      return { state: r.state, lastWho: r.events[r.events.length - 1]!.who }
    }

    await data(e, 'State', 'STOPPED')
    assert.deepEqual(await job(), { state: 'Interrupted.Paused', lastWho: MACHINE })
    await data(e, 'State', 'RUNNING')
    assert.deepEqual(await job(), { state: 'Running', lastWho: MACHINE })
    await data(e, 'State', 'SETUP')
    assert.deepEqual(await job(), { state: 'Interrupted.Paused', lastWho: MACHINE })
    // STOPPED after SETUP: nothing Running to pause; logged at debug, nothing changes.
    await data(e, 'State', 'STOPPED')
    assert.equal((await job()).state, 'Interrupted.Paused')
    assert.ok(logged(/PRESS01: machine state 'State' = 'STOPPED': no job to pause/).length > 0, lines.join('\n'))
    await data(e, 'State', 'RUNNING')
    assert.deepEqual(await job(), { state: 'Running', lastWho: MACHINE })
    // A rebirth with the same state is not a change of state.
    await mes.wip.apply({ jobId, event: 'pause', who: OP })
    await birth(0, 'RUNNING')
    assert.deepEqual(await job(), { state: 'Interrupted.Paused', lastWho: OP })

    // Paused by a person: the machine running does not resume it; the person does.
    await data(e, 'State', 'STOPPED')
    await data(e, 'State', 'RUNNING')
    assert.deepEqual(await job(), { state: 'Interrupted.Paused', lastWho: OP })
    // Resumed by a person while the machine says STOPPED: a rebirth repeating STOPPED does not pause it again.
    await data(e, 'State', 'STOPPED')
    await mes.wip.apply({ jobId, event: 'resume', who: OP })
    await birth(0, 'STOPPED')
    assert.deepEqual(await job(), { state: 'Running', lastWho: OP })
    const events = (await mes.wip.jobResponse(jobId)).events.map((x) => `${x.event}:${x.who}`)
    assert.deepEqual(events, [`start:${OP}`, `pause:${MACHINE}`, `resume:${MACHINE}`, `pause:${MACHINE}`, `resume:${MACHINE}`, `pause:${OP}`, `resume:${OP}`])
    await data(e, 'State', 'RUNNING')
    await endJob(jobId)
  })

  it('reports nothing of parts counted with no job running, and logs them once per job-less stretch', async function () {
    const { mes } = ctx()
    lines.length = 0
    const e = await birth(0, 'RUNNING')
    await data(e, 'Strokes', 3)
    await data(e, 'Strokes', 5)
    const first = logged(/PRESS01 .*counted by 'Strokes' with no job Running/)
    assert.equal(first.length, 1, lines.join('\n'))
    assert.match(first[0]!, /WARN .*3 good parts counted by 'Strokes' with no job Running: not reported/)

    const jobId = await startedJob('8003')
    await data(e, 'Strokes', 6)
    assert.equal((await mes.wip.getJob(jobId)).goodQuantity, 1, 'only what was made while the job ran')
    assert.equal(logged(/5 good parts counted while no job was Running were not reported/).length, 1, lines.join('\n'))

    // A paused job does not take counts either.
    await mes.wip.apply({ jobId, event: 'pause', who: OP })
    await data(e, 'Strokes', 8)
    assert.equal((await mes.wip.getJob(jobId)).goodQuantity, 1)
    assert.equal(logged(/2 good parts counted by 'Strokes' with no job Running/).length, 1, lines.join('\n'))
    await endJob(jobId)
  })

  it('finds a job started by another process on the same database once the remembered Running job expires', async function () {
    const { kind } = ctx()
    const e = await birth(0, 'RUNNING')
    await data(e, 'Strokes', 2) // no job Running: remembered
    // Another hub on the same database: this process hears nothing of its changes.
    const other = createMes(await kind.reopen())
    let jobId: string
    try {
      await other.workOrders.create(demoOrder('8005'), { who: 'erp:SAP' })
      await other.workOrders.release('8005', SUPERVISOR)
      jobId = (await other.dispatch.dispatchOperation('8005', 10, 'PRESS01', SUPERVISOR)).jobId
      await other.wip.apply({ jobId, event: 'start', who: OP })
    } finally {
      await other.close()
    }
    await new Promise((resolve) => setTimeout(resolve, RUNNING_JOB_TTL_MS + 100))
    await data(e, 'Strokes', 5)
    assert.equal((await ctx().mes.wip.getJob(jobId)).goodQuantity, 3)
    await endJob(jobId)
  })

  it('ignores STALE values: a dead node pauses nothing and counts nothing, its next birth counts what it made', async function () {
    const { mes } = ctx()
    const e = await birth(0, 'RUNNING')
    const jobId = await startedJob('8004')
    const stale = nextEvent<MetricUpdate>(host(), 'metric', (u) => u.deviceId === 'press-1' && u.name === 'State' && u.quality === 'STALE')
    e.kill()
    edge = undefined
    await stale
    await machine().flush()
    assert.equal((await mes.wip.getJob(jobId)).state, 'Running')
    await birth(7, 'RUNNING')
    assert.equal((await mes.wip.getJob(jobId)).goodQuantity, 7)
    await endJob(jobId)
  })
}, { log, patch: (c) => { c.sparkplug.enabled = true } })

// ---- Without the hub: what the demo plant does not map --------------------------------------------------------------

describe('machine events: held, scrap counter, BAD quality (fake host)', function () {
  let dir: string
  let mes: Mes
  let events: MachineEvents
  const fake = new EventEmitter()
  let ts = 1_700_000_000_000

  const updates: UnsUpdateSource = { onUpdate: (l) => { fake.on('metric', l) }, offUpdate: (l) => { fake.off('metric', l) } }
  // What the Sparkplug side's stream hands on for a metric of edge node dallas/cell-7 (or one of its devices).
  const update = (name: string, value: unknown, over: { deviceId?: string, quality?: Quality } = {}): UnsUpdate => {
    const device = over.deviceId === undefined ? '' : `/${over.deviceId}`
    const tag = `${over.deviceId === undefined ? '' : over.deviceId + '/'}${name.toLowerCase().replace(/ /g, '-')}`
    return {
      topic: `acme/dallas/measurements/cell-7/${tag}`, equipment: 'acme/dallas', kind: 'measurements', tag: `cell-7/${tag}`,
      value, datatype: typeof value === 'string' ? 'String' : 'Int32', unit: undefined, quality: over.quality ?? 'GOOD', timestamp: ts++,
      source: { groupId: 'dallas', edgeNodeId: 'cell-7', deviceId: over.deviceId, name, id: `spBv1.0/dallas/cell-7${device}#${name}` },
      historical: false
    }
  }
  const emit = async (name: string, value: unknown, over: { deviceId?: string, quality?: Quality } = {}): Promise<void> => {
    fake.emit('metric', update(name, value, over))
    await events.flush()
  }

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'machine-events-'))
    mes = await openSqliteMes(path.join(dir, 'mes.sqlite'))
    // A unit bound to an edge node itself (no device): its node metrics are the machine's.
    const model = parsePlantModel(unitYaml(`sap: { workCenter: CELL07 }
sparkplug: { groupId: dallas, edgeNodeId: cell-7 }
mes:
  goodCounter: Good Parts
  scrapCounter: Bad Parts
  state: { metric: Mode, running: ['1'], stopped: ['0'], held: ['9'] }`), 'cell.yaml')
    events = startMachineEvents({ mes, model, updates, log })
    await mes.workOrders.create(demoOrder('9001', { operations: [{ sequence: 10, workCenter: 'PRESSL1', runTimePerUnit: 1 }] }), { who: 'erp:SAP' })
    await mes.workOrders.release('9001', SUPERVISOR)
  })
  after(async function () {
    await events.stop()
    await mes.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('reports scrap with reason MACHINE, holds on a held state, and ignores BAD values and other devices', async function () {
    const job = await mes.dispatch.dispatchOperation('9001', 10, 'CELL07', SUPERVISOR)
    await emit('Good Parts', 10)
    await emit('Bad Parts', 0)
    await emit('Mode', 1)
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
    await emit('Good Parts', 12)
    await emit('Bad Parts', 1)
    await emit('Good Parts', 40, { quality: 'BAD' })
    await emit('Good Parts', 40, { deviceId: 'other' })
    await emit('Good Parts', 13)
    const r = await mes.wip.jobResponse(job.jobId)
    assert.deepEqual(r.reports.map((x) => [x.good, x.scrap, x.scrapReason, x.who]),
      [[2, 0, null, 'machine:dallas/cell-7'], [0, 1, 'MACHINE', 'machine:dallas/cell-7'], [1, 0, null, 'machine:dallas/cell-7']])

    await emit('Mode', 9) // numbers match the text of the plant model ('9')
    assert.equal((await mes.wip.getJob(job.jobId)).state, 'Interrupted.Held')
    // Held: a machine's RUNNING does not lift a hold, and a refused transition is only logged.
    await emit('Mode', 1)
    await emit('Mode', 0)
    assert.equal((await mes.wip.getJob(job.jobId)).state, 'Interrupted.Held')
    await mes.wip.apply({ jobId: job.jobId, event: 'release', who: 'supervisor.sue' })
    assert.equal((await mes.wip.getJob(job.jobId)).state, 'Interrupted.Paused', 'a job held while Running comes back Paused')
  })

  it('does not remember a Running job read across a change: a job started while the query ran gets the next counts', async function () {
    await emit('Good Parts', 100) // the base; nothing Running on CELL07 (9001 is paused)
    // Order changes make the hub forget what it knew of Running jobs: the next count asks the store again.
    await mes.workOrders.create(demoOrder('9002', { operations: [{ sequence: 10, workCenter: 'PRESSL1', runTimePerUnit: 1 }] }), { who: 'erp:SAP' })
    await mes.workOrders.release('9002', SUPERVISOR)
    const job = await mes.dispatch.dispatchOperation('9002', 10, 'CELL07', SUPERVISOR)
    // The query's answer arrives late, after the job has started (PostgreSQL: another connection's snapshot).
    const listJobs = mes.wip.listJobs.bind(mes.wip)
    mes.wip.listJobs = async (f) => { const r = await listJobs(f); await new Promise((resolve) => setTimeout(resolve, 50)); return r }
    try {
      fake.emit('metric', update('Good Parts', 101)) // answered "nothing Running": counted job-less
      await new Promise((resolve) => setTimeout(resolve, 10))
      await mes.wip.apply({ jobId: job.jobId, event: 'start', who: OP })
      await events.flush()
    } finally {
      mes.wip.listJobs = listJobs
    }
    await emit('Good Parts', 102)
    await emit('Good Parts', 103)
    await emit('Good Parts', 110)
    assert.deepEqual((await mes.wip.jobResponse(job.jobId)).reports.map((x) => x.good), [1, 1, 7])
    await mes.wip.apply({ jobId: job.jobId, event: 'complete', who: OP, final: false })
  })

  it('never throws into the host: values of the wrong type are logged once and ignored', async function () {
    lines.length = 0
    await emit('Good Parts', 'many')
    await emit('Good Parts', 'more')
    await emit('Good Parts', 13.5)
    assert.equal(logged(/counter 'Good Parts' of machine:dallas\/cell-7 has a value that is not a whole number/).length, 1, lines.join('\n'))
  })
})
