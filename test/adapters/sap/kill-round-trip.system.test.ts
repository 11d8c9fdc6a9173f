// An order's round trip with the simulated SAP across a kill -9 of the hub: the hub runs as a user runs it (the built
// CLI in a child process with a config file: editor users, sap.outbound at the simulator), the simulated SAP runs in
// this process, everything between them is real HTTP. LOIPRO in over the hub's /sap/bc/idoc_xml, the run through the
// MES HTTP API while SAP answers 503, the hub SIGKILLed while the confirmations and goods movements wait in the
// outbox, SAP back, the hub started again on the same data directory: each posted to SAP exactly once, the
// confirmations acknowledged with SAP's reference, nothing pending. And a kill right after an IDoc document was
// answered 200, before it was applied: the inbox's stored IDocs are applied at the next start.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import YAML from 'yaml'
import { tempDir } from '../../support/hub-fixture'
import { freePort, spawnHub, PROJECT_ROOT, type ChildHub } from '../../support/child-hub'
import { client } from '../../support/mes-api'
import { hashPassword } from '../../../core/passwords'
import { startSapSimulator, type RunningSapSimulator } from '../../../sim/sap/simulator'
import type { SapTransport } from '../../../adapters/sap/config'
import { loiproIdoc, xmlHttp } from './idoc-samples'

const PRESS_ORDER = '<E1AFVOL SEGMENT="1"><VORNR>0010</VORNR><ARBPL>PRESSL1</ARBPL><LTXA1>Stamp side panel</LTXA1><MGVRG>100.000</MGVRG>' +
  '<E1RESBL SEGMENT="1"><POSNR>0010</POSNR><MATNR>RM-STEEL-COIL</MATNR><BDMNG>250.000</BDMNG><MEINS>KG</MEINS></E1RESBL></E1AFVOL>'
const PRODUCT = 'FG-1000-LONG-MATERIAL-NUMBER-40-CHARS'
const USERS = { planner: 'planner-pw-13', 'sap-rfc': 'idoc-secret-13' }

type Api = ReturnType<typeof client>

