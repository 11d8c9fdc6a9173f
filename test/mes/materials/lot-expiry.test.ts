// Shelf-life expiry on the MES clock: a released lot past its expiry becomes expired through the audited status
// change (who mes:expiry, why naming the expiry), at start for lots that expired before, later when the clock passes
// the expiry; a held lot keeps its hold, and is expired once it is released past its expiry. SQLite and PostgreSQL.
import assert from 'node:assert/strict'
import { forEachStore, type Ctx } from '../stores'
import { EXPIRY_ACTOR, startLotExpiry, type LotExpiry } from '../../../mes/materials/lot-expiry'
import { silentLogger } from '../../../core/logger'
import type { MaterialEvent } from '../../../mes/service'
import { until } from '../../support/until'

const WMS = 'wms:WH1'

async function receive (c: Ctx, lotId: string, expiresAt: string | undefined, extra: Record<string, unknown> = {}): Promise<void> {
  await c.mes.materials.receiveLot({ lotId, material: 'RM-GLUE', quantity: 10, unit: 'KG', who: WMS, ...(expiresAt !== undefined ? { expiresAt } : {}), ...extra })
}

forEachStore('Lot expiry', (ctx) => {
  let expiry: LotExpiry | undefined
  const events: MaterialEvent[] = []
  const start = async (opts: { batchSize?: number } = {}): Promise<LotExpiry> => {
    expiry = startLotExpiry({ mes: ctx().mes, store: ctx().store, log: silentLogger, now: ctx().clock.now, ...opts })
    await expiry.start()
    return expiry
  }
  beforeEach(async function () {
    events.length = 0
    ctx().mes.materials.onEvent((e) => { events.push(e) })
    await ctx().mes.materials.define({ material: 'RM-GLUE', unit: 'KG' }, 'erp:SAP-PRD')
  })
  afterEach(async function () { await expiry?.stop(); expiry = undefined })

  it('expires at start the released lots whose expiry passed while it was not running, audited as the system', async function () {
    const c = ctx()
    const now = c.clock.iso()
    await receive(c, 'G-OLD', '2025-03-01T00:00:00Z')
    await receive(c, 'G-OFFSET', '2025-03-03T07:30:00+02:00') // 05:30Z: before now (06:00Z), though its text sorts after
    await receive(c, 'G-NEW', '2025-03-10T00:00:00Z')
    await receive(c, 'G-NONE', undefined)
    await start()
    assert.equal((await c.mes.materials.lot('G-OLD')).status, 'expired')
    assert.equal((await c.mes.materials.lot('G-OFFSET')).status, 'expired')
    assert.equal((await c.mes.materials.lot('G-NEW')).status, 'released')
    assert.equal((await c.mes.materials.lot('G-NONE')).status, 'released')

    const lot = await c.mes.materials.lot('G-OLD')
    assert.equal(lot.statusBy, EXPIRY_ACTOR)
    assert.equal(lot.statusAt, now)
    const audit = (await c.mes.audit.forEntity('MaterialLot', 'G-OLD')).filter((r) => r.action === 'status')
    assert.equal(audit.length, 1)
    assert.equal(audit[0]!.who, 'mes:expiry')
    assert.match(audit[0]!.why ?? '', /expired at 2025-03-01T00:00:00Z/)
    assert.deepEqual(JSON.parse(String(audit[0]!.oldValue)), { status: 'released' })
    assert.deepEqual(JSON.parse(String(audit[0]!.newValue)), { status: 'expired' })
    const announced = events.filter((e) => e.kind === 'lot-status').map((e) => e.kind === 'lot-status' ? [e.lot.lotId, e.from, e.lot.status, e.who] : [])
    assert.deepEqual(announced, [['G-OLD', 'released', 'expired', 'mes:expiry'], ['G-OFFSET', 'released', 'expired', 'mes:expiry']])
  })

  it('expires lots whose expiry is written as RFC 3339 allows (lower-case t and z, any offset the schema takes)', async function () {
    // The schema's date-time is RFC 3339: "t" and "z" may be lower case (section 5.6), the offset any hh:mm. SQLite's
    // julianday() reads neither a lower-case t nor an offset past 14 hours, PostgreSQL's timestamptz no offset past
    // 15:59; such a lot must still be stored, released and expired like any other.
    const c = ctx()
    await receive(c, 'G-LOWER', '2025-03-01t00:00:00z')
    await receive(c, 'G-FAR', '2025-03-02T06:00:00-23:30') // 2025-03-03T05:30Z: before now (06:00Z)
    await receive(c, 'G-FAR-Q', '2025-03-02T06:00:00-23:30', { status: 'quarantined' })
    await c.mes.materials.setLotStatus('G-FAR-Q', { status: 'released', who: 'qms:QM1', why: 'inspected' })
    await start()
    for (const id of ['G-LOWER', 'G-FAR', 'G-FAR-Q']) assert.equal((await c.mes.materials.lot(id)).status, 'expired', id)
  })

  it('expires in batches, oldest expiry first', async function () {
    const c = ctx()
    for (let i = 1; i <= 7; i++) await receive(c, `G-${i}`, `2025-02-0${8 - i}T00:00:00Z`)
    await start({ batchSize: 3 })
    for (let i = 1; i <= 7; i++) assert.equal((await c.mes.materials.lot(`G-${i}`)).status, 'expired', `G-${i}`)
    const order = events.filter((e) => e.kind === 'lot-status').map((e) => e.kind === 'lot-status' ? e.lot.lotId : '')
    assert.deepEqual(order, ['G-7', 'G-6', 'G-5', 'G-4', 'G-3', 'G-2', 'G-1'])
  })

  it('expires a lot when the MES clock passes its expiry, not before', async function () {
    const c = ctx()
    await receive(c, 'G-SOON', '2025-03-03T06:30:00Z')
    const e = await start()
    assert.equal((await c.mes.materials.lot('G-SOON')).status, 'released')
    c.clock.advance(29)
    await e.run()
    assert.equal((await c.mes.materials.lot('G-SOON')).status, 'released')
    c.clock.advance(1)
    await e.run()
    const lot = await c.mes.materials.lot('G-SOON')
    assert.equal(lot.status, 'expired')
    assert.equal(lot.statusReason, 'shelf life ended: expired at 2025-03-03T06:30:00Z')
  })

  it('expires a lot received past its expiry without waiting for the planned run', async function () {
    const c = ctx()
    await start()
    await receive(c, 'G-LATE', '2025-03-03T05:00:00Z')
    await until('G-LATE expired', async () => (await c.mes.materials.lot('G-LATE')).status === 'expired' ? true : undefined, 5000)
  })

  it('expires a lot past its expiry once the release of its last hold gives it back released, without waiting for the planned run', async function () {
    const c = ctx()
    await receive(c, 'G-HOLD', '2025-03-01T00:00:00Z')
    await c.mes.holds.place({ holdId: 'QH-1', target: { kind: 'lot', id: 'G-HOLD' }, reason: 'viscosity', who: 'qa.quinn' })
    await start()
    assert.equal((await c.mes.materials.lot('G-HOLD')).status, 'on-hold')
    await c.mes.holds.release('QH-1', { who: 'qa.quinn', why: 'retested' })
    await until('G-HOLD expired', async () => (await c.mes.materials.lot('G-HOLD')).status === 'expired' ? true : undefined, 5000)
  })

  it('leaves a held lot held past its expiry, and expires it once it is released', async function () {
    const c = ctx()
    await receive(c, 'G-HELD', '2025-03-01T00:00:00Z')
    await c.mes.materials.setLotStatus('G-HELD', { status: 'on-hold', who: 'qms:QM1', why: 'viscosity out of spec' })
    await receive(c, 'G-QUAR', '2025-03-01T00:00:00Z', { status: 'quarantined', why: 'incoming inspection' })
    await start()
    const held = await c.mes.materials.lot('G-HELD')
    assert.deepEqual([held.status, held.statusBy, held.statusReason], ['on-hold', 'qms:QM1', 'viscosity out of spec'])
    assert.equal((await c.mes.materials.lot('G-QUAR')).status, 'quarantined')
    assert.equal((await c.mes.audit.query({ who: EXPIRY_ACTOR })).length, 0)

    await c.mes.materials.setLotStatus('G-HELD', { status: 'released', who: 'qms:QM1', why: 'retested' })
    await until('G-HELD expired', async () => (await c.mes.materials.lot('G-HELD')).status === 'expired' ? true : undefined, 5000)
    assert.equal((await c.mes.materials.lot('G-QUAR')).status, 'quarantined')
  })
})
