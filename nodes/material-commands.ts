// What the material nodes (material, consume, produce, as-built) do, as plain functions over the Mes: each turns a
// message into one command of mes.materials. The message may be short for a flow (a lot id as payload, the job in
// msg.jobId) or the service's command itself; the service validates it (schemas/mes/materials.schema.json).
import type { ConsumeResult, GenealogyLink, Lot, MaterialDefinition, Mes, ProduceResult } from '../mes/service'
import { ConcurrentUpdateError, MaterialRefusedError, QualityRefusedError, StoreError } from '../mes/errors'
import { MesCommandError, isRefusal } from './mes-commands'

type Bag = Record<string, unknown>

export function isBag (v: unknown): v is Bag {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function text (...candidates: unknown[]): string | undefined {
  for (const c of candidates) if (typeof c === 'string' && c.length > 0) return c
  return undefined
}

/** A lot id, or `serial:<number>`, as the service names the subject of a query or a consumption. */
export function subjectOf (id: string): { lotId: string } | { serial: string } {
  return id.startsWith('serial:') ? { serial: id.slice('serial:'.length) } : { lotId: id }
}

/** The operator of a command: payload.who, msg.who, the node's setting, else the node itself. */
export function whoOf (msg: Bag, nodeWho: string | undefined, fallback: string): string {
  return text(isBag(msg.payload) ? msg.payload.who : undefined, msg.who, nodeWho) ?? fallback
}

/** Fields of the message (msg.jobId, msg.eventId, ...) the payload does not set itself. */
export function withDefaults (payload: Bag, msg: Bag, names: readonly string[]): Bag {
  const out: Bag = { ...payload }
  for (const n of names) if (out[n] === undefined && msg[n] !== undefined) out[n] = msg[n]
  return out
}

/**
 * A consumption: payload = the command ({ jobId, lotId, quantity? } or { jobId, serial }, optional override), or a
 * lot id / `serial:<n>` with the job in msg.jobId and the quantity in msg.quantity. msg.eventId (a scanner's or a
 * PLC's id of the event) makes a retried consumption count once.
 */
export function consumeCommand (msg: Bag, nodeWho: string | undefined, fallback: string): Bag {
  const p: Bag = typeof msg.payload === 'string' ? subjectOf(msg.payload) : isBag(msg.payload) ? msg.payload : {}
  return { ...withDefaults(p, msg, typeof msg.payload === 'string' ? ['jobId', 'quantity', 'eventId'] : ['jobId', 'eventId']), who: whoOf(msg, nodeWho, fallback) }
}

/**
 * A production: payload = the command ({ jobId, material, lotId + quantity | count | serials, intoLot? }), or a
 * number of serials to make; the job from msg.jobId and the material from the node when the payload has none.
 */
export function produceCommand (msg: Bag, nodeMaterial: string | undefined, nodeWho: string | undefined, fallback: string): Bag {
  const p: Bag = typeof msg.payload === 'number' ? { count: msg.payload } : isBag(msg.payload) ? msg.payload : {}
  const c = withDefaults(p, msg, ['jobId', 'eventId'])
  if (c.material === undefined && nodeMaterial) c.material = nodeMaterial
  return { ...c, who: whoOf(msg, nodeWho, fallback) }
}

/** A command as it may be shown again (debug pane, refused output): an override signature's password never is. */
export function redactCommand (command: Bag): Bag {
  const o = command.override
  if (!isBag(o) || !isBag(o.signature) || !('password' in o.signature)) return command
  return { ...command, override: { ...o, signature: { ...o.signature, password: '***' } } }
}

export type MaterialOutcome<T> =
  | { ok: true, result: T }
  /** Refused by the MES (BOM rule, lot status, unknown job, malformed command, a missing input): nothing was changed. */
  | { ok: false, reason: string, code: string, rule?: string, command: Bag }

/** The rule a refusal names (a BOM check, a quality or logistics check), when it names one. */
function ruleOf (err: Error): string | undefined {
  if (err instanceof MaterialRefusedError || err instanceof QualityRefusedError) return err.rule
  return undefined
}

/** Runs one command; a refusal is an outcome with its reason (and rule), a failure of the hub itself throws. */
export async function refusedOr<T> (command: Bag, run: (c: Bag) => Promise<T>): Promise<MaterialOutcome<T>> {
  try {
    return { ok: true, result: await run(command) }
  } catch (err) {
    if (!isRefusal(err) || err instanceof StoreError || err instanceof ConcurrentUpdateError) throw err
    return {
      ok: false, reason: err.message, code: err.code, command: redactCommand(command),
      ...(ruleOf(err) !== undefined ? { rule: ruleOf(err) } : {})
    }
  }
}

/** A refusal as the message out of a node's second output: the command (redacted), its reason, code and rule. */
export function refusalMessage<M extends Bag> (msg: M, r: Extract<MaterialOutcome<unknown>, { ok: false }>): M {
  return Object.assign(msg, { payload: r.command, reason: r.reason, code: r.code }, r.rule !== undefined ? { rule: r.rule } : {})
}

export async function consume (mes: Mes, command: Bag): Promise<MaterialOutcome<ConsumeResult>> {
  return await refusedOr(command, async (c) => await mes.materials.consume(c))
}

export async function produce (mes: Mes, command: Bag): Promise<MaterialOutcome<ProduceResult>> {
  return await refusedOr(command, async (c) => await mes.materials.produce(c))
}

// ---- the warehouse's commands (the `material` node) -------------------------------------------------------------

export const MATERIAL_ACTIONS = ['define', 'receive', 'status', 'split', 'merge'] as const
export type MaterialAction = typeof MATERIAL_ACTIONS[number]

export type MaterialResult =
  | { action: 'define', definition: MaterialDefinition }
  | { action: 'receive' | 'status', lot: Lot }
  | { action: 'split', lot: Lot, sublots: Lot[], links: GenealogyLink[] }
  | { action: 'merge', lot: Lot, sources: Lot[], links: GenealogyLink[] }

/**
 * define: payload = a material definition. receive: a lot ({ lotId, material, quantity, unit, expiresAt? }).
 * status: { lotId, status, why }. split: { lotId, into: [{ lotId, quantity }] }. merge: { lotIds, into }.
 * Each by `who` (payload.who, msg.who, the node's setting, else the node).
 */
export async function runMaterialCommand (mes: Mes, action: string | undefined, msg: Bag, nodeWho: string | undefined, fallback: string): Promise<MaterialResult> {
  if (action === undefined || !(MATERIAL_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('material', action === undefined ? 'no action' : `unknown action '${action}'`,
      `set the node's Action, or msg.action / msg.topic to one of ${MATERIAL_ACTIONS.join(', ')}`)
  }
  const a = action as MaterialAction
  const who = whoOf(msg, nodeWho, fallback)
  const { who: _w, ...p } = isBag(msg.payload) ? msg.payload : {}
  if (a === 'define') return { action: a, definition: await mes.materials.define(p, who) }
  if (a === 'receive') return { action: a, lot: await mes.materials.receiveLot({ ...p, who }) }
  if (a === 'split') return { action: a, ...await mes.materials.split({ ...p, who }) }
  if (a === 'merge') return { action: a, ...await mes.materials.merge({ ...p, who }) }
  const { lotId, ...change } = p
  if (typeof lotId !== 'string' || lotId === '') {
    throw new MesCommandError('material', 'a status change needs the lot', 'put it in msg.payload.lotId, with status and why')
  }
  return { action: a, lot: await mes.materials.setLotStatus(lotId, { ...change, who }) }
}
