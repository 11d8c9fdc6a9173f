// The inspection plan of an order: an inspection lot with its characteristics per operation, created or replaced
// as the QMS sends it (SAP QM: the inspection lot's A_InspectionCharacteristic). The operations must be the
// order's. A characteristic that already has results keeps its definition: results were evaluated against its
// limits, so a change (or leaving it out) is refused, as SAP allows no change of a characteristic once results are
// recorded for it. A decided inspection lot takes no new plan.
import { randomUUID } from 'node:crypto'
import type { Tx } from '../store/store'
import { num } from '../store/store'
import { appendAudit } from '../audit-trail'
import { NotFoundError, QualityRefusedError } from '../errors'
import { ValidationError, type Problem } from '../../core/errors'
import { characteristicFromRow, loadInspectionLot } from './rows'
import type { Characteristic, CharacteristicInput, InspectionLot, InspectionPlanInput } from './types'

/** Problems of the plan itself, each at its JSON path: a limit pair the wrong way round, units and attributes. */
function planProblems (p: InspectionPlanInput): Problem[] {
  const problems: Problem[] = []
  const seenOps = new Set<number>()
  p.operations.forEach((op, i) => {
    if (seenOps.has(op.sequence)) problems.push({ path: `/operations/${i}/sequence`, message: `operation ${op.sequence} is named twice` })
    seenOps.add(op.sequence)
    const seen = new Set<string>()
    op.characteristics.forEach((c, j) => {
      const at = `/operations/${i}/characteristics/${j}`
      if (seen.has(c.characteristic)) problems.push({ path: `${at}/characteristic`, message: `characteristic ${c.characteristic} is named twice at operation ${op.sequence}` })
      seen.add(c.characteristic)
      if (c.kind === 'qualitative' && (c.lowerLimit !== undefined || c.upperLimit !== undefined || c.target !== undefined || c.unit !== undefined)) {
        problems.push({ path: at, message: `qualitative characteristic ${c.characteristic} takes no unit, limits or target (its results are accepted / rejected)` })
      }
      if (c.kind === 'quantitative' && c.unit === undefined) problems.push({ path: `${at}/unit`, message: `quantitative characteristic ${c.characteristic} needs its unit` })
      if (c.lowerLimit !== undefined && c.upperLimit !== undefined && c.lowerLimit > c.upperLimit) {
        problems.push({ path: `${at}/lowerLimit`, message: `lower limit ${c.lowerLimit} is above upper limit ${c.upperLimit}` })
      }
    })
  })
  return problems
}

/** What results were evaluated against: kind, unit and limits (the description and target may change). */
function sameSpec (old: Characteristic, c: CharacteristicInput): boolean {
  return old.kind === c.kind && old.unit === (c.unit ?? null) && old.lowerLimit === (c.lowerLimit ?? null) && old.upperLimit === (c.upperLimit ?? null)
}

const spec = (c: { kind: string, unit?: string | null, lowerLimit?: number | null, upperLimit?: number | null }): string =>
  `${c.kind}${c.unit != null ? ` in ${c.unit}` : ''}, limits ${c.lowerLimit ?? '-'}..${c.upperLimit ?? '-'}`

