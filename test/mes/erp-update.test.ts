import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR, type Ctx } from './stores'
import { MaterialRefusedError, UpdateRefusedError } from '../../mes/errors'
import { credentials, frameOrder } from './materials/fixture'
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

forEachStore('ERP updates of the BOM rules (override permission, alternates, tolerance)', (ctx) => {
  const routing = (over: Record<number, Record<string, unknown>> = {}): Array<Record<string, unknown>> =>
    [{ sequence: 10, workCenter: 'WC-CUT', bomOverride: true }, { sequence: 20, workCenter: 'WC-WELD' }].map((o) => ({ ...o, ...(over[o.sequence] ?? {}) }))
  const tube = (over: Record<string, unknown> = {}): Record<string, unknown> =>
    ({ item: 1, material: 'RM-TUBE', quantity: 400, unit: 'M', operationSequence: 10, alternates: ['RM-TUBE-B'], tolerancePct: 5, ...over })
  const wire = { item: 2, material: 'RM-WIRE', quantity: 5, unit: 'KG', operationSequence: 20 }
  const signed = { reason: 'QA approved', signature: { user: 'qa.quinn', password: 'correct horse', meaning: 'approve' } }

  /** Order 500 (materials fixture) with 120 M of RM-TUBE and 50 M of its alternate RM-TUBE-B consumed at op 10. */
  async function consumed (c: Ctx): Promise<{ cutJob: string, weldJob: string }> {
    const jobs = await frameOrder(c)
    await c.mes.materials.consume({ jobId: jobs.cutJob, who: 'op.olga', lotId: 'T-1', quantity: 120 })
    await c.mes.materials.consume({ jobId: jobs.cutJob, who: 'op.olga', lotId: 'TB-1', quantity: 50 })
    return jobs
  }

  it('applies changes of the override permission, alternates and tolerance while the order runs, and the next consumptions follow them', async () => {
    const c = ctx()
    const { cutJob, weldJob } = await consumed(c)
    await c.mes.materials.define({ material: 'RM-TUBE-C', unit: 'M' }, 'erp:SAP-PRD')
    await c.mes.materials.receiveLot({ lotId: 'TC-1', material: 'RM-TUBE-C', quantity: 100, unit: 'M', who: 'wms:WH1' })
    const r = await c.mes.workOrders.update('500', {
      operations: routing({ 10: { bomOverride: false }, 20: { bomOverride: true } }),
      materials: [tube({ quantity: 200, alternates: ['RM-TUBE-B', 'RM-TUBE-C'], tolerancePct: 10 }), { ...wire, tolerancePct: 20 }]
    }, { ...ERP, why: 'engineering change EC-77' })
    assert.deepEqual(r.changes.filter((x) => /BOM override|alternates|tolerance/.test(x)), [
      'operation 10 BOM override: allowed → not allowed', 'operation 20 BOM override: not allowed → allowed',
      'material item 1 (RM-TUBE) alternates: ["RM-TUBE-B"] → ["RM-TUBE-B","RM-TUBE-C"]', 'material item 1 (RM-TUBE) tolerance: 5 → 10 %',
      'material item 2 (RM-WIRE) tolerance: default → 20 %'
    ])
    const audit = (await c.mes.audit.forEntity('WorkOrder', '500')).at(-1)!
    assert.equal(audit.action, 'update')
    assert.ok((JSON.parse(audit.newValue!) as { changes: string[] }).changes.includes('operation 10 BOM override: allowed → not allowed'))
    // The new alternate is admitted; 200 M + 10 % = 220 M allows 50 more after the 170 consumed, not 51.
    const alt = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'TC-1', quantity: 50 })
    assert.equal(alt.actual.bomItem, 1)
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'TC-1', quantity: 1 }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'over-tolerance')
    // Op 10 no longer takes an override; op 20 now does; 5 KG + 20 % of wire.
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: signed }),
      (err: unknown) => err instanceof MaterialRefusedError && /allows no BOM override/.test(err.message))
    const paint = await c.mes.materials.consume({ jobId: weldJob, who: 'op.olga', lotId: 'P-1', quantity: 1, override: signed })
    assert.equal(paint.actual.override?.signature.user, 'qa.quinn')
    assert.equal((await c.mes.materials.consume({ jobId: weldJob, who: 'op.olga', lotId: 'W-1', quantity: 6 })).actual.bomItem, 2)
  })

  it('refuses BOM changes that would make recorded consumptions wrong, with every reason, and applies nothing of that update', async () => {
    const c = ctx()
    const { cutJob } = await consumed(c)
    const before = await c.mes.workOrders.get('500')
    const rulesOf = async (): Promise<unknown> => await c.store.read(async (tx) => [
      await tx.all('SELECT sequence, bom_override FROM operations WHERE order_number = ? ORDER BY sequence', ['500']),
      await tx.all('SELECT item, material, quantity, unit, operation_seq, alternates, tolerance_pct FROM material_requirements WHERE order_number = ? ORDER BY item', ['500'])
    ])
    const rules = await rulesOf()
    const refused = async (update: Record<string, unknown>, ...expected: RegExp[]): Promise<void> => {
      await assert.rejects(c.mes.workOrders.update('500', update, ERP), (err: unknown) => {
        assert.ok(err instanceof UpdateRefusedError)
        for (const e of expected) assert.ok(err.reasons.some((r) => e.test(r)), `${String(e)} in\n${err.reasons.join('\n')}`)
        return true
      })
    }
    await refused({ priority: 1, operations: routing({ 20: { bomOverride: true } }), materials: [tube({ alternates: [], quantity: 150, tolerancePct: 0 }), wire] },
      /^material item 1 \(RM-TUBE\) cannot drop alternate RM-TUBE-B: 50 M of it already consumed$/,
      /^material item 1 \(RM-TUBE\) cannot allow only 150 M \(150 \+ 0 % tolerance\): 170 M already consumed against it$/)
    await refused({ materials: [wire] }, /^material item 1 \(RM-TUBE\) cannot be removed: 170 M already consumed against it$/)
    await refused({ materials: [tube({ material: 'RM-ROD', unit: 'MM', operationSequence: 20 }), wire] },
      /cannot change its material to RM-ROD: 170 M already consumed/, /cannot change its unit to MM/, /cannot move to operation 20/)
    assert.deepEqual(await c.mes.workOrders.get('500'), before, 'not even the safe part (priority, op 20 override) was applied')
    assert.deepEqual(await rulesOf(), rules)
    // Down to what is consumed is allowed (160 M + 10 % = 176 M >= 170 M), and a component nothing was consumed from may go.
    const r = await c.mes.workOrders.update('500', { materials: [tube({ quantity: 160, tolerancePct: 10 })] }, ERP)
    assert.ok(r.changes.includes('material item 1 (RM-TUBE) tolerance: 5 → 10 %'))
    assert.equal((await c.mes.workOrders.get('500')).materials.length, 1)
    // A completed operation's override permission is closed with it.
    await c.mes.wip.apply({ jobId: cutJob, event: 'complete', who: 'op.olga', good: 9 })
    await refused({ operations: routing({ 10: { bomOverride: false } }) }, /^operation 10 BOM override cannot change: the operation is completed$/)
  })
}, { verifyCredentials: credentials })
