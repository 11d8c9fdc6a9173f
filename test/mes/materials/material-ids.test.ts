// Lots and serials share one set of ids, and the store's key (material_ids, migration 010), not a look-up before the
// insert, decides between commands racing for one id: the loser gets the refusal a sequential duplicate gets and
// stores nothing. On both stores the commands run concurrently; on PostgreSQL a first transaction is also held open
// on its claim until the second is seen waiting on that key.
import assert from 'node:assert/strict'
import { createMes } from '../../../mes/index'
import type { Mes } from '../../../mes/index'
import type { MesStore } from '../../../mes/store/store'
import { DuplicateError, MaterialRefusedError } from '../../../mes/errors'
import { receiveLot } from '../../../mes/materials/lots'
import { assertPostgresReachable, forEachStore, storeKinds, TestClock, type Ctx, type StoreKind } from '../stores'
import { credentials, frameOrder } from './fixture'

const lot = (lotId: string) => ({ lotId, material: 'RM-TUBE', quantity: 10, unit: 'M', who: 'wms:WH1' })

const idInUse = (id: string, usedBy: string) => (err: unknown): boolean =>
  err instanceof MaterialRefusedError && err.rule === 'id-in-use' && err.message.includes(`${id} is already the id of a ${usedBy}`)
const lotExists = (id: string) => (err: unknown): boolean => err instanceof DuplicateError && err.entity === 'lot' && err.id === id

/** Every id of a lot or serial: claimed once in material_ids, with its kind, and never both a lot and a serial. */
async function assertIdsClaimed (store: MesStore): Promise<void> {
  const ids = await store.read(async (tx) => ({
    claimed: (await tx.all<{ id: string, kind: string }>('SELECT id, kind FROM material_ids ORDER BY id')).map((r) => `${r.kind} ${r.id}`),
    stored: [
      ...(await tx.all<{ id: string }>('SELECT lot_id AS id FROM material_lots')).map((r) => `lot ${r.id}`),
      ...(await tx.all<{ id: string }>('SELECT serial AS id FROM material_serials')).map((r) => `serial ${r.id}`)
    ].sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!))
  }))
  assert.deepEqual(ids.claimed, ids.stored)
}

forEachStore('lot and serial ids decided by the store', (ctx) => {
  it('gives the loser of a lot and a serial racing for one id the sequential refusal, many times over', async () => {
    const c: Ctx = ctx()
    const { cutJob } = await frameOrder(c)
    for (let i = 0; i < 20; i++) {
      const id = `X-${i}`
      const [asLot, asSerial] = await Promise.allSettled([
        c.mes.materials.receiveLot(lot(id)),
        c.mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: [id] })
      ])
      assert.equal([asLot, asSerial].filter((r) => r.status === 'fulfilled').length, 1, `one of lot and serial ${id}`)
      if (asLot.status === 'rejected') assert.ok(idInUse(id, 'serial')(asLot.reason), String(asLot.reason))
      if (asSerial.status === 'rejected') assert.ok(idInUse(id, 'lot')(asSerial.reason), String(asSerial.reason))
    }
    await assertIdsClaimed(c.store)
  })

  it('refuses the loser of two lots (received, split off, merged into) racing for one id with DuplicateError of the lot', async () => {
    const c: Ctx = ctx()
    await frameOrder(c)
    for (let i = 0; i < 10; i++) {
      const id = `L-${i}`
      const all = await Promise.allSettled([
        c.mes.materials.receiveLot(lot(id)),
        c.mes.materials.split({ lotId: 'T-1', who: 'op.olga', into: [{ lotId: id, quantity: 1 }] })
      ])
      assert.equal(all.filter((r) => r.status === 'fulfilled').length, 1, `one lot ${id}`)
      for (const r of all) if (r.status === 'rejected') assert.ok(lotExists(id)(r.reason), String(r.reason))
    }
    await c.mes.materials.receiveLot(lot('M-a'))
    await c.mes.materials.receiveLot(lot('M-b'))
    const [merged, received] = await Promise.allSettled([
      c.mes.materials.merge({ lotIds: ['M-a', 'M-b'], into: 'M-1', who: 'op.olga' }),
      c.mes.materials.receiveLot(lot('M-1'))
    ])
    assert.equal([merged, received].filter((r) => r.status === 'fulfilled').length, 1)
    for (const r of [merged, received]) if (r.status === 'rejected') assert.ok(lotExists('M-1')(r.reason), String(r.reason))
    // T-1 gave exactly what the splits that won took.
    const sublots = (await c.mes.materials.links({ kind: 'lot', id: 'T-1' })).filter((l) => l.type === 'split').length
    assert.equal((await c.mes.materials.lot('T-1')).quantity, 300 - sublots)
    await assertIdsClaimed(c.store)
  })
}, { verifyCredentials: credentials })

