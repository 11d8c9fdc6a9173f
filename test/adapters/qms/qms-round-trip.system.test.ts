// Issue #14's QMS acceptance, end to end, on SQLite and on PostgreSQL: the hub runs as a user runs it (the built CLI in
// a child process with a config file: editor users, qms enabled at the simulated QMS, its webhook secret), the
// simulated QMS (npm run qms-sim's) runs in this process, everything between them is real HTTP. An out-of-spec
// inspection result through the MES HTTP API opens a nonconformance that holds its lot (the lot's consumption is
// refused), the nonconformance goes to the QMS, the QMS's disposition (use as is) comes back by the signed webhook,
// the hold is released and the consumption accepted; across a kill -9 of the hub after the result is recorded and
// before the nonconformance is sent, an outage of the QMS while it is due (the outbox shows it pending with the
// error; sent once when the QMS is back), and a kill -9 after the QMS's callback is stored and before it is applied
// (applied once at the next start; the QMS's retry of it finds it applied). Everything acknowledged exactly once.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { Client } from 'pg'
import { tempDir } from '../../support/hub-fixture'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../../support/child-hub'
import { client } from '../../support/mes-api'
import { assertPostgresReachable, PG_URL } from '../../mes/stores'
import { hashPassword } from '../../../core/passwords'
import { startQmsSimulator, DEFAULT_TOKEN, type RunningQmsSimulator } from '../../../sim/qms/simulator'
import type { Delivery } from '../../../sim/qms/webhook-sender'
import { SqliteStore } from '../../../mes/store/sqlite-store'
import { createMes } from '../../../mes/index'
import { QMS_SENDER, QMS_WEBHOOK_CHANNEL } from '../../../adapters/qms/inbound/qms-event-apply'

const SECRET = 'whsec_' + Buffer.from('the QMS round trip secret').toString('base64')
const PASSWORD = 'qa-lead-pw-14'
const ORDER = '1000001'
const INSPECTION_LOT = '010000000001'

type Api = ReturnType<typeof client>
type StoreName = 'sqlite' | 'postgres'

async function until<T> (what: string, probe: () => Promise<T | undefined>, ms = 60000, onTimeout?: () => Promise<string>): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${onTimeout !== undefined ? `: ${await onTimeout()}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function ok (what: string, a: { status: number, text: string }, status = 200): void {
  assert.equal(a.status, status, `${what}: HTTP ${a.status} ${a.text}`)
}

/** A hub's data directory and config file (qms at the simulator), started and killed as often as a test needs. */
class QmsHubHome {
  readonly dir = tempDir('qms-kill-')
  readonly configFile = path.join(this.dir, 'isa95-hub.yaml')
  readonly schema = `qms_system_${process.pid}_${Date.now()}`
  editorPort = 0
  child: ChildHub | undefined

  constructor (readonly store: StoreName) {}

  get sqliteFile (): string { return path.join(this.dir, 'mes.sqlite') }
  get base (): string { return `http://127.0.0.1:${this.editorPort}` }
  get webhookUrl (): string { return `${this.base}/qms/webhook` }

  async write (simUrl: string): Promise<void> {
    const tokenFile = path.join(this.dir, 'qms-token')
    const secretFile = path.join(this.dir, 'qms-webhook-secret')
    fs.writeFileSync(tokenFile, `${DEFAULT_TOKEN}\n`, { mode: 0o600 })
    fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
    fs.writeFileSync(this.configFile, YAML.stringify({
      editor: { users: [{ username: 'qa.lead', passwordHash: await hashPassword(PASSWORD), permissions: '*' }] },
      mes: this.store === 'postgres'
        ? { store: 'postgres', postgresUrl: PG_URL, postgresSchema: this.schema }
        : { store: 'sqlite', sqliteFile: this.sqliteFile },
      qms: { enabled: true, url: simUrl, credentialsFile: tokenFile, webhookSecretFile: secretFile, pollMs: 100, timeoutMs: 2000 }
    }))
  }

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

  /** kill -9 of the hub's whole process group; resolves once no process of it is left. */
  async kill (): Promise<void> {
    this.child!.signal('SIGKILL')
    await this.child!.groupGone()
  }

  async api (): Promise<Api> {
    const res = await fetch(`${this.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'qa.lead', password: PASSWORD })
    })
    assert.equal(res.status, 200, `login: ${await res.clone().text()}`)
    const token = (await res.json() as { access_token: string }).access_token
    return client(`${this.base}/mes/v1`, { authorization: `Bearer ${token}` })
  }

  async close (): Promise<void> {
    if (this.child !== undefined) await this.kill()
    if (this.store === 'postgres') {
      const c = new Client({ connectionString: PG_URL })
      await c.connect()
      try { await c.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`) } finally { await c.end() }
    }
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

