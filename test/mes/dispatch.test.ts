import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR, type Ctx } from './stores'
import type { DispatchRule } from '../../mes/model/types'
import { DISPATCH_RULES } from '../../mes/model/types'

async function order (c: Ctx, no: string, priority: number, due: string, qty: number, runTime: number, releaseAfterMin: number): Promise<void> {
  await c.mes.workOrders.create(sampleOrder(no, { priority, dueDate: due, quantity: qty,
    operations: [{ sequence: 10, workCenter: 'WC-MILL', setupTime: 0, runTimePerUnit: runTime }], materials: [] }), ERP)
  c.clock.advance(releaseAfterMin)
  await c.mes.workOrders.release(no, SUPERVISOR)
}

/** Inserts `n` released one-operation orders at `workCenter` straight into the tables (for the timing test). */
async function bulk (c: Ctx, workCenter: string, n: number, prefix = 'B', base = Date.parse('2025-03-03T00:00:00Z')): Promise<void> {
  const at = '2025-03-01T00:00:00.000Z'
  for (let start = 0; start < n; start += 250) {
    const count = Math.min(250, n - start)
    await c.store.transaction(async (tx) => {
      const orders: Array<string | number> = []
      const ops: Array<string | number> = []
      for (let i = start; i < start + count; i++) {
        const no = `${prefix}${String(i).padStart(6, '0')}`
        const dueMs = base + ((i * 7919) % 10000) * 60000
        const prio = 1 + ((i * 31) % 9)
        const qty = 1 + ((i * 17) % 50)
        orders.push(no, 'FG-1', qty, 'PCE', new Date(dueMs).toISOString(), prio, 'released', 'strict', at, at)
        ops.push(no, 10, workCenter, 5, 1.5, qty, 0, 'pending', 1, new Date(base + i * 1000).toISOString(), prio, dueMs, 5 + 1.5 * qty)
      }
      await tx.run(`INSERT INTO work_orders (order_number, material, quantity, unit, due_date, priority, status, overlap, created_at, updated_at)
        VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, orders)
      await tx.run(`INSERT INTO operations (order_number, sequence, work_center, setup_time, run_time, quantity, critical, status, dispatchable,
        ready_at, priority, due_ms, proc_time) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, ops)
    })
  }
  if (c.store.dialect === 'postgres') await c.store.transaction(async (tx) => { await tx.run('ANALYZE operations'); await tx.run('ANALYZE work_orders') })
  else await c.store.transaction(async (tx) => { await tx.run('ANALYZE') })
}

/**
 * The critical-ratio list must be exactly what sorting every ready operation by CR gives; the last limit is above
 * the work center's queue, so the list also runs past the overdue operations into the ones not yet due.
 */
async function sameAsFullSort (c: Ctx, workCenter: string): Promise<void> {
  for (const limit of [1, 7, 100, 5000]) {
    const got = (await c.mes.dispatch.list(workCenter, { rule: 'critical-ratio', limit })).map((d) => `${d.orderNumber}/${d.sequence}`)
    const nowMs = c.clock.now().getTime()
    const all = await c.store.read(async (tx) => await tx.all<{ order_number: string, sequence: number, due_ms: number, proc_time: number }>(
      'SELECT order_number, sequence, due_ms, proc_time FROM operations WHERE work_center = ? AND dispatchable = 1', [workCenter]))
    const want = all.map((r) => ({ id: `${r.order_number}/${Number(r.sequence)}`, o: r.order_number, s: Number(r.sequence), cr: ((Number(r.due_ms) - nowMs) / 60000) / Number(r.proc_time) }))
      .sort((a, b) => a.cr - b.cr || (a.o < b.o ? -1 : a.o > b.o ? 1 : a.s - b.s)).slice(0, limit).map((x) => x.id)
    assert.deepEqual(got, want, `${workCenter} limit ${limit}`)
  }
}

