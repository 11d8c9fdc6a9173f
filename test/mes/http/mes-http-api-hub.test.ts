// The MES HTTP API where it meets the rest of the hub: an unexpected failure answered as a 500 with a reference (the
// detail in the log only), and the whole hub run as a child process, its API behind Node-RED's login.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import express from 'express'
import YAML from 'yaml'
import { demoOrder } from '../hub-stores'
import { MES_API_PATH } from '../../../mes/http/mes-http-api'
import { errorHandler } from '../../../core/json-api'
import { createLogger } from '../../../core/logger'
import { hashPassword } from '../../../core/passwords'
import { tempDir } from '../../support/hub-fixture'
import { client, type Answer } from '../../support/mes-api'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../../support/child-hub'

describe('MES HTTP API: an unexpected failure', function () {
  it('is a 500 with a reference; the detail and stack go to the log only', async () => {
    const logged: string[] = []
    const app = express()
    app.get('/boom', () => { throw new Error('connection string postgres://mes:secret@db/mes rejected') })
    app.use(errorHandler(createLogger('debug', 'mes-api', (l) => logged.push(l))))
    const server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`)
      assert.equal(res.status, 500)
      const body = await res.json() as { error: { code: string, message: string } }
      assert.equal(body.error.code, 'INTERNAL')
      const ref = /ref ([0-9a-f]{12})/.exec(body.error.message)?.[1]
      assert.ok(ref, body.error.message)
      assert.ok(!JSON.stringify(body).includes('secret') && !JSON.stringify(body).includes('at '), 'no detail, no stack')
      assert.equal(logged.length, 1)
      assert.match(logged[0]!, new RegExp(`ERROR .*GET /boom: internal error \\(ref ${ref}\\): Error: connection string`))
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

// The whole hub as a user runs it, Node-RED's login in front of the API: a planner with every permission and a
// viewer who may only read (editor.users in isa95-hub.yaml).
describe('MES HTTP API in the running hub', function () {
  this.timeout(120000)
  const dir = tempDir('hub-mes-api-')
  const users = { planner: 'planner-pw-1', viewer: 'viewer-pw-1' }
  let hub: ChildHub
  let root: string
  let base: string

  before(async function () {
    const ports = { mqtt: await freePort(), ws: await freePort(), editor: await freePort() }
    fs.writeFileSync(path.join(dir, 'isa95-hub.yaml'), YAML.stringify({
      editor: {
        users: [
          { username: 'planner', passwordHash: await hashPassword(users.planner), permissions: '*' },
          { username: 'viewer', passwordHash: await hashPassword(users.viewer), permissions: 'read' }
        ]
      }
    }))
    hub = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')], {
      HUB_CONFIG: path.join(dir, 'isa95-hub.yaml'),
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_MQTT_PORT: String(ports.mqtt),
      HUB_MQTT_WS_PORT: String(ports.ws),
      HUB_EDITOR_PORT: String(ports.editor),
      HUB_SPARKPLUG_ENABLED: 'false'
    })
    await hub.waitFor(/hub ready/)
    root = (await hub.waitFor(/MES HTTP API at (\S+)/))[1]!
    base = `http://127.0.0.1:${ports.editor}`
    assert.equal(root, `${base}${MES_API_PATH}`)
  })

  after(async function () {
    if (hub !== undefined && hub.proc.exitCode === null) hub.signal('SIGKILL')
    await hub?.groupGone()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  async function token (username: string, password: string, scope: string): Promise<Response> {
    return await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password })
    })
  }
  async function bearer (username: keyof typeof users, scope: string): Promise<Record<string, string>> {
    const res = await token(username, users[username], scope)
    assert.equal(res.status, 200)
    return { authorization: `Bearer ${(await res.json() as { access_token: string }).access_token}` }
  }

  it('answers 401 without a token or with a bad one', async function () {
    const none = await fetch(`${root}/work-orders`)
    assert.equal(none.status, 401)
    assert.equal((await fetch(`${root}/work-orders`, { headers: { authorization: 'Bearer not-a-token' } })).status, 401)
    assert.equal((await fetch(`${root}/work-orders`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 401)
  })

  it('lets a planner with a token run an order, recorded under the planner\'s name', async function () {
    const planner = client(root, await bearer('planner', '*'))
    const created = await planner.post('/work-orders', demoOrder('8001'))
    assert.equal(created.status, 201, created.text)
    assert.equal((await planner.post('/work-orders/8001/release', { why: 'from the API' })).body.status, 'released')
    const job = await planner.post('/work-centers/PRESSL1/dispatch', { workUnit: 'PRESS01' })
    assert.equal(job.status, 201, job.text)
    const started = await planner.post(`/jobs/${job.body.jobId}/events`, { event: 'start' })
    assert.equal(started.body.job.state, 'Running')
    // The plant model knows which presses belong to which line.
    const elsewhere = await planner.post('/work-orders/8001/operations/20/dispatch', { workUnit: 'PRESS01' })
    assert.equal(elsewhere.status, 409)
    assert.equal(elsewhere.body.error.code, 'MES_DISPATCH_REFUSED')
    const audit = await planner.get('/audit?entity=WorkOrder&entityId=8001')
    assert.deepEqual(audit.body.map((a: { action: string, who: string }) => `${a.action} by ${a.who}`),
      ['create by planner', 'release by planner', 'start by planner'])
    assert.equal((await planner.get('/audit/verify')).body.ok, true)
    const malformed = await planner.call('POST', '/work-orders', undefined, { raw: '{"orderNumber":' })
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.error.code, 'HTTP_MALFORMED_JSON')
    const huge = await planner.call('POST', '/work-orders', undefined, { raw: JSON.stringify({ description: 'x'.repeat(2 * 1024 * 1024) }) })
    assert.equal(huge.status, 413, 'the API\'s own 1 MB limit, not the admin API\'s 10 MB')
    assert.equal(huge.body.error.code, 'HTTP_BODY_TOO_LARGE')
  })

  it('lets a read-only user read but refuses changes with 403', async function () {
    assert.notEqual((await token('viewer', users.viewer, '*')).status, 200, 'a read-only user gets no full-scope token')
    const viewer = client(root, await bearer('viewer', 'read'))
    const order = await viewer.get('/work-orders/8001')
    assert.equal(order.status, 200)
    assert.equal(order.body.status, 'in-progress')
    const hold = await viewer.post('/work-orders/8001/hold', { why: 'let me' })
    assert.equal(hold.status, 403)
    assert.equal(hold.body.error.code, 'HTTP_FORBIDDEN')
    assert.equal((await viewer.post('/work-orders', demoOrder('8002'))).status, 403)
    assert.equal((await viewer.get('/work-orders/8001')).body.status, 'in-progress', 'unchanged')
    assert.equal((await viewer.get('/work-orders/8002')).status, 404)
    // A planner can ask for a read-only token too; it reads and does not write.
    const readOnlyPlanner = client(root, await bearer('planner', 'read'))
    assert.equal((await readOnlyPlanner.post('/work-orders/8001/hold')).status, 403)
  })

  it('takes an electronic signature only from a user with write rights, and records a refused one in the audit trail', async function () {
    const planner = client(root, await bearer('planner', '*'))
    const order = demoOrder('8101', { operations: [{ sequence: 10, workCenter: 'PRESSL1', critical: true }] })
    assert.equal((await planner.post('/work-orders', order)).status, 201)
    await planner.post('/work-orders/8101/release')
    const job = await planner.post('/work-orders/8101/operations/10/dispatch', { workUnit: 'PRESS02' })
    assert.equal(job.status, 201, job.text)
    const events = `/jobs/${job.body.jobId as string}/events`
    assert.equal((await planner.post(events, { event: 'start' })).status, 200)
    const complete = async (user: keyof typeof users): Promise<Answer> =>
      await planner.post(events, { event: 'complete', good: 50, signature: { user, password: users[user], meaning: 'approved' } })

    const byViewer = await complete('viewer')
    assert.equal(byViewer.status, 403, byViewer.text)
    assert.equal(byViewer.body.error.code, 'MES_SIGNATURE_REQUIRED')
    assert.match(byViewer.body.error.message, /signature of viewer could not be verified/)
    assert.equal((await planner.get(`/jobs/${job.body.jobId as string}`)).body.state, 'Running', 'a read-only user cannot complete it')
    const byPlanner = await complete('planner')
    assert.equal(byPlanner.status, 200, byPlanner.text)
    assert.equal(byPlanner.body.job.state, 'Ended')

    const audit = await planner.get(`/audit?entity=JobOrder&entityId=${job.body.jobId as string}`)
    assert.deepEqual(audit.body.map((a: { action: string, who: string }) => `${a.action} by ${a.who}`),
      ['dispatch by planner', 'start by planner', 'signature-refused by planner', 'complete by planner'])
    const refused = audit.body.find((a: { action: string }) => a.action === 'signature-refused')
    assert.deepEqual(JSON.parse(refused.newValue), { event: 'complete', signer: 'viewer', meaning: 'approved', reason: 'not verified', failures: 1 })
    assert.ok(!JSON.stringify(audit.body).includes(users.viewer), 'no password in the audit trail')
  })

  it('stops cleanly, with no error logged along the way', async function () {
    hub.signal('SIGTERM')
    await hub.waitFor(/stopped cleanly/, 10000)
    await hub.groupGone()
    assert.doesNotMatch(hub.output(), /ERROR/)
  })
})
