// Consumption and production at a running job's operation (ISA-95 material actuals). Each writes, in the caller's
// ONE transaction, the quantity change, the material actual, the genealogy links (consumed -> produced, whichever of
// the two is reported first) and the audit record. A consumption passes the BOM check of bom-compliance.ts or is
// refused with the reason, nothing changed; where the operation allows it, a signed override admits it, marked.
// Either with an eventId is applied once (event-ids.ts).
import type { Tx } from '../store/store'
import { num, str, strOrNull } from '../store/store'
import { appendAudit, auditJson } from '../audit-trail'
import { loadJob, type JobRow } from '../repo'
import { MaterialRefusedError, NotFoundError } from '../errors'
import type { SignatureRecord } from '../model/types'
import type { ConsumeInput, ConsumeResult, GenealogyLink, Lot, MaterialActual, MaterialNode, ProduceInput, ProduceResult, Serial } from './types'
import { actualFromRow, insertLink, loadLot, loadSerial, serialFromRow } from './rows'
import { checkConsumption, type BomDecision, type Component } from './bom-compliance'
import { claimMaterialId, drawFromLot, idInUse, insertLot, requireDefinition } from './lots'
import { DEFAULT_SERIAL_PATTERN, nextSerials } from './serial-pattern'
import { claimEvent, commandHash, recordResult } from './event-ids'

export interface ConsumeContext {
  at: string
  /** Percent over a component's quantity allowed when the component names none. */
  defaultTolerancePct: number
  /**
   * The override's signature, verified before the transaction when the dry run (overrideNeeded) found it needed;
   * null otherwise (no override given, or none needed then).
   */
  overrideSignature: SignatureRecord | null
}

async function runningJob (tx: Tx, jobId: string, action: string, lock = true): Promise<JobRow> {
  const job = await loadJob(tx, jobId, lock)
  if (job === undefined) throw new NotFoundError('job', jobId)
  if (job.state !== 'Running') {
    throw new MaterialRefusedError('job-state', `${action} at job ${jobId}`, `job ${jobId} is ${job.state}; material is ${action}d only while it is Running`)
  }
  return job
}

export async function componentsOf (tx: Tx, orderNumber: string, defaultTolerancePct: number): Promise<Component[]> {
  const consumed = new Map<number, number>()
  for (const r of await tx.all(`SELECT bom_item, SUM(quantity) AS q FROM material_actuals
    WHERE order_number = ? AND direction = 'consumed' AND bom_item IS NOT NULL GROUP BY bom_item`, [orderNumber])) {
    consumed.set(num(r.bom_item), num(r.q))
  }
  return (await tx.all('SELECT * FROM material_requirements WHERE order_number = ? ORDER BY item', [orderNumber])).map((r) => {
    const alternates = strOrNull(r.alternates)
    return {
      item: num(r.item), material: str(r.material), quantity: num(r.quantity), unit: str(r.unit),
      operationSequence: r.operation_seq === null || r.operation_seq === undefined ? null : num(r.operation_seq),
      alternates: alternates === null ? [] : JSON.parse(alternates) as string[],
      tolerancePct: r.tolerance_pct === null || r.tolerance_pct === undefined ? defaultTolerancePct : num(r.tolerance_pct),
      consumed: consumed.get(num(r.item)) ?? 0
    }
  })
}

interface ActualInsert {
  direction: MaterialActual['direction']
  node: MaterialNode
  material: string
  quantity: number
  unit: string
  job: JobRow
  who: string
  at: string
  bomItem: number | null
  override: MaterialActual['override']
  eventId: string | null
}

