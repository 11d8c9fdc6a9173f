// kill -9 during a burst of consumptions: a child process consumes from four lots at a running job as fast as it
// can (one writer, then eight at once, which the SQLite store commits in groups), each consumption with its eventId,
// and prints each one the MES acknowledged; it is SIGKILLed mid-burst. After reopening the store every acknowledged
// consumption is there exactly once, each lot holds what it received less what its stored consumptions took (never
// below zero), every consumption has its genealogy link, and the audit trail verifies. Then the client retries
// everything it sent, acknowledged or not, with the same eventIds: the acknowledged ones are answered as duplicates,
// the one in flight at the kill is applied if it had not been, and nothing is stored twice.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { forEachStore, ERP, SUPERVISOR } from '../stores'
import { createMes, type Mes } from '../../../mes/index'
import type { MesStore } from '../../../mes/store/store'
import { num, str } from '../../../mes/store/store'
import { BURST_LOT_QUANTITY, BURST_LOTS, burstConsumption } from './consume-burst'

const WRITER = path.join(__dirname, 'consume-burst-writer.js')
const KILL_AFTER_ACKS = 200

interface Burst { acked: string[], signal: NodeJS.Signals | null, stderr: string }

/** Runs the writer until it has acknowledged `killAfter` consumptions, then SIGKILLs it while it is still writing. */
function burstAndKill (mesConfig: unknown, jobId: string, killAfter: number, writers: number): Promise<Burst> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, JSON.stringify(mesConfig), jobId, String(writers)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    let acks = 0
    const watchdog = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`writer did not acknowledge ${killAfter} consumptions in time; stderr:\n${stderr}`)) }, 60000)
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString()
      out += text
      if (acks < killAfter) {
        acks += text.split('\n').filter((l) => l.startsWith('ack ')).length
        if (acks >= killAfter) child.kill('SIGKILL')
      }
    })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', (_code, signal) => {
      clearTimeout(watchdog)
      // Only complete lines: a line cut by the kill was not fully written, so not acknowledged to anyone.
      const acked = out.split('\n').slice(0, -1).filter((l) => l.startsWith('ack ')).map((l) => l.slice(4))
      resolve({ acked, signal, stderr })
    })
  })
}

/** Order 800 consumes RM-BURST at op 10; its job runs at FEEDER-1 and has made serial FG-BURST-1; lots C-1..C-4 received. */
async function runningJob (mes: Mes): Promise<string> {
  await mes.materials.define({ material: 'RM-BURST', unit: 'PCE' }, 'erp:SAP-PRD')
  await mes.materials.define({ material: 'FG-BURST', unit: 'PCE' }, 'erp:SAP-PRD')
  await mes.workOrders.create({
    orderNumber: '800', material: 'FG-BURST', quantity: 1, unit: 'PCE', dueDate: '2030-01-01T00:00:00Z',
    operations: [{ sequence: 10, workCenter: 'WC-FEED' }],
    materials: [{ item: 1, material: 'RM-BURST', quantity: BURST_LOTS.length * BURST_LOT_QUANTITY, unit: 'PCE', operationSequence: 10 }]
  }, ERP)
  await mes.workOrders.release('800', SUPERVISOR)
  const job = await mes.dispatch.dispatchOperation('800', 10, 'FEEDER-1', SUPERVISOR)
  await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'op.olga' })
  for (const lotId of BURST_LOTS) await mes.materials.receiveLot({ lotId, material: 'RM-BURST', quantity: BURST_LOT_QUANTITY, unit: 'PCE', who: 'wms:WH1' })
  await mes.materials.produce({ jobId: job.jobId, who: 'op.olga', material: 'FG-BURST', serials: ['FG-BURST-1'] })
  return job.jobId
}