/** The sessions waiting on a row lock of an id claim (PostgreSQL). */
async function claimWaiters (store: MesStore): Promise<number> {
  return await store.read(async (tx) => Number((await tx.get<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO material_ids%'`))!.n))
}

async function untilWaiters (store: MesStore, n: number): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (await claimWaiters(store) === n) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`expected ${n} transactions waiting on an id claim`)
}

/** The held transactions of the current test, released after it even when it fails (else closing the store waits). */
const open: Array<() => void> = []

/** A transaction that receives lot `id` and stays open, its claim of the id taken, until released. */
function heldLot (store: MesStore, clock: TestClock, id: string): { claimed: Promise<void>, release: () => void, committed: Promise<unknown> } {
  let claimed!: () => void
  let release!: () => void
  const claimedP = new Promise<void>((resolve) => { claimed = resolve })
  const gate = new Promise<void>((resolve) => { release = resolve })
  open.push(release)
  const committed = store.transaction(async (tx) => {
    await receiveLot(tx, lot(id), clock.iso())
    claimed()
    await gate
  })
  committed.catch(() => undefined) // awaited by the test; not an unhandled rejection when the test failed before
  return { claimed: claimedP, release, committed }
}

for (const make of storeKinds()) {
  const kind: StoreKind = make()
  if (kind.name !== 'postgres') continue
  describe('lot and serial ids: a second transaction waits on the first one\'s claim [postgres]', function () {
    let store: MesStore
    let mes: Mes
    let clock: TestClock
    let c: Ctx
    before(assertPostgresReachable)
    beforeEach(async () => {
      clock = new TestClock()
      store = await kind.open()
      mes = createMes(store, { now: clock.now, verifyCredentials: credentials })
      c = { kind, store, mes, clock }
    })
    afterEach(async () => {
      for (const release of open.splice(0)) release()
      await store.close()
      await kind.cleanup()
    })

    it('refuses a serial whose id a lot being received holds, once that lot commits, storing nothing of the serial', async () => {
      const { cutJob } = await frameOrder(c)
      const first = heldLot(store, clock, 'X-1')
      await first.claimed
      const second = mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['X-1'] })
      second.catch(() => undefined)
      await untilWaiters(store, 1)
      first.release()
      await first.committed
      await assert.rejects(second, idInUse('X-1', 'lot'))
      assert.equal((await mes.materials.actualsOfJob(cutJob)).length, 0)
      assert.equal(await store.read(async (tx) => await tx.get('SELECT 1 AS x FROM material_serials WHERE serial = ?', ['X-1'])), undefined)
      await assertIdsClaimed(store)
    })

    it('refuses a second lot of the id with DuplicateError of the lot, once the first commits', async () => {
      await frameOrder(c)
      const first = heldLot(store, clock, 'X-2')
      await first.claimed
      const second = mes.materials.receiveLot(lot('X-2'))
      second.catch(() => undefined)
      await untilWaiters(store, 1)
      first.release()
      await first.committed
      await assert.rejects(second, lotExists('X-2'))
      await assertIdsClaimed(store)
    })

    it('refuses a command that loses the race for an id twice as "a lot or serial" (which one won is not known to it)', async () => {
      const { cutJob } = await frameOrder(c)
      // A holds X; the production of W and X claims W and waits on X.
      const a = heldLot(store, clock, 'X-3')
      await a.claimed
      const production = mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['W-3', 'X-3'] })
      production.catch(() => undefined)
      await untilWaiters(store, 1)
      // D receives lot W: it waits on the production's claim of W, and takes W when the production's first run fails.
      const d = heldLot(store, clock, 'W-3')
      await untilWaiters(store, 2)
      a.release()
      await a.committed
      await d.claimed
      // The production runs again: W comes first, D's claim of it is not committed yet, so it waits on D.
      await untilWaiters(store, 1)
      d.release()
      await d.committed
      await assert.rejects(production, idInUse('W-3', 'lot or serial'))
      assert.equal((await mes.materials.actualsOfJob(cutJob)).length, 0)
      await assertIdsClaimed(store)
    })
  })
}
