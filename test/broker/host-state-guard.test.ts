// The hub's own STATE topic (spBv1.0/STATE/<hostId>) belongs to the hub: edge nodes that wait for their primary host
// birth only when it says online. No client may write or delete it, admin or not; and if it changes anyway (from
// inside the hub, or a Will of an earlier run), the host publishes its birth again.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import type { RunningHub } from '../../hub/hub'
import { connect, inbox, mqttUrl, startTestHub, testConfig } from '../support/hub-fixture'
import { startLoggedHub } from './log-lines'

const STATE = 'spBv1.0/STATE/isa95-hub'

describe('Sparkplug: the hub\'s STATE topic', function () {
  let hub: RunningHub
  let admin: MqttClient

  before(async function () {
    hub = await startTestHub(testConfig(undefined, (c) => { c.sparkplug.enabled = true }))
    admin = await connect(mqttUrl(hub)) // anonymous on loopback: admin
  })
  after(async function () {
    await admin.endAsync()
    await hub.stop()
  })

  async function retainedState (): Promise<{ online: boolean, timestamp: number }> {
    const c = await connect(mqttUrl(hub))
    const box = inbox(c)
    await c.subscribeAsync(STATE, { qos: 1 })
    const m = await box.next(STATE)
    await c.endAsync()
    assert.equal(m.retain, true)
    return JSON.parse(m.payload.toString())
  }

  it('refuses an admin client\'s retained empty publish (mosquitto_pub -r -n) with a report on $hub/errors; STATE stays online', async function () {
    const before = await retainedState()
    assert.equal(before.online, true)
    const box = inbox(admin)
    await admin.subscribeAsync('$hub/errors/#', { qos: 1 })
    await admin.publishAsync(STATE, Buffer.alloc(0), { qos: 1, retain: true })
    const report = JSON.parse((await box.next(`$hub/errors/${STATE}`)).payload.toString())
    assert.equal(report.error, 'NOT_AUTHORIZED')
    assert.match(report.reason, /only the hub's Sparkplug host/)
    await admin.publishAsync(STATE, '{"online":false,"timestamp":1}', { qos: 1, retain: true })
    await box.next(`$hub/errors/${STATE}`)
    assert.deepEqual(await retainedState(), before, 'neither the deletion nor the fake death reached the topic')
  })

  it('publishes its birth again when its retained STATE is deleted or replaced from inside the hub', async function () {
    const birth = await retainedState()
    const watcher = await connect(mqttUrl(hub))
    const box = inbox(watcher)
    await watcher.subscribeAsync(STATE, { qos: 1 })
    await box.next(STATE) // the retained birth
    await hub.broker.publish(STATE, Buffer.alloc(0), { qos: 1, retain: true })
    let m
    do m = await box.next(STATE); while (m.payload.length === 0)
    assert.deepEqual(JSON.parse(m.payload.toString()), birth, 'the same birth (same timestamp) as before')
    assert.deepEqual(await retainedState(), birth)

    await hub.broker.publish(STATE, '{"online":true,"timestamp":5}', { qos: 1, retain: true })
    do m = JSON.parse((await box.next(STATE)).payload.toString()); while (m.timestamp !== birth.timestamp)
    assert.deepEqual(await retainedState(), birth)
    await watcher.endAsync()
  })
})

describe('Sparkplug: refused STATE publishes in the log', function () {
  it('are logged as a warning once per client and burst, like every refused publish (not once per message)', async function () {
    const { hub, lines } = await startLoggedHub(testConfig(undefined, (c) => { c.sparkplug.enabled = true }))
    try {
      const admin = await connect(mqttUrl(hub), { clientId: 'state-flooder' })
      const box = inbox(admin)
      await admin.subscribeAsync('$hub/errors/#', { qos: 1 })
      for (let i = 0; i < 30; i++) await admin.publishAsync(STATE, '{"online":false,"timestamp":1}', { qos: 1, retain: true })
      for (let i = 0; i < 30; i++) await box.next(`$hub/errors/${STATE}`)
      await admin.endAsync()
      const warned = lines.filter((l) => / WARN /.test(l) && l.includes('state-flooder') && l.includes(STATE))
      assert.equal(warned.length, 1, warned.join('\n'))
    } finally {
      await hub.stop()
    }
  })
})
