// The SAP QM connector against the simulated SAP over real HTTP (CSRF flow included): the order's inspection plan
// from its inspection lot, results and usage decisions posted as API_INSPECTIONLOT_SRV takes them, SAP's refusals
// as QmsSendErrors with the right verdict.
import assert from 'node:assert/strict'
import { QmsSendError, type QmsConnector } from '../../../../adapters/qms/qms-connector'
import { createODataClient, type ODataClient } from '../../../../adapters/sap/odata/odata-client'
import { SapODataError } from '../../../../adapters/sap/odata/odata-errors'
import { SapQmConnector, QM_SERVICE } from '../../../../adapters/sap/qm/sap-qm-connector'
import type { InspectionResult } from '../../../../mes/service'
import { startSapSimulator, DEFAULT_USERS, type RunningSapSimulator } from '../../../../sim/sap/simulator'

const LOT = '030000000001'

function result (over: Partial<InspectionResult>): InspectionResult {
  return {
    id: 1, resultId: 'r-1', inspectionLot: LOT, orderNumber: '1000001', sequence: 10, jobId: 'job-1', characteristic: '0010',
    value: 2.01, unit: 'MM', attribute: null, evaluation: 'accepted', lotId: 'LOT-7', serial: null, equipment: 'GAUGE-1',
    who: 'alice', at: '2024-06-03T08:00:00.000Z', ncId: null, ...over
  }
}

