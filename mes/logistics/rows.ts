// Rows of the logistics tables (migration 014) as the types of mes/logistics/types.ts, and the change sequence that
// every insert or update of a request takes, in the writer's transaction.
import type { Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import type { PutAwayRequest, StagedLot, StagingRequest } from './types'

/** The next change sequence: the single row is locked by the update, so writers take numbers in commit order. */
export async function nextChangeSeq (tx: Tx): Promise<number> {
  await tx.run('UPDATE logistics_seq SET last_seq = last_seq + 1 WHERE id = 1')
  return num((await tx.get('SELECT last_seq FROM logistics_seq WHERE id = 1'))!.last_seq)
}

export async function loadStaging (tx: Tx, requestId: string, lock = false): Promise<StagingRequest | undefined> {
  const r = await tx.get('SELECT * FROM staging_requests WHERE request_id = ?' + (lock ? tx.forUpdate : ''), [requestId])
  return r === undefined ? undefined : stagingFromRow(r, await stagedLots(tx, requestId))
}

export async function stagingOfJob (tx: Tx, jobId: string): Promise<StagingRequest[]> {
  const rows = await tx.all('SELECT * FROM staging_requests WHERE job_id = ? ORDER BY item', [jobId])
  const out: StagingRequest[] = []
  for (const r of rows) out.push(stagingFromRow(r, await stagedLots(tx, str(r.request_id))))
  return out
}

/** The lots that arrived against a request, each once with what arrived of it, in the order they first came. */
async function stagedLots (tx: Tx, requestId: string): Promise<StagedLot[]> {
  const rows = await tx.all(`SELECT lot_id, SUM(quantity) AS q, MIN(at) AS first_at FROM staging_confirmations
    WHERE request_id = ? AND lot_id IS NOT NULL GROUP BY lot_id ORDER BY first_at, lot_id`, [requestId])
  return rows.map((r) => ({ lotId: str(r.lot_id), quantity: num(r.q) }))
}

export function stagingFromRow (r: Record<string, unknown>, lots: StagedLot[]): StagingRequest {
  return {
    requestId: str(r.request_id),
    jobId: str(r.job_id),
    orderNumber: str(r.order_number),
    sequence: num(r.sequence),
    workUnit: str(r.work_unit),
    location: str(r.location),
    item: num(r.item),
    material: str(r.material),
    quantity: num(r.quantity),
    unit: str(r.unit),
    stagedQuantity: num(r.staged_quantity),
    status: str(r.status) as StagingRequest['status'],
    attempt: r.attempt === undefined || r.attempt === null ? 1 : num(r.attempt),
    taskRef: strOrNull(r.task_ref),
    lots,
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at)
  }
}

export async function loadPutAway (tx: Tx, requestId: string, lock = false): Promise<PutAwayRequest | undefined> {
  const r = await tx.get('SELECT * FROM put_away_requests WHERE request_id = ?' + (lock ? tx.forUpdate : ''), [requestId])
  return r === undefined ? undefined : putAwayFromRow(r)
}

export function putAwayFromRow (r: Record<string, unknown>): PutAwayRequest {
  return {
    requestId: str(r.request_id),
    lotId: str(r.lot_id),
    material: str(r.material),
    quantity: num(r.quantity),
    unit: str(r.unit),
    fromLocation: str(r.from_location),
    status: str(r.status) as PutAwayRequest['status'],
    location: strOrNull(r.location),
    taskRef: strOrNull(r.task_ref),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at)
  }
}

export const putAwayIdOf = (lotId: string): string => `putaway/${lotId}`
export const stagingIdOf = (jobId: string, item: number): string => `${jobId}/${item}`
