// Quality rows as the service answers them, and the loaders the commands share.
import type { Tx } from '../store/store'
import { num, numOrNull, str, strOrNull } from '../store/store'
import type { Characteristic, InspectionLot, InspectionResult, Nonconformance } from './types'

export function inspectionLotFromRow (r: Record<string, unknown>): InspectionLot {
  return {
    inspectionLot: str(r.inspection_lot),
    orderNumber: str(r.order_number),
    lotId: strOrNull(r.lot_id),
    status: str(r.status) as InspectionLot['status'],
    usageDecision: r.ud_code === null || r.ud_code === undefined
      ? null
      : { code: str(r.ud_code) as 'accept', who: str(r.ud_by), at: str(r.ud_at), why: strOrNull(r.ud_why) },
    createdBy: str(r.created_by),
    createdAt: str(r.created_at)
  }
}

export function characteristicFromRow (r: Record<string, unknown>): Characteristic {
  return {
    inspectionLot: str(r.inspection_lot),
    orderNumber: str(r.order_number),
    sequence: num(r.sequence),
    characteristic: str(r.characteristic),
    kind: str(r.kind) as Characteristic['kind'],
    description: strOrNull(r.description),
    unit: strOrNull(r.unit),
    lowerLimit: numOrNull(r.lower_limit),
    upperLimit: numOrNull(r.upper_limit),
    target: numOrNull(r.target),
    defectCode: strOrNull(r.defect_code)
  }
}

export function resultFromRow (r: Record<string, unknown>): InspectionResult {
  return {
    id: num(r.id),
    resultId: strOrNull(r.result_id),
    inspectionLot: str(r.inspection_lot),
    orderNumber: str(r.order_number),
    sequence: num(r.sequence),
    jobId: strOrNull(r.job_id),
    characteristic: str(r.characteristic),
    value: numOrNull(r.value),
    unit: strOrNull(r.unit),
    attribute: strOrNull(r.attribute) as InspectionResult['attribute'],
    evaluation: str(r.evaluation) as InspectionResult['evaluation'],
    lotId: strOrNull(r.lot_id),
    serial: strOrNull(r.serial),
    equipment: strOrNull(r.equipment),
    who: str(r.who),
    at: str(r.at),
    ncId: strOrNull(r.nc_id)
  }
}

export function nonconformanceFromRow (r: Record<string, unknown>): Nonconformance {
  return {
    ncId: str(r.nc_id),
    status: str(r.status) as Nonconformance['status'],
    source: str(r.source) as Nonconformance['source'],
    resultId: numOrNull(r.result_id),
    lotId: strOrNull(r.lot_id),
    serial: strOrNull(r.serial),
    orderNumber: strOrNull(r.order_number),
    sequence: numOrNull(r.sequence),
    jobId: strOrNull(r.job_id),
    quantity: num(r.quantity),
    unit: strOrNull(r.unit),
    defectCode: str(r.defect_code),
    description: str(r.description),
    holdId: strOrNull(r.hold_id),
    reportedBy: str(r.reported_by),
    reportedAt: str(r.reported_at),
    disposition: strOrNull(r.disposition) as Nonconformance['disposition'],
    dispositionBy: strOrNull(r.disposition_by),
    dispositionAt: strOrNull(r.disposition_at),
    dispositionWhy: strOrNull(r.disposition_why),
    qmsReference: strOrNull(r.qms_reference)
  }
}

export async function loadInspectionLot (tx: Tx, inspectionLot: string, lock = false): Promise<InspectionLot | undefined> {
  const r = await tx.get('SELECT * FROM inspection_lots WHERE inspection_lot = ?' + (lock ? tx.forUpdate : ''), [inspectionLot])
  return r === undefined ? undefined : inspectionLotFromRow(r)
}

export async function loadNonconformance (tx: Tx, ncId: string, lock = false): Promise<Nonconformance | undefined> {
  const r = await tx.get('SELECT * FROM nonconformances WHERE nc_id = ?' + (lock ? tx.forUpdate : ''), [ncId])
  return r === undefined ? undefined : nonconformanceFromRow(r)
}

export async function characteristicsOf (tx: Tx, orderNumber: string, sequence: number): Promise<Characteristic[]> {
  return (await tx.all('SELECT * FROM inspection_characteristics WHERE order_number = ? AND sequence = ? ORDER BY characteristic, inspection_lot',
    [orderNumber, sequence])).map(characteristicFromRow)
}

/**
 * The next change sequence of nonconformances. The counter row is locked (PostgreSQL) or the transaction already
 * serialized (SQLite), so sequences are handed out in commit order: a feeder never skips one committed later.
 */
export async function nextNonconformanceChange (tx: Tx): Promise<number> {
  const r = await tx.get(`UPDATE quality_counters SET last = last + 1 WHERE name = 'nonconformance-change' RETURNING last`)
  return num(r!.last)
}
