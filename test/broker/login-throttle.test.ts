// Wrong passwords are throttled per source address and logged once per burst; the other addresses' logins go on
// (issue #8, item 10; the connect rate itself is measured in bench/connect-rate.bench.ts).
import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { testConfig } from '../support/hub-fixture'
import { startLoggedHub } from './log-lines'
import { connackCode, connectPacket } from '../support/raw-mqtt'
import { VerifiedLogins } from '../../broker/verified-logins'

const ATTACKER = '127.0.0.5'
const MACHINE = '127.0.0.6'

describe('failed logins', function () {
  let hub: RunningHub
  let lines: string[]
  let port: number
  before(async function () {
    const passwordHash = await hashPassword('press-1-secret')
    ;({ hub, lines } = await startLoggedHub(testConfig(undefined, (c) => {
      // No token comes back during the test.
      c.mqtt.loginThrottle = { burst: 3, refillPerSecond: 0.001 }
      c.mqtt.accounts = [{ username: 'press-1', passwordHash, role: 'machine', equipment: ['acme/dallas/press-shop/line-1/press-1'] }]
    })))
    port = hub.broker.listeners.find((l) => l.name === 'mqtt')!.port
  })
  after(async function () { if (hub) await hub.stop() })

  const login = (password: string, from: string, n = 0): Promise<number> =>
    connackCode(port, connectPacket({ clientId: `c-${from}-${n}`, username: 'press-1', password: Buffer.from(password) }), undefined, from)

  it('after a burst of wrong passwords an address is refused unchecked (CONNACK 5), even with the right one; other addresses log in; the log has one line per burst', async function () {
    assert.equal(await login('press-1-secret', MACHINE), 0)
    for (let i = 0; i < 3; i++) assert.equal(await login(`guess-${i}`, ATTACKER, i), 4)
    assert.equal(await login('press-1-secret', ATTACKER, 99), 5, 'throttled: refused without a check')
    for (let i = 0; i < 20; i++) assert.equal(await login(`guess-more-${i}`, ATTACKER, 100 + i), 5)
    assert.equal(await login('press-1-secret', MACHINE, 1), 0, 'another address is not throttled')
    const during = lines.filter((l) => l.includes(ATTACKER))
    assert.equal(during.length, 1, `one line while the burst lasts, not one per attempt:\n${during.join('\n')}`)
    await hub.stop()
    const after = lines.filter((l) => l.includes(ATTACKER))
    assert.equal(after.length, 2, after.join('\n'))
    assert.match(after[1]!, /23 more refused logins from 127\.0\.0\.5.*21 of them refused unchecked/)
    assert.ok(!lines.some((l) => l.includes('guess-')), 'passwords are never logged')
    hub = undefined as unknown as RunningHub
  })

  it('a remembered login applies only to the same password and the same account hash (a changed account is checked again)', function () {
    const v = new VerifiedLogins()
    v.remember('press-1', '$2b$10$hash-one', Buffer.from('secret'))
    assert.equal(v.has('press-1', '$2b$10$hash-one', Buffer.from('secret')), true)
    assert.equal(v.has('press-1', '$2b$10$hash-one', Buffer.from('secreT')), false)
    assert.equal(v.has('press-1', '$2b$10$hash-two', Buffer.from('secret')), false, 'new password hash: checked again')
    assert.equal(v.has('press-2', '$2b$10$hash-one', Buffer.from('secret')), false)
    v.forget('press-1')
    assert.equal(v.has('press-1', '$2b$10$hash-one', Buffer.from('secret')), false)
  })
})
