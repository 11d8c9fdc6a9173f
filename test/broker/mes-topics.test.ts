// Topics only the MES writes (WIP, dispatched job orders, job and order events) are refused to clients, machines
// included, so a machine cannot forge MES state in its own cell (issue #8, item 9).
import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { silentLogger } from '../../core/logger'
import { loadPlantModel } from '../../plant/load-plant-model'
import { DEMO_PLANT_MODEL } from '../../hub/own-config'
import { MesTopics } from '../../mes/uns-bridge'
import { isMesWritten } from '../../plant/mes-topics'
import { connect, inbox, mqttUrl, sleep, startTestHub, testConfig, unsValue } from '../support/hub-fixture'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const SITE = 'acme/dallas'

describe('MES state is written only by the MES', function () {
  let hub: RunningHub
  before(async function () {
    const passwordHash = await hashPassword('press-1-secret')
    hub = await startTestHub(testConfig(undefined, (c) => {
      c.mqtt.accounts = [{ username: 'press-1', passwordHash, role: 'machine', equipment: [PRESS_1] }]
    }))
  })
  after(async function () { await hub.stop() })

  for (const topic of [`${PRESS_1}/orders/wip`, `${PRESS_1}/orders/dispatched/1000123-10-1`, `${PRESS_1}/events/job/1000123-10-1`]) {
    it(`a machine publishing ${topic.slice(PRESS_1.length + 1)} (retained) in its own cell is refused and nothing is retained`, async function () {
      const watcher = await connect(mqttUrl(hub))
      await watcher.subscribeAsync(['acme/#', '$hub/errors/#'], { qos: 1 })
      const box = inbox(watcher)
      const press = await connect(mqttUrl(hub), { username: 'press-1', password: 'press-1-secret' })
      await press.publishAsync(topic, unsValue({ queued: { count: 99 } }), { qos: 1, retain: true })
      const report = JSON.parse((await box.next(`$hub/errors/${topic}`)).payload.toString())
      assert.equal(report.error, 'NOT_AUTHORIZED')
      assert.match(report.reason, /MES/)
      assert.equal(box.seen.some((m) => m.topic === topic), false, 'not delivered')
      assert.equal(press.connected, true)
      const late = await connect(mqttUrl(hub))
      const lateBox = inbox(late)
      await late.subscribeAsync(topic, { qos: 1 })
      await sleep(200)
      assert.equal(lateBox.seen.length, 0, 'nothing retained')
      await Promise.all([late.endAsync(), press.endAsync(), watcher.endAsync()])
    })
  }

  it('a machine may still publish its own order data that is not MES state', async function () {
    const watcher = await connect(mqttUrl(hub))
    await watcher.subscribeAsync('acme/#', { qos: 1 })
    const box = inbox(watcher)
    const press = await connect(mqttUrl(hub), { username: 'press-1', password: 'press-1-secret' })
    await press.publishAsync(`${PRESS_1}/orders/current`, unsValue('1000123'), { qos: 1 })
    assert.equal((await box.next(`${PRESS_1}/orders/current`)).topic, `${PRESS_1}/orders/current`)
    await Promise.all([press.endAsync(), watcher.endAsync()])
  })

  it('every topic the MES bridge builds is one the rule refuses to clients (one definition for both)', function () {
    const topics = new MesTopics(loadPlantModel(DEMO_PLANT_MODEL), silentLogger)
    const site = topics.defaultSite
    const job = { workUnit: 'PRESS01', workCenter: 'PRESSL1', jobId: '1000123-10-1' }
    const unknown = { workUnit: 'NOPE01', workCenter: 'NOPE', jobId: 'J-1' }
    const built = [topics.jobEvent(job), topics.dispatched(job), topics.workUnitWip('PRESS01', 'PRESSL1'),
      topics.workCenterWip('PRESSL1'), topics.orderWip('1000123', site), topics.orderEvent('1000123', site),
      topics.jobEvent(unknown), topics.dispatched(unknown), topics.workUnitWip('NOPE01', 'NOPE'), topics.workCenterWip('NOPE')]
    assert.ok(built.includes(`${PRESS_1}/orders/wip`) && built.includes(`${SITE}/orders/1000123/wip`))
    for (const t of built) assert.equal(isMesWritten(t), true, t)
    for (const t of [`${PRESS_1}/orders/current`, `${PRESS_1}/events/andon`, `${PRESS_1}/measurements/orders/wip`, 'spBv1.0/dallas/NDATA/x']) {
      assert.equal(isMesWritten(t), false, t)
    }
  })
})
