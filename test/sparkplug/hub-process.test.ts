// The hub's Sparkplug side as a user runs it: the built CLI in a child process on free ports, edge nodes and
// subscribers as real mqtt.js clients. What these tests are about only shows in a real process: an exception on the
// ingest path ends it, and after SIGKILL only what the broker's store kept is left.
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { connect, inbox, sleep, tempDir } from '../support/hub-fixture'
import { freePort, spawnHub, type ChildHub } from '../support/child-hub'
import { TestEdgeNode, DT } from './host/edge-node'

const LINE_1 = 'acme/dallas/press-shop/line-1'
const PRESS_1 = `${LINE_1}/press-1`

function startHubProcess (dataDir: string, port: number): ChildHub {
  return spawnHub(process.execPath, ['dist/hub/cli.js'], {
    HUB_DATA_DIR: dataDir,
    HUB_MQTT_HOST: '127.0.0.1',
    HUB_MQTT_PORT: String(port),
    HUB_MQTT_WS_ENABLED: 'false',
    HUB_EDITOR_ENABLED: 'false'
  })
}

/** The retained message a new subscriber gets on `topic`, or undefined when there is none (yet). */
async function retainedOn (url: string, topic: string): Promise<Record<string, any> | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const c: MqttClient = await connect(url)
  try {
    const box = inbox(c)
    await c.subscribeAsync(topic, { qos: 1 })
    const m = await box.next(topic, 500).catch(() => undefined)
    return m?.retain === true ? JSON.parse(m.payload.toString()) : undefined
  } finally {
    await c.endAsync()
  }
}

/** Polls until the retained message on `topic` satisfies `ok` (the snapshot is written every 250 ms). */
async function retainedWhen (url: string, topic: string, ok: (v: Record<string, any>) => boolean, timeoutMs = 15000): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const deadline = Date.now() + timeoutMs
  let last: Record<string, any> | undefined // eslint-disable-line @typescript-eslint/no-explicit-any
  while (Date.now() < deadline) {
    last = await retainedOn(url, topic)
    if (last !== undefined && ok(last)) return last
    await sleep(100)
  }
  throw new Error(`retained message on ${topic} did not become as expected within ${timeoutMs} ms; last: ${JSON.stringify(last)}`)
}

