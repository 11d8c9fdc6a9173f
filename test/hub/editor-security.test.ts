// The editor's port as someone other than its user sees it: password guessing at /auth/token (from another
// address than the admin's), a web page of another origin, other users of the machine reading the data directory,
// and a huge body of bad items that must not stall the broker. The whole hub as a user runs it, in a child process,
// with the generated admin (its password read from the first-start box).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { MES_API_PATH } from '../../mes/http/mes-http-api'
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from '../../hub/editor-login-guard'
import { connect, tempDir } from '../support/hub-fixture'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../support/child-hub'
import { demoOrder } from '../mes/hub-stores'

interface Reply { status: number, headers: http.IncomingHttpHeaders, text: string }

/** One HTTP request to the hub, from `localAddress` (another loopback address plays another machine). */
function request (url: string, opts: { method?: string, headers?: Record<string, string>, body?: string, localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

describe('the editor port against strangers (running hub)', function () {
  this.timeout(120000)
  const dir = tempDir('hub-editor-security-')
  const dataDir = path.join(dir, 'data')
  let hub: ChildHub
  let base: string
  let mqttPort: number
  let password: string

  before(async function () {
    const ports = { mqtt: await freePort(), ws: await freePort(), editor: await freePort() }
    mqttPort = ports.mqtt
    // The usual umask of a login shell, whatever this test process has: the hub must not depend on it.
    hub = spawnHub('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')], {
      HUB_DATA_DIR: dataDir,
      HUB_MQTT_PORT: String(ports.mqtt),
      HUB_MQTT_WS_PORT: String(ports.ws),
      HUB_EDITOR_PORT: String(ports.editor),
      HUB_SPARKPLUG_ENABLED: 'false'
    })
    password = (await hub.waitFor(/user: admin +password: (\S+)/))[1]!
    await hub.waitFor(/hub ready/)
    base = `http://127.0.0.1:${ports.editor}`
  })

  after(async function () {
    if (hub !== undefined && hub.proc.exitCode === null) hub.signal('SIGKILL')
    await hub?.groupGone()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const login = async (pw: string, localAddress?: string): Promise<Reply> => await request(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: pw }).toString(),
    localAddress
  })
  const token = async (): Promise<string> => {
    const r = await login(password)
    assert.equal(r.status, 200, r.text)
    return (JSON.parse(r.text) as { access_token: string }).access_token
  }

  it('throttles a source that guesses passwords (429 with Retry-After, never a 500), and the admin still logs in from elsewhere', async function () {
    const stranger = '127.0.0.2'
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      const r = await login(`guess-${i}`, stranger)
      assert.equal(r.status, 403, `guess ${i + 1}: ${r.status} ${r.text}`)
      assert.equal(JSON.parse(r.text).error, 'invalid_grant')
    }
    for (const pw of ['guess-again', password]) {
      const r = await login(pw, stranger)
      assert.equal(r.status, 429, `after ${LOGIN_MAX_FAILURES} failures: ${r.status} ${r.text}`)
      const wait = Number(r.headers['retry-after'])
      assert.ok(Number.isInteger(wait) && wait > 0 && wait <= LOGIN_WINDOW_MS / 1000, `Retry-After: ${r.headers['retry-after']}`)
      assert.match(JSON.parse(r.text).error_description, /too many failed logins from 127\.0\.0\.2: try again in \d+ s/)
    }
    // Node-RED would have locked the user 'admin' for everyone; the hub throttles only the guessing source.
    assert.ok((await token()).length > 0)
    assert.ok((await token()).length > 0, 'and again: logins that succeed do not add up')
  })

  it('answers no cross-origin request with CORS headers (settings.js sets no httpAdminCors)', async function () {
    const preflight = (url: string): Promise<Reply> => request(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
    })
    for (const url of [`${base}${MES_API_PATH}/work-orders`, `${base}/auth/token`, `${base}/flows`, `${base}/api/anything`]) {
      const r = await preflight(url)
      assert.equal(r.headers['access-control-allow-origin'], undefined, `preflight of ${url}: ${JSON.stringify(r.headers)}`)
      assert.equal(r.headers['access-control-allow-methods'], undefined, `preflight of ${url}`)
    }
    const bearer = { authorization: `Bearer ${await token()}`, origin: 'http://evil.example' }
    const read = await request(`${base}${MES_API_PATH}/work-orders`, { headers: bearer })
    assert.equal(read.status, 200, 'the request itself is served (a browser then refuses to show it to the page)')
    assert.equal(read.headers['access-control-allow-origin'], undefined)
  })

  it('answers a 1 MB body of bad items quickly with 400, while the broker keeps answering', async function () {
    const auth = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' }
    const small = JSON.stringify(demoOrder('9001'))
    const created = await request(`${base}${MES_API_PATH}/work-orders`, { method: 'POST', headers: auth, body: small })
    assert.equal(created.status, 201, created.text)
    const prefix = small.slice(0, small.indexOf('"operations":') + '"operations":'.length)
    const ones = new Array(Math.floor((1000 * 1024 - prefix.length) / 2)).fill(1).join(',')
    const bad = `${prefix.replace('9001', '9002')}[${ones}]}`
    assert.ok(bad.length > 1000 * 1024 && bad.length < 1024 * 1024, `body of ${bad.length} bytes, under the 1 MB limit`)

    // MQTT round trips (QoS 1 publish to PUBACK) one after another while the request is being answered.
    const client = await connect(`mqtt://127.0.0.1:${mqttPort}`)
    const roundTrips: number[] = []
    let answered = false
    const pings = (async () => {
      while (!answered) {
        const t = performance.now()
        await client.publishAsync('acme/dallas/press-shop/line-1/press-1/measurements/ping', JSON.stringify({ value: 1, timestamp: Date.now() }), { qos: 1 })
        roundTrips.push(performance.now() - t)
      }
    })()
    try {
      const refused = await Promise.race([
        request(`${base}${MES_API_PATH}/work-orders`, { method: 'POST', headers: auth, body: bad }),
        new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('a 1 MB body of bad items was not answered within 20 s')), 20000))
      ])
      answered = true
      await pings
      assert.equal(refused.status, 400, refused.text.slice(0, 300))
      assert.equal(JSON.parse(refused.text).error.code, 'VALIDATION_FAILED')
      assert.ok(Math.max(...roundTrips) < 2000, `the broker stalled: longest MQTT round trip ${Math.round(Math.max(...roundTrips))} ms`)
      assert.equal((await request(`${base}${MES_API_PATH}/work-orders/9002`, { headers: auth })).status, 404)
    } finally {
      answered = true
      await client.endAsync(true) // forced: a stalled broker would never acknowledge the last publish
    }
  })

  it('keeps the data directory to the hub\'s own user: directories 0700, files 0600', async function () {
    await token() // Node-RED writes its session tokens
    const expected = ['editor-admin.json', 'credential-secret', 'mes.sqlite', 'mes.sqlite-wal', 'mes.sqlite-shm', 'mqtt', 'node-red']
    assert.deepEqual(expected.filter((f) => !fs.existsSync(path.join(dataDir, f))), [], 'the files the test is about exist')
    const wrong: string[] = []
    const walk = (p: string): void => {
      const st = fs.statSync(p)
      const mode = st.mode & 0o777
      if (st.isDirectory()) {
        if (mode !== 0o700) wrong.push(`${path.relative(dir, p)}/ ${mode.toString(8)}`)
        for (const f of fs.readdirSync(p)) walk(path.join(p, f))
      } else if ((mode & 0o077) !== 0) {
        wrong.push(`${path.relative(dir, p)} ${mode.toString(8)}`)
      }
    }
    walk(dataDir)
    assert.deepEqual(wrong, [])
  })
})
