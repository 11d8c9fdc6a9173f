// The stores turn their database's refusals into the MES's typed errors (mes/store/keys.ts): a caller sees the same
// DuplicateError for an order number already taken whether the MES runs on SQLite or PostgreSQL, and whether the
// second create came after the first or raced it.
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { forEachStore, sampleOrder, ERP } from './stores'
import { ConcurrentUpdateError, ConstraintError, DuplicateError } from '../../mes/errors'
import { SqliteStore } from '../../mes/store/sqlite-store'
import type { MesStore } from '../../mes/store/store'

const priorityOf = async (store: MesStore, orderNumber: string): Promise<unknown> =>
  (await store.read((tx) => tx.get('SELECT priority FROM work_orders WHERE order_number = ?', [orderNumber])))?.priority

/** A promise and the function that settles it. */
function gate (): { opened: Promise<void>, open: () => void } {
  let open = (): void => undefined
  const opened = new Promise<void>((resolve) => { open = resolve })
  return { opened, open }
}

function isDuplicateOrder (orderNumber: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof DuplicateError, `expected a DuplicateError, got ${String(err)}`)
    assert.equal(err.code, 'MES_DUPLICATE')
    assert.equal(err.entity, 'work order')
    assert.equal(err.id, orderNumber)
    assert.equal(err.where.source, `work order ${orderNumber}`)
    assert.match(err.message, new RegExp(`work order ${orderNumber} already exists`))
    return true
  }
}

forEachStore('MES store refusals', (ctx) => {
  it('refuses a work order whose number is taken with DuplicateError, storing nothing of the second', async () => {
    const { mes } = ctx()
    await mes.workOrders.create(sampleOrder('1000'), ERP)
    await assert.rejects(mes.workOrders.create(sampleOrder('1000', { material: 'OTHER', erpVersion: '2' }), ERP), isDuplicateOrder('1000'))
    const order = await mes.workOrders.get('1000')
    assert.equal(order.material, 'FG-4711', 'the first order is unchanged')
    assert.equal(order.operations.length, 3)
    assert.deepEqual((await mes.audit.forEntity('WorkOrder', '1000')).map((r) => r.action), ['create'])
    assert.deepEqual((await mes.audit.verify()).ok, true)
    // The store goes on working after the refused transaction.
    await mes.workOrders.create(sampleOrder('1001'), ERP)
    assert.deepEqual((await mes.workOrders.list()).map((o) => o.orderNumber), ['1000', '1001'])
  })

  it('refuses the loser of two creates of one order number at once with the same DuplicateError', async () => {
    const { mes } = ctx()
    const results = await Promise.allSettled([
      mes.workOrders.create(sampleOrder('2000'), ERP),
      mes.workOrders.create(sampleOrder('2000', { erpVersion: '2' }), ERP)
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    isDuplicateOrder('2000')((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)
    assert.deepEqual((await mes.audit.forEntity('WorkOrder', '2000')).map((r) => r.action), ['create'])
  })

  it('refuses a row naming one that does not exist (foreign key) with ConstraintError, storing nothing', async () => {
    const { store } = ctx()
    await assert.rejects(store.transaction(async (tx) => {
      await tx.run(`INSERT INTO operations (order_number, sequence, work_center, setup_time, run_time, quantity, critical, status,
        priority, due_ms, proc_time) VALUES (?, 10, 'WC-CUT', 0, 0, 1, 0, 'pending', 1, 0, 1)`, ['no-such-order'])
    }), (err: unknown) => err instanceof ConstraintError && err.code === 'MES_CONSTRAINT' && /the store refused a write/.test(err.message))
    assert.equal((await store.read((tx) => tx.all('SELECT * FROM operations'))).length, 0)
  })

  it('a transaction the database gives up for a concurrent one is a ConcurrentUpdateError, nothing of it stored', async () => {
    const { store, mes, kind } = ctx()
    await mes.workOrders.create(sampleOrder('A'), ERP)
    await mes.workOrders.create(sampleOrder('B'), ERP)
    const setPriority = 'UPDATE work_orders SET priority = ? WHERE order_number = ?'
    if (kind.name === 'sqlite') {
      // Another process holds the write lock for longer than the store waits.
      const impatient = await SqliteStore.open((store as SqliteStore).file, { busyTimeoutMs: 50 })
      const other = new Database((store as SqliteStore).file)
      try {
        other.exec('BEGIN IMMEDIATE')
        await assert.rejects(impatient.transaction(async (tx) => await tx.run(setPriority, [1, 'A'])),
          (err: unknown) => err instanceof ConcurrentUpdateError && err.code === 'MES_CONCURRENT_UPDATE' && /another process holds the database/.test(err.message))
        other.exec('ROLLBACK')
      } finally {
        other.close()
        await impatient.close()
      }
      assert.equal(await priorityOf(store, 'A'), 10)
      return
    }
    // PostgreSQL: two transactions each holding the row the other one wants (a deadlock); the server gives one up.
    const aLocked = gate()
    const bLocked = gate()
    const outcomes = await Promise.allSettled([
      store.transaction(async (tx) => {
        await tx.run(setPriority, [1, 'A'])
        aLocked.open()
        await bLocked.opened
        await tx.run(setPriority, [1, 'B'])
      }),
      store.transaction(async (tx) => {
        await tx.run(setPriority, [2, 'B'])
        bLocked.open()
        await aLocked.opened
        await tx.run(setPriority, [2, 'A'])
      })
    ])
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    assert.equal(failed.length, 1, 'one of the two is given up')
    assert.ok(failed[0]!.reason instanceof ConcurrentUpdateError, String(failed[0]!.reason))
    assert.match(failed[0]!.reason.message, /deadlock/)
    const winner = outcomes[0]!.status === 'fulfilled' ? 1 : 2
    assert.deepEqual([await priorityOf(store, 'A'), await priorityOf(store, 'B')], [winner, winner], 'only the winner is stored')
  })
})
