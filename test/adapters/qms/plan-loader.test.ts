// Inspection plans fetched from the QMS when an order is released (qms.plansOnRelease), over the real MES (SQLite
// and PostgreSQL) and the simulated QMS: at start for released orders without an inspection lot, at a release while
// it runs, again after the QMS was unreachable, never again when the QMS has no plan for the order.
import assert from 'node:assert/strict'
import { ERP, SUPERVISOR, forEachStore } from '../../mes/stores'
import { startQmsSimulator, DEFAULT_TOKEN, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import { genericQmsConnector } from '../../../adapters/qms/generic/generic-qms-connector'
import { QMS_SECTION } from '../../../adapters/qms/config'
import { PlanLoader } from '../../../adapters/qms/plan-loader'
import { createLogger, type Logger } from '../../../core/logger'
import { until } from '../../support/until'
import type { Mes } from '../../../mes/service'

const plan = (orderNumber: string) => ({
  orderNumber, material: 'FG-BRACKET', inspectionLot: `0100000007${orderNumber.slice(-2)}`,
  operations: [{ operation: 10, characteristics: [{ characteristic: '0010', kind: 'quantitative' as const, unit: 'MM', lowerLimit: 9.9, upperLimit: 10.1 }] }]
})

async function order (mes: Mes, orderNumber: string, release: boolean): Promise<void> {
  await mes.workOrders.create({
    orderNumber, material: 'FG-BRACKET', quantity: 5, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z', operations: [{ sequence: 10, workCenter: 'WC-CUT' }]
  }, ERP)
  if (release) await mes.workOrders.release(orderNumber, SUPERVISOR)
}

forEachStore('inspection plans loaded from the QMS at release', (ctx) => {
  let sim: RunningQmsSimulator
  let loader: PlanLoader | undefined
  beforeEach(async () => { sim = await startQmsSimulator({ plans: [plan('701'), plan('702'), plan('703')] }) })
  afterEach(async () => { await loader?.stop(); loader = undefined; await sim.close() })

  const captureLogger = (): Logger & { lines: string[] } => {
    const lines: string[] = []
    return Object.assign(createLogger('debug', 'qms', (l) => lines.push(l)), { lines })
  }
  const start = async (mes: Mes, log = captureLogger()) => {
    const connector = genericQmsConnector({ config: { ...QMS_SECTION.defaults(process.cwd()), url: sim.url, timeoutMs: 2000, retries: 0 }, token: DEFAULT_TOKEN })
    loader = new PlanLoader({
      mes, retryMs: 100, log,
      load: async (o) => { const p = await connector.inspectionPlanOf(o); return p === null ? null : await mes.quality.setInspectionPlan(p) }
    })
    await loader.start()
    return log
  }
  const characteristics = async (mes: Mes, orderNumber: string) => (await mes.quality.characteristics(orderNumber, 10)).map((c) => c.characteristic)

  it('asks at start for released orders without an inspection lot, and at each release', async () => {
    const { mes } = ctx()
    await order(mes, '701', true)
    await order(mes, '702', false)
    await start(mes)
    assert.deepEqual(await characteristics(mes, '701'), ['0010'], 'released before the hub started')
    assert.deepEqual(await characteristics(mes, '702'), [], 'not released: not asked')
    await mes.workOrders.release('702', SUPERVISOR)
    await until('the plan of 702 after its release', async () => (await characteristics(mes, '702')).length === 1 || undefined)
    assert.equal((await mes.quality.inspectionLotsOf('702'))[0]?.inspectionLot, '010000000702')
  })

  it('asks again while the QMS cannot be reached, and not again when it has no plan for the order', async () => {
    const { mes } = ctx()
    const log = await start(mes)
    await sim.control.apply({ mode: 'down', how: '503' })
    await order(mes, '703', true)
    await until('the failure logged', async () => (log.lines.some((l) => /inspection plan of order 703 not loaded: .*asked again/.test(l))) || undefined)
    assert.deepEqual(await characteristics(mes, '703'), [])
    await sim.control.apply({ mode: 'up' })
    await until('the plan of 703 once the QMS is back', async () => (await characteristics(mes, '703')).length === 1 || undefined)

    await order(mes, '799', true)
    await until('no plan for 799', async () => (log.lines.some((l) => /the QMS has no inspection plan for order 799/.test(l))) || undefined)
    const asked = sim.received().requests.filter((r) => r.path.includes('799')).length
    await new Promise((resolve) => setTimeout(resolve, 400))
    assert.equal(sim.received().requests.filter((r) => r.path.includes('799')).length, asked, 'an order the QMS has no plan for is not asked again')
  })
})
