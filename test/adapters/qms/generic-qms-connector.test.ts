// The generic connector against the simulated QMS (real HTTP): what the QMS refuses is final with its words and the
// place it names, the QMS down or slow is retryable, and a send whose answer was lost is sent again safely (the QMS
// answers the repeated Idempotency-Key with its first answer: one record there). The inspection plan is read and
// turned into what Quality.setInspectionPlan takes.
import assert from 'node:assert/strict'
import { startQmsSimulator, DEFAULT_TOKEN, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import { genericQmsConnector } from '../../../adapters/qms/generic/generic-qms-connector'
import { QMS_SECTION, type QmsConfig } from '../../../adapters/qms/config'
import { QmsSendError, type QmsConnector } from '../../../adapters/qms/qms-connector'
import { ValidationError } from '../../../core/errors'
import { nonconformance, result } from './fixtures'

describe('the generic QMS connector', function () {
  this.timeout(20000)
  let sim: RunningQmsSimulator
  let config: QmsConfig
  let qms: QmsConnector

  beforeEach(async () => {
    sim = await startQmsSimulator()
    config = { ...QMS_SECTION.defaults(process.cwd()), enabled: true, url: sim.url, timeoutMs: 2000, retryDelayMs: 10 }
    qms = genericQmsConnector({ config, token: DEFAULT_TOKEN })
  })
  afterEach(async () => { await sim.close() })

  it('sends a nonconformance and answers the QMS\'s number as its reference', async () => {
    assert.deepEqual(await qms.send('nonconformance', { nonconformance: nonconformance() }, 'qms:nc:NC-HUB-1'), { reference: 'NC-000001' })
    assert.equal(sim.received().nonconformances[0]!.defectCode, 'THICK-HI')
    assert.equal(sim.received().requests[0]!.key, 'qms:nc:NC-HUB-1')
  })

  it('sends again safely after an answer lost on the way: one record at the QMS, the same reference', async () => {
    const dropping: typeof fetch = async (input, init) => {
      await fetch(input, init)
      throw new TypeError('fetch failed', { cause: new Error('socket hang up') })
    }
    const lost = genericQmsConnector({ config, token: DEFAULT_TOKEN, fetch: dropping })
    await assert.rejects(lost.send('inspection-result', { result: result() }, 'qms:result:1'), (err: unknown) =>
      err instanceof QmsSendError && err.retryable && /could not be reached: socket hang up/.test(err.message))
    const r = await qms.send('inspection-result', { result: result() }, 'qms:result:1')
    assert.match(r.reference!, /^R-000001$/)
    assert.equal(sim.received().results.length, 1)
  })

  it('takes a QMS too slow to answer for retryable; the retry under the same key finds what the slow request did', async () => {
    await sim.control.apply({ mode: 'slow', delayMs: 400 })
    const impatient = genericQmsConnector({ config: { ...config, timeoutMs: 100 }, token: DEFAULT_TOKEN })
    await assert.rejects(impatient.send('nonconformance', { nonconformance: nonconformance() }, 'qms:nc:NC-HUB-1'), (err: unknown) =>
      err instanceof QmsSendError && err.retryable && /no answer within 100 ms/.test(err.message))
    await sim.control.apply({ mode: 'up' })
    assert.deepEqual(await qms.send('nonconformance', { nonconformance: nonconformance() }, 'qms:nc:NC-HUB-1'), { reference: 'NC-000001' })
    assert.equal(sim.received().nonconformances.length, 1)
  })

  it('makes a refusal final with the QMS\'s words and place, and the QMS down or failing retryable', async () => {
    await assert.rejects(qms.send('inspection-result', { result: result({ characteristic: '0099' }) }, 'k1'), (err: unknown) =>
      err instanceof QmsSendError && !err.retryable && err.status === 422 &&
      /HTTP 422: Unknown characteristic; operation 10 of inspection lot 010000000001 has no characteristic 0099; \/characteristic: not in the inspection plan/.test(err.message))
    await sim.control.apply({ mode: 'down', how: '503' })
    await assert.rejects(qms.send('nonconformance', { nonconformance: nonconformance() }, 'k2'), (err: unknown) => err instanceof QmsSendError && err.retryable && err.status === 503)
    await sim.control.apply({ mode: 'up' })
    await sim.control.apply({ mode: 'error', kind: 'server' })
    await assert.rejects(qms.send('nonconformance', { nonconformance: nonconformance() }, 'k2'), (err: unknown) => err instanceof QmsSendError && err.retryable)
    assert.deepEqual(await qms.send('nonconformance', { nonconformance: nonconformance() }, 'k2'), { reference: 'NC-000001' })
    await sim.control.apply({ mode: 'down' })
    await assert.rejects(qms.send('nonconformance', { nonconformance: nonconformance({ ncId: 'NC-HUB-2' }) }, 'k3'), (err: unknown) => err instanceof QmsSendError && err.retryable)
  })

  it('refuses a wrong token for good, saying where the token lives', async () => {
    const wrong = genericQmsConnector({ config, token: 'nope' })
    await assert.rejects(wrong.send('nonconformance', { nonconformance: nonconformance() }, 'k'), (err: unknown) =>
      err instanceof QmsSendError && !err.retryable && /HTTP 401.*qms\.credentialsFile/.test(err.message))
  })

  it('refuses before sending a payload the contract cannot carry, naming the field', async () => {
    await assert.rejects(qms.send('nonconformance', { nonconformance: nonconformance({ quantity: 0 }) }, 'k'), (err: unknown) =>
      err instanceof ValidationError && err.problems.some((p) => p.path === '/quantity'))
    assert.equal(sim.received().requests.length, 0)
  })

  it('sends the usage decision of an inspection lot; a second is refused as SAP refuses it', async () => {
    const ud = { inspectionLot: '010000000001', code: 'accept' as const, who: 'quality.quinn', at: '2025-03-03T08:00:00.000Z', why: null }
    assert.deepEqual(await qms.send('usage-decision', ud, 'qms:usage-decision:010000000001'), { reference: '010000000001' })
    await assert.rejects(qms.send('usage-decision', { ...ud, code: 'reject' }, 'other-key'), (err: unknown) =>
      err instanceof QmsSendError && !err.retryable && err.status === 409 && /already has the usage decision accept/.test(err.message))
  })

  it('reads the inspection plan of an order as Quality takes it, null when the QMS has none, after a retry when it fails once', async () => {
    await sim.control.apply({ mode: 'error', kind: 'server' })
    const plan = await qms.inspectionPlanOf({ orderNumber: '1000001', material: 'FG-PANEL-100' })
    assert.equal(plan!.inspectionLot, '010000000001')
    assert.equal(plan!.who, 'qms')
    assert.deepEqual(plan!.operations.map((o) => o.sequence), [10, 20])
    assert.deepEqual(plan!.operations[0]!.characteristics[0], { characteristic: '0010', description: 'Panel thickness', kind: 'quantitative', unit: 'MM', lowerLimit: 1.9, upperLimit: 2.1, target: 2 })
    assert.equal(await qms.inspectionPlanOf({ orderNumber: '4711', material: 'X' }), null)
  })
})
