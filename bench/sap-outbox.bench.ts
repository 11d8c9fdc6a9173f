// SAP outbound through the MES outbox: N confirmations from enqueue until the simulated SAP has every one (the
// outbox on SQLite, its worker claiming, sending with the adapter's SAP sender, recording each outcome), over
// IDoc-XML and over OData, beside the same requests posted straight to the simulator by the same sender without the
// outbox (same concurrency: one request at a time per order, at most the worker's batch at once), in the same run:
// alternating rounds, medians. Every round checks that nothing was lost and nothing posted twice. The issue sets no
// target ratio for this one: it reports the figures.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openSqliteMes, type Confirmation, type Mes, type OutboxMessage } from '../mes/index'
import { DEFAULT_BATCH } from '../mes/outbox/outbox-worker'
import { SAP_SECTION, type SapConfig, type SapTransport } from '../adapters/sap/config'
import { sapSender } from '../adapters/sap/outbound/sap-sender'
import { SAP_DESTINATION, confirmationKey } from '../adapters/sap/outbound/sap-feeders'
import { createODataClient } from '../adapters/sap/odata/odata-client'
import { startSapSimulator, type RunningSapSimulator } from '../sim/sap/simulator'
import type { SeedOrder } from '../sim/sap/production-orders'
import type { Benchmark, BenchResult } from './bench-result'
import { median, secondsSince } from './stats'

const MESSAGES = 1000
const ORDERS = 30
const ROUNDS = 7
const PASSWORD = 'sap-sim'

function orders (): SeedOrder[] {
  return Array.from({ length: ORDERS }, (_, i) => ({
    order: String(2000001 + i), material: 'FG-PANEL-100', quantity: '1000000', unit: 'ST', start: '2024-06-03', end: '2024-06-04', released: true,
    operations: [{ operation: '0010', workCenter: 'PRESS01', text: 'Stamp side panel', quantity: '1000000' }],
    components: []
  }))
}

/** N confirmations of a shift, spread over the orders, each with its own idempotency key (as the MES makes them). */
function confirmations (round: string): Confirmation[] {
  const at = new Date().toISOString()
  return Array.from({ length: MESSAGES }, (_, i) => ({
    id: i + 1, idempotencyKey: crypto.createHash('sha1').update(`${round}/${i}`).digest('hex'),
    orderNumber: String(2000001 + (i % ORDERS)), sequence: 10, workCenter: 'PRESSL1', jobId: `${2000001 + (i % ORDERS)}-10-1`,
    eventSeq: i + 1, yield: 1, scrap: 0, rework: 0, unit: 'ST', scrapReason: null, reworkReason: null, setupMinutes: 0, runMinutes: 0.5,
    final: false, who: 'op.olga', at, status: 'pending', attempts: 0, lastError: null, erpReference: null, acknowledgedAt: null
  }))
}

function sapConfig (sim: RunningSapSimulator, transport: SapTransport): SapConfig {
  const c = SAP_SECTION.defaults(process.cwd())
  c.outbound = { ...c.outbound, url: sim.url, username: 'HUB_RFC', confirmations: transport, goodsMovements: transport, receiverPartner: 'SIMCLNT100', receiverPort: 'SAPSIM' }
  return c
}

/** A fresh simulated SAP and a sender of the adapter for it (the simulator's lookups grow with what it holds). */
async function sapFor (transport: SapTransport): Promise<{ sim: RunningSapSimulator, send: ReturnType<typeof sapSender> }> {
  const sim = await startSapSimulator({ port: 0, orders: orders() })
  const config = sapConfig(sim, transport)
  const odata = createODataClient({ baseUrl: sim.url, username: 'HUB_RFC', password: PASSWORD, timeoutMs: 30_000 })
  return { sim, send: sapSender({ config, password: PASSWORD, odata, toSapUnit: (u) => u }) }
}

function postedCount (sim: RunningSapSimulator, transport: SapTransport): number {
  return transport === 'odata' ? sim.received.confirmations.length : sim.received.idocs.length
}

/** Nothing lost, nothing twice: SAP has exactly one document per confirmation, by our key in it. */
function checkPostedOnce (sim: RunningSapSimulator, transport: SapTransport, sent: Confirmation[], how: string): void {
  const keys = transport === 'odata'
    ? sim.received.confirmations.map((c) => String(c.ConfirmationText))
    : sim.received.idocs.map((i) => i.senderDocnum)
  const distinct = new Set(keys)
  if (keys.length !== sent.length || distinct.size !== sent.length) {
    throw new Error(`${how} over ${transport}: SAP has ${keys.length} documents (${distinct.size} distinct) for ${sent.length} confirmations`)
  }
  if (transport === 'odata') {
    const missing = sent.filter((c) => !distinct.has(c.idempotencyKey))
    if (missing.length > 0) throw new Error(`${how} over odata: ${missing.length} confirmations not in SAP, e.g. ${missing[0]!.idempotencyKey}`)
  }
}

