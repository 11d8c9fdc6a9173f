// Wills left in the store by a killed hub are published on restart with their owner's current rights: a viewer's
// Will, a spoofed Sparkplug STATE Will, a machine's Will on a node it does not own and the Will of an account that
// was removed meanwhile all go to $hub/errors (nothing delivered, nothing retained); a machine's Will on its own node
// is delivered.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import type { MqttClient } from 'mqtt'
import { connect, connectAnd, inbox, startTestHub, tempDir, testConfig } from '../support/hub-fixture'
import { freePort, PROJECT_ROOT, spawnHub } from '../support/child-hub'
import { hashPassword } from '../../core/passwords'
import { installWillGuard } from '../../broker/will-guard'
import type { MqttAccount } from '../../broker/config'

const MODE = 'acme/dallas/press-shop/line-1/state/mode'
const STATE = 'spBv1.0/STATE/isa95-hub'
const OWN_NDEATH = 'spBv1.0/dallas/NDEATH/press-line-1'
const FOREIGN_NDEATH = 'spBv1.0/dallas/NDEATH/warehouse'
const RETIRED_NDEATH = 'spBv1.0/dallas/NDEATH/old-line'

describe('Wills left by a killed hub, under the access rules', function () {
  this.timeout(60000)

  it('are published with their owner\'s current rights: refused ones go to $hub/errors, none is retained', async function () {
    const dataDir = tempDir('hub-will-access-')
    const port = await freePort()
    const hash = await hashPassword('secret')
    const accounts: MqttAccount[] = [
      { username: 'ops', passwordHash: hash, role: 'admin' },
      { username: 'dashboard', passwordHash: hash, role: 'viewer' },
      { username: 'press-line-1', passwordHash: hash, role: 'machine', sparkplugNodes: ['dallas/press-line-1'] },
      { username: 'old-line', passwordHash: hash, role: 'machine', sparkplugNodes: ['dallas/old-line'] }
    ]
    const configFile = path.join(dataDir, 'isa95-hub.yaml')
    fs.writeFileSync(configFile, YAML.stringify({ mqtt: { accounts, anonymous: { local: 'none', remote: 'none' } } }))
    const child = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist/hub/cli.js')], {
      HUB_CONFIG: configFile, HUB_DATA_DIR: dataDir, HUB_MQTT_HOST: '127.0.0.1', HUB_MQTT_PORT: String(port),
      HUB_MQTT_WS_ENABLED: 'false', HUB_EDITOR_ENABLED: 'false', HUB_SPARKPLUG_ENABLED: 'false'
    })
    const url = `mqtt://127.0.0.1:${port}`
    const clients: MqttClient[] = []
    const as = async (username: string, clientId: string, topic: string, payload: string, retain: boolean): Promise<void> => {
      const c = await connect(url, { clientId, username, password: 'secret', will: { topic, payload: Buffer.from(payload), qos: 1, retain } })
      c.on('error', () => {})
      clients.push(c)
    }
    try {
      await child.waitFor(/hub ready/, 30000)
      const watcher = await connect(url, { clientId: 'ops-watch', clean: false, username: 'ops', password: 'secret' })
      await watcher.subscribeAsync(['acme/#', 'spBv1.0/#', '$hub/errors/#'], { qos: 1 })
      await watcher.endAsync()
      const uns = JSON.stringify({ value: 'STOPPED', timestamp: Date.now() })
      await as('dashboard', 'viewer-mode', MODE, uns, true)
      await as('dashboard', 'viewer-state', STATE, JSON.stringify({ online: false, timestamp: Date.now() }), true)
      await as('press-line-1', 'press-foreign', FOREIGN_NDEATH, 'x', true)
      await as('old-line', 'old-line', RETIRED_NDEATH, 'x', false)
      await as('press-line-1', 'press-own', OWN_NDEATH, 'x', false)
      child.signal('SIGKILL')
      await child.groupGone()
      for (const c of clients) c.end(true)

      // Restarted without the 'old-line' account.
      const hub = await startTestHub(testConfig(dataDir, (c) => {
        c.mqtt.port = port
        c.mqtt.accounts = accounts.filter((a) => a.username !== 'old-line')
        c.mqtt.anonymous = { local: 'none', remote: 'none' }
      }))
      try {
        assert.equal(await installWillGuard(hub.broker).leftoversPublished, 5)
        const [again, box] = await connectAnd(url, { clientId: 'ops-watch', clean: false, username: 'ops', password: 'secret' }, inbox)
        assert.equal((await box.next(OWN_NDEATH)).topic, OWN_NDEATH, 'the machine\'s Will on its own node is delivered')
        const reports = new Map<string, { error: string, username: string | null, clientId: string }>()
        for (let i = 0; i < 4; i++) {
          const m = await box.next('$hub/errors/')
          reports.set(m.topic.slice('$hub/errors/'.length), JSON.parse(m.payload.toString()))
        }
        assert.deepEqual(Object.fromEntries([...reports].map(([t, r]) => [t, [r.error, r.username, r.clientId]])), {
          [MODE]: ['NOT_AUTHORIZED', 'dashboard', 'viewer-mode'],
          [STATE]: ['NOT_AUTHORIZED', 'dashboard', 'viewer-state'],
          [FOREIGN_NDEATH]: ['NOT_AUTHORIZED', 'press-line-1', 'press-foreign'],
          [RETIRED_NDEATH]: ['NOT_AUTHORIZED', null, 'old-line']
        })
        assert.deepEqual(box.seen.map((m) => m.topic).filter((t) => [MODE, STATE, FOREIGN_NDEATH, RETIRED_NDEATH].includes(t)), [],
          'no refused Will reached its topic')
        const retained: string[] = []
        for (const filter of [MODE, STATE, 'spBv1.0/dallas/#']) {
          for await (const m of hub.broker.retained(filter)) retained.push(m.topic)
        }
        assert.deepEqual(retained, [], 'no refused Will was retained')
        await again.endAsync()
      } finally {
        await hub.stop()
      }
    } finally {
      child.signal('SIGKILL')
    }
  })
})