async function insertActual (tx: Tx, a: ActualInsert): Promise<MaterialActual> {
  const row = await tx.get(`INSERT INTO material_actuals (direction, node_kind, node_id, material, quantity, unit, job_id,
    order_number, sequence, work_unit, who, at, bom_item, override, signature, event_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  [a.direction, a.node.kind, a.node.id, a.material, a.quantity, a.unit, a.job.jobId, a.job.orderNumber, a.job.sequence,
    a.job.workUnit, a.who, a.at, a.bomItem, a.override === null ? null : auditJson(a.override),
    a.override === null ? null : auditJson(a.override.signature), a.eventId])
  return actualFromRow(row!)
}

async function actualsOf (tx: Tx, jobId: string, direction: MaterialActual['direction']): Promise<MaterialActual[]> {
  return (await tx.all('SELECT * FROM material_actuals WHERE job_id = ? AND direction = ? ORDER BY id', [jobId, direction])).map(actualFromRow)
}

function consumptionLink (consumed: MaterialActual, to: MaterialNode, job: JobRow, who: string, at: string): Parameters<typeof insertLink>[1] {
  return {
    type: 'consumption', from: consumed.node, to, quantity: consumed.quantity, unit: consumed.unit, jobId: job.jobId,
    orderNumber: job.orderNumber, sequence: job.sequence, workUnit: job.workUnit, who, at, actualId: consumed.id
  }
}

export async function consume (tx: Tx, input: ConsumeInput, c: ConsumeContext): Promise<ConsumeResult> {
  const subject = `consume ${sourceOf(input)} at job ${input.jobId}`
  // Before the job's state: a retry after the job has ended still gets its first answer.
  if (input.eventId !== undefined) {
    const claim = await claimEvent<ConsumeResult>(tx, 'consume', input.eventId, input.jobId, commandHash(input), c.at, subject)
    if (claim.kind === 'done') return { ...(claim.result ?? await rebuiltConsumption(tx, claim.jobId, input.eventId)), duplicate: true }
  }
  const result = await consumeOnce(tx, input, c, subject)
  if (input.eventId !== undefined) await recordResult(tx, 'consume', input.eventId, result)
  return result
}

/** The answer to a retry of a consumption stored before migration 006 (no stored result): its actual, the lot now. */
async function rebuiltConsumption (tx: Tx, jobId: string, eventId: string): Promise<ConsumeResult> {
  const done = await tx.get(`SELECT * FROM material_actuals WHERE job_id = ? AND event_id = ? AND direction = 'consumed'`, [jobId, eventId])
  const actual = actualFromRow(done!)
  return {
    actual, links: [], duplicate: true,
    ...(actual.node.kind === 'lot' ? { lot: await loadLot(tx, actual.node.id) } : { serial: await loadSerial(tx, actual.node.id) })
  }
}

/** What a consumption is, as the store stands: its job, its lot or serial, and the BOM decision on it. */
interface ConsumptionDecision {
  job: JobRow
  lot: Lot | undefined
  serial: Serial | undefined
  material: string
  unit: string
  quantity: number
  decision: BomDecision
  /** Whether the job's operation allows a signed override (asked only when the refusal is one an override lifts). */
  overrideAllowed: boolean
}

/**
 * The one BOM decision of a consumption: made by its transaction with the job, lot or serial locked (`lock`), and by
 * the service's read-only dry run (overrideNeeded) before it, so that a signature is verified only when it matters.
 */
async function decideConsumption (tx: Tx, input: ConsumeInput, c: Pick<ConsumeContext, 'at' | 'defaultTolerancePct'>,
  lock: boolean): Promise<ConsumptionDecision> {
  const source = sourceOf(input)
  const job = await runningJob(tx, input.jobId, 'consume', lock)
  const lot = input.lotId !== undefined ? await loadLot(tx, input.lotId, lock) : undefined
  const serial = input.serial !== undefined ? await loadSerial(tx, input.serial, lock) : undefined
  if (input.lotId !== undefined && lot === undefined) throw new NotFoundError('lot', input.lotId)
  if (input.serial !== undefined && serial === undefined) throw new NotFoundError('serial', input.serial)
  const material = lot?.material ?? serial!.material
  const unit = lot?.unit ?? (await requireDefinition(tx, material)).unit
  const quantity = lot !== undefined ? (input.quantity ?? lot.quantity) : 1
  // A serial produced into a lot is held and expires with that lot (a recall of the lot recalls its serials); the
  // lot's own quantity running out (consumed) says nothing about its serials.
  const container = serial?.lotId !== null && serial?.lotId !== undefined ? await loadLot(tx, serial.lotId) : undefined
  const byContainer = container !== undefined && serial!.status === 'released' && container.status !== 'released' &&
    container.status !== 'consumed'
  const decision = checkConsumption(await componentsOf(tx, job.orderNumber, c.defaultTolerancePct), {
    material, quantity, unit, sequence: job.sequence, source,
    status: lot !== undefined ? lot.status : byContainer ? container.status : serial!.status,
    statusReason: lot !== undefined ? lot.statusReason : byContainer ? container.statusReason : serial!.statusReason,
    expiresAt: lot !== undefined ? lot.expiresAt : container?.expiresAt ?? null,
    available: lot !== undefined ? lot.quantity : (serial!.status === 'consumed' ? 0 : 1), now: c.at,
    ...(container !== undefined && serial!.status === 'released' ? { statusSource: `lot ${container.lotId} of ${source}` } : {})
  })
  const overrideAllowed = decision.refusal?.overridable === true && await overrideAllowedAt(tx, job)
  return { job, lot, serial, material, unit, quantity, decision, overrideAllowed }
}

/**
 * Whether a consumption, as the store stands, needs its override's signature: the BOM check refuses it for a reason
 * an override lifts, at an operation that allows overrides. Read-only. Anything else needs none, and its transaction
 * answers it: a consumption that passes, one refused for a reason no override lifts (or unknown job, lot, serial), a
 * retry of an eventId already used (answered with its first result, or refused as a conflict).
 */
export async function overrideNeeded (tx: Tx, input: ConsumeInput, c: Pick<ConsumeContext, 'at' | 'defaultTolerancePct'>): Promise<boolean> {
  if (input.eventId !== undefined &&
    await tx.get('SELECT 1 AS x FROM material_events WHERE kind = ? AND event_id = ?', ['consume', input.eventId]) !== undefined) return false
  try {
    return (await decideConsumption(tx, input, c, false)).overrideAllowed
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof MaterialRefusedError) return false
    throw err
  }
}

function sourceOf (input: ConsumeInput): string {
  return input.lotId !== undefined ? `lot ${input.lotId}` : `serial ${input.serial!}`
}

async function consumeOnce (tx: Tx, input: ConsumeInput, c: ConsumeContext, subject: string): Promise<ConsumeResult> {
  // Decided again under the locks: what the dry run saw may have changed since.
  const { job, lot, serial, material, unit, quantity, decision, overrideAllowed } = await decideConsumption(tx, input, c, true)
  let override: MaterialActual['override'] = null
  if (decision.refusal !== null) {
    const r = decision.refusal
    if (!r.overridable) throw new MaterialRefusedError(r.rule, subject, r.reason, 'nothing was consumed')
    if (!overrideAllowed) {
      throw new MaterialRefusedError(r.rule, subject, input.override === undefined
        ? r.reason
        : `${r.reason}; operation ${job.sequence} of order ${job.orderNumber} allows no BOM override`, 'nothing was consumed')
    }
    // No verified signature: none was given, or the dry run found no override needed and the store changed since.
    if (input.override === undefined || c.overrideSignature === null) {
      throw new MaterialRefusedError(r.rule, subject, r.reason,
        'nothing was consumed; operation allows an override signed by someone other than the operator')
    }
    override = { rule: r.rule, refusal: r.reason, reason: input.override.reason, signature: c.overrideSignature }
  }
  const node: MaterialNode = lot !== undefined ? { kind: 'lot', id: lot.lotId } : { kind: 'serial', id: serial!.serial }
  let lotAfter = lot
  let serialAfter: Serial | undefined
  if (lot !== undefined) lotAfter = await drawFromLot(tx, lot, quantity, input.who, c.at)
  else {
    await tx.run(`UPDATE material_serials SET status = 'consumed', status_by = ?, status_at = ?, status_reason = ? WHERE serial = ?`,
      [input.who, c.at, `consumed at job ${job.jobId}`, serial!.serial])
    serialAfter = (await loadSerial(tx, serial!.serial))!
  }
  const actual = await insertActual(tx, {
    direction: 'consumed', node, material, quantity, unit, job, who: input.who, at: c.at, bomItem: decision.item,
    override, eventId: input.eventId ?? null
  })
  const links: GenealogyLink[] = []
  for (const p of await actualsOf(tx, job.jobId, 'produced')) links.push(await insertLink(tx, consumptionLink(actual, p.node, job, input.who, c.at)))
  await appendAudit(tx, {
    who: input.who, at: c.at, entity: node.kind === 'lot' ? 'MaterialLot' : 'MaterialSerial', entityId: node.id,
    action: override === null ? 'consume' : 'consume-override', why: override?.reason ?? null,
    oldValue: lot !== undefined ? { quantity: lot.quantity, status: lot.status } : { status: serial!.status },
    newValue: {
      jobId: job.jobId, orderNumber: job.orderNumber, sequence: job.sequence, workUnit: job.workUnit, quantity, unit,
      bomItem: decision.item, ...(override !== null ? { overrides: override.rule, refusal: override.refusal } : {})
    },
    signature: override?.signature ?? null
  })
  return { actual, links, duplicate: false, ...(lotAfter !== undefined ? { lot: lotAfter } : { serial: serialAfter }) }
}

async function overrideAllowedAt (tx: Tx, job: JobRow): Promise<boolean> {
  const r = await tx.get('SELECT bom_override FROM operations WHERE order_number = ? AND sequence = ?', [job.orderNumber, job.sequence])
  return num(r?.bom_override) === 1
}

export async function produce (tx: Tx, input: ProduceInput, at: string): Promise<ProduceResult> {
  if (input.eventId !== undefined) {
    const claim = await claimEvent<ProduceResult>(tx, 'produce', input.eventId, input.jobId, commandHash(input), at, `produce at job ${input.jobId}`)
    // Every produce claim stores its result (migration 006 carried over consumptions only).
    if (claim.kind === 'done') return { ...claim.result!, duplicate: true }
  }
  const result = await produceOnce(tx, input, at)
  if (input.eventId !== undefined) await recordResult(tx, 'produce', input.eventId, result)
  return result
}

async function produceOnce (tx: Tx, input: ProduceInput, at: string): Promise<ProduceResult> {
  const job = await runningJob(tx, input.jobId, 'produce')
  const def = await requireDefinition(tx, input.material)
  const outputs: Array<{ node: MaterialNode, quantity: number }> = []
  let lot
  const serials: Serial[] = []
  if (input.lotId !== undefined) {
    lot = await insertLot(tx, {
      lotId: input.lotId, material: def.material, quantity: input.quantity!, unit: def.unit, status: 'released',
      statusReason: null, expiresAt: null, parentLot: null, who: input.who, at
    })
    outputs.push({ node: { kind: 'lot', id: lot.lotId }, quantity: lot.quantity })
  } else {
    if (input.intoLot !== undefined && await loadLot(tx, input.intoLot) === undefined) throw new NotFoundError('lot', input.intoLot)
    const numbers = input.serials ?? await nextSerials(tx, def.serialPattern ?? DEFAULT_SERIAL_PATTERN,
      { material: def.material, order: job.orderNumber, at }, input.count!)
    for (const s of numbers) {
      if (await loadSerial(tx, s) !== undefined) {
        throw new MaterialRefusedError('duplicate-serial', `produce at job ${job.jobId}`, `serial ${s} already exists`, 'nothing was produced')
      }
      if (await loadLot(tx, s) !== undefined) throw idInUse(`produce at job ${job.jobId}`, s, 'lot', 'nothing was produced; give the serial another number')
      await claimMaterialId(tx, s, 'serial')
      await tx.run(`INSERT INTO material_serials (serial, material, lot_id, status, status_by, status_at, created_at)
        VALUES (?, ?, ?, 'released', ?, ?, ?)`, [s, def.material, input.intoLot ?? null, input.who, at, at])
      serials.push(serialFromRow((await tx.get('SELECT * FROM material_serials WHERE serial = ?', [s]))!))
      outputs.push({ node: { kind: 'serial', id: s }, quantity: 1 })
    }
  }
  const consumed = await actualsOf(tx, job.jobId, 'consumed')
  const actuals: MaterialActual[] = []
  const links: GenealogyLink[] = []
  for (const o of outputs) {
    actuals.push(await insertActual(tx, {
      direction: 'produced', node: o.node, material: def.material, quantity: o.quantity, unit: def.unit, job,
      who: input.who, at, bomItem: null, override: null, eventId: input.eventId ?? null
    }))
    for (const k of consumed) links.push(await insertLink(tx, consumptionLink(k, o.node, job, input.who, at)))
  }
  await appendAudit(tx, {
    who: input.who, at, entity: 'JobOrder', entityId: job.jobId, action: 'produce',
    newValue: { material: def.material, unit: def.unit, outputs: outputs.map((o) => `${o.node.kind} ${o.node.id} ${o.quantity}`) }
  })
  return { actuals, serials, links, duplicate: false, ...(lot !== undefined ? { lot } : {}) }
}
