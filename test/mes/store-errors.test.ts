// The stores turn their database's refusals into the MES's typed errors (mes/store/keys.ts): a caller sees the same
// DuplicateError for an order number already taken whether the MES runs on SQLite or PostgreSQL, and whether the
// second create came after the first or raced it.
import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP } from './stores'
import { ConstraintError, DuplicateError } from '../../mes/errors'

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
})
