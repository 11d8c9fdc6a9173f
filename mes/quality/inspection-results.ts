// Recording an inspection result: where it was measured (a job, or an order and operation), against which
// characteristic of the operation's inspection plan, evaluated against its limits. Results are never changed; a
// rejected one opens a nonconformance and holds its lot in the same transaction (nonconformances.ts).
import type { Tx } from '../store/store'
import { NotFoundError, QualityRefusedError } from '../errors'
import { ValidationError } from '../../core/errors'
import { loadJob } from '../repo'
import { loadLot, loadSerial } from '../materials/rows'
import { mayBecome } from './inspection-lot-status'
import { characteristicsOf, loadInspectionLot, loadNonconformance, resultFromRow } from './rows'
import { openNonconformanceTx, RaceLost } from './nonconformances'
import type { Characteristic, InspectionLot, InspectionResult, InspectionResultInput, Nonconformance } from './types'

export interface RecordedResult { result: InspectionResult, nonconformance: Nonconformance | null, duplicate: boolean }

/**
 * SAP QM's valuation of a single measured value: inside the tolerance when lower limit <= value <= upper limit,
 * the limits themselves inside (a value on a limit is accepted); a missing limit is no bound on that side.
 */
export function evaluate (c: Characteristic, r: { value?: number, attribute?: 'accepted' | 'rejected' }): 'accepted' | 'rejected' {
  if (c.kind === 'qualitative') return r.attribute!
  const v = r.value!
  return (c.lowerLimit === null || v >= c.lowerLimit) && (c.upperLimit === null || v <= c.upperLimit) ? 'accepted' : 'rejected'
}

async function placeOf (tx: Tx, r: InspectionResultInput): Promise<{ orderNumber: string, sequence: number, jobId: string | null }> {
  if (r.jobId === undefined) return { orderNumber: r.orderNumber!, sequence: r.sequence!, jobId: null }
  const job = await loadJob(tx, r.jobId)
  if (job === undefined) throw new NotFoundError('job', r.jobId)
  const problems = [
    ...(r.orderNumber !== undefined && r.orderNumber !== job.orderNumber ? [{ path: '/orderNumber', message: `job ${job.jobId} is of order ${job.orderNumber}, not ${r.orderNumber}` }] : []),
    ...(r.sequence !== undefined && r.sequence !== job.sequence ? [{ path: '/sequence', message: `job ${job.jobId} is operation ${job.sequence}, not ${r.sequence}` }] : [])
  ]
  if (problems.length > 0) throw new ValidationError('inspection result', problems, 'leave orderNumber and sequence out: the job names them')
  return { orderNumber: job.orderNumber, sequence: job.sequence, jobId: job.jobId }
}

/** The result's characteristic, in the inspection lot it is recorded for: an undecided one, that of its lot first. */
async function characteristicFor (tx: Tx, r: InspectionResultInput, orderNumber: string, sequence: number): Promise<{ c: Characteristic, lot: InspectionLot }> {
  const all = await characteristicsOf(tx, orderNumber, sequence)
  const named = all.filter((c) => c.characteristic === r.characteristic)
  if (named.length === 0) {
    const known = [...new Set(all.map((c) => c.characteristic))]
    throw new QualityRefusedError('unknown-characteristic', `order ${orderNumber}/op ${sequence}`,
      `operation ${sequence} of order ${orderNumber} has no characteristic ${r.characteristic} (` +
        (known.length > 0 ? `its characteristics: ${known.join(', ')}` : 'no inspection plan names this operation') + ')',
      'nothing was recorded; record against a characteristic of the operation\'s inspection plan')
  }
  const pairs = await Promise.all(named.map(async (c) => ({ c, lot: (await loadInspectionLot(tx, c.inspectionLot, true))! })))
  const open = pairs.filter((p) => p.lot.status !== 'decided')
  if (open.length === 0) {
    const { lot } = pairs[0]!
    const ud = lot.usageDecision!
    throw new QualityRefusedError('inspection-lot-decided', `inspection lot ${lot.inspectionLot}`,
      `inspection lot ${lot.inspectionLot} of order ${orderNumber} has its usage decision (${ud.code} by ${ud.who} at ${ud.at}); it takes no more results`,
      'nothing was recorded; as in SAP QM, the results of an inspection lot cannot change after its usage decision')
  }
  return open.find((p) => r.lotId !== undefined && p.lot.lotId === r.lotId) ?? open.find((p) => p.lot.lotId === null) ?? open[0]!
}

function checkKind (c: Characteristic, r: InspectionResultInput, subject: string): string | null {
  if (c.kind === 'quantitative') {
    if (r.attribute !== undefined || r.value === undefined) {
      throw new QualityRefusedError('characteristic-kind', subject,
        `characteristic ${c.characteristic} is quantitative: it takes a measured value${c.unit !== null ? ` in ${c.unit}` : ''}, not an attribute`, 'nothing was recorded')
    }
    if (r.unit !== undefined && r.unit !== c.unit) {
      throw new QualityRefusedError('unit-mismatch', subject,
        `characteristic ${c.characteristic} is measured in ${c.unit ?? '(no unit)'}, the result is in ${r.unit}`, 'nothing was recorded; convert the value to the characteristic\'s unit')
    }
    return c.unit
  }
  if (r.value !== undefined || r.unit !== undefined || r.attribute === undefined) {
    throw new QualityRefusedError('characteristic-kind', subject,
      `characteristic ${c.characteristic} is qualitative: it takes an attribute (accepted or rejected), not a value`, 'nothing was recorded')
  }
  return null
}

