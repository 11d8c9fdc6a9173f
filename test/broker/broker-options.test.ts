// The broker runs from its own settings (the config's mqtt section) and what the hub tells it: the client ids the
// hub's own connections use and the one STATE topic only the hub's host writes. Started here without a hub and
// without Sparkplug, the broker still keeps both for the hub.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { startBroker, type RunningBroker } from '../../broker/broker'
import { BROKER_SECTION } from '../../broker/config'
import { silentLogger } from '../../core/logger'
import { loadPlantModel } from '../../plant/load-plant-model'
import { DEMO_PLANT_MODEL } from '../../hub/own-config'
import { unsRulesFor } from '../../uns/uns-rules'
import { connect, inbox, tempDir } from '../support/hub-fixture'

const RESERVED_ID = 'hub-internal-1'
const STATE = 'spBv1.0/STATE/plant-host'

describe('the broker on its own settings', function () {
  let broker: RunningBroker
  let url: string
  let admin: MqttClient

  before(async function () {
    const mqtt = BROKER_SECTION.defaults(tempDir())
    mqtt.host = '127.0.0.1'
    mqtt.port = 0
    mqtt.ws.enabled = false
    broker = await startBroker({
      mqtt,
      dataDir: tempDir(),
      uns: unsRulesFor(loadPlantModel(DEMO_PLANT_MODEL)),
      enforcement: 'reject',
      reservedClientIds: [RESERVED_ID],
      hostStateTopic: STATE,
      log: silentLogger
    })
    assert.deepEqual(broker.listeners.map((l) => l.name), ['mqtt'], 'the WebSocket listener is off, as mqtt.ws.enabled says')
    url = broker.listeners[0].url
    admin = await connect(url) // anonymous on loopback: admin (mqtt.anonymous.local)
  })
  after(async function () {
    await admin.endAsync()
    await broker.close()
  })

  it('refuses a network client that connects with a client id reserved for the hub (CONNACK 2)', async function () {
    await assert.rejects(connect(url, { clientId: RESERVED_ID }), (err: Error & { code?: number }) => {
      assert.equal(err.code, 2, `CONNACK 2 (identifier rejected), got: ${err.message}`)
      return true
    })
  })

  it('refuses an admin\'s publish to the STATE topic it was given, with a report on $hub/errors', async function () {
    const box = inbox(admin)
    await admin.subscribeAsync('$hub/errors/#', { qos: 1 })
    await admin.publishAsync(STATE, '{"online":false,"timestamp":1}', { qos: 1, retain: true })
    const report = JSON.parse((await box.next(`$hub/errors/${STATE}`)).payload.toString())
    assert.equal(report.error, 'NOT_AUTHORIZED')
    assert.match(report.reason, /only the hub's Sparkplug host may publish its STATE topic 'spBv1\.0\/STATE\/plant-host'/)
  })

  it('lets the hub publish that STATE topic from inside', async function () {
    const watcher = await connect(url)
    const box = inbox(watcher)
    await watcher.subscribeAsync(STATE, { qos: 1 })
    await broker.publish(STATE, '{"online":true,"timestamp":2}', { qos: 1, retain: true })
    assert.equal((await box.next(STATE)).payload.toString(), '{"online":true,"timestamp":2}')
    await watcher.endAsync()
  })
})
