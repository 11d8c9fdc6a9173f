// What the quality nodes (inspection result, nonconformance, hold) do, as plain functions over the Mes: each turns a
// message and the node's settings into one command of mes.quality or mes.holds, which validates it
// (schemas/mes/inspection-result.schema.json, nonconformance.schema.json, hold.schema.json). An input the message
// lacks is refused here, naming it and where to put it, before the MES is asked; a refusal is an outcome for the
// node's second output (material-commands.ts refusedOr), a failure of the hub itself throws.
import type { Disposition, Hold, HoldTarget, HoldTargetKind, InspectionLot, InspectionResult, Mes, Nonconformance } from '../mes/service'
import { MesCommandError } from './mes-commands'
import { isBag, refusedOr, text, whoOf, withDefaults, type MaterialOutcome } from './material-commands'

type Bag = Record<string, unknown>

/** The payload without its `who` (the operator is taken apart, by whoOf). */
function body (msg: Bag): Bag {
  const { who: _w, ...p } = isBag(msg.payload) ? msg.payload : {}
  return p
}

/** What came in, as a refusal shows it when no command could be made of it. */
function incoming (msg: Bag): Bag {
  return isBag(msg.payload) ? msg.payload : msg.payload === undefined ? {} : { payload: msg.payload }
}

/**
 * Builds the command (an input missing is refused, naming it) and runs it; either refusal is an outcome whose
 * payload is the command (or, when none could be made, what came in).
 */
export async function commandOutcome<A extends string, T> (msg: Bag, build: () => { action: A, command: Bag },
  run: (action: A, command: Bag) => Promise<T>): Promise<MaterialOutcome<T>> {
  let built: { action: A, command: Bag }
  try {
    built = build()
  } catch (err) {
    if (!(err instanceof MesCommandError)) throw err
    return { ok: false, reason: err.message, code: err.code, command: incoming(msg) }
  }
  return await refusedOr(built.command, async (c) => await run(built.action, c))
}

// ---- inspection result ------------------------------------------------------------------------------------------

export const INSPECTION_ACTIONS = ['record', 'plan'] as const

export interface InspectionSettings {
  action?: string
  characteristic?: string
  unit?: string
  who?: string
}

export type InspectionOutcome =
  | { action: 'record', result: InspectionResult, nonconformance: Nonconformance | null, duplicate: boolean }
  | { action: 'plan', inspectionLot: InspectionLot }

/**
 * record: payload = the result ({ jobId | orderNumber + sequence, characteristic, value + unit | attribute, lotId?,
 * serial?, equipment?, resultId?, at? }), or the measured value (a number) or the attribute ('accepted' / 'rejected')
 * with the rest in msg (jobId, orderNumber, sequence, lotId, serial, equipment, resultId) and the node (characteristic,
 * unit). plan: payload = an inspection plan ({ orderNumber, inspectionLot?, lotId?, operations }), for a site whose
 * plans come from no QMS.
 */