async function until<T> (what: string, probe: () => Promise<T | undefined>, ms = 60000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A hub's data directory and config file, started and killed as often as a test needs. */
class SapHubHome {
  readonly dir = tempDir('sap-kill-')
  readonly configFile = path.join(this.dir, 'isa95-hub.yaml')
  editorPort = 0
  child: ChildHub | undefined

  async write (sim: { url: string }, transport: SapTransport): Promise<void> {
    const passwordFile = path.join(this.dir, 'sap-password')
    fs.writeFileSync(passwordFile, 'sap-sim\n', { mode: 0o600 })
    fs.chmodSync(passwordFile, 0o600)
    this.editorPort = await freePort()
    fs.writeFileSync(this.configFile, YAML.stringify({
      editor: {
        users: [
          { username: 'planner', passwordHash: await hashPassword(USERS.planner), permissions: '*' },
          { username: 'sap-rfc', passwordHash: await hashPassword(USERS['sap-rfc']), permissions: ['sap.write'] }
        ]
      },
      sap: {
        outbound: {
          url: sim.url, username: 'HUB_RFC', passwordFile, confirmations: transport, goodsMovements: transport,
          pollMs: 100, timeoutMs: 2000, receiverPartner: 'SIMCLNT100', receiverPort: 'SAPSIM'
        }
      }
    }))
  }

  get base (): string { return `http://127.0.0.1:${this.editorPort}` }

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
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'planner', password: USERS.planner })
    })
    assert.equal(res.status, 200, `login: ${await res.clone().text()}`)
    const token = (await res.json() as { access_token: string }).access_token
    return client(`${this.base}/mes/v1`, { authorization: `Bearer ${token}` })
  }

  postIdocs (document: string): Promise<Response> {
    return fetch(`${this.base}/sap/bc/idoc_xml`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`sap-rfc:${USERS['sap-rfc']}`).toString('base64')}`, 'content-type': 'application/xml' },
      body: document
    })
  }

  async close (): Promise<void> {
    if (this.child !== undefined) await this.kill()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

function ok (what: string, a: { status: number, text: string }, status = 200): void {
  assert.equal(a.status, status, `${what}: HTTP ${a.status} ${a.text}`)
}

interface OutboxRow { id: number, type: string, status: string, attempts: number, lastError: string | null, reference: string | null }

async function outbox (api: Api): Promise<OutboxRow[]> {
  const r = await api.get('/outbox?destination=sap')
  ok('outbox', r)
  return r.body as OutboxRow[]
}

/**
 * A forwarder between the hub and the simulated SAP (as a web dispatcher sits in front of SAP): passes every request
 * through; once armed, the first posting that SAP answers with success is answered to nobody: `onPosted` runs (the
 * test kills the hub) and the connection is cut. SAP has the document; the hub never learns it.
 */
async function startLossyForwarder (target: string): Promise<{ url: string, arm (onPosted: () => Promise<void>): void, posted: Promise<string>, close (): Promise<void> }> {
  const upstream = new URL(target)
  let armed: (() => Promise<void>) | undefined
  let resolvePosted: (path: string) => void = () => {}
  const posted = new Promise<string>((resolve) => { resolvePosted = resolve })
  const server = http.createServer((req, res) => {
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      const onPosted = armed
      if (onPosted !== undefined && req.method === 'POST' && (answer.statusCode ?? 500) < 300) {
        armed = undefined
        answer.resume()
        void onPosted().finally(() => { res.destroy(); resolvePosted(req.url ?? '') })
        return
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    out.on('error', () => res.destroy())
    req.pipe(out)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: (onPosted) => { armed = onPosted },
    posted,
    close: async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => resolve())) }
  }
}

/** LOIPRO 1000001 in over the hub's endpoint, then its run through the MES HTTP API while SAP answers 503. */
async function runOrderWhileSapIsDown (home: SapHubHome, sim: RunningSapSimulator, api: Api): Promise<OutboxRow[]> {
  const r = await home.postIdocs(xmlHttp(loiproIdoc('0000000000300001', { aufnr: '000001000001', operations: PRESS_ORDER })))
  assert.equal(r.status, 200, await r.text())
  await until('order 1000001 applied', async () => (await api.get('/work-orders/1000001')).body?.status === 'released' ? true : undefined)
  ok('coil defined', await api.post('/materials/definitions', { material: 'RM-STEEL-COIL', unit: 'KG' }))
  ok('product defined', await api.post('/materials/definitions', { material: PRODUCT, unit: 'ST' }))
  ok('coil received', await api.post('/materials/lots', { lotId: 'COIL-1', material: 'RM-STEEL-COIL', quantity: 1000, unit: 'KG' }), 201)

  // SAP goes down before the run: everything it makes waits in the outbox and is retried.
  await sim.control.apply({ mode: 'down', how: '503' })
  const job = await api.post('/work-orders/1000001/operations/10/dispatch', { workUnit: 'PRESS01' })
  ok('dispatch', job, 201)
  const events = `/jobs/${job.body.jobId as string}/events`
  ok('start', await api.post(events, { event: 'start', eventId: 'hmi-start' }))
  ok('consume', await api.post('/materials/consume', { jobId: job.body.jobId, lotId: 'COIL-1', quantity: 250 }))
  ok('produce', await api.post('/materials/produce', { jobId: job.body.jobId, material: PRODUCT, lotId: 'PANEL-1', quantity: 100 }), 201)
  ok('report', await api.post(events, { event: 'report', good: 100, eventId: 'hmi-report' }))
  ok('complete', await api.post(events, { event: 'complete', eventId: 'hmi-complete' }))

  // Two confirmations (the report: partial; the completion: final) and two goods movements (261, 101), all of
  // order 1000001, so sent strictly in order: the first tried and refused by SAP, the others behind it; none in a
  // send at this moment (a leased one would wait out its lease after the restart).
  const waiting = await until('the four messages waiting, the first retried while SAP is down', async () => {
    const all = await outbox(api)
    return all.length === 4 && all.every((m) => m.status === 'pending') && all[0]!.attempts > 0 ? all : undefined
  }).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(await outbox(api))}\n${home.child!.output().slice(-3000)}`)
  })
  assert.match(waiting[0]!.lastError ?? '', /HTTP 503/)
  return waiting
}