/** The fields that make a retry the same result. */
function differences (stored: InspectionResult, r: InspectionResultInput): string[] {
  const d: string[] = []
  const cmp = (name: string, given: unknown, kept: unknown): void => { if (given !== undefined && given !== kept) d.push(name) }
  cmp('jobId', r.jobId, stored.jobId)
  cmp('orderNumber', r.orderNumber, stored.orderNumber)
  cmp('sequence', r.sequence, stored.sequence)
  cmp('characteristic', r.characteristic, stored.characteristic)
  cmp('unit', r.unit, stored.unit)
  cmp('at', r.at === undefined ? undefined : new Date(r.at).toISOString(), stored.at)
  for (const [k, v] of [['value', r.value], ['attribute', r.attribute], ['lotId', r.lotId], ['serial', r.serial], ['equipment', r.equipment]] as const) {
    if ((v ?? null) !== stored[k]) d.push(k)
  }
  return d
}

export async function recordResultTx (tx: Tx, r: InspectionResultInput, at: string): Promise<RecordedResult> {
  if (r.resultId !== undefined) {
    const row = await tx.get('SELECT * FROM inspection_results WHERE result_id = ?', [r.resultId])
    if (row !== undefined) {
      const stored = resultFromRow(row)
      const d = differences(stored, r)
      if (d.length > 0) {
        throw new QualityRefusedError('result-id', `inspection result ${r.resultId}`,
          `result ${r.resultId} was recorded already with other ${d.join(', ')}`, 'a resultId names one result: send a new resultId for another measurement')
      }
      return { result: stored, nonconformance: stored.ncId === null ? null : (await loadNonconformance(tx, stored.ncId)) ?? null, duplicate: true }
    }
  }
  const place = await placeOf(tx, r)
  const subject = `order ${place.orderNumber}/op ${place.sequence}`
  const { c, lot } = await characteristicFor(tx, r, place.orderNumber, place.sequence)
  const unit = checkKind(c, r, subject)
  const material = r.lotId === undefined ? undefined : await loadLot(tx, r.lotId)
  if (r.lotId !== undefined && material === undefined) throw new NotFoundError('lot', r.lotId)
  if (r.serial !== undefined && await loadSerial(tx, r.serial) === undefined) throw new NotFoundError('serial', r.serial)
  const evaluation = evaluate(c, r)
  const measuredAt = r.at === undefined ? at : new Date(r.at).toISOString()
  const row = await tx.get(`INSERT INTO inspection_results (result_id, inspection_lot, order_number, sequence, job_id, characteristic, value, unit,
    attribute, evaluation, lot_id, serial, equipment, who, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (result_id) DO NOTHING RETURNING *`,
  [r.resultId ?? null, lot.inspectionLot, place.orderNumber, place.sequence, place.jobId, c.characteristic, r.value ?? null, unit,
    r.attribute ?? null, evaluation, r.lotId ?? null, r.serial ?? null, r.equipment ?? null, r.who, measuredAt])
  if (row === undefined) throw new RaceLost()
  let result = resultFromRow(row)
  if (lot.status === 'created' && mayBecome(lot.status, 'results-recorded')) {
    await tx.run(`UPDATE inspection_lots SET status = 'results-recorded', updated_at = ? WHERE inspection_lot = ?`, [at, lot.inspectionLot])
  }
  if (evaluation === 'accepted') return { result, nonconformance: null, duplicate: false }

  // Rejected: a nonconformance about what was measured (its lot, else the inspection lot's), holding it.
  const lotId = r.lotId ?? lot.lotId
  const held = lotId === null ? undefined : material ?? await loadLot(tx, lotId)
  const measured = c.kind === 'quantitative'
    ? `${r.value!}${unit !== null ? ` ${unit}` : ''} outside ${c.lowerLimit ?? '-'}..${c.upperLimit ?? '-'}`
    : 'attribute rejected'
  const { nonconformance } = await openNonconformanceTx(tx, {
    source: 'result', resultId: result.id, lotId, serial: r.serial ?? null, orderNumber: place.orderNumber, sequence: place.sequence,
    jobId: place.jobId, quantity: held !== undefined ? held.quantity : 1, unit: held !== undefined ? held.unit : null,
    defectCode: c.defectCode ?? `${c.characteristic}-rejected`,
    description: `characteristic ${c.characteristic}${c.description !== null ? ` (${c.description})` : ''} of ${subject}: ${measured}`,
    who: r.who
  }, at)
  await tx.run('UPDATE inspection_results SET nc_id = ? WHERE id = ?', [nonconformance.ncId, result.id])
  result = { ...result, ncId: nonconformance.ncId }
  return { result, nonconformance, duplicate: false }
}
