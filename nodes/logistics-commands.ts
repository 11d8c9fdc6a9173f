// What the logistics nodes (stage material, put away) do, as plain functions over the Mes: each turns a message and
// the node's settings into one call of mes.logistics, which validates it (schemas/mes/logistics.schema.json). The
// confirmations by hand are for a site without a WMS (or a person standing in for it): the same calls the WMS
// adapter makes from the WMS's answers. An input the message lacks is refused, naming it (quality-commands.ts).
import type { Mes, PutAwayRequest, StagingRequest } from '../mes/service'
import { MesCommandError } from './mes-commands'
import { isBag, text, whoOf, type MaterialOutcome } from './material-commands'
import { commandOutcome } from './quality-commands'

type Bag = Record<string, unknown>

/**
 * A confirmation's id when the message gives none: the message's own id with what it confirms, so that the same
 * message sent again is applied once, while the messages a function node sends from one click (which share its
 * _msgid) stay apart.
 */
function confirmationIdOf (msg: Bag, p: Bag, requestId: string, fallback: string): string {
  const given = text(p.confirmationId, msg.confirmationId)
  if (given !== undefined) return given
  return [fallback, String(msg._msgid ?? Date.now()), requestId, text(p.lotId) ?? '', typeof p.quantity === 'number' ? String(p.quantity) : text(p.location) ?? ''].join(':')
}

function payloadOf (msg: Bag): Bag {
  const { who: _w, ...p } = isBag(msg.payload) ? msg.payload : {}
  return p
}

// ---- stage material ---------------------------------------------------------------------------------------------

export const STAGING_ACTIONS = ['request', 'read', 'confirm', 'cancel'] as const
type StagingAction = typeof STAGING_ACTIONS[number]

export interface StagingSettings {
  action?: string
  who?: string
}

export type StagingOutcome =
  | { action: 'request' | 'read', jobId: string, staged: boolean, requests: StagingRequest[] }
  | { action: 'confirm', request: StagingRequest, duplicate: boolean }
  | { action: 'cancel', request: StagingRequest }

/**
 * request / read: the job in msg.payload (its id as text), payload.jobId or msg.jobId. confirm: payload
 * { requestId, quantity, lotId?, final?, confirmationId?, taskRef? }. cancel: payload { requestId, why } (or msg.why).
 */
