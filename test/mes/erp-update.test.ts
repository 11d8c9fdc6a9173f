import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR, type Ctx } from './stores'
import { UpdateRefusedError } from '../../mes/errors'
import { ValidationError } from '../../core/errors'

/** Order 1000 released, op 10 started with 40 good + 2 scrap reported. */
async function inProgress (c: Ctx): Promise<string> {
  await c.mes.workOrders.create(sampleOrder(), ERP)
  await c.mes.workOrders.release('1000', SUPERVISOR)
  const j = (await c.mes.dispatch.dispatchNext('WC-CUT', 'SAW-01', SUPERVISOR))!
  await c.mes.wip.apply({ jobId: j.jobId, event: 'start', who: 'op' })
  await c.mes.wip.apply({ jobId: j.jobId, event: 'report', who: 'op', good: 40, scrap: 2, scrapReason: 'S1' })
  return j.jobId
}

const ops = (over: Record<number, Record<string, unknown>> = {}, drop: number[] = [], add: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> =>
  [...(sampleOrder().operations as Array<Record<string, unknown>>).filter((o) => !drop.includes(o.sequence as number))
    .map((o) => ({ ...o, ...(over[o.sequence as number] ?? {}) })), ...add]

forEachStore('ERP updates to an order in progress', (ctx) => {
  it('applies safe changes: due date, priority, increased quantity, standard times, a new operation at the end', async () => {
    const c = ctx()
    await inProgress(c)
    const r = await c.mes.workOrders.update('1000', {
      dueDate: '2025-03-10T16:00:00Z', priority: 2, quantity: 120, erpVersion: '2',
      operations: ops({ 20: { runTimePerUnit: 2.5, quantity: 120 }, 10: { quantity: 120 }, 30: { quantity: 120 } }, [], [{ sequence: 40, workCenter: 'WC-PACK' }])
    }, { ...ERP, why: 'customer call-off increased' })
    assert.equal(r.order.dueDate, '2025-03-10T16:00:00Z')
    assert.equal(r.order.priority, 2)
    assert.equal(r.order.quantity, 120)
    assert.deepEqual(r.order.operations.map((o) => [o.sequence, o.quantity]), [[10, 120], [20, 120], [30, 120], [40, 120]])
    assert.ok(r.changes.some((x) => x.startsWith('dueDate')))
    assert.ok(r.changes.includes('operation 40 added at WC-PACK'))
    const audit = (await c.mes.audit.forEntity('WorkOrder', '1000')).at(-1)!
    assert.equal(audit.action, 'update')
    assert.equal(audit.why, 'customer call-off increased')
    assert.equal(JSON.parse(audit.oldValue!).priority, 10)
    assert.equal(JSON.parse(audit.newValue!).priority, 2)
    // Quantity alone: operations that follow the order quantity follow it.
    const r2 = await c.mes.workOrders.update('1000', { quantity: 130 }, ERP)
    assert.deepEqual(r2.order.operations.map((o) => o.quantity), [130, 130, 130, 130])
    const list = await c.mes.dispatch.list('WC-CUT')
    assert.deepEqual(list, [], 'op 10 is still running, not in the list')
    // An identical update changes nothing and writes no audit record.
    const n = (await c.mes.audit.query()).length
    const r3 = await c.mes.workOrders.update('1000', { priority: 2 }, ERP)
    assert.deepEqual(r3.changes, [])
    assert.equal((await c.mes.audit.query()).length, n)
  })

  it('refuses unsafe changes with every reason, and applies nothing of that update', async () => {
    const c = ctx()
    await inProgress(c)
    const before = await c.mes.workOrders.get('1000')
    await assert.rejects(c.mes.workOrders.update('1000', {
      priority: 1,
      quantity: 30,
      material: 'FG-OTHER',
      operations: ops({ 10: { workCenter: 'WC-LASER' } }, [], [{ sequence: 5, workCenter: 'WC-PREP' }])
    }, ERP), (err: unknown) => {
      assert.ok(err instanceof UpdateRefusedError)
      assert.equal(err.code, 'MES_UPDATE_REFUSED')
      const text = err.reasons.join('\n')
      assert.match(text, /material cannot change from FG-4711 to FG-OTHER: work on the order has started/)
      assert.match(text, /operation 10 cannot move from WC-CUT to WC-LASER: it has started/)
      assert.match(text, /operation 10 quantity cannot go from 100 to 30: 42 is already reported/)
      assert.match(text, /operation 5 cannot be added before operation 10, which has already started/)
      assert.match(text, /order quantity cannot go below 42, already reported/)
      return true
    })
    assert.deepEqual(await c.mes.workOrders.get('1000'), before, 'the safe part (priority) was not merged either')
  })

  it('refuses removing an operation that started or is dispatched; allows removing one that did not', async () => {
    const c = ctx()
    const jobId = await inProgress(c)
    await assert.rejects(c.mes.workOrders.update('1000', { operations: ops({}, [10]) }, ERP),
      (err: unknown) => err instanceof UpdateRefusedError && err.reasons.includes('operation 10 cannot be removed: it has started'))
    await assert.rejects(c.mes.workOrders.update('1000', { operations: ops({}, [20]) }, ERP),
      /material item 2 \(RM-WIRE\) is consumed at operation 20, which the update removes; send the materials list too/)
    const r = await c.mes.workOrders.update('1000', { operations: ops({}, [20]), materials: [{ item: 1, material: 'RM-TUBE-30', quantity: 400, unit: 'M', operationSequence: 10 }] }, ERP)
    assert.deepEqual(r.order.operations.map((o) => o.sequence), [10, 30])
    assert.ok(r.changes.includes('operation 20 removed'))
    // Complete op 10 with 98 good; more than 98 can then not be ordered, 98 can.
    await c.mes.wip.apply({ jobId, event: 'complete', who: 'op', good: 56 })
    const j30 = (await c.mes.dispatch.dispatchNext('WC-ASSY', 'BENCH-1', SUPERVISOR))!
    await assert.rejects(c.mes.workOrders.update('1000', { quantity: 150 }, ERP),
      (err: unknown) => err instanceof UpdateRefusedError && err.reasons.includes('operation 10 is completed with 96 good; it cannot produce 150'))
    await assert.rejects(c.mes.workOrders.update('1000', { operations: ops({}, [20, 30]) }, ERP),
      new RegExp(`operation 30 cannot be removed: it is dispatched as job ${j30.jobId}`))
  })

  it('refuses any update to a completed or cancelled order and validates input with JSON paths', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder('7'), ERP)
    await c.mes.workOrders.cancel('7', ERP)
    await assert.rejects(c.mes.workOrders.update('7', { priority: 1 }, ERP), /order is cancelled; a cancelled order cannot change/)
    await assert.rejects(c.mes.workOrders.update('7', { priority: 0, operations: [{ sequence: 10 }] }, ERP), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.deepEqual(err.problems.map((p) => p.path).sort(), ['/operations/0/workCenter', '/priority'])
      return true
    })
  })

  it('before release, everything may change', async () => {
    const c = ctx()
    await c.mes.workOrders.create(sampleOrder('8'), ERP)
    const r = await c.mes.workOrders.update('8', { material: 'FG-4712', quantity: 10, overlap: 'overlapping',
      operations: [{ sequence: 10, workCenter: 'WC-LASER', critical: true }], materials: [] }, ERP)
    assert.equal(r.order.material, 'FG-4712')
    assert.equal(r.order.overlap, 'overlapping')
    assert.deepEqual(r.order.operations.map((o) => [o.sequence, o.workCenter, o.quantity, o.critical]), [[10, 'WC-LASER', 10, true]])
  })
})
