// Is the Will (here: a Sparkplug NDEATH with its bdSeq) delivered on every way a connection can end?
// Each path is driven against the real hub with real sockets; a subscriber on spBv1.0/+/NDEATH/+ says what arrived.
import assert from 'node:assert/strict'
import net from 'node:net'
import path from 'node:path'
import type { MqttClient } from 'mqtt'
import { connect, connectAnd, inbox, mqttUrl, sleep, startTestHub, tempDir, testConfig } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { decodePayload, encodePayload, DataType } from '../../sparkplug/index'
import { installWillGuard } from '../../broker/will-guard'
import { hashPassword } from '../../core/passwords'
import { freePort, spawnHub, PROJECT_ROOT } from '../support/child-hub'

const GROUP = 'dallas'

function ndeathTopic (node: string): string {
  return `spBv1.0/${GROUP}/NDEATH/${node}`
}

function ndeath (bdSeq: bigint): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: bdSeq }] }))
}

function bdSeqOf (payload: Buffer): bigint {
  const m = decodePayload(payload).metrics.find((x) => x.name === 'bdSeq')
  assert.ok(m, 'NDEATH without a bdSeq metric')
  return m.value as bigint
}

// ---- a raw MQTT 3.1.1 client, for the paths mqtt.js would not take (silence, garbage) ----------------------------

function mqttString (s: string | Buffer): Buffer {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8')
  const len = Buffer.alloc(2)
  len.writeUInt16BE(b.length)
  return Buffer.concat([len, b])
}

function remainingLength (n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

/** CONNECT (MQTT 3.1.1, clean session) with a QoS 1, non-retained Will, as a Sparkplug edge node registers it. */
function connectPacket (clientId: string, keepaliveSeconds: number, will: { topic: string, payload: Buffer }): Buffer {
  const flags = 0x02 /* clean */ | 0x04 /* will */ | 0x08 /* will QoS 1 */
  const keepalive = Buffer.alloc(2)
  keepalive.writeUInt16BE(keepaliveSeconds)
  const body = Buffer.concat([mqttString('MQTT'), Buffer.from([4, flags]), keepalive,
    mqttString(clientId), mqttString(will.topic), mqttString(will.payload)])
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body])
}

/** Opens a TCP connection, sends CONNECT and resolves after CONNACK (return code 0). Sends nothing else by itself. */
function rawConnect (url: string, clientId: string, keepaliveSeconds: number, will: { topic: string, payload: Buffer }): Promise<net.Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname)
    socket.once('error', reject)
    socket.once('data', (d) => {
      if (d[0] === 0x20 && d[3] === 0) resolve(socket)
      else reject(new Error(`CONNACK refused: ${d.toString('hex')}`))
    })
    socket.write(connectPacket(clientId, keepaliveSeconds, will))
  })
}

function closed (socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve()
    socket.once('close', () => resolve())
  })
}

// ------------------------------------------------------------------------------------------------------------------