/** After the restart: every message sent, SAP has each once, the confirmations acknowledged, nothing pending. */
async function assertPostedOnce (home: SapHubHome, sim: RunningSapSimulator, api: Api, transport: SapTransport, ms = 90000): Promise<void> {
  const sent = await until('every message sent after the restart', async () => {
    const all = await outbox(api)
    return all.length === 4 && all.every((m) => m.status === 'sent') ? all : undefined
  }, ms).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(await outbox(api))}\n${home.child!.output().slice(-3000)}`)
  })
  // A few more rounds of the feeders (pollMs 100) and the worker: nothing is enqueued or posted again.
  await new Promise((r) => setTimeout(r, 1500))
  assert.equal((await outbox(api)).length, 4, 'nothing enqueued again after the restart')
  assert.ok(sent.every((m) => m.reference !== null && m.reference !== ''), 'SAP\'s reference on every sent message')

  const received = sim.received
  if (transport === 'odata') {
    assert.deepEqual(received.idocs, [])
    assert.equal(received.confirmations.length, 2, JSON.stringify(received.confirmations))
    assert.equal(received.materialDocuments.length, 2, JSON.stringify(received.materialDocuments))
    assert.deepEqual(received.confirmations.map((c) => [c.OrderID, c.ConfirmationYieldQuantity, c.IsFinalConfirmation]), [['1000001', '100.000', false], ['1000001', '0.000', true]])
  } else {
    assert.equal(received.idocs.length, 4, JSON.stringify(received.idocs))
    const docnums = received.idocs.map((i) => i.senderDocnum)
    assert.equal(new Set(docnums).size, 4, `four distinct IDocs, each once: ${docnums.join(', ')}`)
    assert.deepEqual(received.idocs.map((i) => i.messageType).sort(), ['PPCC2PRETTICKET', 'PPCC2PRETTICKET', 'WMMBXY', 'WMMBXY'])
  }

  const confirmations = await api.get('/work-orders/1000001/confirmations')
  ok('confirmations', confirmations)
  assert.deepEqual(confirmations.body.map((c: { yield: number, final: boolean, status: string }) => [c.yield, c.final, c.status]),
    [[100, false, 'acknowledged'], [0, true, 'acknowledged']])
  const references = confirmations.body.map((c: { erpReference: string | null }) => c.erpReference)
  assert.ok(references.every((ref: string | null) => ref !== null && ref !== ''), `SAP's reference kept: ${JSON.stringify(references)}`)
  if (transport === 'odata') {
    assert.deepEqual(references, received.confirmations.map((c) => `${String(c.ConfirmationGroup)}/${String(c.ConfirmationCount)}`))
  }
  const pending = await api.get('/confirmations')
  ok('pending confirmations', pending)
  assert.deepEqual(pending.body, [], 'no confirmation pending')
  assert.deepEqual((await api.get('/outbox/dead-letters?destination=sap')).body, [], 'no dead letter')
}

for (const transport of ['idoc-xml', 'odata'] as SapTransport[]) {
  describe(`an order's round trip with SAP across a kill -9 of the hub (${transport})`, function () {
    this.timeout(180000)
    let sim: RunningSapSimulator
    let home: SapHubHome

    before(async function () {
      sim = await startSapSimulator({ port: 0 })
      home = new SapHubHome()
      await home.write(sim, transport)
    })
    after(async function () {
      await home?.close()
      await sim?.close()
    })

    it('posts every confirmation and goods movement exactly once after the hub was killed while they waited in the outbox', async function () {
      await home.start()
      await runOrderWhileSapIsDown(home, sim, await home.api())
      await home.kill()
      assert.deepEqual([sim.received.idocs.length, sim.received.confirmations.length, sim.received.materialDocuments.length], [0, 0, 0], 'nothing reached SAP while it was down')

      await sim.control.apply({ mode: 'up' })
      await home.start()
      await assertPostedOnce(home, sim, await home.api(), transport)
    })
  })
}