export function stagingCommand (msg: Bag, node: StagingSettings, fallback: string): { action: StagingAction, command: Bag } {
  const action = text(node.action, msg.action, msg.topic) ?? 'read'
  if (!(STAGING_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('stage material', `unknown action '${action}'`, `set the node's Action, or msg.action / msg.topic, to one of ${STAGING_ACTIONS.join(', ')}`)
  }
  const a = action as StagingAction
  const who = whoOf(msg, node.who, fallback)
  const p = payloadOf(msg)
  if (a === 'request' || a === 'read') {
    const jobId = text(typeof msg.payload === 'string' ? msg.payload : undefined, p.jobId, msg.jobId)
    if (jobId === undefined) {
      throw new MesCommandError('stage material', `${a === 'read' ? 'reading the staging' : 'a staging request'} names no job`, 'put the job id in msg.payload (a string), msg.payload.jobId or msg.jobId')
    }
    return { action: a, command: { jobId, who } }
  }
  const requestId = text(p.requestId, msg.requestId)
  if (requestId === undefined) {
    throw new MesCommandError('stage material', `a staging ${a === 'confirm' ? 'confirmation' : 'cancel'} names no request`,
      "put it in msg.payload.requestId: '<jobId>/<BOM item>', as the 'read' action lists them")
  }
  if (a === 'cancel') {
    const why = text(p.why, msg.why)
    if (why === undefined) throw new MesCommandError('stage material', `the cancel of staging request ${requestId} has no why`, 'put it in msg.payload.why or msg.why')
    return { action: a, command: { ...p, requestId, why, who } }
  }
  return { action: a, command: { ...p, requestId, confirmationId: confirmationIdOf(msg, p, requestId, fallback), who } }
}

export async function runStaging (mes: Mes, msg: Bag, node: StagingSettings, fallback: string): Promise<MaterialOutcome<StagingOutcome>> {
  return await commandOutcome(msg, () => stagingCommand(msg, node, fallback), async (action, command): Promise<StagingOutcome> => {
    const l = mes.logistics
    if (action === 'request' || action === 'read') {
      const jobId = String(command.jobId)
      const requests = action === 'request' ? await l.requestStaging(jobId, String(command.who)) : await l.stagingOf(jobId)
      return { action, jobId, staged: await l.isStaged(jobId), requests }
    }
    if (action === 'cancel') return { action, request: await l.cancelStaging(command) }
    return { action, ...await l.confirmStaging(command) }
  })
}

// ---- put away ---------------------------------------------------------------------------------------------------

export const PUT_AWAY_ACTIONS = ['read', 'confirm'] as const
type PutAwayAction = typeof PUT_AWAY_ACTIONS[number]

export interface PutAwaySettings {
  action?: string
  location?: string
  who?: string
}

export type PutAwayOutcome =
  | { action: 'read', lotId: string, request: PutAwayRequest | null }
  | { action: 'confirm', request: PutAwayRequest, duplicate: boolean }

/**
 * read: the lot in msg.payload (its id as text), payload.lotId or msg.lotId. confirm: the lot (or payload.requestId)
 * and the bin (payload.location, msg.location, the node's Location), optional confirmationId and taskRef.
 */
export function putAwayCommand (msg: Bag, node: PutAwaySettings, fallback: string): { action: PutAwayAction, command: Bag } {
  const action = text(node.action, msg.action, msg.topic) ?? 'read'
  if (!(PUT_AWAY_ACTIONS as readonly string[]).includes(action)) {
    throw new MesCommandError('put away', `unknown action '${action}'`, `set the node's Action, or msg.action / msg.topic, to one of ${PUT_AWAY_ACTIONS.join(', ')}`)
  }
  const a = action as PutAwayAction
  const p = payloadOf(msg)
  const lotId = text(typeof msg.payload === 'string' ? msg.payload : undefined, p.lotId, msg.lotId)
  // A produced lot's put-away request is `putaway/<lot>` (README, Logistics).
  const requestId = text(p.requestId, msg.requestId) ?? (lotId !== undefined ? `putaway/${lotId}` : undefined)
  if (a === 'read') {
    if (lotId === undefined) throw new MesCommandError('put away', 'reading a put-away names no lot', 'put the lot id in msg.payload (a string), msg.payload.lotId or msg.lotId')
    return { action: a, command: { lotId } }
  }
  if (requestId === undefined) {
    throw new MesCommandError('put away', 'a put-away confirmation names no lot', 'put the lot id in msg.payload.lotId (or msg.lotId), or the request in msg.payload.requestId')
  }
  const location = text(p.location, msg.location, node.location)
  if (location === undefined) {
    throw new MesCommandError('put away', `the put-away confirmation of ${requestId} names no storage bin`, "put it in msg.payload.location or msg.location, or set the node's Location")
  }
  const { lotId: _l, ...rest } = p
  return { action: a, command: { ...rest, requestId, location, confirmationId: confirmationIdOf(msg, { ...p, location }, requestId, fallback), who: whoOf(msg, node.who, fallback) } }
}

export async function runPutAway (mes: Mes, msg: Bag, node: PutAwaySettings, fallback: string): Promise<MaterialOutcome<PutAwayOutcome>> {
  return await commandOutcome(msg, () => putAwayCommand(msg, node, fallback), async (action, command): Promise<PutAwayOutcome> => {
    if (action === 'read') {
      const lotId = String(command.lotId)
      await mes.materials.lot(lotId) // an unknown lot is refused by name, not answered as "no put-away"
      return { action, lotId, request: await mes.logistics.putAwayOf(lotId) }
    }
    return { action, ...await mes.logistics.confirmPutAway(command) }
  })
}
