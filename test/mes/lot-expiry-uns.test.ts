// Shelf-life expiry seen by a real MQTT client of a real hub: a lot whose expiry passes while the hub runs, and one
// that expired while the hub was down, are set expired by the MES, and their retained lot state in the UNS follows.
// Runs on the stores of HUB_TEST_STORES.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, mqttUrl, testConfig } from '../support/hub-fixture'
import { startHub } from '../../hub/hub'
import { silentLogger } from '../../core/logger'
import { createMes } from '../../mes/index'
import { assertPostgresReachable, storeKinds } from './stores'
import { forEachHubStore, unsWatcher } from './hub-stores'

const SITE = 'acme/dallas'

forEachHubStore('Lot expiry in the Unified Namespace', (ctx) => {
  let sub: MqttClient
  let uns: ReturnType<typeof unsWatcher>
  before(async function () {
    await ctx().mes.materials.define({ material: 'ADHESIVE', unit: 'KG' }, 'erp:SAP')
    sub = await connect(mqttUrl(ctx().hub))
    uns = unsWatcher(sub)
    await sub.subscribeAsync([`${SITE}/materials/#`], { qos: 1 })
  })
  after(async function () { await sub.endAsync() })

  it('sets a lot expired when its expiry passes while the hub runs, and retains that state', async function () {
    const { mes } = ctx()
    const expiresAt = new Date(Date.now() + 1500).toISOString()
    await mes.materials.receiveLot({ lotId: 'AD-1', material: 'ADHESIVE', quantity: 20, unit: 'KG', who: 'wms:WH1', expiresAt })
    await uns.waitFor(`${SITE}/materials/lots/AD-1`, (v) => v?.status === 'released')
    const status = await uns.waitFor(`${SITE}/materials/lot-events/AD-1`, (v) => v?.event === 'status', 10_000)
    assert.equal(status.value?.who, 'mes:expiry')
    assert.equal(status.value?.from, 'released')
    await uns.waitFor(`${SITE}/materials/lots/AD-1`, (v) => v?.status === 'expired' && v.statusBy === 'mes:expiry')
    assert.ok(Date.now() >= Date.parse(expiresAt), 'not before its expiry')
    const lot = await mes.materials.lot('AD-1')
    assert.equal(lot.status, 'expired')
    assert.equal(lot.statusReason, `shelf life ended: expired at ${expiresAt}`)

    // A client that connects later reads the expired state from the retained message.
    const late = await connect(mqttUrl(ctx().hub))
    try {
      const w = unsWatcher(late)
      await late.subscribeAsync(`${SITE}/materials/lots/AD-1`, { qos: 1 })
      await w.waitFor(`${SITE}/materials/lots/AD-1`, (v, m) => m.retain && v?.status === 'expired')
    } finally { await late.endAsync() }
  })
})

for (const make of storeKinds()) {
  const kind = make()
  describe(`Lot expiry at hub start [${kind.name}]`, function () {
    after(async function () { await kind.cleanup() })

    it('sets a lot that expired while the hub was down expired when the hub starts, and a held one stays held', async function () {
      if (kind.name === 'postgres') await assertPostgresReachable()
      // The store as the last run left it: two lots past their expiry, one of them on hold.
      // (Written without a hub, so no lot state of them is retained yet.)
      const store = await kind.open()
      const before = createMes(store)
      await before.materials.define({ material: 'ADHESIVE', unit: 'KG' }, 'erp:SAP')
      for (const lotId of ['AD-DOWN', 'AD-HELD']) {
        await before.materials.receiveLot({ lotId, material: 'ADHESIVE', quantity: 5, unit: 'KG', who: 'wms:WH1', expiresAt: '2026-01-01T00:00:00Z' })
      }
      await before.materials.setLotStatus('AD-HELD', { status: 'on-hold', who: 'qms:QM1', why: 'complaint 4711' })
      await before.close()

      const hub = await startHub(testConfig(undefined, (c) => { c.mes = { ...kind.hubConfig() } }), silentLogger)
      try {
        const mes = hub.mes.mes
        const lot = await mes.materials.lot('AD-DOWN')
        assert.deepEqual([lot.status, lot.statusBy], ['expired', 'mes:expiry'])
        assert.equal((await mes.materials.lot('AD-HELD')).status, 'on-hold')
        // The expiry at start is published while the hub comes up: a subscriber may hear it live (retain unset) if it
        // subscribed first. Once heard, a subscriber that comes later gets it as the retained state.
        for (const retained of [false, true]) {
          const sub = await connect(mqttUrl(hub))
          try {
            const w = unsWatcher(sub)
            await sub.subscribeAsync(`${SITE}/materials/lots/#`, { qos: 1 })
            await w.waitFor(`${SITE}/materials/lots/AD-DOWN`, (v, m) => (!retained || m.retain) && v?.status === 'expired')
          } finally { await sub.endAsync() }
        }
        const records = await mes.audit.query({ who: 'mes:expiry' })
        assert.deepEqual(records.map((r) => r.entityId), ['AD-DOWN'])
      } finally {
        await hub.stop()
      }
    })
  })
}
