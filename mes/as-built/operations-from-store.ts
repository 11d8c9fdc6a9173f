// The operations part of an as-built record, read from the store: each job that made a node of the genealogy, with
// its actual times, operators, signatures (audit trail), the material it moved into or out of the genealogy and
// the process values captured while it ran (mes/process-values.ts); and the holds of the record's lots and jobs.
import type { Tx } from '../store/store'
import { num, numOrNull, str, strOrNull } from '../store/store'
import type { JobState, SignatureRecord } from '../model/types'
import type { MaterialActual } from '../materials/types'
import type { GenealogyNode, HoldRecord, MaterialMovement, OperationRecord, OperationSignature, ProcessValue } from './as-built-record'
import { allIn } from './genealogy-from-store'

/** Lot statuses that restrict a lot: a change to one starts a hold, a change back to released ends it. */
const RESTRICTED = new Set(['quarantined', 'on-hold', 'blocked', 'expired'])

const movement = (a: MaterialActual): MaterialMovement => ({
  nodeId: a.node.id, quantity: { value: a.quantity, unit: a.unit }, at: a.at, operator: a.who
})

/** The jobs that consumed into or produced a node of the genealogy, in the order of their first movement. */
export async function operationsOf (tx: Tx, actuals: MaterialActual[], nodes: Map<string, GenealogyNode>): Promise<OperationRecord[]> {
  // A job is part of the record when it produced a node of it; its consumptions then are that node's inputs.
  const jobIds = [...new Set(actuals.filter((a) => a.direction === 'produced' && nodes.has(a.node.id)).map((a) => a.jobId))]
  if (jobIds.length === 0) return []
  const jobs = new Map((await allIn(tx, `SELECT j.*, o.description AS op_description FROM job_orders j
    JOIN operations o ON o.order_number = j.order_number AND o.sequence = j.sequence WHERE j.job_id IN (%s)`, jobIds))
    .map((r) => [str(r.job_id), r]))
  const operators = new Map<string, string[]>()
  for (const r of await allIn(tx, 'SELECT job_id, who FROM job_events WHERE job_id IN (%s) ORDER BY job_id, seq', jobIds)) {
    const list = operators.get(str(r.job_id)) ?? []
    if (!list.includes(str(r.who))) list.push(str(r.who))
    operators.set(str(r.job_id), list)
  }
  const signatures = new Map<string, OperationSignature[]>()
  const sign = (jobId: string, s: OperationSignature): void => {
    const list = signatures.get(jobId) ?? []
    list.push(s)
    signatures.set(jobId, list)
  }
  for (const r of await allIn(tx, `SELECT entity_id, action, signature FROM audit_trail
    WHERE entity = 'JobOrder' AND signature IS NOT NULL AND entity_id IN (%s) ORDER BY seq`, jobIds)) {
    sign(str(r.entity_id), { ...JSON.parse(str(r.signature)) as SignatureRecord, event: str(r.action) })
  }
  for (const a of actuals) if (a.override !== null && jobs.has(a.jobId)) sign(a.jobId, { ...a.override.signature, event: 'consume-override' })
  const values = await processValuesOf(tx, jobIds)
  const byJob = new Map<string, MaterialActual[]>()
  for (const a of actuals) {
    if (!nodes.has(a.node.id)) continue
    const list = byJob.get(a.jobId)
    if (list === undefined) byJob.set(a.jobId, [a])
    else list.push(a)
  }
  const ops: OperationRecord[] = []
  for (const jobId of jobIds) {
    const j = jobs.get(jobId)
    if (j === undefined) continue
    const mine = byJob.get(jobId) ?? []
    const name = strOrNull(j.op_description)
    ops.push({
      jobId,
      orderNumber: str(j.order_number),
      sequence: num(j.sequence),
      ...(name !== null ? { name } : {}),
      workCenter: str(j.work_center),
      workUnit: str(j.work_unit),
      state: str(j.state) as JobState,
      startedAt: strOrNull(j.started_at),
      endedAt: strOrNull(j.ended_at),
      operators: operators.get(jobId) ?? [],
      good: num(j.good_qty),
      scrap: num(j.scrap_qty),
      rework: num(j.rework_qty),
      signatures: (signatures.get(jobId) ?? []).sort((a, b) => a.at < b.at ? -1 : a.at > b.at ? 1 : 0),
      consumed: mine.filter((a) => a.direction === 'consumed').map(movement),
      produced: mine.filter((a) => a.direction === 'produced').map(movement),
      processValues: values.get(jobId) ?? []
    })
  }
  return ops
}

