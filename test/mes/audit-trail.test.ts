import assert from 'node:assert/strict'
import { forEachStore, sampleOrder, ERP, SUPERVISOR } from './stores'
import { appendAudit, auditHash, GENESIS_HASH } from '../../mes/audit-trail'

forEachStore('audit trail', (ctx) => {
  async function someHistory (): Promise<void> {
    const { mes } = ctx()
    await mes.workOrders.create(sampleOrder(), ERP)
    await mes.workOrders.release('1000', SUPERVISOR)
    await mes.workOrders.update('1000', { priority: 3 }, { who: 'erp', why: 'rush' })
    await mes.workOrders.hold('1000', { who: 'qa', why: 'check' })
    await mes.workOrders.release('1000', SUPERVISOR)
  }

  it('chains every record to the previous one and verifies', async () => {
    const { mes } = ctx()
    assert.deepEqual(await mes.audit.verify(), { ok: true, count: 0, lastHash: GENESIS_HASH })
    await someHistory()
    const all = await mes.audit.query()
    assert.deepEqual(all.map((r) => r.action), ['create', 'release', 'update', 'hold', 'release'])
    assert.equal(all[0]!.prevHash, GENESIS_HASH)
    for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash)
    for (const r of all) assert.equal(auditHash(r), r.hash)
    assert.deepEqual(await mes.audit.verify(), { ok: true, count: 5, lastHash: all[4]!.hash })
    assert.equal(all[2]!.why, 'rush')
    assert.equal(all[3]!.who, 'qa')
    assert.deepEqual((await mes.audit.query({ who: 'qa' })).map((r) => r.seq), [4])
  })

  it('stamps records with the time the hub recorded them; the time an event happened (a late report) is kept beside it', async () => {
    const { mes, clock } = ctx()
    await mes.workOrders.create(sampleOrder('1001', { operations: [{ sequence: 10, workCenter: 'WC-A' }], materials: [] }), ERP)
    await mes.workOrders.release('1001', SUPERVISOR)
    const job = (await mes.dispatch.dispatchNext('WC-A', 'U-1', SUPERVISOR))!
    clock.advance(90)
    const now = clock.iso()
    const past = new Date(Date.parse(now) - 3600_000).toISOString()
    await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op', at: past })
    const records = await mes.audit.forEntity('JobOrder', job.jobId)
    const start = records.find((r) => r.action === 'start')!
    assert.equal(start.at, now, 'the audit time is the hub clock, not the caller')
    assert.equal((JSON.parse(start.newValue!) as { eventAt?: string }).eventAt, past)
    assert.equal((await mes.wip.getJob(job.jobId)).startedAt, past, 'the job keeps when it really started')
    const order = await mes.audit.forEntity('WorkOrder', '1001')
    assert.equal(order.at(-1)!.at, now)
  })

  it('detects an altered record, a deleted record and a removed tail', async () => {
    const { mes, store } = ctx()
    await someHistory()
    const exec = async (sql: string): Promise<void> => { await store.transaction(async (tx) => { await tx.run(sql) }) }

    await exec(`UPDATE audit_trail SET who = 'mallory' WHERE seq = 3`)
    let v = await mes.audit.verify()
    assert.ok(!v.ok && v.brokenAt === 3 && /record 3 was altered/.test(v.reason), JSON.stringify(v))
    await exec(`UPDATE audit_trail SET who = 'erp' WHERE seq = 3`)
    assert.ok((await mes.audit.verify()).ok)

    // Recomputing the hash of an altered record does not help: the next record no longer links to it.
    const r3 = (await mes.audit.query({ fromSeq: 3, limit: 1 }))[0]!
    const forged = { ...r3, why: 'no reason' }
    await store.transaction(async (tx) => {
      await tx.run('UPDATE audit_trail SET why = ?, hash = ? WHERE seq = 3', [forged.why, auditHash(forged)])
    })
    v = await mes.audit.verify()
    assert.ok(!v.ok && v.brokenAt === 4 && /does not link/.test(v.reason), JSON.stringify(v))
    await store.transaction(async (tx) => { await tx.run('UPDATE audit_trail SET why = ?, hash = ? WHERE seq = 3', [r3.why, r3.hash]) })

    await exec('DELETE FROM audit_trail WHERE seq = 2')
    v = await mes.audit.verify()
    assert.ok(!v.ok && v.brokenAt === 2 && /record 2 is missing/.test(v.reason), JSON.stringify(v))
  })

  it('detects records removed from the end', async () => {
    const { mes, store } = ctx()
    await someHistory()
    await store.transaction(async (tx) => { await tx.run('DELETE FROM audit_trail WHERE seq >= 4') })
    const v = await mes.audit.verify()
    assert.ok(!v.ok && v.brokenAt === 4 && /removed from the end/.test(v.reason), JSON.stringify(v))
  })

  it('stays one unbroken chain under concurrent writers', async () => {
    const { mes, store } = ctx()
    await Promise.all(Array.from({ length: 40 }, async (_, i) => await store.transaction(async (tx) => {
      await appendAudit(tx, { who: `w${i % 4}`, at: new Date(0).toISOString(), entity: 'Test', entityId: String(i), action: 'poke', newValue: { i } })
    })))
    const v = await mes.audit.verify()
    assert.ok(v.ok && v.count === 40, JSON.stringify(v))
  })

  it('rolls back the audit record with the change it records', async () => {
    const { mes, store } = ctx()
    await assert.rejects(store.transaction(async (tx) => {
      await appendAudit(tx, { who: 'x', at: new Date(0).toISOString(), entity: 'Test', entityId: '1', action: 'poke' })
      throw new Error('boom')
    }), /boom/)
    assert.deepEqual(await mes.audit.query(), [])
    assert.ok((await mes.audit.verify()).ok)
  })
})
