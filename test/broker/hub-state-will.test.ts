// The hub's own Sparkplug STATE Will, left in the store when the hub process is killed (SIGKILL), is published on
// the next start like every leftover Will (so a persistent STATE subscriber learns that the host went offline), and
// the restarted host's birth is what stays retained: edge nodes that connect afterwards see it online.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { connect, connectAnd, inbox, sleep, tempDir } from '../support/hub-fixture'
import { freePort, PROJECT_ROOT, spawnHub } from '../support/child-hub'

const STATE = 'spBv1.0/STATE/isa95-hub'

describe('the hub\'s STATE Will after a kill -9', function () {
  this.timeout(90000)

  it('is published on restart, and the new birth stays retained', async function () {
    const dataDir = tempDir('hub-state-will-')
    const port = await freePort()
    const configFile = path.join(dataDir, 'isa95-hub.yaml')
    fs.writeFileSync(configFile, YAML.stringify({ mqtt: { anonymous: { local: 'admin', remote: 'none' } } }))
    const env = {
      HUB_CONFIG: configFile, HUB_DATA_DIR: dataDir, HUB_MQTT_HOST: '127.0.0.1', HUB_MQTT_PORT: String(port),
      HUB_MQTT_WS_ENABLED: 'false', HUB_EDITOR_ENABLED: 'false'
    }
    const url = `mqtt://127.0.0.1:${port}`
    const first = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist/hub/cli.js')], env)
    let second: ReturnType<typeof spawnHub> | undefined
    try {
      await first.waitFor(/hub ready/, 30000)
      const watcher = await connect(url, { clientId: 'state-watch', clean: false })
      const box = inbox(watcher)
      await watcher.subscribeAsync(STATE, { qos: 1 })
      const birth = JSON.parse((await box.next(STATE)).payload.toString()) as { online: boolean, timestamp: number }
      assert.equal(birth.online, true)
      first.signal('SIGKILL')
      await first.groupGone()
      watcher.end(true)

      second = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist/hub/cli.js')], env)
      await second.waitFor(/hub ready/, 30000)
      const seen: Array<{ online: boolean, timestamp: number }> = []
      const [again] = await connectAnd(url, { clientId: 'state-watch', clean: false },
        (c) => c.on('message', (_t, p) => { seen.push(JSON.parse(p.toString())) }))
      await sleep(3000)
      await again.endAsync()
      assert.ok(seen.some((s) => s.online === false && s.timestamp === birth.timestamp),
        `the Will of the killed host (online false, timestamp ${birth.timestamp}) was published; seen: ${JSON.stringify(seen)}`)

      const late = await connect(url, { clientId: 'late-edge-node' })
      const lateBox = inbox(late)
      await late.subscribeAsync(STATE, { qos: 1 })
      const retained = await lateBox.next(STATE)
      const state = JSON.parse(retained.payload.toString()) as { online: boolean, timestamp: number }
      assert.equal(retained.retain, true)
      assert.equal(state.online, true, `retained STATE after the restart: ${retained.payload.toString()}`)
      assert.ok(state.timestamp > birth.timestamp)
      await late.endAsync()
    } finally {
      first.signal('SIGKILL')
      second?.signal('SIGTERM')
      await second?.exited().catch(() => second?.signal('SIGKILL'))
    }
  })
})