async function processValuesOf (tx: Tx, jobIds: string[]): Promise<Map<string, ProcessValue[]>> {
  const out = new Map<string, ProcessValue[]>()
  for (const r of await allIn(tx, 'SELECT * FROM job_process_values WHERE job_id IN (%s) ORDER BY job_id, name', jobIds)) {
    const samples = num(r.samples)
    const unit = strOrNull(r.unit)
    const list = out.get(str(r.job_id)) ?? []
    list.push({
      name: str(r.name),
      topic: str(r.topic),
      ...(unit !== null ? { unit } : {}),
      atStart: numOrNull(r.at_start),
      atComplete: numOrNull(r.at_complete),
      min: numOrNull(r.min_value),
      max: numOrNull(r.max_value),
      mean: samples > 0 ? num(r.sum_value) / samples : null,
      samples
    })
    out.set(str(r.job_id), list)
  }
  return out
}

/**
 * Holds from the audit trail: a lot received restricted or changed to a restricted status, until it is released;
 * a sublot split off a restricted lot, which it is born as (its own audit record is its parent's split); a job held
 * (job event hold) until its release.
 */
export async function holdsOf (tx: Tx, lotIds: string[], jobIds: string[]): Promise<HoldRecord[]> {
  const holds: HoldRecord[] = []
  const open = new Map<string, HoldRecord[]>()
  const inRecord = new Set(lotIds)
  for (const r of await allIn(tx, `SELECT entity_id, action, who, at, why, new_value FROM audit_trail
    WHERE entity = 'MaterialLot' AND action IN ('receive', 'status', 'split') AND entity_id IN (%s) ORDER BY seq`, lotIds)) {
    const lotId = str(r.entity_id)
    if (r.action === 'split') {
      // new_value.sublots: '<lotId> <quantity>' each (mes/materials/split-merge.ts).
      const sublots = ((JSON.parse(str(r.new_value)) as { sublots?: string[] }).sublots ?? []).map((e) => e.slice(0, e.lastIndexOf(' ')))
      const parent = open.get(lotId)?.at(-1)
      if (parent === undefined) continue
      for (const id of sublots.filter((x) => inRecord.has(x))) {
        const h: HoldRecord = { target: { kind: 'lot', id }, status: parent.status, reason: `split off lot ${lotId} while ${parent.status}: ${parent.reason}`, by: str(r.who), at: str(r.at) }
        holds.push(h)
        open.set(id, [h])
      }
      continue
    }
    const status = str((JSON.parse(str(r.new_value)) as { status?: string }).status)
    if (status === 'released') {
      for (const h of open.get(lotId) ?? []) Object.assign(h, { releasedBy: str(r.who), releasedAt: str(r.at) })
      open.delete(lotId)
    } else if (RESTRICTED.has(status)) {
      const h: HoldRecord = { target: { kind: 'lot', id: lotId }, status, reason: strOrNull(r.why) ?? `${r.action === 'receive' ? 'received' : 'set'} ${status}`, by: str(r.who), at: str(r.at) }
      holds.push(h)
      open.set(lotId, [...(open.get(lotId) ?? []), h])
    }
  }
  const held = new Map<string, HoldRecord>()
  for (const r of await allIn(tx, `SELECT job_id, event, who, at, why FROM job_events WHERE event IN ('hold', 'release')
    AND job_id IN (%s) ORDER BY job_id, seq`, jobIds)) {
    const jobId = str(r.job_id)
    if (str(r.event) === 'hold') {
      const h: HoldRecord = { target: { kind: 'job', id: jobId }, status: 'Interrupted.Held', reason: strOrNull(r.why) ?? 'held', by: str(r.who), at: str(r.at) }
      holds.push(h)
      held.set(jobId, h)
    } else {
      const h = held.get(jobId)
      if (h !== undefined) Object.assign(h, { releasedBy: str(r.who), releasedAt: str(r.at) })
      held.delete(jobId)
    }
  }
  return holds
}