describe('Will delivery (Sparkplug NDEATH) on every disconnect path', function () {
  let hub: RunningHub
  let watcher: MqttClient
  let box: ReturnType<typeof inbox>
  let nodeNo = 0
  const nextNode = (): string => `will-node-${++nodeNo}`

  before(async function () {
    hub = await startTestHub()
    installWillGuard(hub.broker)
    watcher = await connect(mqttUrl(hub))
    box = inbox(watcher)
    await watcher.subscribeAsync('spBv1.0/+/NDEATH/+', { qos: 1 })
  })
  after(async function () {
    await watcher.endAsync()
    await hub.stop()
  })

  async function edgeNode (node: string, bdSeq: bigint): Promise<MqttClient> {
    return connect(mqttUrl(hub), { clientId: node, keepalive: 30, will: { topic: ndeathTopic(node), payload: ndeath(bdSeq), qos: 1, retain: false } })
  }

  it('tck-id-conformance-mqtt-will-messages delivers the Will when the client socket is destroyed (process killed)', async function () {
    const node = nextNode()
    const client = await edgeNode(node, 7n)
    client.stream.destroy()
    const m = await box.next(ndeathTopic(node))
    assert.equal(bdSeqOf(m.payload), 7n)
    client.end(true)
  })

  it('delivers the Will when the client stops sending PINGREQ and the keepalive (1.5 x 1 s) runs out', async function () {
    const node = nextNode()
    const socket = await rawConnect(mqttUrl(hub), node, 1, { topic: ndeathTopic(node), payload: ndeath(8n) })
    // The socket stays open but silent: the broker has to notice on its own.
    const m = await box.next(ndeathTopic(node), 6000)
    assert.equal(bdSeqOf(m.payload), 8n)
    await closed(socket) // the broker closed it
  })

  it('delivers the Will when the client sends bytes that are not MQTT (protocol error)', async function () {
    const node = nextNode()
    const socket = await rawConnect(mqttUrl(hub), node, 30, { topic: ndeathTopic(node), payload: ndeath(9n) })
    socket.write(Buffer.from([0xf0, 0x00, 0xde, 0xad, 0xbe, 0xef])) // packet type 15 is reserved in MQTT 3.1.1
    const m = await box.next(ndeathTopic(node))
    assert.equal(bdSeqOf(m.payload), 9n)
    await closed(socket)
  })

  it('delivers the Will of the first connection when a second connection takes its client id over', async function () {
    const node = nextNode()
    const first = await edgeNode(node, 10n)
    const second = await edgeNode(node, 11n)
    const m = await box.next(ndeathTopic(node))
    assert.equal(bdSeqOf(m.payload), 10n, 'the Will of the replaced connection')
    // The second connection's Will is still armed: it comes when that one drops.
    second.stream.destroy()
    assert.equal(bdSeqOf((await box.next(ndeathTopic(node))).payload), 11n)
    first.end(true)
    second.end(true)
  })

  it('does not deliver the Will after a clean DISCONNECT', async function () {
    const node = nextNode()
    const client = await edgeNode(node, 12n)
    await client.endAsync()
    // A marker published after the disconnect: when it has arrived, a Will would have too (same broker, in order).
    const markerNode = nextNode()
    const other = await edgeNode(markerNode, 13n)
    other.stream.destroy()
    await box.next(ndeathTopic(markerNode))
    assert.equal(box.seen.some((x) => x.topic === ndeathTopic(node)), false, 'no NDEATH for the cleanly disconnected node')
    other.end(true)
  })

  it('delivers the Will of a client cut off by the broker shutting down, to every subscriber', async function () {
    const dataDir = tempDir()
    const config = testConfig(dataDir)
    let h = await startTestHub(config)
    installWillGuard(h.broker)
    // A host application with a persistent session (clean: false, QoS 1), one with a clean session, and one in-process.
    const host = await connect(mqttUrl(h), { clientId: 'will-host', clean: false })
    const hostBox = inbox(host)
    await host.subscribeAsync('spBv1.0/+/NDEATH/+', { qos: 1 })
    const live = await connect(mqttUrl(h), { clientId: 'will-live' })
    const liveBox = inbox(live)
    await live.subscribeAsync('spBv1.0/+/NDEATH/+', { qos: 1 })
    const inProcess: Buffer[] = []
    await new Promise<void>((resolve) => h.broker.aedes.subscribe('spBv1.0/+/NDEATH/+', (p: { payload: Buffer | string }, cb: () => void) => { inProcess.push(Buffer.from(p.payload)); cb() }, resolve))
    const node = 'will-node-shutdown'
    const client = await connect(mqttUrl(h), { clientId: node, keepalive: 30, will: { topic: ndeathTopic(node), payload: ndeath(14n), qos: 1, retain: false } })
    for (const c of [client, host, live]) c.on('error', () => {})
    await h.stop()
    assert.deepEqual(inProcess.map(bdSeqOf), [14n], 'in-process subscribers (the Sparkplug host) see the NDEATH before the broker closes')
    assert.deepEqual(liveBox.seen.filter((m) => m.topic === ndeathTopic(node)).map((m) => bdSeqOf(m.payload)), [14n], 'a connected subscriber gets it before its own connection is closed')
    for (const c of [client, host, live]) c.end(true)

    // The persistent session got it live; had its PUBACK not made it before the close, the restart would redeliver it.
    if (!hostBox.seen.some((m) => m.topic === ndeathTopic(node))) {
      config.mqtt.port = Number(new URL(mqttUrl(h)).port)
      h = await startTestHub(config)
      try {
        const [again, againBox] = await connectAnd(mqttUrl(h), { clientId: 'will-host', clean: false }, inbox)
        assert.equal(bdSeqOf((await againBox.next(ndeathTopic(node))).payload), 14n)
        await again.endAsync()
      } finally {
        await h.stop()
      }
    }
  })

  it('delivers, as it restarts, the Wills of the clients whose connections ended because the hub process was killed', async function () {
    const dataDir = tempDir()
    const port = await freePort()
    const child = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist/hub/cli.js')], {
      HUB_DATA_DIR: dataDir, HUB_MQTT_HOST: '127.0.0.1', HUB_MQTT_PORT: String(port), HUB_MQTT_WS_ENABLED: 'false', HUB_EDITOR_ENABLED: 'false'
    })
    const url = `mqtt://127.0.0.1:${port}`
    try {
      await child.waitFor(/hub ready/, 20000)
      const host = await connect(url, { clientId: 'crash-host', clean: false })
      await host.subscribeAsync('spBv1.0/+/NDEATH/+', { qos: 1 })
      const node = 'will-node-crash'
      const edge = await connect(url, { clientId: node, will: { topic: ndeathTopic(node), payload: ndeath(15n), qos: 1, retain: false } })
      const alive = 'will-node-comes-back'
      const back = await connect(url, { clientId: alive, will: { topic: ndeathTopic(alive), payload: ndeath(16n), qos: 1, retain: false } })
      for (const c of [host, edge, back]) c.on('error', () => {})
      child.signal('SIGKILL')
      await child.groupGone()
      for (const c of [host, edge, back]) c.end(true)

      const h = await startTestHub(testConfig(dataDir, (c) => { c.mqtt.port = port }))
      try {
        // The hub publishes the Wills left in its store as it starts, before any client can connect again: both
        // connections ended without DISCONNECT. A node that then comes back has a new Will, which stays armed.
        await installWillGuard(h.broker).leftoversPublished
        const again = await connect(url, { clientId: alive, will: { topic: ndeathTopic(alive), payload: ndeath(17n), qos: 1, retain: false } })
        const [hostAgain, hostBox] = await connectAnd(url, { clientId: 'crash-host', clean: false }, inbox)
        assert.equal(bdSeqOf((await hostBox.next(ndeathTopic(node))).payload), 15n)
        assert.equal(bdSeqOf((await hostBox.next(ndeathTopic(alive))).payload), 16n, 'the Will of the connection that ended')
        await again.endAsync()
        await sleep(200)
        assert.equal(hostBox.seen.some((m) => m.topic === ndeathTopic(alive)), false, 'no NDEATH for the new, cleanly closed connection')
        await hostAgain.endAsync()
      } finally {
        await h.stop()
      }
    } finally {
      child.signal('SIGKILL')
    }
  })
})

