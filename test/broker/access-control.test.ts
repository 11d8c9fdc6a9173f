import assert from 'node:assert/strict'
import { AccessControl } from '../../broker/access-control'
import { hashPassword } from '../../core/passwords'
import type { MqttAccount } from '../../broker/config'
import { connect, inbox, mqttUrl, startTestHub, testConfig, unsValue } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'

const PRESS_1 = 'acme/dallas/press-shop/line-1/press-1'
const PRESS_2 = 'acme/dallas/press-shop/line-1/press-2'

describe('access control', function () {
  let accounts: MqttAccount[]

  before(async function () {
    accounts = [
      { username: 'press-1', passwordHash: await hashPassword('press-1-secret'), role: 'machine', equipment: [PRESS_1], sparkplugNodes: ['dallas/press-line-1'] },
      { username: 'dashboard', passwordHash: await hashPassword('dashboard-secret'), role: 'viewer' },
      { username: 'ops', passwordHash: await hashPassword('ops-secret'), role: 'admin' }
    ]
  })

  describe('with the real broker', function () {
    let hub: RunningHub
    before(async function () {
      hub = await startTestHub(testConfig(undefined, (c) => {
        c.mqtt.accounts = accounts
        c.mqtt.anonymous = { local: 'none', remote: 'none' }
      }))
    })
    after(async function () { await hub.stop() })

    async function observer () {
      const ops = await connect(mqttUrl(hub), { username: 'ops', password: 'ops-secret' })
      await ops.subscribeAsync(['acme/#', '$hub/errors/#', 'spBv1.0/#'], { qos: 1 })
      return { ops, box: inbox(ops) }
    }

    it('lets a machine publish under its own cell and as its own Sparkplug node', async function () {
      const { ops, box } = await observer()
      const press = await connect(mqttUrl(hub), { username: 'press-1', password: 'press-1-secret' })
      await press.publishAsync(`${PRESS_1}/measurements/strokes`, unsValue(1200), { qos: 1 })
      assert.equal(JSON.parse((await box.next(`${PRESS_1}/measurements/strokes`)).payload.toString()).value, 1200)
      await press.publishAsync('spBv1.0/dallas/NDATA/press-line-1', Buffer.from([0x08, 0x01]), { qos: 0 })
      await box.next('spBv1.0/dallas/NDATA/press-line-1')
      await press.endAsync()
      await ops.endAsync()
    })

    it('refuses a machine publishing under another cell: nothing delivered, the reason on $hub/errors, the client stays connected', async function () {
      const { ops, box } = await observer()
      const press = await connect(mqttUrl(hub), { username: 'press-1', password: 'press-1-secret' })
      await press.publishAsync(`${PRESS_2}/measurements/strokes`, unsValue(5), { qos: 1 })
      const report = JSON.parse((await box.next(`$hub/errors/${PRESS_2}/measurements/strokes`)).payload.toString())
      assert.equal(report.error, 'NOT_AUTHORIZED')
      assert.equal(report.username, 'press-1')
      assert.match(report.reason, /may publish only under 'acme\/dallas\/press-shop\/line-1\/press-1\/#'/)
      assert.equal(box.seen.some((m) => m.topic === `${PRESS_2}/measurements/strokes`), false)
      assert.equal(press.connected, true)
      // ...and as another Sparkplug node
      await press.publishAsync('spBv1.0/dallas/NDATA/press-line-2', Buffer.from([0x08, 0x01]), { qos: 1 })
      assert.equal((JSON.parse((await box.next('$hub/errors/spBv1.0/dallas/NDATA/press-line-2')).payload.toString())).error, 'NOT_AUTHORIZED')
      await press.endAsync()
      await ops.endAsync()
    })

    it('refuses a viewer publishing anywhere, but lets it subscribe', async function () {
      const { ops, box } = await observer()
      const viewer = await connect(mqttUrl(hub), { username: 'dashboard', password: 'dashboard-secret' })
      const granted = await viewer.subscribeAsync('acme/#', { qos: 1 })
      assert.equal(granted[0].qos, 1)
      await viewer.publishAsync(`${PRESS_1}/measurements/strokes`, unsValue(1), { qos: 1 })
      const report = JSON.parse((await box.next(`$hub/errors/${PRESS_1}/measurements/strokes`)).payload.toString())
      assert.equal(report.error, 'NOT_AUTHORIZED')
      assert.match(report.reason, /viewer and may not publish/)
      await viewer.endAsync()
      await ops.endAsync()
    })

    it('refuses a machine subscribing outside its cell with SUBACK 0x80', async function () {
      const press = await connect(mqttUrl(hub), { username: 'press-1', password: 'press-1-secret' })
      const granted = await press.subscribeAsync([`${PRESS_1}/commands/#`, 'spBv1.0/dallas/NCMD/press-line-1', 'spBv1.0/STATE/+'], { qos: 1 })
      assert.deepEqual(granted.map((g) => g.qos), [1, 1, 1])
      await assert.rejects(press.subscribeAsync(`${PRESS_2}/#`, { qos: 1 }),
        (err: Error & { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] === 128)
      assert.equal(press.connected, true)
      await press.endAsync()
    })

    it('refuses a wrong password and an unknown user with "bad username or password"', async function () {
      await assert.rejects(connect(mqttUrl(hub), { username: 'press-1', password: 'guess' }), /Bad username or password/i)
      await assert.rejects(connect(mqttUrl(hub), { username: 'nobody', password: 'x' }), /Bad username or password/i)
    })

    it('refuses an anonymous client when anonymous access is off', async function () {
      await assert.rejects(connect(mqttUrl(hub)), /Not authorized/i)
    })
  })

  describe('rules', function () {
    it('lets anonymous clients in from loopback only, by default', async function () {
      const ac = new AccessControl({ accounts, anonymous: { local: 'admin', remote: 'none' } })
      const local = await ac.authenticate(undefined, undefined, '::ffff:127.0.0.1')
      assert.equal(local.ok && local.principal.role, 'admin')
      const remote = await ac.authenticate(undefined, undefined, '192.0.2.10')
      assert.equal(remote.ok, false)
      assert.match(!remote.ok ? remote.reason : '', /not allowed from 192\.0\.2\.10/)
    })

    it('gives remote anonymous clients read-only access when configured as viewer', async function () {
      const ac = new AccessControl({ accounts, anonymous: { local: 'admin', remote: 'viewer' } })
      const r = await ac.authenticate('', undefined, '192.0.2.10')
      assert.ok(r.ok)
      assert.notEqual(ac.publishDenied(r.principal, `${PRESS_1}/measurements/x`), null)
      assert.equal(ac.subscribeDenied(r.principal, '#'), null)
    })

    it('does not let a machine command other nodes', async function () {
      const ac = new AccessControl({ accounts, anonymous: { local: 'none', remote: 'none' } })
      const r = await ac.authenticate('press-1', Buffer.from('press-1-secret'), '10.0.0.8')
      assert.ok(r.ok)
      assert.notEqual(ac.publishDenied(r.principal, 'spBv1.0/dallas/NCMD/press-line-1'), null)
      assert.notEqual(ac.publishDenied(r.principal, 'acme/dallas/press-shop/line-1/press-10/measurements/x'), null, 'prefix must end at a level boundary')
    })
  })
})
