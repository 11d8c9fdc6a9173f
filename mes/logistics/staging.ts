// Staging at the line (SAP EWM's production supply: a warehouse task per component brings it to the production
// supply area of the work unit). In the caller's transaction: the requests of a job, one per BOM component of its
// operation with what the BOM still needs; the WMS's confirmations, partial or complete, each applied once by its
// confirmationId, with the lot that arrived (it keeps its identity and now stands at the supply location); a
// cancellation; and what is still missing before the job may start. Every change takes the next change sequence,
// which is the WMS feeder's durable feed (requestsAfter).
import type { Tx } from '../store/store'
import { num } from '../store/store'
import { appendAudit } from '../audit-trail'
import { loadJob, type JobRow } from '../repo'
import { TERMINAL_STATES } from '../job-state-machine'
import { MaterialRefusedError, NotFoundError } from '../errors'
import { componentsOf } from '../materials/consumption'
import type { Component } from '../materials/bom-compliance'
import { loadLot } from '../materials/rows'
import { loadStaging, nextChangeSeq, stagingIdOf, stagingOfJob } from './rows'
import type { StagingCancelInput, StagingConfirmationInput, StagingRequest } from './types'

const EPS = 1e-9

/** The BOM components of the job's operation: those of its sequence, and those naming none on the first operation. */
export async function componentsOfJob (tx: Tx, job: JobRow): Promise<Component[]> {
  const first = num((await tx.get('SELECT MIN(sequence) AS s FROM operations WHERE order_number = ?', [job.orderNumber]))?.s)
  return (await componentsOf(tx, job.orderNumber, 0)).filter((k) =>
    k.operationSequence === job.sequence || (k.operationSequence === null && job.sequence === first))
}

export interface StagingWrite { requests: StagingRequest[], changed: StagingRequest[] }

/**
 * The job's requests: one per component still needed (a component fully consumed already needs no staging). Asking
 * again returns those made; a cancelled one of a job still open is requested again (a new task: the WMS hears it
 * as a change), keeping what had arrived.
 */
export async function requestStagingTx (tx: Tx, jobId: string, location: string, who: string, at: string): Promise<StagingWrite> {
  const job = await loadJob(tx, jobId, true)
  if (job === undefined) throw new NotFoundError('job', jobId)
  if (TERMINAL_STATES.includes(job.state)) {
    throw new MaterialRefusedError('job-ended', `staging of job ${jobId}`, `job ${jobId} is ${job.state}; its material is no longer staged`)
  }
  // The job's requests locked before the change sequence is taken (every writer takes the sequence last: no deadlock).
  await tx.all('SELECT request_id FROM staging_requests WHERE job_id = ? ORDER BY request_id' + tx.forUpdate, [jobId])
  const changed: StagingRequest[] = []
  for (const k of await componentsOfJob(tx, job)) {
    const requestId = stagingIdOf(jobId, k.item)
    const known = await loadStaging(tx, requestId, true)
    if (known !== undefined) {
      if (known.status === 'cancelled') {
        const status = known.stagedQuantity > EPS ? 'partial' : 'requested'
        await tx.run('UPDATE staging_requests SET status = ?, task_ref = NULL, attempt = attempt + 1, change_seq = ?, updated_at = ? WHERE request_id = ?',
          [status, await nextChangeSeq(tx), at, requestId])
        await appendAudit(tx, { who, at, entity: 'StagingRequest', entityId: requestId, action: 'request-again', oldValue: { status: 'cancelled' }, newValue: { status } })
        changed.push((await loadStaging(tx, requestId))!)
      }
      continue
    }
    const quantity = k.quantity - k.consumed
    if (quantity <= EPS) continue
    await tx.run(`INSERT INTO staging_requests (request_id, job_id, order_number, sequence, work_unit, location, item, material,
      quantity, unit, staged_quantity, status, change_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'requested', ?, ?, ?)`,
    [requestId, jobId, job.orderNumber, job.sequence, job.workUnit, location, k.item, k.material, quantity, k.unit, await nextChangeSeq(tx), at, at])
    await appendAudit(tx, {
      who, at, entity: 'StagingRequest', entityId: requestId, action: 'request',
      newValue: { jobId, item: k.item, material: k.material, quantity, unit: k.unit, location }
    })
    changed.push((await loadStaging(tx, requestId))!)
  }
  return { requests: await stagingOfJob(tx, jobId), changed }
}

