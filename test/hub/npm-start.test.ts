import assert from 'node:assert/strict'
import { connect, inbox, tempDir } from '../support/hub-fixture'
import { freePort, spawnHub, type ChildHub } from '../support/child-hub'
import { DemoPlantSimulator } from '../../sim/demo-plant-simulator'
import { openSession } from '../adapters/opcua/server/support'

// The whole hub as a user runs it: `npm start` (build, then the CLI), Node-RED included, on free ports.
describe('npm start', function () {
  this.timeout(120000)
  const dataDir = tempDir('hub-npm-start-')
  let ports: { mqtt: number, ws: number, editor: number }
  let hub: ChildHub
  let password: string

  before(async function () {
    ports = { mqtt: await freePort(), ws: await freePort(), editor: await freePort() }
  })

  after(function () {
    if (hub && hub.proc.exitCode === null) hub.signal('SIGKILL')
  })

  function start (): ChildHub {
    return spawnHub('npm', ['start', '--silent'], {
      HUB_DATA_DIR: dataDir,
      HUB_MQTT_PORT: String(ports.mqtt),
      HUB_MQTT_WS_PORT: String(ports.ws),
      HUB_EDITOR_PORT: String(ports.editor)
    })
  }

  it('comes up with MQTT, WebSocket MQTT and the editor, and prints the generated admin password once', async function () {
    hub = start()
    await hub.waitFor(/hub ready/)
    password = (await hub.waitFor(/user: admin\s+password: (\S+)/))[1]
    assert.match(hub.output(), new RegExp(`mqtt\\s+listening on mqtt://127\\.0\\.0\\.1:${ports.mqtt}`))
    assert.match(hub.output(), new RegExp(`ws\\s+listening on ws://127\\.0\\.0\\.1:${ports.ws}/mqtt`))
    assert.ok(!hub.output().includes('$2b$'), 'the password hash must not be logged')

    const tcp = await connect(`mqtt://127.0.0.1:${ports.mqtt}`)
    const ws = await connect(`ws://127.0.0.1:${ports.ws}/mqtt`)
    await ws.endAsync()
    // The shipped demo flow publishes the press-1 die temperature through the `uns out` node.
    const box = inbox(tcp)
    await tcp.subscribeAsync('acme/dallas/press-shop/line-1/press-1/measurements/die-temperature', { qos: 1 })
    const m = await box.next('acme/dallas/press-shop/line-1/press-1/measurements/die-temperature', 10000)
    const payload = JSON.parse(m.payload.toString())
    assert.equal(typeof payload.value, 'number')
    assert.equal(payload.unit, 'CEL')
    await tcp.endAsync()
  })

  it('serves the plant over OPC UA (on by default), with node-opcua\'s console warnings kept out of the output', async function () {
    const port = (await hub.waitFor(/OPC UA server on opc\.tcp:\/\/127\.0\.0\.1:(\d+)/))[1]
    const s = await openSession(`opc.tcp://127.0.0.1:${port}`)
    try {
      const objects = await s.session.browse('ns=0;i=85')
      assert.ok(objects.references?.some((r) => r.browseName.name === 'acme'), 'the enterprise under Objects')
    } finally {
      await s.close()
    }
    assert.doesNotMatch(hub.output(), /NODE-OPCUA-W27|security-revert/)
  })

  it('is the Sparkplug host: STATE online, and the demo plant simulator\'s metrics appear as UNS JSON under the plant model', async function () {
    const url = `mqtt://127.0.0.1:${ports.mqtt}`
    const c = await connect(url)
    const box = inbox(c)
    await c.subscribeAsync(['spBv1.0/STATE/isa95-hub', 'acme/dallas/press-shop/line-1/press-1/measurements/#'], { qos: 1 })
    assert.deepEqual(Object.keys(JSON.parse((await box.next('spBv1.0/STATE/isa95-hub')).payload.toString())).sort(), ['online', 'timestamp'])
    const sim = new DemoPlantSimulator({ url, rate: 5 })
    await sim.start()
    try {
      const m = JSON.parse((await box.next('acme/dallas/press-shop/line-1/press-1/measurements/strokes', 10000)).payload.toString())
      assert.equal(m.quality, 'GOOD')
      assert.equal(m.properties.datatype, 'Int64')
      assert.equal(typeof m.value, 'string', '64-bit counters travel as decimal strings')
      assert.equal(m.properties.source, 'spBv1.0/dallas/press-line-1/press-1#Strokes')
    } finally {
      await sim.stop()
      await c.endAsync()
    }
  })

  it('puts the editor behind a login', async function () {
    const base = `http://127.0.0.1:${ports.editor}`
    const page = await fetch(base + '/')
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<title>isa95-hub<\/title>/)
    assert.equal((await fetch(base + '/flows')).status, 401)
    const scheme = await (await fetch(base + '/auth/login')).json() as { type: string }
    assert.equal(scheme.type, 'credentials')

    const token = async (pw: string): Promise<Response> => fetch(base + '/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password: pw })
    })
    assert.notEqual((await token('wrong-password')).status, 200)
    const ok = await token(password)
    assert.equal(ok.status, 200)
    const { access_token: accessToken } = await ok.json() as { access_token: string }

    const auth = { authorization: `Bearer ${accessToken}` }
    const flows = await (await fetch(base + '/flows', { headers: auth })).json() as Array<{ type: string }>
    assert.ok(flows.some((n) => n.type === 'uns out'), 'the shipped flows are loaded')
    const nodes = await (await fetch(base + '/nodes', { headers: { ...auth, accept: 'application/json' } })).json() as Array<{ types: string[] }>
    const types = nodes.flatMap((n) => n.types)
    assert.ok(types.includes('uns in') && types.includes('uns out'), `hub nodes in the palette: ${types.join(', ')}`)
  })

  it('shuts down cleanly on SIGTERM within 10 s', async function () {
    const t0 = Date.now()
    hub.signal('SIGTERM')
    // npm itself exits on the signal at once; the hub under it logs 'stopped cleanly' only on the exit-0 path.
    await hub.waitFor(/stopped cleanly/, 10000)
    await hub.groupGone(10000 - (Date.now() - t0))
    assert.ok(Date.now() - t0 < 10000)
    assert.doesNotMatch(hub.output(), /ERROR/)
  })

  it('keeps the editor password on the next start and does not print it again', async function () {
    hub = start()
    await hub.waitFor(/hub ready/)
    assert.doesNotMatch(hub.output(), /password:/)
    hub.signal('SIGINT')
    await hub.waitFor(/SIGINT: shutting down[\s\S]*stopped cleanly/, 10000)
    await hub.groupGone()
  })
})
