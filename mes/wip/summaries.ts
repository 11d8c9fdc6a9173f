// What is in progress and what has been made: WIP per work center, work unit and order, and the job response of
// one job. Reads only, inside the caller's read transaction (one snapshot for the several queries of a summary).
import type { Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import type { JobEventType, JobResponse, JobState, OrderWipSummary, WipSummary } from '../model/types'
import type { JobEventsPage } from '../service'
import { NotFoundError } from '../errors'
import { loadJob, loadOperations, loadOrderRow, minutesBetween, remaining } from '../repo'

const RUNNING_OR_INTERRUPTED: readonly JobState[] = ['Running', 'Interrupted.Paused', 'Interrupted.Held']

/**
 * The job response: actual times, quantities with reason codes, and the event history. `page` takes the events
 * after seq `after`, at most `limit` of them (all by default); the totals are always the whole job's. A job of
 * machine counts has tens of thousands of events: 54,000 were a 15 MB answer that cost the hub 120 MB of memory.
 */
export async function jobResponseOf (tx: Tx, jobId: string, page: JobEventsPage, now: string): Promise<JobResponse> {
  const j = await loadJob(tx, jobId)
  if (j === undefined) throw new NotFoundError('job', jobId)
  const limit = page.limit
  const rows = await tx.all('SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq' +
    (limit !== undefined ? ' LIMIT ?' : ''), limit !== undefined ? [jobId, page.after ?? -1, limit + 1] : [jobId, page.after ?? -1])
  const more = limit !== undefined && rows.length > limit
  const events = more ? rows.slice(0, limit) : rows
  const runMinutes = j.runMinutes + (j.state === 'Running' ? minutesBetween(j.runningSince, now) : 0)
  return {
    jobId: j.jobId, orderNumber: j.orderNumber, sequence: j.sequence, workUnit: j.workUnit, state: j.state,
    actualStart: j.startedAt, actualEnd: j.endedAt, setupMinutes: j.setupMinutes, runMinutes,
    goodQuantity: j.goodQuantity, scrapQuantity: j.scrapQuantity, reworkQuantity: j.reworkQuantity,
    reports: events.filter((r) => num(r.good_qty) + num(r.scrap_qty) + num(r.rework_qty) > 0).map((r) => ({
      seq: num(r.seq), at: str(r.at), who: str(r.who), event: str(r.event) as JobEventType, good: num(r.good_qty),
      scrap: num(r.scrap_qty), scrapReason: strOrNull(r.scrap_reason), rework: num(r.rework_qty), reworkReason: strOrNull(r.rework_reason)
    })),
    events: events.map((r) => ({ seq: num(r.seq), event: str(r.event) as JobEventType, from: str(r.from_state) as JobState,
      to: str(r.to_state) as JobState, who: str(r.who), at: str(r.at), why: strOrNull(r.why) })),
    ...(more ? { nextAfter: num(events[events.length - 1]!.seq) } : {})
  }
}

/** Queued and running work, and the quantities made, at one work center. */
export async function wipOfWorkCenter (tx: Tx, workCenter: string): Promise<WipSummary> {
  const queued = await tx.get(`SELECT CAST(COUNT(*) AS INTEGER) AS n,
      SUM(CASE WHEN o.quantity - o.good_qty - o.scrap_qty > 0 THEN o.quantity - o.good_qty - o.scrap_qty ELSE 0 END) AS q
    FROM operations o JOIN work_orders w ON w.order_number = o.order_number
    WHERE o.work_center = ? AND o.status IN ('pending', 'in-progress') AND w.status IN ('released', 'in-progress', 'held')
      AND NOT EXISTS (SELECT 1 FROM job_orders j WHERE j.job_id = o.active_job AND j.state IN (${RUNNING_OR_INTERRUPTED.map(() => '?').join(', ')}))`,
  [workCenter, ...RUNNING_OR_INTERRUPTED])
  const running = await runningJobs(tx, 'work_center', workCenter)
  const done = await tx.get('SELECT SUM(good_qty) AS g, SUM(scrap_qty) AS s, SUM(rework_qty) AS r FROM operations WHERE work_center = ?', [workCenter])
  return { scope: 'workCenter', id: workCenter, queued: { count: num(queued?.n), quantity: num(queued?.q) }, running,
    done: { good: num(done?.g), scrap: num(done?.s), rework: num(done?.r) } }
}

/** Queued and running jobs, and the quantities made, on one work unit. */
export async function wipOfWorkUnit (tx: Tx, workUnit: string): Promise<WipSummary> {
  const queued = await tx.get(`SELECT CAST(COUNT(*) AS INTEGER) AS n,
      SUM(CASE WHEN quantity - good_qty - scrap_qty > 0 THEN quantity - good_qty - scrap_qty ELSE 0 END) AS q
    FROM job_orders WHERE work_unit = ? AND state IN ('NotAllowedToStart', 'AllowedToStart')`, [workUnit])
  const running = await runningJobs(tx, 'work_unit', workUnit)
  const done = await tx.get('SELECT SUM(good_qty) AS g, SUM(scrap_qty) AS s, SUM(rework_qty) AS r FROM job_orders WHERE work_unit = ?', [workUnit])
  return { scope: 'workUnit', id: workUnit, queued: { count: num(queued?.n), quantity: num(queued?.q) }, running,
    done: { good: num(done?.g), scrap: num(done?.s), rework: num(done?.r) } }
}

/** Queued and running operations of one order, what each has made, and the order's output. */
export async function wipOfOrder (tx: Tx, orderNumber: string): Promise<OrderWipSummary> {
  const order = await loadOrderRow(tx, orderNumber)
  if (order === undefined) throw new NotFoundError('work order', orderNumber)
  const ops = await loadOperations(tx, orderNumber)
  const states = new Map<string, JobState>()
  for (const r of await tx.all('SELECT job_id, state FROM job_orders WHERE order_number = ?', [orderNumber])) {
    states.set(str(r.job_id), str(r.state) as JobState)
  }
  const lines = ops.map((op) => ({
    sequence: op.sequence, workCenter: op.workCenter, status: op.status, quantity: op.quantity, activeJob: op.activeJob,
    jobState: op.activeJob !== null ? states.get(op.activeJob) ?? null : null,
    good: op.goodQuantity, scrap: op.scrapQuantity, rework: op.reworkQuantity
  }))
  const open = ops.filter((op) => op.status === 'pending' || op.status === 'in-progress')
  const isRunning = (op: typeof ops[number]): boolean =>
    op.activeJob !== null && RUNNING_OR_INTERRUPTED.includes(states.get(op.activeJob) ?? 'Ended')
  const running = open.filter(isRunning)
  const queued = open.filter((op) => !isRunning(op))
  const last = [...ops].reverse().find((op) => op.status !== 'cancelled')
  return {
    scope: 'order',
    id: orderNumber,
    queued: { count: queued.length, quantity: queued.reduce((s, op) => s + remaining(op), 0) },
    running: { count: running.length, quantity: running.reduce((s, op) => s + remaining(op), 0) },
    // The order's output is what its last operation made; scrap and rework add up over all operations.
    done: { good: last?.goodQuantity ?? 0, scrap: ops.reduce((s, op) => s + op.scrapQuantity, 0), rework: ops.reduce((s, op) => s + op.reworkQuantity, 0) },
    operations: lines
  }
}

async function runningJobs (tx: Tx, column: 'work_center' | 'work_unit', id: string): Promise<{ count: number, quantity: number }> {
  const r = await tx.get(`SELECT CAST(COUNT(*) AS INTEGER) AS n,
      SUM(CASE WHEN quantity - good_qty - scrap_qty > 0 THEN quantity - good_qty - scrap_qty ELSE 0 END) AS q
    FROM job_orders WHERE ${column} = ? AND state IN (${RUNNING_OR_INTERRUPTED.map(() => '?').join(', ')})`,
  [id, ...RUNNING_OR_INTERRUPTED])
  return { count: num(r?.n), quantity: num(r?.q) }
}