/** A confirmation applied once: the quantity (and lot) that arrived; staged when all arrived or the WMS says final. */
export async function confirmStagingTx (tx: Tx, c: StagingConfirmationInput, at: string): Promise<{ request: StagingRequest, duplicate: boolean }> {
  const subject = `staging confirmation ${c.confirmationId} of request ${c.requestId}`
  const request = await loadStaging(tx, c.requestId, true)
  if (request === undefined) throw new NotFoundError('staging request', c.requestId)
  const prior = await tx.get('SELECT request_id FROM staging_confirmations WHERE confirmation_id = ?', [c.confirmationId])
  if (prior !== undefined) {
    if (String(prior.request_id) !== c.requestId) {
      throw new MaterialRefusedError('confirmation-reused', subject, `confirmation ${c.confirmationId} was already applied to request ${String(prior.request_id)}`)
    }
    return { request, duplicate: true }
  }
  if (request.status === 'cancelled') throw new MaterialRefusedError('request-cancelled', subject, `staging request ${c.requestId} is cancelled`)
  if (c.lotId !== undefined) {
    const lot = await loadLot(tx, c.lotId, true)
    if (lot === undefined) throw new NotFoundError('lot', c.lotId)
    if (lot.material !== request.material) {
      throw new MaterialRefusedError('wrong-material', subject,
        `lot ${c.lotId} is of material ${lot.material}, staging request ${c.requestId} asks for material ${request.material}`)
    }
    if (lot.unit !== request.unit) {
      throw new MaterialRefusedError('unit-mismatch', subject, `lot ${c.lotId} is in ${lot.unit}, staging request ${c.requestId} in ${request.unit}`)
    }
    // The lot arrived at the line with its identity: it now stands at the work unit's supply location.
    await tx.run('UPDATE material_lots SET location = ?, updated_at = ? WHERE lot_id = ?', [request.location, at, c.lotId])
  }
  const staged = request.stagedQuantity + c.quantity
  const status = c.final === true || staged >= request.quantity - EPS ? 'staged' : staged > EPS ? 'partial' : request.status
  await tx.run(`INSERT INTO staging_confirmations (confirmation_id, request_id, lot_id, quantity, final, who, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [c.confirmationId, c.requestId, c.lotId ?? null, c.quantity, c.final === true ? 1 : 0, c.who, at])
  await tx.run(`UPDATE staging_requests SET staged_quantity = ?, status = ?, task_ref = COALESCE(?, task_ref), change_seq = ?, updated_at = ?
    WHERE request_id = ?`, [staged, status, c.taskRef ?? null, await nextChangeSeq(tx), at, c.requestId])
  await appendAudit(tx, {
    who: c.who, at, entity: 'StagingRequest', entityId: c.requestId, action: 'confirm-staging',
    oldValue: { stagedQuantity: request.stagedQuantity, status: request.status },
    newValue: { confirmationId: c.confirmationId, quantity: c.quantity, stagedQuantity: staged, status, ...(c.lotId !== undefined ? { lotId: c.lotId, location: request.location } : {}) }
  })
  return { request: (await loadStaging(tx, c.requestId))!, duplicate: false }
}

/** Cancels a request not yet staged; a cancelled one again answers it unchanged. */
export async function cancelStagingTx (tx: Tx, c: StagingCancelInput, at: string): Promise<{ request: StagingRequest, changed: boolean }> {
  const request = await loadStaging(tx, c.requestId, true)
  if (request === undefined) throw new NotFoundError('staging request', c.requestId)
  if (request.status === 'cancelled') return { request, changed: false }
  if (request.status === 'staged') {
    throw new MaterialRefusedError('already-staged', `cancel of staging request ${c.requestId}`, `staging request ${c.requestId} is staged: its material is at the line`)
  }
  await tx.run(`UPDATE staging_requests SET status = 'cancelled', task_ref = COALESCE(?, task_ref), change_seq = ?, updated_at = ? WHERE request_id = ?`,
    [c.taskRef ?? null, await nextChangeSeq(tx), at, c.requestId])
  await appendAudit(tx, { who: c.who, at, entity: 'StagingRequest', entityId: c.requestId, action: 'cancel-staging', why: c.why, oldValue: { status: request.status }, newValue: { status: 'cancelled' } })
  return { request: (await loadStaging(tx, c.requestId))!, changed: true }
}

/** Open requests of jobs that have ended (aborted, completed): cancelled, so that the WMS stops bringing material. */
export async function cancelRequestsOfEndedJobs (tx: Tx, at: string, jobId?: string): Promise<StagingRequest[]> {
  const rows = await tx.all(`SELECT r.request_id, j.state FROM staging_requests r JOIN job_orders j ON j.job_id = r.job_id
    WHERE r.status IN ('requested', 'partial') AND j.state IN (${TERMINAL_STATES.map(() => '?').join(', ')})` + (jobId !== undefined ? ' AND r.job_id = ?' : ''),
  [...TERMINAL_STATES, ...(jobId !== undefined ? [jobId] : [])])
  for (const r of rows) await loadStaging(tx, String(r.request_id), true) // all locked before the sequence is taken
  const out: StagingRequest[] = []
  for (const r of rows) {
    const done = await cancelStagingTx(tx, { requestId: String(r.request_id), who: 'mes', why: `job ${String(r.state).toLowerCase()}` }, at)
    if (done.changed) out.push(done.request)
  }
  return out
}

/** What keeps the job from starting when its material must be staged: each component not staged, with its request. */
export async function missingStaging (tx: Tx, job: JobRow): Promise<string[]> {
  const missing: string[] = []
  for (const k of await componentsOfJob(tx, job)) {
    const r = await loadStaging(tx, stagingIdOf(job.jobId, k.item))
    if (r === undefined) {
      if (k.quantity - k.consumed > EPS) missing.push(`material ${k.material}: ${k.quantity - k.consumed} ${k.unit}, no staging request`)
    } else if (r.status !== 'staged') {
      missing.push(`material ${r.material}: ${Math.max(0, r.quantity - r.stagedQuantity)} ${r.unit} of ${r.quantity} not staged (request ${r.requestId}, ${r.status})`)
    }
  }
  return missing
}