describe('Will delivery under the hub\'s access control', function () {
  let hub: RunningHub
  before(async function () {
    const hash = await hashPassword('press-secret')
    const opsHash = await hashPassword('ops-secret')
    hub = await startTestHub(testConfig(undefined, (c) => {
      c.mqtt.accounts = [
        { username: 'press-line-1', passwordHash: hash, role: 'machine', sparkplugNodes: ['dallas/press-line-1'] },
        { username: 'ops', passwordHash: opsHash, role: 'admin' }
      ]
      c.mqtt.anonymous = { local: 'none', remote: 'none' }
    }))
    installWillGuard(hub.broker)
  })
  after(async function () { await hub.stop() })

  async function observer () {
    const ops = await connect(mqttUrl(hub), { username: 'ops', password: 'ops-secret' })
    await ops.subscribeAsync(['spBv1.0/#', '$hub/errors/#'], { qos: 1 })
    return { ops, box: inbox(ops) }
  }

  it('delivers the Will of a machine account on its own Sparkplug node', async function () {
    const { ops, box } = await observer()
    const press = await connect(mqttUrl(hub), { clientId: 'acl-own', username: 'press-line-1', password: 'press-secret', will: { topic: ndeathTopic('press-line-1'), payload: ndeath(3n), qos: 1, retain: false } })
    press.stream.destroy()
    assert.equal(bdSeqOf((await box.next(ndeathTopic('press-line-1'))).payload), 3n)
    press.end(true)
    await ops.endAsync()
  })

  it('diverts the Will of a machine account on a node it does not own to $hub/errors, like any refused publish', async function () {
    const { ops, box } = await observer()
    const press = await connect(mqttUrl(hub), { clientId: 'acl-foreign', username: 'press-line-1', password: 'press-secret', will: { topic: ndeathTopic('warehouse'), payload: ndeath(4n), qos: 1, retain: false } })
    press.stream.destroy()
    const report = JSON.parse((await box.next(`$hub/errors/${ndeathTopic('warehouse')}`)).payload.toString())
    assert.equal(report.error, 'NOT_AUTHORIZED')
    assert.equal(report.clientId, 'acl-foreign')
    assert.equal(box.seen.some((m) => m.topic === ndeathTopic('warehouse')), false)
    press.end(true)
    await ops.endAsync()
  })

  it('refuses a client with a wrong password at CONNECT: no session, so its Will is never armed', async function () {
    const { ops, box } = await observer()
    const node = 'press-line-1'
    await assert.rejects(connect(mqttUrl(hub), { clientId: 'acl-bad', username: 'press-line-1', password: 'wrong', will: { topic: ndeathTopic(node), payload: ndeath(5n), qos: 1, retain: false } }))
    // Marker: a Will that is delivered after the refused one would have been.
    const marker = await connect(mqttUrl(hub), { clientId: 'acl-marker', username: 'press-line-1', password: 'press-secret', will: { topic: ndeathTopic(node), payload: ndeath(6n), qos: 1, retain: false } })
    marker.stream.destroy()
    assert.equal(bdSeqOf((await box.next(ndeathTopic(node))).payload), 6n)
    assert.equal(box.seen.some((m) => m.topic === ndeathTopic(node)), false)
    marker.end(true)
    await ops.endAsync()
    await sleep(0)
  })
})
