// The WMS acceptance of issue #14 end to end, on SQLite and (under `npm run test:system`) PostgreSQL: the hub runs
// as a user runs it (the built CLI in a child process, a config file with wms enabled at the simulated WMS and
// mes.staging.requiredToStart), the simulated WMS runs in this process, everything between them is real HTTP with
// Standard Webhooks signatures. An order dispatched while the WMS is down: its staging request waits in the outbox
// with the error, the start is refused; the hub is killed (-9) before the request was sent; started again with the
// WMS back, the request is sent once. The warehouse confirms part (its stock is short) and the hub is killed after it
// stored that confirmation and before it applied it (on PostgreSQL made certain by holding the request's row lock; on
// SQLite the kill lands as soon as the hub logged the event stored); started again, it is applied once and the start
// is still refused. Stock arrives, the rest is confirmed, the start is accepted. A lot produced while the WMS answers
// 503 waits with the error and is sent once when it is back; its put-away confirmed, the bin shows in a forward trace.
// At the end every message, task and callback is there exactly once.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import pg from 'pg'
import { tempDir } from '../../support/hub-fixture'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../../support/child-hub'
import { client } from '../../support/mes-api'
import { PG_URL } from '../../mes/stores'
import { hashPassword } from '../../../core/passwords'
import { startWmsSimulator, type RunningWmsSimulator } from '../../../sim/wms/simulator'

const PLANNER = { username: 'planner', password: 'planner-pw-14' }
const SECRET = 'whsec_' + Buffer.from('wms-kill-round-trip-secret').toString('base64')
const ORDER = '4000001'
const COIL = 'RM-STEEL-COIL'
const PANEL = 'FG-PANEL'

type Api = ReturnType<typeof client>
type StoreName = 'sqlite' | 'postgres'

