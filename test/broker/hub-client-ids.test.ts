// The client id of the hub's own Sparkplug host belongs to the hub: a network client that connects with it would
// take over the host's session (MQTT lets the newer connection win), cut the host off, publish its STATE death and
// mark every Sparkplug metric STALE, and the host reconnecting would cut that client off in turn. Such a CONNECT is
// refused (CONNACK 2, identifier rejected), whoever sends it.
import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { connect, inbox, mqttUrl, sleep, startTestHub, testConfig } from '../support/hub-fixture'

const STATE = 'spBv1.0/STATE/isa95-hub'
const HOST_CLIENT_ID = 'sparkplug-host-isa95-hub'

describe('the hub\'s own client ids', function () {
  let hub: RunningHub
  before(async function () {
    const passwordHash = await hashPassword('dashboard-secret')
    hub = await startTestHub(testConfig(undefined, (c) => {
      c.sparkplug.enabled = true
      c.mqtt.accounts = [{ username: 'dashboard', passwordHash, role: 'viewer' }]
    }))
  })
  after(async function () { await hub.stop() })

  for (const who of ['a viewer', 'an anonymous local admin'] as const) {
    it(`${who} connecting with the Sparkplug host's client id is refused; the host stays online`, async function () {
      const watcher = await connect(mqttUrl(hub))
      const box = inbox(watcher)
      await watcher.subscribeAsync(STATE, { qos: 1 })
      const birth = (await box.next(STATE)).payload.toString()
      const creds = who === 'a viewer' ? { username: 'dashboard', password: 'dashboard-secret' } : {}
      await assert.rejects(connect(mqttUrl(hub), { clientId: HOST_CLIENT_ID, ...creds }), (err: Error & { code?: number }) => {
        assert.equal(err.code, 2, `CONNACK 2 (identifier rejected), got: ${err.message}`)
        return true
      })
      await sleep(500)
      assert.equal(hub.sparkplug!.host.status, 'ONLINE')
      assert.deepEqual(box.seen.map((m) => m.payload.toString()), [], `STATE unchanged (birth ${birth})`)
      await watcher.endAsync()
    })
  }
})
