// A password changed in the config is what counts after the restart: a login remembered by the previous process
// (broker/verified-logins.ts) does not let the old password in, and the new one works. Anonymous local clients are
// not counted by the login throttle.
import assert from 'node:assert/strict'
import { hashPassword } from '../../core/passwords'
import { startTestHub, tempDir, testConfig } from '../support/hub-fixture'
import { connackCode, connectPacket } from '../support/raw-mqtt'
import type { MqttAccount } from '../../broker/config'

const FROM = '127.0.0.7'

describe('a password change across a restart', function () {
  this.timeout(60000)

  it('refuses the old password that the previous process remembered, takes the new one', async function () {
    const dataDir = tempDir('hub-password-change-')
    const account = (passwordHash: string): MqttAccount[] => [{ username: 'press-1', passwordHash, role: 'machine', equipment: ['acme/dallas/press-shop/line-1/press-1'] }]
    const login = (port: number, password: string, clean = true): Promise<number> =>
      connackCode(port, connectPacket({ clientId: 'press-1', clean, username: 'press-1', password: Buffer.from(password) }), undefined, FROM)
    const hashHolder = { old: await hashPassword('old-secret'), new: await hashPassword('new-secret') }
    const one = await startTestHub(testConfig(dataDir, (c) => { c.mqtt.accounts = account(hashHolder.old) }))
    let port = one.broker.listeners.find((l) => l.name === 'mqtt')!.port
    assert.equal(await login(port, 'old-secret', false), 0)
    assert.equal(await login(port, 'old-secret', false), 0, 'remembered')
    await one.stop()

    const two = await startTestHub(testConfig(dataDir, (c) => {
      c.mqtt.accounts = account(hashHolder.new)
      c.mqtt.loginThrottle = { burst: 2, refillPerSecond: 0.001 }
    }))
    try {
      port = two.broker.listeners.find((l) => l.name === 'mqtt')!.port
      assert.equal(await login(port, 'old-secret'), 4, 'the old password is refused after the change')
      assert.equal(await login(port, 'new-secret', false), 0)
      assert.equal(await login(port, 'old-secret'), 4)
      assert.equal(await login(port, 'new-secret'), 5, 'two failures from this address: throttled, even the right password')
      // Anonymous clients from this machine are not accounts: the throttle does not refuse them.
      assert.equal(await connackCode(port, connectPacket({ clientId: 'anon-local', clean: true }), undefined, FROM), 0)
    } finally {
      await two.stop()
    }
  })
})