describe('the hub process and Sparkplug', function () {
  this.timeout(90000)
  let hub: ChildHub | undefined

  afterEach(async function () {
    if (hub && hub.proc.exitCode === null && hub.proc.signalCode === null) {
      hub.signal('SIGKILL')
      await hub.groupGone()
    }
    hub = undefined
  })

  it('survives the two 11-byte publishes of issue #8 (DataSet birth, Int32 data) and goes on serving the namespace', async function () {
    const port = await freePort()
    hub = startHubProcess(tempDir('hub-sp-bytes-'), port)
    await hub.waitFor(/hub ready/)
    const url = `mqtt://127.0.0.1:${port}`
    const c = await connect(url, { clientId: 'raw-edge' })
    const watcher = await connect(url)
    const box = inbox(watcher)
    await watcher.subscribeAsync(['$hub/errors/#', `${LINE_1}/measurements/#`], { qos: 1 })
    await c.publishAsync('spBv1.0/dallas/NBIRTH/press-line-1', Buffer.from('180012070a015220103801', 'hex'), { qos: 1 })
    await c.publishAsync('spBv1.0/dallas/NDATA/press-line-1', Buffer.from('180112070a015220035005', 'hex'), { qos: 1 })
    const refused = await box.next('$hub/errors/spBv1.0/dallas/NDATA/press-line-1', 10000).catch((err: Error) => {
      throw new Error(`${err.message}; hub exit code ${hub!.proc.exitCode}, output:\n${hub!.output().slice(-2000)}`)
    })
    const report = JSON.parse(refused.payload.toString())
    assert.equal(report.error, 'SPARKPLUG_REFUSED')
    assert.match(report.reason, /'R' is Int32 .* DataSet in its birth/)
    // The process is still there and still relays: a birth after the refused data reaches the namespace.
    await c.publishAsync('spBv1.0/dallas/NBIRTH/press-line-1', nbirthWithInt32('S', 7), { qos: 1 })
    const s = JSON.parse((await box.next(`${LINE_1}/measurements/s`, 10000)).payload.toString())
    assert.equal(s.value, 7)
    assert.equal(hub.proc.exitCode, null, `the hub exited; output:\n${hub.output().slice(-3000)}`)
    await c.endAsync()
    await watcher.endAsync()
  })

  it('after kill -9 of hub and edge node, the restarted hub shows the node OFFLINE and its metrics STALE until it births again', async function () {
    const port = await freePort()
    const dataDir = tempDir('hub-sp-crash-')
    const url = `mqtt://127.0.0.1:${port}`
    hub = startHubProcess(dataDir, port)
    await hub.waitFor(/hub ready/)
    const edge = await TestEdgeNode.connect(url, 'dallas', 'press-line-1', 1)
    await edge.nbirth([{ name: 'Line Speed', alias: 1, datatype: DT.Double, doubleValue: 12.5 }])
    await edge.send('DBIRTH', 'press-1', [{ name: 'Die Temperature', alias: 10, datatype: DT.Double, doubleValue: 180.5 }])
    await retainedWhen(url, `${LINE_1}/state/sparkplug-session`, (v) => v.value.online === true)
    await retainedWhen(url, `${PRESS_1}/state/sparkplug-session`, (v) => v.value.online === true)
    await retainedWhen(url, `${PRESS_1}/measurements/die-temperature`, (v) => v.quality === 'GOOD')
    await retainedWhen(url, `${LINE_1}/measurements/line-speed`, (v) => v.quality === 'GOOD')

    hub.signal('SIGKILL')
    edge.kill()
    await hub.groupGone()
    hub = startHubProcess(dataDir, port)
    await hub.waitFor(/hub ready/)

    const node = await retainedOn(url, `${LINE_1}/state/sparkplug-session`)
    assert.equal(node?.value.online, false, `node session after restart: ${JSON.stringify(node)}`)
    assert.equal(node?.value.state, 'OFFLINE')
    assert.equal(node?.value.stale?.reason, 'HUB_RESTART')
    const device = await retainedOn(url, `${PRESS_1}/state/sparkplug-session`)
    assert.equal(device?.value.online, false, `device session after restart: ${JSON.stringify(device)}`)
    const temp = await retainedOn(url, `${PRESS_1}/measurements/die-temperature`)
    assert.equal(temp?.quality, 'STALE', `metric after restart: ${JSON.stringify(temp)}`)
    assert.equal(temp?.value, 180.5, 'the last known value is kept, marked STALE')
    assert.equal((await retainedOn(url, `${LINE_1}/measurements/line-speed`))?.quality, 'STALE')

    // A new birth makes it live again.
    const again = await TestEdgeNode.connect(url, 'dallas', 'press-line-1', 2)
    await again.nbirth([{ name: 'Line Speed', alias: 1, datatype: DT.Double, doubleValue: 13 }])
    const live = await retainedWhen(url, `${LINE_1}/measurements/line-speed`, (v) => v.quality === 'GOOD')
    assert.equal(live.value, 13)
    assert.equal((await retainedWhen(url, `${LINE_1}/state/sparkplug-session`, (v) => v.value.online === true)).value.state, 'ONLINE')
    await again.close()
  })
})

/** An NBIRTH (seq 0) with one Int32 metric, hand-encoded like the bytes. */
function nbirthWithInt32 (name: string, value: number): Buffer {
  const n = Buffer.from(name, 'utf8')
  const metric = Buffer.concat([Buffer.from([0x0a, n.length]), n, Buffer.from([0x20, DT.Int32, 0x50, value])])
  return Buffer.concat([Buffer.from([0x18, 0x00, 0x12, metric.length]), metric])
}
