// A client that keeps calling the MES API with its token while the hub starts (as after a crash and restart) must
// never bring the hub down: until Node-RED has started, the editor port answers 503 with Retry-After.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { tempDir } from '../support/hub-fixture'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../support/child-hub'

/** Status of one request, or the error code of a refused connection (the port not yet listening). */
function poll (url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: { authorization: 'Bearer an-old-token-from-before-the-restart' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

describe('the editor port while the hub starts (running hub)', function () {
  this.timeout(120000)
  const dir = tempDir('hub-editor-start-')
  let hub: ChildHub

  after(async function () {
    if (hub !== undefined && hub.proc.exitCode === null) hub.signal('SIGKILL')
    await hub?.groupGone()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('answers requests with a bearer token that arrive before Node-RED has started with 503 + Retry-After, and keeps running', async function () {
    const ports = { mqtt: await freePort(), ws: await freePort(), editor: await freePort() }
    const url = `http://127.0.0.1:${ports.editor}/mes/v1/work-orders`
    hub = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')], {
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_MQTT_PORT: String(ports.mqtt),
      HUB_MQTT_WS_PORT: String(ports.ws),
      HUB_EDITOR_PORT: String(ports.editor),
      HUB_SPARKPLUG_ENABLED: 'false'
    })
    let ready = false
    let gone = false
    hub.waitFor(/hub ready/).then(() => { ready = true }, () => { gone = true })
    const seen = new Map<number | string, number>()
    let sawStarting = false
    while (!ready && !gone) {
      const status = await poll(url)
      seen.set(status, (seen.get(status) ?? 0) + 1)
      if (status === 503) {
        const r = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).on('error', reject))
        r.resume()
        if (r.statusCode === 503) {
          assert.equal(r.headers['retry-after'], '1')
          sawStarting = true
        }
      }
    }
    const summary = [...seen].map(([s, n]) => `${s} x${n}`).join(', ')
    assert.ok(!gone, `the hub exited while starting (answers seen: ${summary}); output:\n${hub.output().slice(-2000)}`)
    assert.ok(seen.has(503) || sawStarting, `no request arrived while Node-RED was starting (answers seen: ${summary})`)
    // Started: the same old token is now simply not valid.
    assert.equal(await poll(url), 401)
    assert.equal(hub.proc.exitCode, null, 'the hub is still running')
  })
})
