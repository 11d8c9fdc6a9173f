// kill -9 during a burst of WIP events: a child process applies report events as fast as it can (one writer, then
// eight at once, which the SQLite store commits in groups) and prints each one the MES acknowledged; it is
// SIGKILLed mid-burst. After reopening the store every acknowledged event is there
// exactly once, the totals agree with the stored events, a retried event is not applied twice, and the audit
// trail verifies. SQLite in npm test; PostgreSQL in test:system (mes-postgres.system.test.ts).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { forEachStore, SUPERVISOR } from './stores'
import { createMes } from '../../mes/index'
import { num, str } from '../../mes/store/store'

const WRITER = path.join(__dirname, 'wip-burst-writer.js')
const KILL_AFTER_ACKS = 300

interface Burst { acked: string[], signal: NodeJS.Signals | null, stderr: string }

/** Runs the writer until it has acknowledged `killAfter` events, then SIGKILLs it while it is still writing. */
function burstAndKill (mesConfig: unknown, jobId: string, killAfter: number, writers: number): Promise<Burst> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, JSON.stringify(mesConfig), jobId, 'burst', String(writers)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    let killed = false
    const watchdog = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`writer did not acknowledge ${killAfter} events in time; stderr:\n${stderr}`)) }, 15000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (!killed && out.split('\n').filter((l) => l.startsWith('ack ')).length >= killAfter) {
        killed = true
        child.kill('SIGKILL')
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

forEachStore('kill -9 during a burst of WIP events', (ctx) => {
  for (const writers of [1, 8]) {
    it(`keeps every acknowledged event exactly once, and the audit trail verifies after restart (${writers} writer${writers > 1 ? 's at once' : ''})`, async function () {
      const { mes, kind, store } = ctx()
      await mes.workOrders.create({
        orderNumber: '9001', material: 'BOLT-M8', quantity: 1_000_000, unit: 'PCE', dueDate: '2030-01-01T00:00:00Z',
        operations: [{ sequence: 10, workCenter: 'WC-BURST', runTimePerUnit: 0.01 }]
      }, SUPERVISOR)
      await mes.workOrders.release('9001', SUPERVISOR)
      const job = await mes.dispatch.dispatchNext('WC-BURST', 'UNIT-1', SUPERVISOR)
      assert.ok(job)
      await mes.wip.apply({ jobId: job.jobId, event: 'start', who: 'plc:burst' })
      await store.close()

      const burst = await burstAndKill(kind.hubConfig(), job.jobId, KILL_AFTER_ACKS, writers)
      assert.equal(burst.signal, 'SIGKILL', `the writer was killed, not finished: ${burst.stderr}`)
      assert.ok(burst.acked.length >= KILL_AFTER_ACKS)

      const reopened = await kind.reopen()
      try {
        const after = createMes(reopened)
        const rows = await reopened.read((tx) => tx.all(`SELECT event_id, CAST(COUNT(*) AS INTEGER) AS n FROM job_events
          WHERE job_id = ? AND event = 'report' GROUP BY event_id`, [job.jobId]))
        const stored = new Map(rows.map((r) => [str(r.event_id), num(r.n)]))
        const missing = burst.acked.filter((id) => !stored.has(id))
        assert.deepEqual(missing, [], 'every acknowledged event is stored')
        assert.deepEqual([...stored].filter(([, n]) => n !== 1), [], 'none twice')
        // At most the events in flight at the kill (one per writer) may have committed without their ack reaching stdout.
        assert.ok(stored.size - burst.acked.length <= writers, `${stored.size} stored, ${burst.acked.length} acknowledged`)

        // The totals agree with the events: one good piece per stored report, one confirmation each.
        const j = await after.wip.getJob(job.jobId)
        assert.equal(j.goodQuantity, stored.size)
        assert.equal(j.state, 'Running')
        const order = await after.workOrders.get('9001')
        assert.equal(order.operations[0]!.goodQuantity, stored.size)
        assert.equal((await after.confirmations.forOrder('9001')).length, stored.size)

        const v = await after.audit.verify()
        assert.equal(v.ok, true, JSON.stringify(v))

        // The shop floor resends what it is unsure about: nothing is applied twice.
        for (const eventId of burst.acked.slice(-20)) {
          const r = await after.wip.apply({ jobId: job.jobId, event: 'report', who: 'plc:burst', good: 1, eventId })
          assert.equal(r.duplicate, true, eventId)
        }
        const next = await after.wip.apply({ jobId: job.jobId, event: 'report', who: 'plc:burst', good: 1, eventId: 'after-restart-1' })
        assert.equal(next.job.goodQuantity, stored.size + 1)
        assert.equal((await after.audit.verify()).ok, true)
      } finally {
        await reopened.close()
      }
    })
  }
})
