// A listener of the MES's holds, quality or logistics that throws changes nothing that committed (mes/events.ts) and
// is not silent either: the running hub logs it, as it logs a failing listener of orders and materials.
import assert from 'node:assert/strict'
import { createLogger } from '../../core/logger'
import { forEachHubStore, demoOrder } from './hub-stores'

const lines: string[] = []

forEachHubStore('listeners of holds, quality and logistics that throw', (ctx) => {
  it('are logged by the hub; the hold they heard stands', async function () {
    const { mes } = ctx()
    await mes.workOrders.create(demoOrder('7301'), { who: 'erp:SAP' })
    const stops = [
      mes.holds.onEvent(() => { throw new Error('holds listener broke') }),
      mes.quality.onEvent(() => { throw new Error('quality listener broke') })
    ]
    try {
      await mes.holds.place({ holdId: 'QH-7301', target: { kind: 'order', id: '7301' }, reason: 'drawing revision', who: 'qa.quinn' })
      await mes.quality.setInspectionPlan({ orderNumber: '7301', inspectionLot: 'IL-7301', who: 'qms', operations: [{ sequence: 10, characteristics: [{ characteristic: '0010', kind: 'qualitative' }] }] })
    } finally {
      for (const stop of stops) stop()
    }
    assert.equal((await mes.holds.get('QH-7301')).status, 'active')
    assert.ok(lines.some((l) => /WARN/.test(l) && /holds listener broke/.test(l)), 'the holds listener\'s failure logged')
    assert.ok(lines.some((l) => /WARN/.test(l) && /quality listener broke/.test(l)), 'the quality listener\'s failure logged')
  })
}, { log: createLogger('warn', 'hub', (line) => { lines.push(line) }) })
