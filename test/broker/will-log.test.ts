// A Will topic is client text like any other: the warning about a Will its account may not publish shows it escaped
// and cut (no forged log line, no 65 KB line), and the Will itself goes to $hub/errors under a valid topic.
import assert from 'node:assert/strict'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { connect, inbox, mqttUrl, testConfig } from '../support/hub-fixture'
import { startLoggedHub } from './log-lines'

describe('Wills in the log', function () {
  let hub: RunningHub
  let lines: string[]
  before(async function () {
    const passwordHash = await hashPassword('dashboard-secret')
    ;({ hub, lines } = await startLoggedHub(testConfig(undefined, (c) => {
      c.mqtt.accounts = [{ username: 'dashboard', passwordHash, role: 'viewer' }]
    })))
  })
  after(async function () { await hub.stop() })

  it('a viewer\'s Will topic with a newline and a terminal escape is logged escaped, and a 65 KB one cut', async function () {
    const forged = 'acme/x\n2099-01-01T00:00:00.000Z INFO  [hub] forged line \u001b[2J'
    const long = 'acme/' + 'y'.repeat(65_000)
    const watcher = await connect(mqttUrl(hub))
    const box = inbox(watcher)
    await watcher.subscribeAsync('$hub/errors/#', { qos: 1 })
    for (const topic of [forged, long]) {
      const c = await connect(mqttUrl(hub), { username: 'dashboard', password: 'dashboard-secret', will: { topic, payload: Buffer.from('x'), qos: 1, retain: false } })
      c.stream.destroy() // not a clean DISCONNECT: the Will is published
      const report = JSON.parse((await box.next('$hub/errors/acme/')).payload.toString())
      assert.equal(report.error, topic === forged ? 'INVALID_TOPIC' : 'NOT_AUTHORIZED')
    }
    await watcher.endAsync()
    const willLines = lines.filter((l) => l.includes('has a Will on'))
    assert.equal(willLines.length, 2, lines.join('\n'))
    assert.ok(!lines.some((l) => l.includes('\n') || l.includes('\u001b')), 'no log line carries a raw newline or escape')
    assert.ok(willLines.every((l) => l.length < 2000), `Will lines of ${willLines.map((l) => l.length).join(', ')} characters`)
  })
})
