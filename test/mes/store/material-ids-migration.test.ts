// Migration 010 over a database that already has lots and serials, on both stores: every id is claimed by its lot or
// serial, and a lot and a serial that already share an id (left by a race before 010) do not make it fail: the one
// created first keeps the id, both stay stored, and no new lot or serial can take it.
import assert from 'node:assert/strict'
import { createMes } from '../../../mes/index'
import type { MesStore } from '../../../mes/store/store'
import { DuplicateError, MaterialRefusedError } from '../../../mes/errors'
import { forEachStore } from '../stores'
import { credentials, frameOrder } from '../materials/fixture'

/** The database as it was before version 10, with two ids that a lot and a serial share. */
async function asBeforeVersion10 (store: MesStore): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.run('DROP TABLE material_ids')
    await tx.run('DELETE FROM schema_migrations WHERE version = 10')
    // Serial T-2 came after lot T-2; lot EARLY came after serial EARLY.
    await tx.run(`INSERT INTO material_serials (serial, material, status, status_by, status_at, created_at)
      VALUES ('T-2', 'FG-FRAME', 'released', 'op.olga', '2025-03-03T07:00:00.000Z', '2025-03-03T07:00:00.000Z')`)
    await tx.run(`INSERT INTO material_serials (serial, material, status, status_by, status_at, created_at)
      VALUES ('EARLY', 'FG-FRAME', 'released', 'op.olga', '2025-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z')`)
    await tx.run(`INSERT INTO material_lots (lot_id, material, quantity, unit, status, status_by, status_at, created_at, updated_at)
      VALUES ('EARLY', 'RM-TUBE', 5, 'M', 'released', 'wms:WH1', '2025-03-02T00:00:00.000Z', '2025-03-02T00:00:00.000Z', '2025-03-02T00:00:00.000Z')`)
  })
}

forEachStore('migration 010: shared lot and serial ids', (ctx) => {
  it('claims every existing id for its lot or serial, a shared one for whichever came first, and refuses new ones on them', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    await c.mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['F-1', 'F-2'] })
    await asBeforeVersion10(c.store)
    await c.store.close()
    c.store = await c.kind.reopen()
    assert.ok((await c.store.migrations()).some((m) => m.version === 10))
    const claimed = await c.store.read(async (tx) => await tx.all<{ id: string, kind: string }>('SELECT id, kind FROM material_ids ORDER BY id'))
    assert.deepEqual(claimed.map((r) => `${r.kind} ${r.id}`), [
      'serial EARLY', 'serial F-1', 'serial F-2', 'lot P-1', 'lot T-1', 'lot T-2', 'lot TB-1', 'lot W-1'
    ].sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!)))
    // Both parts of a shared id are still there.
    const mes = createMes(c.store, { now: c.clock.now, verifyCredentials: credentials })
    assert.equal((await mes.materials.lot('T-2')).quantity, 300)
    assert.equal((await mes.materials.serial('T-2')).material, 'FG-FRAME')
    await assert.rejects(mes.materials.receiveLot({ lotId: 'F-1', material: 'RM-TUBE', quantity: 1, unit: 'M', who: 'wms:WH1' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'id-in-use')
    await assert.rejects(mes.materials.receiveLot({ lotId: 'T-1', material: 'RM-TUBE', quantity: 1, unit: 'M', who: 'wms:WH1' }),
      (err: unknown) => err instanceof DuplicateError && err.entity === 'lot')
    await assert.rejects(mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['W-1'] }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'id-in-use')
    const made = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['F-3'] })
    assert.deepEqual(made.serials.map((s) => s.serial), ['F-3'])
    assert.deepEqual(await c.store.read(async (tx) => await tx.get('SELECT kind FROM material_ids WHERE id = ?', ['F-3'])), { kind: 'serial' })
  })
}, { verifyCredentials: credentials })
