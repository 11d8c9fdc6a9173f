// Consumption and production at a running job, on both stores: quantities, material actuals, genealogy links
// (consumed -> produced whichever is reported first) and serial numbers from the material's pattern, in one
// transaction with the audit record.
import assert from 'node:assert/strict'
import { forEachStore, ERP, SUPERVISOR } from '../stores'
import { credentials, frameOrder } from './fixture'
import { ConstraintError, MaterialRefusedError } from '../../../mes/errors'

forEachStore('material consumption and production', (ctx) => {
  it('consumes part of a lot at a job, produces serials numbered by the pattern, and links every consumed lot to every produced serial', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    const first = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 120 })
    assert.equal(first.lot?.quantity, 180)
    assert.equal(first.lot?.status, 'released')
    assert.deepEqual([first.actual.direction, first.actual.bomItem, first.actual.workUnit, first.actual.sequence, first.actual.who, first.actual.override],
      ['consumed', 1, 'SAW-1', 10, 'op.olga', null])
    assert.deepEqual(first.links, [], 'nothing produced yet')

    const made = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 2 })
    assert.deepEqual(made.serials.map((s) => s.serial), ['FR-500-20250303-0001', 'FR-500-20250303-0002'])
    assert.deepEqual(made.links.map((l) => `${l.from.id}->${l.to.id} ${l.quantity!} ${l.jobId!}`),
      [`T-1->FR-500-20250303-0001 120 ${cutJob}`, `T-1->FR-500-20250303-0002 120 ${cutJob}`])

    // Consumed after the serials were made: linked to them too. The alternate counts against item 1.
    const second = await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'TB-1' })
    assert.equal(second.lot?.quantity, 0)
    assert.equal(second.lot?.status, 'consumed', 'a lot drawn to zero is consumed')
    assert.equal(second.actual.bomItem, 1)
    assert.deepEqual(second.links.map((l) => `${l.from.id}->${l.to.id}`), ['TB-1->FR-500-20250303-0001', 'TB-1->FR-500-20250303-0002'])

    const more = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', count: 1 })
    assert.deepEqual(more.serials.map((s) => s.serial), ['FR-500-20250303-0003'], 'the counter lives in the store')
    assert.deepEqual(more.links.map((l) => l.from.id), ['T-1', 'TB-1'])

    const actuals = await mes.materials.actualsOfJob(cutJob)
    assert.deepEqual(actuals.map((a) => `${a.direction} ${a.node.kind} ${a.node.id} ${a.quantity} ${a.unit}`), [
      'consumed lot T-1 120 M', 'produced serial FR-500-20250303-0001 1 PCE', 'produced serial FR-500-20250303-0002 1 PCE',
      'consumed lot TB-1 50 M', 'produced serial FR-500-20250303-0003 1 PCE'
    ])
    assert.deepEqual((await mes.materials.links({ kind: 'serial', id: 'FR-500-20250303-0003' })).map((l) => l.from.id), ['T-1', 'TB-1'])
    assert.equal((await mes.audit.forEntity('MaterialLot', 'T-1')).map((a) => a.action).join(','), 'receive,consume')
    assert.equal((await mes.audit.verify()).ok, true)
  })

  it('consumes a serial whole, once: a consumed serial is refused', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    await mes.workOrders.create({
      orderNumber: '600', material: 'FG-CART', quantity: 1, unit: 'PCE', dueDate: '2025-03-07T16:00:00Z',
      operations: [{ sequence: 10, workCenter: 'WC-ASSY' }], materials: [{ item: 1, material: 'FG-FRAME', quantity: 2, unit: 'PCE' }]
    }, ERP)
    await mes.workOrders.release('600', SUPERVISOR)
    const assy = await mes.dispatch.dispatchOperation('600', 10, 'BENCH-1', SUPERVISOR)
    await mes.wip.apply({ jobId: assy.jobId, event: 'start', who: 'op.otto' })
    const made = await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['F-1', 'F-2'] })
    assert.deepEqual(made.serials.map((s) => s.status), ['released', 'released'])
    const used = await mes.materials.consume({ jobId: assy.jobId, who: 'op.otto', serial: 'F-1' })
    assert.equal(used.serial?.status, 'consumed')
    assert.equal(used.actual.quantity, 1)
    await assert.rejects(mes.materials.consume({ jobId: assy.jobId, who: 'op.otto', serial: 'F-1' }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'serial-status' && /serial F-1 is consumed/.test(err.message))
    assert.equal((await mes.materials.actualsOfJob(assy.jobId)).length, 1)
  })

  it('applies a retried consumption (same eventId) once', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const a = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10, eventId: 'scan-1' })
    const b = await c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10, eventId: 'scan-1' })
    assert.equal(b.duplicate, true)
    assert.equal(b.actual.id, a.actual.id)
    assert.equal((await c.mes.materials.lot('T-1')).quantity, 290)
  })

  it('refuses consumption at a job that is not running', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    await c.mes.wip.apply({ jobId: cutJob, event: 'pause', who: 'op.olga' })
    await assert.rejects(c.mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10 }),
      (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'job-state' && /Interrupted\.Paused/.test(err.message))
    assert.equal((await c.mes.materials.lot('T-1')).quantity, 300)
  })

  it('refuses a serial with a lot\'s id and a lot with a serial\'s (the as-built record names parts by id alone), nothing stored', async () => {
    const c = ctx()
    const { mes } = c
    const { cutJob } = await frameOrder(c)
    await mes.materials.consume({ jobId: cutJob, who: 'op.olga', lotId: 'T-1', quantity: 10 })
    await assert.rejects(mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['F-9', 'T-2'] }), (err: unknown) =>
      err instanceof MaterialRefusedError && err.rule === 'id-in-use' &&
      err.message === `produce at job ${cutJob}: T-2 is already the id of a lot; a lot and a serial cannot share an id (nothing was produced; give the serial another number)`)
    await assert.rejects(mes.materials.serial('F-9'), /serial F-9 not found/)
    await mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'FG-FRAME', serials: ['F-9'] })
    const asLot = [
      mes.materials.receiveLot({ lotId: 'F-9', material: 'RM-TUBE', quantity: 5, unit: 'M', who: 'wms:WH1' }),
      mes.materials.split({ lotId: 'T-2', into: [{ lotId: 'F-9', quantity: 5 }], who: 'wms:WH1' }),
      mes.materials.merge({ lotIds: ['T-1', 'T-2'], into: 'F-9', who: 'wms:WH1' }),
      mes.materials.produce({ jobId: cutJob, who: 'op.olga', material: 'RM-TUBE', lotId: 'F-9', quantity: 1 })
    ]
    for (const refused of asLot) {
      await assert.rejects(refused, (err: unknown) => err instanceof MaterialRefusedError && err.rule === 'id-in-use' &&
        /: F-9 is already the id of a serial; a lot and a serial cannot share an id \(nothing was stored; give the lot another id\)$/.test(err.message))
    }
    assert.deepEqual([(await mes.materials.lot('T-1')).quantity, (await mes.materials.lot('T-2')).quantity], [290, 300])
    await assert.rejects(mes.materials.lot('F-9'), /lot F-9 not found/)
    // The record of the serial is whole: its lot, not itself, went into it.
    const record = await mes.materials.asBuilt({ serial: 'F-9' })
    assert.deepEqual(record.genealogy.nodes.map((n) => `${n.kind} ${n.id}`), ['serial F-9', 'lot T-1'])
  })

  it('refuses a serial pattern without a counter or with an unknown field when the material is defined, not at production', async () => {
    const { mes } = ctx()
    await assert.rejects(mes.materials.define({ material: 'FG-GATE', unit: 'PCE', serialPattern: 'GT-{material}' }, 'erp:SAP-PRD'), (err: unknown) =>
      err instanceof MaterialRefusedError && err.rule === 'serial-pattern' && /serial pattern "GT-\{material\}": has no counter \{n\} or \{n:W\}/.test(err.message))
    await assert.rejects(mes.materials.define({ material: 'FG-GATE', unit: 'PCE', serialPattern: 'GT-{lot}-{n:4}' }, 'erp:SAP-PRD'), (err: unknown) =>
      err instanceof MaterialRefusedError && err.rule === 'serial-pattern' && /has an unknown field \{lot\}/.test(err.message))
    await assert.rejects(mes.materials.definition('FG-GATE'), /material FG-GATE not found/)
    assert.equal((await mes.materials.define({ material: 'FG-GATE', unit: 'PCE', serialPattern: 'GT-{order}-{n:4}' }, 'erp:SAP-PRD')).serialPattern,
      'GT-{order}-{n:4}')
  })

  it('refuses to produce a serial longer than a serial may be (128 characters), producing nothing', async () => {
    const c = ctx()
    const { cutJob } = await frameOrder(c)
    const material = 'SA-' + 'L'.repeat(40)
    await c.mes.materials.define({ material, unit: 'PCE', serialPattern: 'X'.repeat(90) + '-{material}-{n:4}' }, 'erp:SAP-PRD')
    await assert.rejects(c.mes.materials.produce({ jobId: cutJob, who: 'op.olga', material, count: 1 }), (err: unknown) =>
      err instanceof MaterialRefusedError && err.rule === 'serial-pattern' && /of 139 characters, more than the 128 a serial may have/.test(err.message))
    assert.deepEqual(await c.mes.materials.actualsOfJob(cutJob), [])
  })

  it('records a definition the ERP sends again unchanged once; a change is recorded', async () => {
    const { mes } = ctx()
    const first = await mes.materials.define({ material: 'RM-AGAIN', unit: 'KG', description: 'Steel' }, 'erp:SAP-PRD')
    const again = await mes.materials.define({ material: 'RM-AGAIN', unit: 'KG', description: 'Steel' }, 'erp:SAP-PRD')
    assert.deepEqual(again, first)
    assert.equal((await mes.audit.forEntity('MaterialDefinition', 'RM-AGAIN')).length, 1)
    await mes.materials.define({ material: 'RM-AGAIN', unit: 'KG', description: 'Steel sheet' }, 'erp:SAP-PRD')
    assert.equal((await mes.audit.forEntity('MaterialDefinition', 'RM-AGAIN')).length, 2)
  })

  it('keeps a lot quantity from going negative in the store itself (CHECK), whatever the code does', async () => {
    const c = ctx()
    await frameOrder(c)
    await assert.rejects(c.store.transaction(async (tx) => await tx.run('UPDATE material_lots SET quantity = quantity - 301 WHERE lot_id = ?', ['T-1'])),
      ConstraintError)
    assert.equal((await c.mes.materials.lot('T-1')).quantity, 300)
  })
}, { verifyCredentials: credentials })