interface OutboxRow { id: number, type: string, status: string, attempts: number, lastError: string | null, reference: string | null, idempotencyKey: string }

async function qmsOutbox (api: Api): Promise<OutboxRow[]> {
  const r = await api.get('/outbox?destination=qms')
  ok('outbox', r)
  return r.body as OutboxRow[]
}

async function qmsInbox (api: Api): Promise<Array<{ id: number, status: string, reason: string | null, arckey: string, meta: { type?: string } }>> {
  const r = await api.get('/inbox?channel=qms-webhook&limit=1000')
  ok('inbox', r)
  return r.body
}

/** Order 1000001 (the simulated QMS's demo plan): the press operation running on PRESS01, coil COIL-1 received. */
async function pressOrderRunning (api: Api, sim: RunningQmsSimulator): Promise<string> {
  ok('coil defined', await api.post('/materials/definitions', { material: 'RM-STEEL-COIL', unit: 'KG' }))
  ok('panel defined', await api.post('/materials/definitions', { material: 'FG-PANEL-100', unit: 'ST' }))
  ok('coil received', await api.post('/materials/lots', { lotId: 'COIL-1', material: 'RM-STEEL-COIL', quantity: 1000, unit: 'KG' }), 201)
  ok('order created', await api.post('/work-orders', {
    orderNumber: ORDER, material: 'FG-PANEL-100', quantity: 100, unit: 'ST', dueDate: '2030-03-07T16:00:00Z',
    operations: [{ sequence: 10, workCenter: 'PRESSL1' }, { sequence: 20, workCenter: 'PRESSL1' }],
    materials: [{ item: 1, material: 'RM-STEEL-COIL', quantity: 500, unit: 'KG', operationSequence: 10 }]
  }), 201)
  ok('order released', await api.post(`/work-orders/${ORDER}/release`, {}))
  // The QMS publishes its inspection plan by the webhook: it becomes the order's characteristics.
  sim.publishPlan(ORDER)
  await until('the inspection plan from the QMS', async () => (await api.get(`/quality/inspection-lots/${INSPECTION_LOT}`)).status === 200 ? true : undefined)
  const job = await api.post(`/work-orders/${ORDER}/operations/10/dispatch`, { workUnit: 'PRESS01' })
  ok('dispatch', job, 201)
  ok('start', await api.post(`/jobs/${job.body.jobId as string}/events`, { event: 'start', eventId: 'hmi-start' }))
  return job.body.jobId as string
}

/**
 * The state a kill -9 leaves between the webhook's store and its apply, made while the hub is down: the event stored
 * in the MES inbox exactly as the webhook stores it (SQLite: one process at a time writes the file, so the window
 * cannot be held open from outside as on PostgreSQL).
 */
async function storeAsTheWebhookDoes (home: QmsHubHome, d: Delivery): Promise<void> {
  const store = await SqliteStore.open(home.sqliteFile)
  try {
    await createMes(store).inbox.receive({
      channel: QMS_WEBHOOK_CHANNEL, raw: JSON.stringify(d.event), keys: { sender: QMS_SENDER, arckey: d.event.id },
      meta: { type: d.event.type, occurredAt: d.event.occurredAt }, who: QMS_SENDER
    })
  } finally {
    await store.close()
  }
}

