// The shipped "Quality and logistics" tab run as a new user runs it with the simulators (the tab's note): the hub is
// the built CLI in a child process with a config file in a temp dir (qms and wms enabled, their secrets in files of
// mode 0600, mes.staging.requiredToStart), its flows seeded from flows/hub-flows.json; the simulated WMS and QMS run
// in this process on free ports (the hub is given HUB_WMS_SIM_URL / HUB_QMS_SIM_URL, which buttons 1c and 9b read),
// calling the hub's webhooks with Standard Webhooks signatures. The buttons are clicked through Node-RED's admin API
// (POST /inject/<id>, as the editor's button does), in the note's order, and what each did is read back from the MES
// API and the simulators: the lots in the WMS's stock, staging confirmed by the WMS's webhook, the start refused until
// staged and accepted then, the result and the nonconformance at the QMS, its disposition releasing the hold by
// webhook, the put-away confirmed by the WMS into its bin, the bin in the forward trace. On the stores of
// HUB_TEST_STORES (npm test: SQLite), one child hub each, ~15 s.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import WebSocket from 'ws'
import { tempDir } from '../support/hub-fixture'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../support/child-hub'
import { client } from '../support/mes-api'
import { storeKinds } from '../mes/stores'
import { hashPassword } from '../../core/passwords'
import { startWmsSimulator, type RunningWmsSimulator } from '../../sim/wms/simulator'
import { startQmsSimulator, type RunningQmsSimulator } from '../../sim/qms/simulator'

type Msg = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
const USER = { username: 'planner', password: 'planner-pw-14' }
const QMS_SECRET = 'whsec_' + Buffer.from('quality-logistics-flow-qms').toString('base64')
const WMS_SECRET = 'a wms secret as plain text'