async function refused (p: Promise<unknown>): Promise<QmsSendError> {
  try { await p } catch (err) {
    assert.ok(err instanceof QmsSendError, `expected a QmsSendError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a refusal')
}

describe('SAP QM connector against the simulated SAP', function () {
  let sap: RunningSapSimulator
  let client: ODataClient
  let qm: SapQmConnector

  beforeEach(async function () {
    sap = await startSapSimulator({ port: 0 })
    client = createODataClient({ baseUrl: sap.url, username: 'HUB_RFC', password: DEFAULT_USERS.HUB_RFC!, timeoutMs: 2000 })
    qm = new SapQmConnector({ client, plant: '1000', refusal: (m, r, s) => new QmsSendError(m, r, s) })
  })
  afterEach(async function () { await sap.close() })

  it("reads an order's inspection plan from its inspection lot: operations, quantitative limits and units, qualitative checks", async function () {
    const plan = await qm.inspectionPlanOf({ orderNumber: '1000001', material: 'FG-PANEL-100' })
    assert.ok(plan)
    assert.equal(plan.inspectionLot, LOT)
    assert.equal(plan.who, 'sap-qm')
    assert.deepEqual(plan.operations.map((o) => o.sequence), [10, 20])
    assert.deepEqual(plan.operations[0]!.characteristics, [
      { characteristic: '0010', kind: 'quantitative', description: 'Sheet thickness', unit: 'MM', lowerLimit: 1.95, upperLimit: 2.05, target: 2 },
      { characteristic: '0020', kind: 'qualitative', description: 'Surface free of scratches' }
    ])
    assert.equal(await qm.inspectionPlanOf({ orderNumber: '4711', material: 'X' }), null)
  })

  it('gives the characteristic units in ISO codes when the MES holds ISO codes (sap.unitCodes iso)', async function () {
    const iso = new SapQmConnector({ client, plant: '1000', unitCodes: 'iso', refusal: (m, r, s) => new QmsSendError(m, r, s) })
    const plan = await iso.inspectionPlanOf({ orderNumber: '1000001', material: 'FG-PANEL-100' })
    assert.equal(plan!.operations[0]!.characteristics[0]!.unit, 'MMT')
  })

  it("marks the lot's results confirmed once every characteristic has one (A_InspectionLotWithStatus)", async function () {
    const status = async (): Promise<unknown> => (await client.get<Record<string, unknown>>(QM_SERVICE, `A_InspectionLotWithStatus('${LOT}')`)).data.InspLotStatusRsltsConfirmed
    await qm.send('inspection-result', { result: result({}) }, 'a')
    await qm.send('inspection-result', { result: result({ characteristic: '0020', value: null, unit: null, attribute: 'accepted' }) }, 'b')
    await qm.send('inspection-result', { result: result({ sequence: 20, value: 2 }) }, 'c')
    assert.equal(await status(), '')
    await qm.send('inspection-result', { result: result({ sequence: 20, characteristic: '0020', value: null, unit: null, attribute: 'accepted' }) }, 'd')
    assert.equal(await status(), 'X')
  })

  it('records a quantitative result as the characteristic’s mean value; SAP valuates it against its limits', async function () {
    const a = await qm.send('inspection-result', { result: result({ value: 2.2, evaluation: 'rejected' }) }, 'k1')
    assert.equal(a.reference, `${LOT}/00000001/0010`)
    const back = await client.get<Record<string, unknown>>(QM_SERVICE, `A_InspectionResult(InspectionLot='${LOT}',InspPlanOperationInternalID='00000001',InspectionCharacteristic='0010')`)
    assert.equal(back.data.InspectionValuationResult, 'R')
    assert.equal(back.data.InspectionResultMeanValue, '2.2')
    assert.equal(back.data.Inspector, 'ALICE')
    assert.equal(client.tokenFetches, 1)
  })

  it('records a qualitative result as its valuation, on the operation the sequence names', async function () {
    await qm.send('inspection-result', { result: result({ sequence: 20, characteristic: '0020', value: null, unit: null, attribute: 'rejected', evaluation: 'rejected' }) }, 'k2')
    const back = await client.get<Record<string, unknown>>(QM_SERVICE, `A_InspectionResult(InspectionLot='${LOT}',InspPlanOperationInternalID='00000002',InspectionCharacteristic='0020')`)
    assert.equal(back.data.InspectionValuationResult, 'R')
  })

  it('sends the same result again (a retry after a lost answer) once; another result on a closed characteristic is refused for good', async function () {
    await qm.send('inspection-result', { result: result({}) }, 'k1')
    await qm.send('inspection-result', { result: result({}) }, 'k1')
    const all = await client.get<unknown[]>(QM_SERVICE, 'A_InspectionResult', { $filter: `InspectionLot eq '${LOT}'` })
    assert.equal(all.data.length, 1)
    const e = await refused(qm.send('inspection-result', { result: result({ resultId: 'r-2', value: 1.99 }) }, 'k3'))
    assert.equal(e.retryable, false)
    assert.match(e.message, /already has a result for characteristic 0010 of operation 10 in inspection lot 030000000001/)
  })

  it('refuses a result on an operation or characteristic the lot does not have, with what SAP said', async function () {
    const op = await refused(qm.send('inspection-result', { result: result({ sequence: 30 }) }, 'k4'))
    assert.equal(op.retryable, false)
    assert.match(op.message, /no operation 0030 \(it has 0010, 0020\)/)
    const ch = await refused(qm.send('inspection-result', { result: result({ characteristic: '0099' }) }, 'k5'))
    assert.equal(ch.retryable, false)
    assert.equal(ch.status, 400)
    assert.match(ch.message, /Characteristic 0099 of node 00000001 does not exist in inspection lot 030000000001 \(QE\/020\)/)
  })

  it('makes the usage decision once: the same again is accepted, another refused, and SAP itself refuses a second', async function () {
    const ud = { inspectionLot: LOT, code: 'accept' as const, who: 'bob', at: '2024-06-03T09:00:00.000Z', why: null }
    assert.equal((await qm.send('usage-decision', ud, 'u1')).reference, LOT)
    const back = await client.get<Record<string, unknown>>(QM_SERVICE, `A_InspLotUsageDecision('${LOT}')`)
    assert.equal(back.data.InspectionLotUsageDecisionCode, 'A')
    assert.equal(back.data.InspLotUsageDecisionValuation, 'A')
    assert.equal(back.data.InspectionLotUsageDecidedBy, 'BOB')
    const status = await client.get<Record<string, unknown>>(QM_SERVICE, `A_InspectionLotWithStatus('${LOT}')`)
    assert.equal(status.data.InspLotStatusInspCompleted, 'X')
    await qm.send('usage-decision', ud, 'u1')
    const other = await refused(qm.send('usage-decision', { ...ud, code: 'reject' }, 'u2'))
    assert.equal(other.retryable, false)
    assert.match(other.message, /already has usage decision A by BOB/)
    await assert.rejects(client.post(QM_SERVICE, 'A_InspLotUsageDecision', { InspectionLot: LOT, InspectionLotUsageDecisionCode: 'R' }),
      (err: unknown) => err instanceof SapODataError && err.status === 400 && err.sapCode === 'QV/101' && /Usage decision already made for inspection lot 030000000001/.test(err.message))
    const late = await refused(qm.send('inspection-result', { result: result({}) }, 'k6'))
    assert.equal(late.retryable, false)
    assert.match(late.message, /Usage decision has already been made/)
  })

  it('the simulated SAP refuses a result it cannot valuate, in its error body, and keeps nothing', async function () {
    const key = { InspectionLot: LOT, InspPlanOperationInternalID: '00000001' }
    await assert.rejects(client.post(QM_SERVICE, 'A_InspectionResult', { ...key, InspectionCharacteristic: '0010', InspectionResultMeanValue: 'thin' }),
      (err: unknown) => err instanceof SapODataError && err.sapCode === 'QE/040' && /must be a number, not 'thin'/.test(err.message))
    await assert.rejects(client.post(QM_SERVICE, 'A_InspectionResult', { ...key, InspectionCharacteristic: '0020' }),
      (err: unknown) => err instanceof SapODataError && err.sapCode === 'QE/041' && /must be A or R/.test(err.message))
    await assert.rejects(client.post(QM_SERVICE, 'A_InspectionResult', { ...key, InspectionLot: '039999999999', InspectionCharacteristic: '0010', InspectionResultMeanValue: '2' }),
      (err: unknown) => err instanceof SapODataError && err.sapCode === 'QE/010')
    assert.equal((await client.get<unknown[]>(QM_SERVICE, 'A_InspectionResult')).data.length, 0)
  })

  it('refuses a nonconformance for good, naming what a landscape needs for it', async function () {
    const e = await refused(qm.send('nonconformance', {
      nonconformance: { ncId: 'NC-1', status: 'open', source: 'operator', resultId: null, lotId: 'LOT-7', serial: null, orderNumber: '1000001', sequence: 10, jobId: null, quantity: 1, unit: 'ST', defectCode: 'SCRATCH', description: 'scratch', holdId: null, reportedBy: 'alice', reportedAt: '2024-06-03T08:00:00.000Z', disposition: null, dispositionBy: null, dispositionAt: null, dispositionWhy: null, qmsReference: null }
    } as never, 'n1'))
    assert.equal(e.retryable, false)
    assert.match(e.message, /NC-1 is not sent to SAP QM.*API_QUALITYNOTIFICATION_SRV/)
  })

  it('SAP down or a session that expired: retryable, and the next send fetches a new CSRF token', async function () {
    await sap.control.apply({ mode: 'down', how: '503' })
    const down = await refused(qm.send('inspection-result', { result: result({}) }, 'k1'))
    assert.equal(down.retryable, true)
    assert.equal(down.status, 503)
    await sap.control.apply({ mode: 'up' })
    await sap.control.apply({ mode: 'error', kind: 'server' })
    const busy = await refused(qm.send('inspection-result', { result: result({}) }, 'k1'))
    assert.equal(busy.retryable, true)
    await sap.control.apply({ mode: 'expire-csrf' })
    await qm.send('inspection-result', { result: result({}) }, 'k1')
    assert.equal(client.tokenFetches, 2)
  })
})

// The hub passes the connector to the QMS adapter: it must be a QmsConnector as it is (checked by the compiler).
export const fitsTheQmsAdapter = (c: SapQmConnector): QmsConnector => c
