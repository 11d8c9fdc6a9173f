// The order in which a hold's release takes its row locks on PostgreSQL: the lot first, then the hold, as every
// writer of a lot and its holds does (placing a hold, a lot status change that updates the lot's active holds, a
// disposition). A release that took the hold first and then waited for the lot would deadlock with a status change
// holding the lot and waiting for the hold.
import assert from 'node:assert/strict'
import { createMes, type Mes } from '../../../mes/index'
import type { MesStore } from '../../../mes/store/store'
import { assertPostgresReachable, storeKinds, TestClock, type Ctx, type StoreKind } from '../stores'
import { frameOrder } from '../materials/fixture'

const QA = 'qa.quinn'

/** The sessions waiting on a row lock (PostgreSQL). */
async function lockWaiters (store: MesStore): Promise<number> {
  return await store.read(async (tx) => Number((await tx.get<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))!.n))
}

async function untilWaiters (store: MesStore, n: number): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (await lockWaiters(store) === n) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`expected ${n} transactions waiting on a row lock`)
}

/** Whether another transaction may lock the hold's row now (NOWAIT: refused at once when someone holds it). */
async function holdRowFree (store: MesStore, holdId: string): Promise<boolean> {
  try {
    await store.transaction(async (tx) => { await tx.get('SELECT hold_id FROM holds WHERE hold_id = ? FOR UPDATE NOWAIT', [holdId]) })
    return true
  } catch {
    return false
  }
}

for (const make of storeKinds()) {
  const kind: StoreKind = make()
  if (kind.name !== 'postgres') continue
  describe('the row locks of a hold\'s release [postgres]', function () {
    let store: MesStore
    let mes: Mes
    let c: Ctx
    let release: () => void = () => {}
    before(assertPostgresReachable)
    beforeEach(async () => {
      const clock = new TestClock()
      store = await kind.open()
      mes = createMes(store, { now: clock.now })
      c = { kind, store, mes, clock }
    })
    /** A transaction holding the lot's row lock until `release()`; resolves once it holds it, with its commit. */
    const lotHeld = async (lotId: string): Promise<{ committed: Promise<void> }> => {
      let locked!: () => void
      const lotLocked = new Promise<void>((resolve) => { locked = resolve })
      const gate = new Promise<void>((resolve) => { release = resolve })
      const holder = store.transaction(async (tx) => {
        await tx.get('SELECT lot_id FROM material_lots WHERE lot_id = ? FOR UPDATE', [lotId])
        locked()
        await gate
      })
      holder.catch(() => undefined)
      await lotLocked
      return { committed: holder }
    }
    afterEach(async () => {
      release()
      await store.close()
      await kind.cleanup()
    })

    it('takes the lot before the hold: waiting for a lot another transaction holds, it holds no lock on the hold', async () => {
      await frameOrder(c)
      await mes.holds.place({ holdId: 'LK-1', target: { kind: 'lot', id: 'W-1' }, reason: 'moisture', who: QA })
      const holder = await lotHeld('W-1')
      const released = mes.holds.release('LK-1', { who: QA, why: 'dried' })
      released.catch(() => undefined)
      await untilWaiters(store, 1)
      assert.equal(await holdRowFree(store, 'LK-1'), true, 'the waiting release holds the hold\'s row')
      release()
      await holder.committed
      assert.equal((await released).status, 'released')
      assert.equal((await mes.materials.lot('W-1')).status, 'released')
    })

    it('and so does a disposition releasing its nonconformance\'s hold', async () => {
      await frameOrder(c)
      const { nonconformance } = await mes.quality.reportNonconformance({ ncId: 'NC-LK', lotId: 'W-1', quantity: 1, defectCode: 'WET', description: 'wet spool', who: 'op.olga' })
      const holdId = nonconformance.holdId!
      const holder = await lotHeld('W-1')
      const decided = mes.quality.disposition('NC-LK', { disposition: 'use-as-is', who: QA })
      decided.catch(() => undefined)
      await untilWaiters(store, 1)
      assert.equal(await holdRowFree(store, holdId), true, 'the waiting disposition holds the hold\'s row')
      release()
      await holder.committed
      assert.equal((await decided).status, 'dispositioned')
      assert.equal((await mes.materials.lot('W-1')).status, 'released')
    })
  })
}
