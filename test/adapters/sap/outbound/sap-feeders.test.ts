// The feeders that put the MES's confirmations and material movements into the outbox for SAP (real store): they
// walk past a page of ids (150 actuals in rounds of 100 all arrive), a late commit below the cursor is picked up by
// the window, and a repeat is enqueued once.
import assert from 'node:assert/strict'
import { forEachStore } from '../../../mes/stores'
import { frameOrder } from '../../../mes/materials/fixture'
import { SapFeeders } from '../../../../adapters/sap/outbound/sap-feeders'
import { loadPlantModel } from '../../../../plant/load-plant-model'
import { defaultConfig } from '../../../../hub/config'
import { silentLogger } from '../../../../core/logger'

forEachStore('the SAP feeders', (ctx) => {
  it('enqueue every material movement, past the first page, once each; and every confirmation', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    for (let i = 0; i < 150; i++) await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 1, eventId: `e-${i}` })
    const feeders = new SapFeeders({ mes: c.mes, model: loadPlantModel(defaultConfig().plantModel), issueStorageLocation: '0001', receiptStorageLocation: '0001', log: silentLogger })
    try {
      for (let round = 0; round < 12; round++) await feeders.feed()
      const movements = await c.mes.outbox.list({ destination: 'sap', type: 'goods-movement', limit: 1000 })
      assert.equal(movements.length, 150)
      assert.equal(new Set(movements.map((m) => m.idempotencyKey)).size, 150)
      const confirmations = await c.mes.outbox.list({ destination: 'sap', type: 'confirmation', limit: 1000 })
      assert.equal(confirmations.length, (await c.mes.confirmations.pending(1000)).length)
      assert.ok(confirmations.length > 0)
    } finally {
      feeders.close()
    }
  })
})