export async function setInspectionPlanTx (tx: Tx, p: InspectionPlanInput, at: string): Promise<InspectionLot> {
  const problems = planProblems(p)
  if (problems.length > 0) throw new ValidationError('inspection plan', problems)
  const order = await tx.get('SELECT order_number FROM work_orders WHERE order_number = ?', [p.orderNumber])
  if (order === undefined) throw new NotFoundError('work order', p.orderNumber)
  const ops = new Set((await tx.all('SELECT sequence FROM operations WHERE order_number = ?', [p.orderNumber])).map((r) => num(r.sequence)))
  const foreign = p.operations.map((o, i) => ({ o, i })).filter(({ o }) => !ops.has(o.sequence))
  if (foreign.length > 0) {
    throw new ValidationError('inspection plan', foreign.map(({ o, i }) => ({
      path: `/operations/${i}/sequence`, message: `order ${p.orderNumber} has no operation ${o.sequence} (its operations: ${[...ops].sort((a, b) => a - b).join(', ')})`
    })))
  }
  if (p.lotId !== undefined && await tx.get('SELECT lot_id FROM material_lots WHERE lot_id = ?', [p.lotId]) === undefined) {
    throw new NotFoundError('lot', p.lotId)
  }

  const id = p.inspectionLot ?? randomUUID()
  const known = await loadInspectionLot(tx, id, true)
  if (known !== undefined) {
    if (known.orderNumber !== p.orderNumber) {
      throw new QualityRefusedError('plan-order', `inspection lot ${id}`, `inspection lot ${id} belongs to order ${known.orderNumber}, not ${p.orderNumber}`)
    }
    if (known.status === 'decided') {
      throw new QualityRefusedError('inspection-lot-decided', `inspection lot ${id}`,
        `inspection lot ${id} has its usage decision (${known.usageDecision?.code ?? '?'}); its plan cannot change`, 'the plan was not changed')
    }
    await checkKeptCharacteristics(tx, id, p)
    await tx.run('DELETE FROM inspection_characteristics WHERE inspection_lot = ?', [id])
    await tx.run('UPDATE inspection_lots SET lot_id = ?, updated_at = ? WHERE inspection_lot = ?', [p.lotId ?? known.lotId, at, id])
  } else {
    await tx.run(`INSERT INTO inspection_lots (inspection_lot, order_number, lot_id, status, created_by, created_at, updated_at)
      VALUES (?, ?, ?, 'created', ?, ?, ?)`, [id, p.orderNumber, p.lotId ?? null, p.who, at, at])
  }
  for (const op of p.operations) {
    for (const c of op.characteristics) {
      await tx.run(`INSERT INTO inspection_characteristics (inspection_lot, sequence, characteristic, order_number, description, kind, unit,
        lower_limit, upper_limit, target, defect_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, op.sequence, c.characteristic, p.orderNumber, c.description ?? null, c.kind, c.unit ?? null, c.lowerLimit ?? null,
        c.upperLimit ?? null, c.target ?? null, c.defectCode ?? null])
    }
  }
  await appendAudit(tx, {
    who: p.who, at, entity: 'InspectionLot', entityId: id, action: known === undefined ? 'create-plan' : 'replace-plan',
    newValue: { orderNumber: p.orderNumber, lotId: p.lotId ?? known?.lotId ?? null, operations: p.operations }
  })
  return (await loadInspectionLot(tx, id))!
}

/** A characteristic with results stays in the plan, its spec unchanged. */
async function checkKeptCharacteristics (tx: Tx, id: string, p: InspectionPlanInput): Promise<void> {
  const withResults = (await tx.all(`SELECT c.* FROM inspection_characteristics c WHERE c.inspection_lot = ? AND EXISTS (
    SELECT 1 FROM inspection_results r WHERE r.inspection_lot = c.inspection_lot AND r.sequence = c.sequence AND r.characteristic = c.characteristic)`,
  [id])).map(characteristicFromRow)
  const reasons: string[] = []
  for (const old of withResults) {
    const next = p.operations.find((o) => o.sequence === old.sequence)?.characteristics.find((c) => c.characteristic === old.characteristic)
    if (next === undefined) reasons.push(`characteristic ${old.characteristic} of operation ${old.sequence} has results and cannot be removed`)
    else if (!sameSpec(old, next)) {
      reasons.push(`characteristic ${old.characteristic} of operation ${old.sequence} has results evaluated against ${spec(old)}; the plan sends ${spec(next)}`)
    }
  }
  if (reasons.length > 0) {
    throw new QualityRefusedError('characteristic-has-results', `inspection lot ${id}`,
      `plan of inspection lot ${id} refused: ${reasons.join('; ')}`,
      'the plan was not changed; a characteristic with results keeps its limits (record a new inspection lot for new limits)')
  }
}
