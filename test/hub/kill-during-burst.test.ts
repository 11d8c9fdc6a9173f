// kill -9 of the hub during a burst of QoS 1 messages: four publishers publish as fast as the hub acknowledges, the
// hub process (the built CLI, as `npm start` runs it) is SIGKILLed mid-burst, and after a restart on the same data
// directory every message whose PUBACK reached its publisher is there: queued for an offline persistent session,
// or kept as a retained message.
import assert from 'node:assert/strict'
import path from 'node:path'
import type { MqttClient } from 'mqtt'
import { connect, connectAnd, startTestHub, testConfig, tempDir, mqttUrl } from '../support/hub-fixture'
import { freePort, PROJECT_ROOT, spawnHub, type ChildHub } from '../support/child-hub'

const PUBLISHERS = 4
const IN_FLIGHT_PER_PUBLISHER = 32
const KILL_AFTER_ACKS = 1200
const BASE = 'acme/dallas/press-shop/line-1/press-1/measurements'

function startChild (dataDir: string, port: number, env: Record<string, string> = {}): ChildHub {
  return spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist/hub/cli.js')], {
    HUB_DATA_DIR: dataDir, HUB_MQTT_HOST: '127.0.0.1', HUB_MQTT_PORT: String(port), HUB_MQTT_WS_ENABLED: 'false',
    HUB_EDITOR_ENABLED: 'false', HUB_SPARKPLUG_ENABLED: 'false', ...env
  })
}

/** Publishes `topicOf(p, i)` from PUBLISHERS clients until the hub dies; returns the ids whose PUBACK arrived. */
async function burstUntilKilled (hub: ChildHub, url: string, retain: boolean, topicOf: (p: number, i: number) => string): Promise<Set<string>> {
  const acked = new Set<string>()
  const publishers: MqttClient[] = []
  for (let p = 0; p < PUBLISHERS; p++) {
    const c = await connect(url, { clientId: `burst-${p}` })
    c.on('error', () => {})
    publishers.push(c)
  }
  let killed = false
  const kill = (): void => {
    if (killed) return
    killed = true
    hub.signal('SIGKILL')
  }
  await Promise.all(publishers.map(async (c, p) => {
    let i = 0
    const lane = async (): Promise<void> => {
      while (!killed) {
        const n = i++
        const payload = JSON.stringify({ value: n, timestamp: Date.now() })
        try {
          await c.publishAsync(topicOf(p, n), payload, { qos: 1, retain })
        } catch {
          return // the connection went with the hub
        }
        acked.add(`${p}:${n}`)
        if (acked.size >= KILL_AFTER_ACKS) kill()
      }
    }
    await Promise.race([
      Promise.all(Array.from({ length: IN_FLIGHT_PER_PUBLISHER }, lane)),
      new Promise<void>((resolve) => c.once('close', () => resolve()))
    ])
  }))
  await hub.groupGone()
  for (const c of publishers) c.end(true)
  return acked
}

/** Collects `idOf(topic, payload)` of each message until every expected id is there or nothing more arrives. */
function collect (client: MqttClient, expected: Set<string>, idOf: (topic: string, payload: Buffer) => string): Promise<Set<string>> {
  const got = new Set<string>()
  return new Promise((resolve) => {
    let idle: NodeJS.Timeout
    const done = (): void => { clearTimeout(idle); client.removeListener('message', onMessage); resolve(got) }
    const arm = (): void => { clearTimeout(idle); idle = setTimeout(done, 5000) }
    const onMessage = (topic: string, payload: Buffer): void => {
      got.add(idOf(topic, payload))
      if ([...expected].every((id) => got.has(id))) done()
      else arm()
    }
    client.on('message', onMessage)
    arm()
  })
}

function missing (acked: Set<string>, got: Set<string>): string[] {
  return [...acked].filter((id) => !got.has(id))
}

describe('kill -9 of the hub during a burst of QoS 1 messages', function () {
  this.timeout(90000)

  for (const sync of [false, true]) {
    it(`queues every acknowledged message for an offline persistent session (mqtt.persistence.sync ${sync})`, async function () {
      const dataDir = tempDir('hub-kill-burst-')
      const port = await freePort()
      const child = startChild(dataDir, port, { HUB_MQTT_PERSISTENCE_SYNC: String(sync) })
      const url = `mqtt://127.0.0.1:${port}`
      try {
        await child.waitFor(/hub ready/, 30000)
        const sub = await connect(url, { clientId: 'offline-session', clean: false })
        await sub.subscribeAsync(`${BASE}/#`, { qos: 1 })
        await sub.endAsync()

        const acked = await burstUntilKilled(child, url, false, (p) => `${BASE}/burst-${p}`)
        assert.ok(acked.size >= KILL_AFTER_ACKS, `${acked.size} acknowledged before the kill`)

        const hub = await startTestHub(testConfig(dataDir))
        try {
          const [again, collecting] = await connectAnd(mqttUrl(hub), { clientId: 'offline-session', clean: false },
            (c) => collect(c, acked, (topic, payload) => `${topic.slice(-1)}:${JSON.parse(payload.toString()).value}`))
          const got = await collecting
          await again.endAsync()
          assert.deepEqual(missing(acked, got), [], `every acknowledged message was queued (${acked.size} acknowledged, ${got.size} received)`)
        } finally {
          await hub.stop()
        }
      } finally {
        child.signal('SIGKILL')
      }
    })
  }

  it('keeps every acknowledged retained message', async function () {
    const dataDir = tempDir('hub-kill-retained-')
    const port = await freePort()
    const child = startChild(dataDir, port)
    const url = `mqtt://127.0.0.1:${port}`
    try {
      await child.waitFor(/hub ready/, 30000)
      const acked = await burstUntilKilled(child, url, true, (p, i) => `${BASE}/retained-${p}/m${i}`)
      assert.ok(acked.size >= KILL_AFTER_ACKS, `${acked.size} acknowledged before the kill`)

      const hub = await startTestHub(testConfig(dataDir))
      try {
        const reader = await connect(mqttUrl(hub))
        const got = collect(reader, acked, (topic) => {
          const [p, m] = topic.slice(BASE.length + '/retained-'.length).split('/m')
          return `${p}:${m}`
        })
        await reader.subscribeAsync(`${BASE}/#`, { qos: 1 })
        const retained = await got
        await reader.endAsync()
        assert.deepEqual(missing(acked, retained), [], `every acknowledged retained message was kept (${acked.size} acknowledged, ${retained.size} received)`)
      } finally {
        await hub.stop()
      }
    } finally {
      child.signal('SIGKILL')
    }
  })
})
