// Split and merge of lots, on both stores: links like any other, quantities moved in the same transaction and kept
// consistent (nothing made or lost), and a held lot is not merged in.
import assert from 'node:assert/strict'
import { forEachStore } from '../stores'
import { MaterialRefusedError } from '../../../mes/errors'

forEachStore('lot split and merge', (ctx) => {
  it('splits a lot into sublots and merges lots into one, with links and consistent quantities', async () => {
    const { mes } = ctx()
    await mes.materials.define({ material: 'RM-RESIN', unit: 'KG' }, 'erp:SAP-PRD')
    await mes.materials.receiveLot({ lotId: 'R-1', material: 'RM-RESIN', quantity: 100, unit: 'KG', who: 'wms:WH1', expiresAt: '2025-12-01T00:00:00Z' })
    await mes.materials.receiveLot({ lotId: 'R-2', material: 'RM-RESIN', quantity: 40, unit: 'KG', who: 'wms:WH1', expiresAt: '2025-09-01T00:00:00Z' })

    const split = await mes.materials.split({ lotId: 'R-1', into: [{ lotId: 'R-1.1', quantity: 30 }, { lotId: 'R-1.2', quantity: 20 }], who: 'wms:WH1' })
    assert.equal(split.lot.quantity, 50)
    assert.deepEqual(split.sublots.map((l) => [l.lotId, l.parentLot, l.quantity, l.expiresAt]),
      [['R-1.1', 'R-1', 30, '2025-12-01T00:00:00Z'], ['R-1.2', 'R-1', 20, '2025-12-01T00:00:00Z']])
    assert.deepEqual(split.links.map((l) => `${l.type} ${l.from.id}->${l.to.id} ${l.quantity!}`), ['split R-1->R-1.1 30', 'split R-1->R-1.2 20'])

    const merged = await mes.materials.merge({ lotIds: ['R-1.2', 'R-2'], into: 'R-M', who: 'wms:WH1' })
    assert.deepEqual([merged.lot.quantity, merged.lot.expiresAt], [60, '2025-09-01T00:00:00Z'], 'the earliest expiry')
    assert.deepEqual(merged.sources.map((l) => [l.lotId, l.quantity, l.status]), [['R-1.2', 0, 'consumed'], ['R-2', 0, 'consumed']])
    assert.deepEqual((await mes.materials.links({ kind: 'lot', id: 'R-M' })).map((l) => `${l.type} ${l.from.id}->${l.to.id} ${l.quantity!}`),
      ['merge R-1.2->R-M 20', 'merge R-2->R-M 40'])
    const total = (await Promise.all(['R-1', 'R-1.1', 'R-1.2', 'R-2', 'R-M'].map(async (id) => (await mes.materials.lot(id)).quantity))).reduce((a, b) => a + b, 0)
    assert.equal(total, 140, 'nothing made or lost')
    assert.deepEqual((await mes.materials.links({ kind: 'lot', id: 'R-1.2' })).map((l) => l.type), ['split', 'merge'])
    assert.equal((await mes.audit.verify()).ok, true)
  })

  it('refuses a split larger than the lot and a merge with a held lot, changing nothing', async () => {
    const { mes } = ctx()
    await mes.materials.define({ material: 'RM-RESIN', unit: 'KG' }, 'erp:SAP-PRD')
    await mes.materials.receiveLot({ lotId: 'R-1', material: 'RM-RESIN', quantity: 100, unit: 'KG', who: 'wms:WH1' })
    await mes.materials.receiveLot({ lotId: 'R-2', material: 'RM-RESIN', quantity: 40, unit: 'KG', who: 'wms:WH1', status: 'quarantined' })
    await assert.rejects(mes.materials.split({ lotId: 'R-1', into: [{ lotId: 'A', quantity: 60 }, { lotId: 'B', quantity: 41 }], who: 'w' }),
      (err: unknown) => err instanceof MaterialRefusedError && /lot R-1 holds 100 KG, the sublots ask for 101/.test(err.message))
    await assert.rejects(mes.materials.merge({ lotIds: ['R-1', 'R-2'], into: 'R-M', who: 'w' }),
      (err: unknown) => err instanceof MaterialRefusedError && /lot R-2 is quarantined, not released/.test(err.message))
    assert.deepEqual([(await mes.materials.lot('R-1')).quantity, (await mes.materials.lot('R-2')).quantity], [100, 40])
    assert.deepEqual(await mes.materials.links({ kind: 'lot', id: 'R-1' }), [])
    await assert.rejects(mes.materials.lot('A'), /lot A not found/)
  })

  it('keeps a material\'s unit once lots of it exist (an ERP master resent in another unit is refused, nothing changed)', async () => {
    const { mes } = ctx()
    await mes.materials.define({ material: 'RM-RESIN', unit: 'KG', description: 'resin' }, 'erp:SAP-PRD')
    assert.equal((await mes.materials.define({ material: 'RM-RESIN', unit: 'G' }, 'erp:SAP-PRD')).unit, 'G', 'no lot yet: it may change')
    await mes.materials.define({ material: 'RM-RESIN', unit: 'KG', description: 'resin' }, 'erp:SAP-PRD')
    await mes.materials.receiveLot({ lotId: 'R-1', material: 'RM-RESIN', quantity: 100, unit: 'KG', who: 'wms:WH1' })
    await assert.rejects(mes.materials.define({ material: 'RM-RESIN', unit: 'G', description: 'resin' }, 'erp:SAP-PRD'), (err: unknown) =>
      err instanceof MaterialRefusedError && err.rule === 'unit-change' &&
      /material RM-RESIN is kept in KG and has lots or serials counted in it; its unit cannot become G/.test(err.message))
    assert.equal((await mes.materials.definition('RM-RESIN')).unit, 'KG')
    assert.equal((await mes.materials.define({ material: 'RM-RESIN', unit: 'KG', description: 'epoxy resin' }, 'erp:SAP-PRD')).description, 'epoxy resin',
      'the rest of the definition still changes')
    const split = await mes.materials.split({ lotId: 'R-1', into: [{ lotId: 'R-1.1', quantity: 30 }], who: 'wms:WH1' })
    assert.equal(split.sublots[0]!.unit, 'KG')
  })
})