/** Each eventId's number of material actuals, and each lot's received - consumed check. */
async function storedState (store: MesStore, jobId: string): Promise<{ counts: Map<string, number>, links: number }> {
  const rows = await store.read(async (tx) => await tx.all(`SELECT event_id, CAST(COUNT(*) AS INTEGER) AS n FROM material_actuals
    WHERE job_id = ? AND direction = 'consumed' GROUP BY event_id`, [jobId]))
  const counts = new Map(rows.map((r) => [str(r.event_id), num(r.n)]))
  const links = num((await store.read(async (tx) => await tx.get(`SELECT COUNT(*) AS n FROM genealogy_links WHERE to_id = 'FG-BURST-1'`)))?.n)
  return { counts, links }
}

async function assertQuantitiesConsistent (mes: Mes, store: MesStore): Promise<void> {
  for (const lotId of BURST_LOTS) {
    const consumed = num((await store.read(async (tx) => await tx.get(`SELECT SUM(quantity) AS q FROM material_actuals
      WHERE node_kind = 'lot' AND node_id = ? AND direction = 'consumed'`, [lotId])))?.q)
    const lot = await mes.materials.lot(lotId)
    assert.equal(lot.quantity, BURST_LOT_QUANTITY - consumed, `lot ${lotId}: received - consumed`)
    assert.ok(lot.quantity >= 0)
  }
}

forEachStore('kill -9 during a burst of consumptions', (ctx) => {
  for (const writers of [1, 8]) {
    it(`keeps every acknowledged consumption exactly once with consistent lot quantities after restart, and a retry of all stores each once (${writers} writer${writers > 1 ? 's at once' : ''})`, async function () {
      const { mes, kind, store } = ctx()
      const jobId = await runningJob(mes)
      await store.close()

      const burst = await burstAndKill(kind.hubConfig(), jobId, KILL_AFTER_ACKS, writers)
      assert.equal(burst.signal, 'SIGKILL', `the writer was killed, not finished: ${burst.stderr}`)
      assert.ok(burst.acked.length >= KILL_AFTER_ACKS)

      const reopened = await kind.reopen()
      try {
        const after = createMes(reopened)
        const { counts, links } = await storedState(reopened, jobId)
        assert.deepEqual(burst.acked.filter((id) => !counts.has(id)), [], 'every acknowledged consumption is stored')
        assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], 'none twice')
        // At most the consumptions in flight at the kill (one per writer) may have committed without their ack reaching stdout.
        assert.ok(counts.size - burst.acked.length <= writers, `${counts.size} stored, ${burst.acked.length} acknowledged`)
        assert.equal(links, counts.size, 'each consumption linked to the serial the job had made')
        await assertQuantitiesConsistent(after, reopened)
        assert.equal((await after.audit.verify()).ok, true)

        // The client resends everything it sent: up to each writer's last acknowledged one, and the one in flight.
        const last = new Map<number, number>()
        for (const id of burst.acked) {
          const [, w, i] = id.split('-').map(Number) as [number, number, number]
          last.set(w, Math.max(last.get(w) ?? 0, i))
        }
        let applied = 0
        for (let w = 1; w <= writers; w++) {
          for (let i = 1; i <= (last.get(w) ?? 0) + 1; i++) {
            const c = burstConsumption(jobId, w, i)
            const r = await after.materials.consume(c)
            if (burst.acked.includes(c.eventId)) assert.equal(r.duplicate, true, c.eventId)
            if (!r.duplicate) applied++
          }
        }
        const retried = await storedState(reopened, jobId)
        const sent = [...Array(writers).keys()].reduce((s, w) => s + (last.get(w + 1) ?? 0) + 1, 0)
        assert.equal(retried.counts.size, sent, 'every consumption sent is stored')
        assert.deepEqual([...retried.counts].filter(([, n]) => n !== 1), [], 'none twice after the retry')
        assert.equal(applied, sent - counts.size, 'the retry applied only what had not committed')
        assert.equal(retried.links, sent)
        await assertQuantitiesConsistent(after, reopened)
        assert.equal((await after.audit.verify()).ok, true)
      } finally {
        await reopened.close()
      }
    })
  }
})