forEachStore('dispatch list', (ctx) => {
  it('orders ready operations by each rule', async () => {
    const c = ctx()
    //            order  prio due                      qty run  released after
    await order(c, 'A', 5, '2025-03-05T12:00:00Z', 10, 6, 0) // 60 min, due in ~54 h
    await order(c, 'B', 1, '2025-03-09T12:00:00Z', 10, 1, 1) // 10 min
    await order(c, 'C', 3, '2025-03-04T12:00:00Z', 100, 3, 1) // 300 min, due in ~30 h
    await order(c, 'D', 3, '2025-03-03T08:00:00Z', 10, 3, 1) // 30 min, due in ~2 h
    const ids = async (rule: DispatchRule): Promise<string[]> => (await c.mes.dispatch.list('WC-MILL', { rule })).map((d) => d.orderNumber)
    assert.deepEqual(await ids('priority'), ['B', 'D', 'C', 'A'])
    assert.deepEqual(await ids('earliest-due-date'), ['D', 'C', 'A', 'B'])
    assert.deepEqual(await ids('shortest-processing-time'), ['B', 'D', 'A', 'C'])
    assert.deepEqual(await ids('fifo'), ['A', 'B', 'C', 'D'])
    const cr = await c.mes.dispatch.list('WC-MILL', { rule: 'critical-ratio' })
    assert.deepEqual(cr.map((d) => d.orderNumber), ['D', 'C', 'A', 'B'])
    assert.ok(cr[0]!.criticalRatio < cr[1]!.criticalRatio)
    assert.deepEqual((await c.mes.dispatch.list('WC-MILL', { limit: 2 })).map((d) => d.orderNumber), ['B', 'D'])

    // dispatchNext takes the head of the list for the rule; a held order drops out.
    await c.mes.workOrders.hold('D', SUPERVISOR)
    const j = (await c.mes.dispatch.dispatchNext('WC-MILL', 'MILL-1', SUPERVISOR, { rule: 'earliest-due-date' }))!
    assert.equal(j.orderNumber, 'C')
    assert.deepEqual(await ids('earliest-due-date'), ['A', 'B'])
    await c.mes.workOrders.release('D', SUPERVISOR)
    assert.deepEqual(await ids('earliest-due-date'), ['D', 'A', 'B'])
    await assert.rejects(c.mes.dispatch.list('WC-MILL', { rule: 'random' as DispatchRule }), /unknown dispatch rule "random"/)
  })

  it('hands concurrent dispatchers different operations', async () => {
    const c = ctx()
    for (const no of ['A', 'B', 'C', 'D', 'E']) await order(c, no, 5, '2025-03-05T12:00:00Z', 10, 1, 1)
    const jobs = await Promise.all(['M1', 'M2', 'M3', 'M4', 'M5', 'M6'].map(async (u) => await c.mes.dispatch.dispatchNext('WC-MILL', u, SUPERVISOR)))
    const taken = jobs.filter((j) => j !== null).map((j) => j.orderNumber).sort()
    assert.deepEqual(taken, ['A', 'B', 'C', 'D', 'E'])
    assert.equal(jobs.filter((j) => j === null).length, 1)
    for (const no of ['F', 'G', 'H']) await order(c, no, 5, '2025-03-05T12:00:00Z', 10, 1, 1)
    const crJobs = await Promise.all(['M7', 'M8', 'M9'].map(async (u) => await c.mes.dispatch.dispatchNext('WC-MILL', u, SUPERVISOR, { rule: 'critical-ratio' })))
    assert.deepEqual(crJobs.map((j) => j?.orderNumber).sort(), ['F', 'G', 'H'])
  })

  it('lists the best 100 of a work center with 10,000 open operations for every rule, critical ratio as a full sort would', async function () {
    // How fast is measured in bench/mes.bench.ts; this test holds the answers to account.
    this.timeout(120000)
    const c = ctx()
    await bulk(c, 'WC-BIG', 10000)
    await bulk(c, 'WC-OTHER', 2000, 'X') // another work center's operations must not show up
    for (const rule of DISPATCH_RULES) {
      const list = await c.mes.dispatch.list('WC-BIG', { rule })
      assert.equal(list.length, 100, rule)
      assert.ok(list.every((d) => d.orderNumber.startsWith('B')), `${rule}: only WC-BIG operations`)
    }
    const top = (await c.mes.dispatch.list('WC-BIG', { rule: 'priority', limit: 1 }))[0]!
    assert.equal(top.priority, 1)
    await sameAsFullSort(c, 'WC-BIG')
  })

  it('critical ratio from the candidate walk equals a full sort, also when most operations are late', async function () {
    this.timeout(120000)
    const c = ctx()
    await bulk(c, 'WC-LATE', 3000, 'L', Date.parse('2025-02-20T00:00:00Z')) // due 2025-02-20 .. 2025-02-27: all late
    await bulk(c, 'WC-MIX', 3000, 'M', Date.parse('2025-03-03T03:00:00Z')) // some late, most not
    await sameAsFullSort(c, 'WC-LATE')
    await sameAsFullSort(c, 'WC-MIX')
  })
})