async function waitUntil (done: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Through the outbox: enqueue all (as the feeder does), the worker sends; seconds until SAP has them all. */
async function throughOutbox (mes: Mes, transport: SapTransport, round: string): Promise<number> {
  const { sim, send } = await sapFor(transport)
  const cs = confirmations(round)
  // The hub's worker waits idleMs (1 s) after a round that found nothing: that is a quiet outbox's latency, not its
  // throughput, so the bench's worker looks again after 5 ms.
  const worker = mes.outbox.worker({ destination: SAP_DESTINATION, owner: `bench-${round}`, send, idleMs: 5, onError: (err) => { throw err } })
  try {
    const t0 = process.hrtime.bigint()
    worker.start()
    for (const c of cs) {
      await mes.outbox.enqueue({ destination: SAP_DESTINATION, type: 'confirmation', orderingKey: c.orderNumber, idempotencyKey: confirmationKey(c), payload: c, who: 'sap-feeder' })
    }
    await waitUntil(() => postedCount(sim, transport) >= cs.length, `SAP to have ${cs.length} confirmations`)
    const seconds = secondsSince(t0)
    await worker.stop()
    const left = await mes.outbox.list({ destination: SAP_DESTINATION, status: ['pending', 'sending', 'dead'], limit: 1000 })
    if (left.length > 0) throw new Error(`outbox over ${transport}: ${left.length} messages not recorded as sent, e.g. ${JSON.stringify(left[0])}`)
    checkPostedOnce(sim, transport, cs, 'outbox')
    return cs.length / seconds
  } finally {
    await worker.stop()
    await sim.close()
  }
}

/** Straight to SAP: the same sender, one request at a time per order, at most the worker's batch at once. */
async function direct (transport: SapTransport, round: string): Promise<number> {
  const { sim, send } = await sapFor(transport)
  const cs = confirmations(round)
  const byOrder = new Map<string, Confirmation[]>()
  for (const c of cs) byOrder.set(c.orderNumber, [...(byOrder.get(c.orderNumber) ?? []), c])
  const queues = [...byOrder.values()]
  try {
    const t0 = process.hrtime.bigint()
    const lane = async (): Promise<void> => {
      for (let q = queues.shift(); q !== undefined; q = queues.shift()) {
        for (const c of q) {
          await send({ id: c.id, destination: SAP_DESTINATION, type: 'confirmation', orderingKey: c.orderNumber, idempotencyKey: confirmationKey(c), payload: c } as OutboxMessage)
        }
      }
    }
    await Promise.all(Array.from({ length: DEFAULT_BATCH }, lane))
    const seconds = secondsSince(t0)
    checkPostedOnce(sim, transport, cs, 'direct')
    return cs.length / seconds
  } finally {
    await sim.close()
  }
}

export async function run (progress: (line: string) => void = () => {}): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sap-outbox-'))
  const mes = await openSqliteMes(path.join(dir, 'mes.sqlite'))
  const results: BenchResult[] = []
  try {
    for (const transport of ['idoc-xml', 'odata'] as SapTransport[]) {
      await throughOutbox(mes, transport, `${transport}-warm`)
      await direct(transport, `${transport}-warm-direct`)
      const a: number[] = []
      const b: number[] = []
      for (let r = 0; r < ROUNDS; r++) {
        a.push(await throughOutbox(mes, transport, `${transport}-${r}`))
        b.push(await direct(transport, `${transport}-${r}-direct`))
        progress(`${transport} round ${r + 1}: outbox ${a[r]!.toFixed(0)} vs direct ${b[r]!.toFixed(0)} confirmations/s`)
      }
      const value = median(a)
      const baseline = median(b)
      const ratio = Math.round((value / baseline) * 1000) / 1000
      results.push({
        name: `SAP outbox: ${MESSAGES} confirmations over ${transport} (${ORDERS} orders, enqueue to SAP, SQLite)`, unit: 'msg/s',
        value: Math.round(value), baseline: Math.round(baseline), baselineName: 'same sender straight to the simulator', ratio
      })
    }
  } finally {
    await mes.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return results
}

export const benchmark: Benchmark = { title: 'SAP outbound through the outbox', run }

if (require.main === module) {
  run((line) => console.error(line)).then((r) => console.log(JSON.stringify(r, null, 2)), (err) => { console.error(err); process.exitCode = 1 })
}
