// A real hub (its MES on SQLite) with the SAP adapter sending to the simulated SAP over real HTTP, its IDoc
// endpoints on a server of their own behind the Basic login of an editor user `sap-rfc` (sap.write), and the
// simulated SAP with that hub as its partner (it sends IDocs there). A test gives the hub's services to its
// Node-RED test-helper runtime, as the hub gives them to its own runtime.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { startTestHub, testConfig, tempDir } from '../support/hub-fixture'
import type { RunningHub } from '../../hub/hub'
import { hashPassword } from '../../core/passwords'
import { startSapSimulator, type RunningSapSimulator } from '../../sim/sap/simulator'
import type { SapTransport } from '../../adapters/sap/config'

export const IDOC_LOGIN = `Basic ${Buffer.from('sap-rfc:idoc-secret').toString('base64')}`

export interface SapHub {
  readonly sim: RunningSapSimulator
  readonly hub: RunningHub
  /** The hub's IDoc endpoints, e.g. `${base}/sap/bc/idoc_xml`. */
  readonly base: string
  /** Posts IDoc-XML as SAP's XML-HTTP port does; resolves with the answer's status and text. */
  postIdoc (xml: string): Promise<{ status: number, text: string }>
  close (): Promise<void>
}

export async function startSapHub (transport: SapTransport = 'idoc-xml'): Promise<SapHub> {
  // The endpoints' server listens first, so the simulator can have the hub as its partner and the hub the simulator.
  let app: express.Express | undefined
  const server = http.createServer((req, res) => {
    if (app !== undefined) app(req, res)
    else { res.writeHead(503); res.end() }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const sim = await startSapSimulator({ port: 0, partner: { url: base, user: 'sap-rfc', password: 'idoc-secret' } })
  const dir = tempDir('sap-nodes-')
  const passwordFile = path.join(dir, 'sap-password')
  fs.writeFileSync(passwordFile, 'sap-sim\n', { mode: 0o600 })
  const hub = await startTestHub(testConfig(dir, (c) => {
    c.sap.outbound = { ...c.sap.outbound, url: sim.url, username: 'HUB_RFC', passwordFile, confirmations: transport, goodsMovements: transport, idocs: transport === 'odata' ? 'idoc-soap' : transport, pollMs: 100, receiverPartner: 'SIMCLNT100', receiverPort: 'SAPSIM' }
  }))
  const endpoints = express()
  for (const r of hub.sap!.routes([{ username: 'sap-rfc', passwordHash: await hashPassword('idoc-secret'), permissions: ['sap.write'] }])) endpoints.use(r.path, r.handler)
  app = endpoints
  return {
    sim,
    hub,
    base,
    async postIdoc (xml) {
      const r = await fetch(`${base}/sap/bc/idoc_xml`, { method: 'POST', headers: { authorization: IDOC_LOGIN, 'content-type': 'application/xml' }, body: xml })
      return { status: r.status, text: await r.text() }
    },
    async close () {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await hub.stop()
      await sim.close()
    }
  }
}

export { until } from '../support/until'

/** The test helper's start and stop, as the node suites use them (node-red-node-test-helper). */
interface NodeTestHelper {
  startServer (done: () => void): void
  stopServer (done: () => void): void
  unload (): Promise<unknown>
}

/**
 * The hooks of a node suite on a hub with SAP: the hub and the simulated SAP, and the helper's Node-RED, started
 * before the suite and stopped after it; each test's flow unloaded after it. Returns the running hub and simulator.
 */
export function sapHubSuite (helper: NodeTestHelper, transport?: SapTransport): () => SapHub {
  let s: SapHub | undefined
  before(async function () {
    s = await startSapHub(transport)
    await new Promise<void>((resolve) => helper.startServer(resolve))
  })
  afterEach(async function () { await helper.unload() })
  after(async function () {
    await new Promise<void>((resolve) => helper.stopServer(resolve))
    await s?.close()
  })
  return () => s!
}

/** The texts of every status a test-helper node has shown so far (the helper spies on `status`). */
export function statusTexts (node: unknown): string[] {
  const spy = (node as { status: { args: Array<[{ text?: string }]> } }).status
  return spy.args.map((a) => String(a[0]?.text ?? ''))
}