export function inspectionCommand (msg: Bag, node: InspectionSettings, fallback: string): { action: 'record' | 'plan', command: Bag } {
  const action = text(node.action, msg.action) ?? 'record'
  if (!(INSPECTION_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('inspection result', `unknown action '${action}'`, `set the node's Action, or msg.action, to one of ${INSPECTION_ACTIONS.join(', ')}`)
  }
  const who = whoOf(msg, node.who, fallback)
  if (action === 'plan') return { action: 'plan', command: { ...withDefaults(body(msg), msg, ['orderNumber']), who } }
  const p = msg.payload
  const short: Bag = typeof p === 'number' ? { value: p } : p === 'accepted' || p === 'rejected' ? { attribute: p } : {}
  const c = withDefaults(isBag(p) ? body(msg) : short, msg, ['jobId', 'orderNumber', 'sequence', 'lotId', 'serial', 'equipment', 'resultId', 'at'])
  if (c.characteristic === undefined && node.characteristic) c.characteristic = node.characteristic
  if (c.value !== undefined && c.unit === undefined && node.unit) c.unit = node.unit
  if (c.characteristic === undefined) {
    throw new MesCommandError('inspection result', 'a result needs its characteristic',
      "set the node's Characteristic, or put it in msg.payload.characteristic (e.g. '0010')")
  }
  if (c.jobId === undefined && (c.orderNumber === undefined || c.sequence === undefined)) {
    throw new MesCommandError('inspection result', `the result of characteristic ${String(c.characteristic)} names no job, nor order and operation`,
      'put the job in msg.jobId (or msg.payload.jobId), or the order and operation in orderNumber and sequence')
  }
  if (c.value === undefined && c.attribute === undefined) {
    throw new MesCommandError('inspection result', `the result of characteristic ${String(c.characteristic)} has no value nor attribute`,
      "send the measured value as msg.payload (a number), or 'accepted' / 'rejected' for a qualitative characteristic")
  }
  return { action: 'record', command: { ...c, who } }
}

export async function runInspection (mes: Mes, msg: Bag, node: InspectionSettings, fallback: string): Promise<MaterialOutcome<InspectionOutcome>> {
  return await commandOutcome(msg, () => inspectionCommand(msg, node, fallback), async (action, command): Promise<InspectionOutcome> => {
    if (action === 'plan') return { action, inspectionLot: await mes.quality.setInspectionPlan(command) }
    return { action, ...await mes.quality.recordResult(command) }
  })
}

// ---- nonconformance ---------------------------------------------------------------------------------------------

export const NONCONFORMANCE_ACTIONS = ['report', 'disposition'] as const
export const DISPOSITIONS: readonly Disposition[] = ['use-as-is', 'rework', 'scrap', 'return']

export interface NonconformanceSettings {
  action?: string
  disposition?: string
  defectCode?: string
  who?: string
}

export interface NonconformanceOutcome {
  action: 'report' | 'disposition'
  nonconformance: Nonconformance
  duplicate: boolean
}

/**
 * report: payload = the report ({ lotId | serial | orderNumber | jobId, quantity, defectCode, description, ncId? }),
 * the job, lot and defect code also from msg / the node. disposition: the nonconformance in msg.ncId, payload.ncId or
 * payload (its id as text); the disposition from the node, else msg.disposition / payload.disposition; why and
 * reference (the QMS's decision) from msg or payload.
 */
export function nonconformanceCommand (msg: Bag, node: NonconformanceSettings, fallback: string): { action: NonconformanceOutcome['action'], command: Bag } {
  const action = text(node.action, msg.action, msg.topic) ?? 'report'
  if (!(NONCONFORMANCE_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('nonconformance', `unknown action '${action}'`, `set the node's Action, or msg.action / msg.topic, to one of ${NONCONFORMANCE_ACTIONS.join(', ')}`)
  }
  const who = whoOf(msg, node.who, fallback)
  const p = body(msg)
  if (action === 'report') {
    const c = withDefaults(p, msg, ['jobId', 'lotId', 'serial', 'orderNumber', 'sequence', 'quantity', 'unit', 'defectCode', 'description', 'ncId'])
    if (c.defectCode === undefined && node.defectCode) c.defectCode = node.defectCode
    return { action: 'report', command: { ...c, who } }
  }
  const ncId = text(msg.ncId, p.ncId, typeof msg.payload === 'string' ? msg.payload : undefined)
  if (ncId === undefined) {
    throw new MesCommandError('nonconformance', 'a disposition needs the nonconformance',
      'put its id in msg.ncId, msg.payload.ncId or msg.payload (a string): the ncId of the result or report that opened it')
  }
  const disposition = text(node.disposition, msg.disposition, p.disposition)
  if (disposition === undefined) {
    throw new MesCommandError('nonconformance', `the disposition of nonconformance ${ncId} is not given`,
      `choose it in the node, or send msg.disposition: one of ${DISPOSITIONS.join(', ')}`)
  }
  const why = text(msg.why, p.why)
  const reference = text(msg.reference, p.reference)
  return { action: 'disposition', command: { ncId, disposition, who, ...(why !== undefined ? { why } : {}), ...(reference !== undefined ? { reference } : {}) } }
}

export async function runNonconformance (mes: Mes, msg: Bag, node: NonconformanceSettings, fallback: string): Promise<MaterialOutcome<NonconformanceOutcome>> {
  return await commandOutcome(msg, () => nonconformanceCommand(msg, node, fallback), async (action, command): Promise<NonconformanceOutcome> => {
    if (action === 'report') {
      const r = await mes.quality.reportNonconformance(command)
      return { action, nonconformance: r.nonconformance, duplicate: r.duplicate }
    }
    const { ncId, ...decision } = command
    return { action, nonconformance: await mes.quality.disposition(String(ncId), decision), duplicate: false }
  })
}

// ---- hold -------------------------------------------------------------------------------------------------------

export const HOLD_ACTIONS = ['place', 'release', 'list'] as const
const TARGET_KINDS: readonly HoldTargetKind[] = ['lot', 'order', 'work-unit']

export interface HoldSettings {
  action?: string
  targetKind?: string
  targetId?: string
  reason?: string
  who?: string
}

export type HoldOutcome =
  | { action: 'place', hold: Hold, duplicate: boolean }
  | { action: 'release', hold: Hold }
  | { action: 'list', target: HoldTarget, holds: Hold[] }

/** The target: payload.target or msg.target, else a kind (msg, payload, the node) with an id (msg.payload as text, msg.targetId, the node). */
function targetOf (msg: Bag, p: Bag, node: HoldSettings): HoldTarget | undefined {
  if (isBag(p.target)) return p.target as unknown as HoldTarget
  if (isBag(msg.target)) return msg.target as unknown as HoldTarget
  const kind = text(msg.targetKind, p.targetKind, node.targetKind)
  const id = text(typeof msg.payload === 'string' ? msg.payload : undefined, msg.targetId, p.targetId, node.targetId)
  if (kind === undefined || id === undefined) return undefined
  if (!(TARGET_KINDS as readonly string[]).includes(kind)) {
    throw new MesCommandError('hold', `unknown target kind '${kind}'`, `use one of ${TARGET_KINDS.join(', ')}`)
  }
  return { kind: kind as HoldTargetKind, id }
}

function noTarget (what: string): MesCommandError {
  return new MesCommandError('hold', `${what} names no lot, order or work unit`,
    "set the node's Target, or send msg.payload.target { kind: lot | order | work-unit, id } (or the id as msg.payload with the node's kind)")
}

/**
 * place: on the target (above) with the reason (payload.reason, msg.reason, the node's Reason), optional holdId and
 * reference. release: the hold in msg.holdId / payload.holdId, or the one active hold on the target; the why in
 * msg.why / payload.why, always from the message (a release's reason is about that release, so the node has none to
 * give). list: the active holds on the target.
 */
export function holdCommand (msg: Bag, node: HoldSettings, fallback: string): { action: HoldOutcome['action'], command: Bag } {
  const action = text(node.action, msg.action, msg.topic) ?? 'place'
  if (!(HOLD_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('hold', `unknown action '${action}'`, `set the node's Action, or msg.action / msg.topic, to one of ${HOLD_ACTIONS.join(', ')}`)
  }
  const who = whoOf(msg, node.who, fallback)
  const p = body(msg)
  const holdId = text(msg.holdId, p.holdId)
  const target = action === 'release' && holdId !== undefined ? undefined : targetOf(msg, p, node)
  if (action === 'list') {
    if (target === undefined) throw noTarget('the list of holds')
    return { action: 'list', command: { target } }
  }
  if (action === 'place') {
    if (target === undefined) throw noTarget('the hold')
    const reason = text(p.reason, msg.reason, node.reason)
    if (reason === undefined) {
      throw new MesCommandError('hold', `the hold on ${target.kind} ${target.id} has no reason`, "put it in msg.payload.reason or msg.reason, or set the node's Reason")
    }
    const { target: _t, targetKind: _k, targetId: _i, reason: _r, ...rest } = p
    return { action: 'place', command: { ...withDefaults(rest, msg, ['holdId', 'reference']), target, reason, who } }
  }
  if (holdId === undefined && target === undefined) {
    throw new MesCommandError('hold', 'a release names no hold', "put the hold's id in msg.holdId or msg.payload.holdId, or name its target")
  }
  const why = text(msg.why, p.why)
  if (why === undefined) {
    throw new MesCommandError('hold', `the release of ${holdId !== undefined ? `hold ${holdId}` : `the hold on ${target!.kind} ${target!.id}`} has no why`,
      'a release says why the hold may end: put it in msg.why or msg.payload.why; nothing was released')
  }
  return { action: 'release', command: { ...(holdId !== undefined ? { holdId } : { target }), who, why } }
}

/** The hold a release names: its id, or the one active hold on its target (several: refused, naming them). */
async function holdToRelease (mes: Mes, command: Bag): Promise<string> {
  if (typeof command.holdId === 'string') return command.holdId
  const target = command.target as HoldTarget
  const active = await mes.holds.activeOn(target)
  if (active.length === 1) return active[0]!.holdId
  throw new MesCommandError('hold', active.length === 0 ? `${target.kind} ${target.id} has no active hold`
    : `${target.kind} ${target.id} has ${active.length} active holds (${active.map((h) => h.holdId).join(', ')})`,
  active.length === 0 ? 'nothing was released' : 'name the one to release in msg.holdId; nothing was released')
}

export async function runHold (mes: Mes, msg: Bag, node: HoldSettings, fallback: string): Promise<MaterialOutcome<HoldOutcome>> {
  return await commandOutcome(msg, () => holdCommand(msg, node, fallback), async (action, command): Promise<HoldOutcome> => {
    if (action === 'list') return { action, target: command.target as HoldTarget, holds: await mes.holds.activeOn(command.target as HoldTarget) }
    if (action === 'place') return { action, ...await mes.holds.place(command) }
    const holdId = await holdToRelease(mes, command)
    return { action, hold: await mes.holds.release(holdId, { who: command.who, why: command.why }) }
  })
}