// The hardest kill: SAP has posted a message, its answer has not reached the hub. The message stays leased in the
// outbox; after the restart and the lease (4 x sap.outbound.timeoutMs + 30 s), it is sent again and SAP sees it as the same message: OData finds it
// by our key (ConfirmationText, MaterialDocumentHeaderText) before posting; IDoc-SOAP carries the same ARCKEY
// message id, which SAP's exactly-once handling takes once. IDoc-XML over SAP's XML-HTTP port has no such check: the
// resend is a second IDoc (at least once), so it is not in this list.
for (const transport of ['odata', 'idoc-soap'] as SapTransport[]) {
  describe(`a kill -9 of the hub after SAP posted a message, before its answer reached the hub (${transport})`, function () {
    this.timeout(240000)
    let sim: RunningSapSimulator
    let forwarder: Awaited<ReturnType<typeof startLossyForwarder>>
    let home: SapHubHome

    before(async function () {
      sim = await startSapSimulator({ port: 0 })
      forwarder = await startLossyForwarder(sim.url)
      home = new SapHubHome()
      await home.write(forwarder, transport)
    })
    after(async function () {
      await home?.close()
      await forwarder?.close()
      await sim?.close()
    })

    it('posts it once: the resend after the restart is recognised as the same message', async function () {
      await home.start()
      await runOrderWhileSapIsDown(home, sim, await home.api())
      forwarder.arm(async () => await home.kill())
      await sim.control.apply({ mode: 'up' })
      const postedPath = await forwarder.posted
      const postedBeforeRestart = transport === 'odata' ? sim.received.confirmations.length + sim.received.materialDocuments.length : sim.received.idocs.length
      assert.equal(postedBeforeRestart, 1, `SAP posted the first message (${postedPath}) before the hub died`)

      await home.start()
      await assertPostedOnce(home, sim, await home.api(), transport === 'idoc-soap' ? 'idoc-xml' : transport, 150000)
      if (transport === 'idoc-soap') assert.ok(sim.received.idocs.every((i) => i.transport === 'soap'))
    })
  })
}

describe('a kill -9 of the hub right after an IDoc document was answered 200', function () {
  this.timeout(180000)
  let sim: RunningSapSimulator
  let home: SapHubHome

  before(async function () {
    sim = await startSapSimulator({ port: 0 })
    home = new SapHubHome()
    await home.write(sim, 'idoc-xml')
  })
  after(async function () {
    await home?.close()
    await sim?.close()
  })

  it('applies at the next start the IDocs stored in the inbox and not yet applied', async function () {
    await home.start()
    // Forty orders in one document (a bulk XML-HTTP post): each IDoc is stored before the 200, applied after it, in
    // order; the kill lands within a millisecond of the answer, long before the fortieth is applied.
    const orders = Array.from({ length: 40 }, (_, i) => String(1000001 + i))
    const document = xmlHttp(...orders.map((o, i) => loiproIdoc(String(400001 + i).padStart(16, '0'), { aufnr: o.padStart(12, '0'), operations: PRESS_ORDER })))
    const r = await home.postIdocs(document)
    assert.equal(r.status, 200)
    await home.kill()

    const again = await home.start()
    const recovered = /applied (\d+) IDoc\(s\) stored before the hub last stopped/.exec(again.output())
    assert.ok(recovered !== null, `the restarted hub applied the stored IDocs at start; output:\n${again.output().slice(-3000)}`)
    assert.ok(Number(recovered[1]) > 0 && Number(recovered[1]) <= 40, recovered[0])
    const api = await home.api()
    for (const o of orders) {
      const order = await api.get(`/work-orders/${o}`)
      ok(`order ${o}`, order)
      assert.equal(order.body.status, 'released', `order ${o}`)
    }
    const inbox = await api.get('/inbox?limit=1000')
    ok('inbox', inbox)
    assert.equal(inbox.body.length, 40, 'each IDoc stored once')
    assert.deepEqual([...new Set(inbox.body.map((m: { status: string }) => m.status))], ['applied'], JSON.stringify(inbox.body.map((m: { status: string, reason: string | null }) => [m.status, m.reason])))
  })
})