/**
 * On PostgreSQL, a real kill in the window: the test holds the nonconformance's row, so the hub stores the QMS's
 * callback (its own transaction, committed) and then waits to apply it; the hub is killed while it waits.
 */
async function killWhileApplying (home: QmsHubHome, ncId: string, send: () => Delivery): Promise<Delivery> {
  const lock = new Client({ connectionString: PG_URL })
  await lock.connect()
  try {
    await lock.query('BEGIN')
    await lock.query(`SELECT nc_id FROM ${home.schema}.nonconformances WHERE nc_id = $1 FOR UPDATE`, [ncId])
    const d = send()
    await until('the callback stored, not applied', async () => {
      const r = await lock.query(`SELECT status FROM ${home.schema}.inbox_messages WHERE channel = 'qms-webhook' AND arckey = $1`, [d.event.id])
      return r.rows[0]?.status === 'received' ? true : undefined
    })
    await home.kill()
    await lock.query('ROLLBACK')
    return d
  } finally {
    await lock.end()
  }
}

for (const store of ['sqlite', 'postgres'] as StoreName[]) {
  describe(`the QMS round trip of an out-of-spec result across kills of the hub and an outage of the QMS [${store}]`, function () {
    this.timeout(240000)
    let sim: RunningQmsSimulator
    let home: QmsHubHome

    before(async function () {
      if (store === 'postgres') await assertPostgresReachable()
      home = new QmsHubHome(store)
      home.editorPort = await freePort()
      // The QMS's webhook retries quickly here (a real one backs off for minutes), so the test does not wait long.
      sim = await startQmsSimulator({ port: 0, webhook: { url: home.webhookUrl, secret: SECRET }, retry: { initialMs: 200, maxMs: 1000, maxAttempts: 500 } })
      await home.write(sim.url)
    })
    after(async function () {
      await home?.close()
      await sim?.close()
    })

    it('holds the lot, sends the nonconformance once, takes the disposition once, and frees the lot', async function () {
      const first = await home.start()
      assert.match(first.output(), new RegExp(`QMS webhook at ${home.webhookUrl.replace(/[.]/g, '\\.')} \\(no login`))
      let api = await home.api()
      const jobId = await pressOrderRunning(api, sim)

      // The QMS goes down before the result: the nonconformance is due while it cannot be sent.
      await sim.control.apply({ mode: 'down', how: 'refused' })
      const recorded = await api.post('/quality/results', { jobId, characteristic: '0010', value: 2.35, unit: 'MM', lotId: 'COIL-1', resultId: 'cmm-1' })
      ok('result', recorded, 201)
      assert.equal(recorded.body.result.evaluation, 'rejected')
      const ncId = recorded.body.nonconformance.ncId as string
      // kill -9 right after the result was answered: before the nonconformance could be sent.
      await home.kill()

      await home.start()
      api = await home.api()
      const waiting = await until('the nonconformance pending with the error', async () => {
        const all = await qmsOutbox(api)
        const nc = all.find((m) => m.type === 'nonconformance')
        return nc !== undefined && nc.status === 'pending' && nc.attempts > 0 && nc.lastError !== null ? all : undefined
      }, 60000, async () => JSON.stringify(await qmsOutbox(api)) + home.child!.output().slice(-3000))
      assert.match(waiting.find((m) => m.type === 'nonconformance')!.lastError!, /could not be reached/)
      assert.deepEqual(waiting.map((m) => m.type).sort(), ['inspection-result', 'nonconformance'], 'one message each, across the kill')

      // The lot is held by the nonconformance: its consumption refused, naming the hold.
      const lot = await api.get('/materials/lots/COIL-1')
      assert.equal(lot.body.status, 'on-hold')
      const refused = await api.post('/materials/consume', { jobId, lotId: 'COIL-1', quantity: 100, eventId: 'scan-1' })
      assert.equal(refused.status, 409, refused.text)
      assert.equal(refused.body.error.rule, 'lot-status')

      // The QMS back: each sent once, the QMS's number kept with the nonconformance.
      await sim.control.apply({ mode: 'up' })
      const sent = await until('both sent', async () => {
        const all = await qmsOutbox(api)
        return all.length === 2 && all.every((m) => m.status === 'sent') ? all : undefined
      }, 60000, async () => JSON.stringify(await qmsOutbox(api)))
      assert.equal(sim.received().nonconformances.length, 1)
      assert.equal(sim.received().results.length, 1)
      const ncNumber = sim.received().nonconformances[0]!.ncNumber
      assert.equal(sent.find((m) => m.type === 'nonconformance')!.reference, ncNumber)
      await until('the QMS number recorded', async () => (await api.get(`/quality/nonconformances/${ncId}`)).body?.qmsReference === ncNumber ? true : undefined)

      // The QMS's disposition (use as is), by the webhook; the hub killed after storing it, before applying it.
      let d: Delivery
      if (store === 'postgres') {
        d = await killWhileApplying(home, ncId, () => sim.disposition({ ncNumber, disposition: 'use-as-is', why: 'within drawing tolerance' }))
      } else {
        await home.kill()
        d = sim.disposition({ ncNumber, disposition: 'use-as-is', why: 'within drawing tolerance' })
        await storeAsTheWebhookDoes(home, d)
      }
      const again = await home.start()
      await again.waitFor(/applied 1 QMS callback\(s\) stored before the hub last stopped/)
      api = await home.api()
      // The QMS retries the event it never had a 2xx for: found applied, nothing applied twice.
      await until('the QMS\'s delivery answered', async () => d.state === 'delivered' ? true : undefined, 60000, async () => JSON.stringify(d.attempts))
      const last = d.attempts[d.attempts.length - 1]!
      assert.equal(last.status, 200)
      assert.equal((last.answer as { duplicate: boolean }).duplicate, true)

      const nc = (await api.get(`/quality/nonconformances/${ncId}`)).body
      assert.deepEqual([nc.status, nc.disposition, nc.dispositionBy], ['dispositioned', 'use-as-is', 'qms:mrb.board'])
      const hold = (await api.get(`/holds/${nc.holdId as string}`)).body
      assert.equal(hold.status, 'released')
      assert.equal((await api.get('/materials/lots/COIL-1')).body.status, 'released')
      const consumed = await api.post('/materials/consume', { jobId, lotId: 'COIL-1', quantity: 100, eventId: 'scan-2' })
      ok('consumption after the disposition', consumed)

      // Exactly once: each callback stored once and applied, each message out sent once, no dead letter.
      const inbox = await qmsInbox(api)
      assert.deepEqual(inbox.map((m) => [m.meta.type, m.status]), [['inspection-plan.published', 'applied'], ['nonconformance.dispositioned', 'applied']])
      await new Promise((r) => setTimeout(r, 1000))
      const out = await qmsOutbox(api)
      assert.deepEqual(out.map((m) => [m.type, m.status]).sort(), [['inspection-result', 'sent'], ['nonconformance', 'sent']], 'nothing enqueued again after the restarts')
      assert.equal(sim.received().nonconformances.length, 1)
      assert.equal(sim.received().results.length, 1)
      const posts = sim.received().requests.filter((r) => r.method === 'POST' && r.status < 300)
      assert.equal(posts.length, 2, JSON.stringify(sim.received().requests))
      assert.deepEqual((await api.get('/outbox/dead-letters?destination=qms')).body, [])
      const audit = (await api.get(`/audit?entity=Nonconformance&entityId=${encodeURIComponent(ncId)}&limit=1000`)).body as Array<{ action: string }>
      assert.deepEqual(audit.map((a) => a.action), ['open', 'qms-reference', 'disposition'], 'opened, numbered and dispositioned once each')
    })
  })
}