async function until<T> (what: string, probe: () => Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * The editor's debug sidebar: Node-RED's /comms websocket, logged in with the token, subscribed to `debug`, as the
 * editor is. `next(name)` is the next message a debug node of that name showed.
 */
async function debugSidebar (base: string, token: string): Promise<{ next: (name: string, ms?: number) => Promise<Msg>, shown: (name: string) => Msg[], close: () => void }> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/comms`)
  const seen: Msg[] = []
  let authorised: (ok: boolean) => void = () => {}
  const answered = new Promise<boolean>((resolve) => { authorised = resolve })
  socket.on('message', (data) => {
    for (const m of [JSON.parse(String(data))].flat() as Msg[]) {
      if (m.auth !== undefined) authorised(m.auth === 'ok')
      else if (m.topic === 'debug') seen.push(m.data as Msg)
    }
  })
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject) })
  // Node-RED takes the subscription only once the token is checked ({"auth": "ok"}), as the editor waits for it.
  socket.send(JSON.stringify({ auth: token }))
  assert.equal(await answered, true, 'the debug sidebar logs in with the token')
  socket.send(JSON.stringify({ subscribe: 'debug' }))
  return {
    next: async (name, ms = 20000) => {
      const m = await until(`a message in the debug node '${name}'`, async () => {
        const i = seen.findIndex((x) => x.name === name)
        return i >= 0 ? seen.splice(i, 1)[0] : undefined
      }, ms)
      return { ...m, msg: m.format === 'Object' || String(m.format).startsWith('array') ? JSON.parse(String(m.msg)) : m.msg }
    },
    shown: (name) => seen.filter((x) => x.name === name),
    close: () => socket.close()
  }
}

async function getJson (url: string): Promise<Msg> {
  const res = await fetch(url)
  assert.equal(res.status, 200, `GET ${url}: ${res.status}`)
  return await res.json() as Msg
}

for (const kind of storeKinds()) {
  const store = kind()
  describe(`the shipped Quality and logistics flow with the QMS and WMS adapters and both simulators [${store.name}]`, function () {
    this.timeout(90000)
    const dir = tempDir('ql-flow-')
    let hub: ChildHub | undefined
    let wms: RunningWmsSimulator
    let qms: RunningQmsSimulator
    let base = ''
    let token = ''
    let api: ReturnType<typeof client>
    let injects: Map<string, string>
    let sidebar: Awaited<ReturnType<typeof debugSidebar>>

    before(async function () {
      const editorPort = await freePort()
      base = `http://127.0.0.1:${editorPort}`
      wms = await startWmsSimulator({ port: 0, host: '127.0.0.1', webhook: { url: `${base}/wms/events`, secret: WMS_SECRET }, autoConfirm: false })
      qms = await startQmsSimulator({ port: 0, host: '127.0.0.1', webhook: { url: `${base}/qms/webhook`, secret: QMS_SECRET } })
      // The files as the tab's note writes them, relative to the config file.
      fs.mkdirSync(path.join(dir, 'data'))
      const file = (name: string, text: string): void => fs.writeFileSync(path.join(dir, 'data', name), text + '\n', { mode: 0o600 })
      file('qms-token', 'qms-sim-token'); file('qms-secret', QMS_SECRET); file('wms-password', 'wms-sim'); file('wms-secret', WMS_SECRET)
      store.prepare()
      const configFile = path.join(dir, 'isa95-hub.yaml')
      fs.writeFileSync(configFile, YAML.stringify({
        editor: { users: [{ username: USER.username, passwordHash: await hashPassword(USER.password), permissions: '*' }] },
        mes: { ...store.hubConfig(), staging: { trigger: 'dispatch', requiredToStart: true } },
        qms: { enabled: true, url: qms.url, credentialsFile: 'data/qms-token', webhookSecretFile: 'data/qms-secret', pollMs: 100 },
        wms: { enabled: true, url: wms.url, username: 'hub', passwordFile: 'data/wms-password', webhookSecretFile: 'data/wms-secret', pollMs: 100 }
      }))
      hub = spawnHub(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'hub', 'cli.js')], {
        HUB_CONFIG: configFile,
        HUB_DATA_DIR: path.join(dir, 'hub-data'),
        HUB_MQTT_HOST: '127.0.0.1',
        HUB_MQTT_PORT: String(await freePort()),
        HUB_MQTT_WS_ENABLED: 'false',
        HUB_EDITOR_PORT: String(editorPort),
        HUB_SPARKPLUG_ENABLED: 'false',
        HUB_WMS_SIM_URL: wms.url,
        HUB_QMS_SIM_URL: qms.url
      })
      await hub.waitFor(/hub ready/, 60000)
      await hub.waitFor(/Started flows/, 30000)
      const res = await fetch(`${base}/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', ...USER })
      })
      assert.equal(res.status, 200)
      token = (await res.json() as { access_token: string }).access_token
      api = client(`${base}/mes/v1`, { authorization: `Bearer ${token}` })
      // The tab as the hub seeded it into its flow file (the editor's GET /flows).
      const flows = await (await fetch(`${base}/flows`, { headers: { authorization: `Bearer ${token}` } })).json() as Msg[]
      const tab = flows.find((n) => n.type === 'tab' && n.label === 'Quality and logistics')
      assert.ok(tab, 'the hub runs the shipped Quality and logistics tab')
      sidebar = await debugSidebar(base, token)
      injects = new Map(flows.filter((n) => n.z === tab.id && n.type === 'inject').map((n) => [String(n.name), String(n.id)]))
    })

    after(async function () {
      sidebar?.close()
      if (hub !== undefined) { hub.signal('SIGTERM'); await hub.groupGone(20000).catch(() => hub!.signal('SIGKILL')) }
      await wms?.close()
      await qms?.close()
      await store.cleanup()
      fs.rmSync(dir, { recursive: true, force: true })
    })

    /** Clicks the inject button named `name` as the editor does. */
    async function click (name: string): Promise<void> {
      const id = injects.get(name)
      assert.ok(id, `the tab has a button '${name}'`)
      const res = await fetch(`${base}/inject/${id}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      assert.equal(res.status, 200, `clicking '${name}': ${res.status}`)
    }
    const lot = async (lotId: string): Promise<Msg | undefined> => {
      const a = await api.get(`/materials/lots/${lotId}`)
      return a.status === 200 ? a.body as Msg : undefined
    }

    it('runs order QL-1 through the WMS and the QMS, the buttons clicked as the note says', async () => {
      await click('1 materials')
      // A user clicks the next button once the sidebar shows the answers; so does this test (each button's messages are
      // commands run as they come, and a lot needs its material).
      await until('the three materials', async () => {
        const got = await Promise.all(['RM-SHEET', 'RM-SCREW', 'FG-COVER'].map(async (m) => (await api.get(`/materials/definitions/${m}`)).status))
        return got.every((st) => st === 200) || undefined
      })
      await click('1b lots SH-1 and SC-1')
      await until('lots SH-1 and SC-1 in the MES', async () => ((await lot('SH-1')) !== undefined && (await lot('SC-1')) !== undefined) || undefined)
      await click('1c with wms-sim: the lots into its stock')
      const stock = await until('SH-1 and SC-1 in the WMS', async () => {
        const lots = (await getJson(`${wms.url}/sim/stock`)) as unknown as Msg[]
        return lots.filter((l) => ['SH-1', 'SC-1'].includes(l.lotId)).length === 2 ? lots : undefined
      })
      assert.deepEqual(stock.filter((l) => ['SH-1', 'SC-1'].includes(l.lotId)).map((l) => `${l.lotId} ${l.bin}`).sort(), ['SC-1 03-B-01', 'SH-1 03-A-01'])

      // Dispatching requests the staging: a warehouse task per component to press 2's supply location.
      await click('2 order QL-1 onto press 2')
      const tasks = await until('two staging tasks in the WMS', async () => {
        const t = (await getJson(`${wms.url}/sim/tasks`)) as unknown as Msg[]
        return t.filter((x) => x.jobId === 'QL-1-10-1').length === 2 ? t : undefined
      })
      assert.deepEqual(tasks.map((t) => `${t.requestId} ${t.material} ${t.quantity} ${t.destinationLocation} ${t.status}`).sort(),
        ['QL-1-10-1/1 RM-SHEET 40 PSA-PRESS02 open', 'QL-1-10-1/2 RM-SCREW 40 PSA-PRESS02 open'])
      await click('3 inspection plan of QL-1 (no QMS)')
      await until('the plan of QL-1', async () => (await api.get('/quality/inspection-lots/090000000001')).status === 200 || undefined)

      // Not staged yet: the start gate (mes.staging.requiredToStart) refuses, with the reason.
      const refused = await api.post('/jobs/QL-1-10-1/events', { event: 'start' })
      assert.ok(refused.status >= 400 && refused.status < 500, `start before staging: ${refused.status} ${refused.text}`)
      assert.match(refused.text, /stag/i)
      // The warehouse confirms both tasks; its webhook stages the job with the lots it picked.
      for (const t of tasks.filter((x) => x.jobId === 'QL-1-10-1')) {
        const res = await fetch(`${wms.url}/sim/tasks/${String(t.taskId)}/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        assert.equal(res.status, 200, `confirm task ${String(t.taskId)}: ${res.status} ${await res.text()}`)
      }
      await until('the job staged by the WMS', async () => {
        const s = await api.get('/logistics/staging/jobs/QL-1-10-1/staged')
        return s.status === 200 && (s.body as Msg).staged === true ? true : undefined
      })
      await click('4 staging of QL-1-10-1')
      await click('5 start QL-1-10-1')
      await until('QL-1-10-1 running', async () => ((await api.get('/jobs/QL-1-10-1')).body as Msg).state === 'Running' || undefined)

      // Out of spec: the nonconformance holds SH-1; the result and the nonconformance reach the QMS, once each.
      await click('6 thickness 2.31 mm on SH-1')
      const received = await until('the result and the nonconformance at the QMS', async () => {
        const r = await getJson(`${qms.url}/sim/received`)
        return r.results.length === 1 && r.nonconformances.length === 1 ? r : undefined
      })
      assert.deepEqual([received.results[0].characteristic, received.results[0].value, received.results[0].evaluation], ['0010', 2.31, 'rejected'])
      const nc = received.nonconformances[0] as Msg
      assert.deepEqual([nc.lotId, nc.defectCode, nc.ncNumber], ['SH-1', 'THICKNESS', 'NC-000001'])
      assert.equal((await lot('SH-1'))!.status, 'on-hold')
      await click('7 holds on SH-1')
      await click('7b hold press 2: tool check')
      await until('the hold on press 2', async () => (await api.get('/holds/HOLD-PRESS02-1')).status === 200 || undefined)
      await click('8 consume the held lot SH-1')
      const refusal = (await sidebar.next('refused')).msg as Msg
      assert.equal(refusal.rule, 'lot-status')
      assert.match(String(refusal.reason), /lot SH-1 is on-hold/)

      // The QMS decides and calls the hub back: the nonconformance's hold is released.
      await click('9b with qms-sim: the QMS decides')
      const released = await until('SH-1 released by the QMS', async () => { const l = await lot('SH-1'); return l?.status === 'released' ? l : undefined })
      assert.equal(released.statusBy, 'qms:mrb.board')
      assert.match(String(released.statusReason), /use-as-is/)
      await click('10 release press 2')
      await until('press 2 released', async () => ((await api.get('/holds/HOLD-PRESS02-1')).body as Msg).status === 'released' || undefined)

      await click('11 consume SH-1 and SC-1')
      await until('40 KG of SH-1 consumed, once', async () => (await lot('SH-1'))?.quantity === 60 || undefined)
      // The warehouse confirms by itself from now on, as the note's simulator does.
      const auto = await fetch(`${wms.url}/sim/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'auto', confirm: true, delayMs: 100 }) })
      assert.equal(auto.status, 200)
      await click('12 produce lot CV-1')
      await until('lot CV-1', async () => await lot('CV-1'))
      await click('13 put-away of CV-1')
      const stored = await until('CV-1 put away by the WMS', async () => { const l = await lot('CV-1'); return l?.location !== undefined && l.location !== null && /^FG-/.test(String(l.location)) ? l : undefined })
      const putAway = ((await getJson(`${wms.url}/sim/tasks`)) as unknown as Msg[]).find((t) => t.type === 'put-away')!
      assert.deepEqual([putAway.lotId, putAway.status, putAway.destinationBin], ['CV-1', 'confirmed', stored.location])

      await click('14 where did SH-1 go')
      const trace = await api.get('/materials/trace?direction=forward&lot=SH-1')
      assert.equal(trace.status, 200, trace.text)
      assert.deepEqual(((trace.body as Msg).nodes as Msg[]).map((n) => `${String(n.kind)} ${String(n.id)} ${String(n.location)}`).sort(),
        [`lot CV-1 ${String(stored.location)}`, 'lot SH-1 PSA-PRESS02'])

      const trace14 = (await sidebar.next('trace')).msg as Msg
      assert.deepEqual((trace14.payload.nodes as Msg[]).map((n) => `${String(n.id)} ${String(n.location)}`).sort(), [`CV-1 ${String(stored.location)}`, 'SH-1 PSA-PRESS02'])
      assert.deepEqual(sidebar.shown('errors').concat(sidebar.shown('refused')).map((m) => String(m.msg)), [], 'nothing else refused, no errors')
      // Nothing refused by either system, nothing waiting: each message out sent once, each callback delivered once.
      const outbox = (await api.get('/outbox')).body as Msg[]
      assert.deepEqual(outbox.filter((m) => m.status !== 'sent').map((m) => `${String(m.destination)} ${String(m.type)} ${String(m.status)} ${String(m.lastError)}`), [])
      assert.deepEqual(outbox.map((m) => `${String(m.destination)} ${String(m.type)}`).sort(),
        ['qms inspection-result', 'qms nonconformance', 'wms put-away-request', 'wms staging-request', 'wms staging-request'])
      const qmsCallbacks = (await getJson(`${qms.url}/sim/sent`)).deliveries as Msg[]
      assert.deepEqual(qmsCallbacks.map((d) => `${String(d.event.type)} ${String(d.state)} ${d.attempts.at(-1)?.status as number}`), ['nonconformance.dispositioned delivered 200'])
      const wmsCallbacks = (await getJson(`${wms.url}/sim/callbacks`)) as unknown as Msg[]
      assert.deepEqual(wmsCallbacks.map((d) => `${String(d.event.type)} ${String(d.event.task.type)} ${String(d.state)} ${d.attempts.at(-1)?.status as number}`),
        ['task.confirmed staging delivered 200', 'task.confirmed staging delivered 200', 'task.confirmed put-away delivered 200'])
    })
  })
}