async function until<T> (what: string, probe: () => Promise<T | undefined>, ms = 60000, explain?: () => Promise<string>): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${explain !== undefined ? `: ${await explain()}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function ok (what: string, a: { status: number, text: string }, status = 200): void {
  assert.equal(a.status, status, `${what}: HTTP ${a.status} ${a.text}`)
}

/** A hub's data directory and config file (wms on, staging required to start), started and killed as a test needs. */
class WmsHubHome {
  readonly dir = tempDir('wms-kill-')
  readonly configFile = path.join(this.dir, 'isa95-hub.yaml')
  readonly schema = `wms_e2e_${process.pid}_${Date.now() % 100000}`
  editorPort = 0
  child: ChildHub | undefined

  constructor (readonly store: StoreName) {}

  async prepare (): Promise<void> { this.editorPort = await freePort() }

  get base (): string { return `http://127.0.0.1:${this.editorPort}` }
  get webhookUrl (): string { return `${this.base}/wms/events` }

  write (sim: { url: string }): void {
    const secretFile = path.join(this.dir, 'wms-webhook-secret')
    fs.writeFileSync(secretFile, SECRET + '\n', { mode: 0o600 })
    const passwordFile = path.join(this.dir, 'wms-password')
    fs.writeFileSync(passwordFile, 'wms-sim\n', { mode: 0o600 })
    fs.writeFileSync(this.configFile, YAML.stringify({
      editor: { users: [{ username: PLANNER.username, passwordHash: this.hash, permissions: '*' }] },
      mes: {
        ...(this.store === 'postgres' ? { store: 'postgres', postgresUrl: PG_URL, postgresSchema: this.schema } : {}),
        staging: { trigger: 'dispatch', requiredToStart: true }
      },
      wms: { enabled: true, url: sim.url, username: 'hub', passwordFile, webhookSecretFile: secretFile, warehouse: 'WH01', pollMs: 100, timeoutMs: 2000 }
    }))
  }

  hash = ''

  async start (): Promise<ChildHub> {
    const child = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')], {
      HUB_CONFIG: this.configFile,
      HUB_DATA_DIR: path.join(this.dir, 'data'),
      HUB_MQTT_HOST: '127.0.0.1',
      HUB_MQTT_PORT: String(await freePort()),
      HUB_MQTT_WS_ENABLED: 'false',
      HUB_EDITOR_PORT: String(this.editorPort),
      HUB_SPARKPLUG_ENABLED: 'false'
    })
    this.child = child
    await child.waitFor(/hub ready/, 60000)
    return child
  }

  async kill (): Promise<void> {
    this.child!.signal('SIGKILL')
    await this.child!.groupGone()
    this.child = undefined
  }

  async api (): Promise<Api> {
    const res = await fetch(`${this.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', ...PLANNER })
    })
    assert.equal(res.status, 200, `login: ${await res.clone().text()}`)
    const token = (await res.json() as { access_token: string }).access_token
    return client(`${this.base}/mes/v1`, { authorization: `Bearer ${token}` })
  }

  async close (): Promise<void> {
    if (this.child !== undefined) await this.kill()
    if (this.store === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).finally(async () => await c.end())
    }
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

interface OutboxRow { id: number, type: string, status: string, attempts: number, lastError: string | null, reference: string | null, orderingKey: string }
interface StagingRow { requestId: string, status: string, stagedQuantity: number, quantity: number, taskRef: string | null, location: string, lots: Array<{ lotId: string, quantity: number }> }

async function outbox (api: Api): Promise<OutboxRow[]> {
  const r = await api.get('/outbox?destination=wms')
  ok('outbox', r)
  return r.body as OutboxRow[]
}

async function staging (api: Api, jobId: string): Promise<StagingRow[]> {
  const r = await api.get(`/logistics/staging/jobs/${encodeURIComponent(jobId)}`)
  ok('staging', r)
  return r.body as StagingRow[]
}

async function simPost (sim: RunningWmsSimulator, p: string, body: unknown): Promise<unknown> {
  const res = await fetch(sim.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  assert.ok(res.status < 300, `${p}: HTTP ${res.status} ${text}`)
  return JSON.parse(text)
}

const stores: StoreName[] = ['sqlite', ...((process.env.HUB_TEST_STORES ?? '').split(',').includes('postgres') ? ['postgres' as const] : [])]

for (const store of stores) {
  describe(`the WMS acceptance across kill -9 of the hub and an outage of the WMS [${store}]`, function () {
    this.timeout(240000)
    let sim: RunningWmsSimulator
    let home: WmsHubHome

    before(async function () {
      home = new WmsHubHome(store)
      home.hash = await hashPassword(PLANNER.password)
      await home.prepare()
      // The warehouse has 100 KG of the coil the job needs 250 of: the first confirmation is partial.
      sim = await startWmsSimulator({
        port: 0, autoConfirm: false, webhook: { url: home.webhookUrl, secret: SECRET },
        stock: [{ lotId: 'COIL-1', material: COIL, quantity: 100, unit: 'KG', bin: '01-C-01' }],
        callbacks: { initialBackoffMs: 100, maxBackoffMs: 1000, timeoutMs: 5000 }
      })
      home.write(sim)
    })
    after(async function () {
      await home?.close()
      await sim?.close()
    })

    it('stages, gates the start, puts away, and shows the bin in a forward trace, each thing exactly once', async function () {
      const first = await home.start()
      assert.match(first.output(), /WMS webhook at http:\/\/127\.0\.0\.1:\d+\/wms\/events/)
      let api = await home.api()
      for (const [material, unit] of [[COIL, 'KG'], [PANEL, 'ST']]) ok(`${material} defined`, await api.post('/materials/definitions', { material, unit }))
      for (const lotId of ['COIL-1', 'COIL-2']) ok(`${lotId} received`, await api.post('/materials/lots', { lotId, material: COIL, quantity: 1000, unit: 'KG' }), 201)
      ok('order', await api.post('/work-orders', {
        orderNumber: ORDER, material: PANEL, quantity: 10, unit: 'ST', dueDate: '2026-12-31T16:00:00Z',
        operations: [{ sequence: 10, workCenter: 'PRESSL1' }],
        materials: [{ item: 1, material: COIL, quantity: 250, unit: 'KG', operationSequence: 10 }]
      }), 201)
      ok('release', await api.post(`/work-orders/${ORDER}/release`, {}))

      // 1. The WMS is down when the job is dispatched: its staging request waits in the outbox with the error.
      await sim.control({ mode: 'down', how: 'refused' })
      const job = await api.post(`/work-orders/${ORDER}/operations/10/dispatch`, { workUnit: 'PRESS01' })
      ok('dispatch', job, 201)
      const jobId = job.body.jobId as string
      const requestId = `${jobId}/1`
      const [request] = await staging(api, jobId)
      assert.deepEqual([request!.requestId, request!.location, request!.quantity, request!.status], [requestId, 'PSA-PRESS01', 250, 'requested'])
      const waiting = await until('the staging request pending with the error', async () => {
        const all = await outbox(api)
        return all.length === 1 && all[0]!.status === 'pending' && all[0]!.attempts > 0 ? all[0] : undefined
      }, 30000, async () => JSON.stringify(await outbox(api)))
      assert.equal(waiting.type, 'staging-request')
      assert.ok(waiting.lastError !== null && waiting.lastError !== '', 'the error is kept with the message')
      const events = `/jobs/${encodeURIComponent(jobId)}/events`
      const refused = await api.post(events, { event: 'start', eventId: 'hmi-start-1' })
      ok('start before staging', refused, 409)
      assert.match(refused.text, /not-staged|not staged/)

      // 2. kill -9 of the hub before the request was sent; the WMS back, the hub again: the request is sent once.
      await home.kill()
      assert.equal(sim.tasks.list().length, 0, 'nothing reached the WMS while it was down')
      await sim.control({ mode: 'up' })
      await home.start()
      api = await home.api()
      const sent = await until('the staging request sent', async () => {
        const all = await outbox(api)
        return all[0]?.status === 'sent' ? all[0] : undefined
      }, 30000, async () => JSON.stringify(await outbox(api)))
      const tasks = sim.tasks.list()
      assert.equal(tasks.length, 1, JSON.stringify(tasks))
      const task = tasks[0]!
      assert.deepEqual([task.requestId, task.material, task.quantity, task.destinationLocation], [requestId, COIL, 250, 'PSA-PRESS01'])
      assert.equal(sent.reference, `task ${task.taskId}`)
      assert.equal((await until('the task recorded with the request', async () => { const [r] = await staging(api, jobId); return r?.taskRef ?? undefined })), task.taskId)

      // 3. The warehouse confirms what it has (100 of 250); the hub is killed after storing that event, before applying it.
      let lock: pg.Client | undefined
      if (store === 'postgres') {
        lock = new pg.Client({ connectionString: PG_URL })
        await lock.connect()
        await lock.query('BEGIN')
        await lock.query(`SELECT 1 FROM ${home.schema}.staging_requests WHERE request_id = $1 FOR UPDATE`, [requestId])
      }
      await simPost(sim, `/sim/tasks/${task.taskId}/confirm`, {})
      const partialEvent = await until('the partial confirmation sent', async () => sim.callbacks[0]?.eventId)
      await home.child!.waitFor(new RegExp(`WMS task\\.confirmed ${partialEvent} .*-> inbox \\d+`), 30000)
      await home.kill()
      if (lock !== undefined) { await lock.query('ROLLBACK'); await lock.end() }
      const third = await home.start()
      api = await home.api()
      const recovered = /applied (\d+) WMS event\(s\) stored before the hub last stopped/.exec(third.output())
      if (store === 'postgres') assert.ok(recovered !== null && recovered[1] === '1', `the stored event applied at start; output:\n${third.output().slice(-3000)}`)
      const partial = await until('the partial confirmation applied', async () => { const [r] = await staging(api, jobId); return r?.status === 'partial' ? r : undefined })
      assert.deepEqual([partial.stagedQuantity, partial.lots], [100, [{ lotId: 'COIL-1', quantity: 100 }]])
      await until('the WMS\'s delivery answered', async () => sim.callbacks[0]?.state === 'delivered' ? true : undefined, 30000)
      ok('start with part staged', await api.post(events, { event: 'start', eventId: 'hmi-start-2' }), 409)

      // 4. Stock arrives; the rest is confirmed; the start is accepted.
      await simPost(sim, '/sim/stock', { lotId: 'COIL-2', material: COIL, quantity: 500, unit: 'KG', bin: '01-C-02' })
      await simPost(sim, `/sim/tasks/${task.taskId}/confirm`, {})
      const staged = await until('the rest confirmed', async () => { const [r] = await staging(api, jobId); return r?.status === 'staged' ? r : undefined })
      assert.deepEqual([staged.stagedQuantity, staged.lots], [250, [{ lotId: 'COIL-1', quantity: 100 }, { lotId: 'COIL-2', quantity: 150 }]])
      ok('start when staged', await api.post(events, { event: 'start', eventId: 'hmi-start-3' }))
      ok('consume', await api.post('/materials/consume', { jobId, lotId: 'COIL-1', quantity: 100 }))
      ok('consume', await api.post('/materials/consume', { jobId, lotId: 'COIL-2', quantity: 150 }))

      // 5. A lot produced while the WMS answers 503: its put-away waits with the error, and is sent once when it is back.
      await sim.control({ mode: 'down', how: '503' })
      ok('produce', await api.post('/materials/produce', { jobId, material: PANEL, lotId: 'PANEL-1', quantity: 10 }), 201)
      const due = await until('the put-away pending with the error', async () => {
        const m = (await outbox(api)).find((x) => x.type === 'put-away-request')
        return m !== undefined && m.status === 'pending' && m.attempts > 0 ? m : undefined
      }, 30000, async () => JSON.stringify(await outbox(api)))
      assert.match(due.lastError ?? '', /503/)
      await sim.control({ mode: 'up' })
      await until('the put-away sent', async () => (await outbox(api)).find((x) => x.type === 'put-away-request')?.status === 'sent' ? true : undefined, 60000)
      const putAwayTask = sim.tasks.list().find((t) => t.type === 'put-away')!
      assert.equal(putAwayTask.requestId, 'putaway/PANEL-1')
      await simPost(sim, `/sim/tasks/${putAwayTask.taskId}/confirm`, {})
      const bin = await until('the put-away confirmed', async () => {
        const r = await api.get('/logistics/put-away/lots/PANEL-1')
        return r.body?.status === 'confirmed' ? r.body.location as string : undefined
      })
      assert.match(bin, /^FG-01-/)
      const trace = await api.get('/materials/trace?direction=forward&lot=COIL-1')
      ok('trace', trace)
      const nodes = (trace.body.nodes as Array<{ id: string, location: string | null }>).map((n) => `${n.id} ${String(n.location)}`).sort()
      assert.deepEqual(nodes, [`COIL-1 PSA-PRESS01`, `PANEL-1 ${bin}`])

      // 6. Exactly once: one task per request at the WMS, each message sent once, each callback stored once and applied.
      await new Promise((r) => setTimeout(r, 1000))
      assert.deepEqual(sim.tasks.list().map((t) => `${t.type} ${t.requestId}`).sort(), [`put-away putaway/PANEL-1`, `staging ${requestId}`])
      const created = sim.received.filter((r) => r.path === '/warehouse-tasks' && r.status === 201)
      assert.deepEqual(created.map((r) => r.idempotencyKey).sort(), ['wms:put-away:putaway/PANEL-1', `wms:staging:${requestId}`])
      const all = await outbox(api)
      assert.deepEqual(all.map((m) => `${m.type} ${m.status}`), ['staging-request sent', 'put-away-request sent'])
      assert.deepEqual((await api.get('/outbox/dead-letters?destination=wms')).body, [])
      const inbox = await api.get('/inbox?channel=wms-webhook&limit=100')
      ok('inbox', inbox)
      const eventIds = [...new Set(sim.callbacks.map((d) => d.eventId))]
      assert.equal(eventIds.length, 3, 'partial, rest, put-away')
      assert.ok(sim.callbacks.every((d) => d.state === 'delivered'), JSON.stringify(sim.callbacks.map((d) => [d.eventId, d.state, d.attempts.length])))
      assert.deepEqual(inbox.body.map((m: { arckey: string, status: string }) => `${m.arckey} ${m.status}`).sort(), eventIds.map((e) => `${e} applied`).sort())
      const [final] = await staging(api, jobId)
      assert.deepEqual([final!.status, final!.stagedQuantity], ['staged', 250])
    })
  })
}
