// Material definitions (from the ERP), lots and their status. A status change names who and why and is an audit
// record; 'consumed' is set only by consumption (a lot whose quantity reaches 0), never by a caller.
import type { Tx } from '../store/store'
import { appendAudit } from '../audit-trail'
import { DuplicateError, MaterialRefusedError, NotFoundError } from '../errors'
import type { Lot, LotInput, LotStatusChange, MaterialDefinition, MaterialDefinitionInput } from './types'
import { loadDefinition, loadLot, loadSerial } from './rows'
import { parsePattern } from './serial-pattern'
import { activeHoldsOn, describeHolds, statusSetWhileHeldTx } from '../holds/hold-writes'

/**
 * Creates or updates a material definition (the ERP sends the whole definition again on a change). Its unit stays
 * once lots or serials of it exist: their quantities are in that unit, and a lot in another unit than its material's
 * could no longer be split, merged or consumed against the BOM.
 */
export async function defineMaterial (tx: Tx, d: MaterialDefinitionInput, who: string, at: string): Promise<MaterialDefinition> {
  // A pattern without a counter (or with an unknown field) is refused now, not at the line's first production.
  if (d.serialPattern !== undefined) parsePattern(d.serialPattern, { material: d.material, order: '', at })
  const old = await loadDefinition(tx, d.material)
  if (old !== undefined && old.unit !== d.unit) {
    const inUse = await tx.get(`SELECT 1 AS x FROM material_lots WHERE material = ? UNION ALL
      SELECT 1 AS x FROM material_serials WHERE material = ? LIMIT 1`, [d.material, d.material])
    if (inUse !== undefined) {
      throw new MaterialRefusedError('unit-change', `material definition ${d.material}`,
        `material ${d.material} is kept in ${old.unit} and has lots or serials counted in it; its unit cannot become ${d.unit}`,
        'nothing was changed; a material kept in another unit is a new material definition')
    }
  }
  // The ERP resends its material master: the same definition again changes nothing and records nothing.
  if (old !== undefined && old.unit === d.unit && old.description === (d.description ?? null) && old.serialPattern === (d.serialPattern ?? null)) return old
  if (old === undefined) {
    await tx.run(`INSERT INTO material_definitions (material, description, unit, serial_pattern, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?)`, [d.material, d.description ?? null, d.unit, d.serialPattern ?? null, at, at])
  } else {
    await tx.run('UPDATE material_definitions SET description = ?, unit = ?, serial_pattern = ?, updated_at = ? WHERE material = ?',
      [d.description ?? null, d.unit, d.serialPattern ?? null, at, d.material])
  }
  const now = (await loadDefinition(tx, d.material))!
  await appendAudit(tx, {
    who, at, entity: 'MaterialDefinition', entityId: d.material, action: old === undefined ? 'create' : 'update',
    oldValue: old === undefined ? null : { description: old.description, unit: old.unit, serialPattern: old.serialPattern },
    newValue: { description: now.description, unit: now.unit, serialPattern: now.serialPattern }
  })
  return now
}

export async function requireDefinition (tx: Tx, material: string): Promise<MaterialDefinition> {
  const d = await loadDefinition(tx, material)
  if (d === undefined) throw new NotFoundError('material', material)
  return d
}

export interface NewLot {
  lotId: string
  material: string
  quantity: number
  unit: string
  status: Lot['status']
  statusReason: string | null
  expiresAt: string | null
  parentLot: string | null
  who: string
  at: string
}

/**
 * Lots and serials share one set of ids: the as-built record and its B2MML name each part by its id alone, so a lot
 * with a serial's id (or a serial with a lot's) would make two parts one there.
 */
export function idInUse (subject: string, id: string, usedBy: 'lot' | 'serial', hint: string): MaterialRefusedError {
  return new MaterialRefusedError('id-in-use', subject, `${id} is already the id of a ${usedBy}; a lot and a serial cannot share an id`, hint)
}

/**
 * Claims `id` for a lot or serial about to be inserted in this transaction (table material_ids, migration 010). The
 * look-ups before it give a sequential duplicate its precise refusal; this insert decides a race: on PostgreSQL a
 * second command claiming the same id waits for the first and, once that commits, fails with a DuplicateError of
 * MATERIAL_ID (mes/store/keys.ts), which the service turns into the same refusals (material-service.ts).
 */
export async function claimMaterialId (tx: Tx, id: string, kind: 'lot' | 'serial'): Promise<void> {
  await tx.run('INSERT INTO material_ids (id, kind) VALUES (?, ?)', [id, kind])
}

/**
 * The refusal of a command that lost the race for an id twice (run again, it met another racing command): which
 * kind took the id is not known on the losing side.
 */
export function idTakenInRace (subject: string, id: string, hint: string): MaterialRefusedError {
  return new MaterialRefusedError('id-in-use', subject, `${id} is already the id of a lot or serial; a lot and a serial cannot share an id`, hint)
}

/** Inserts a lot (received, produced, split off or merged into), in the material's unit. */
export async function insertLot (tx: Tx, l: NewLot): Promise<Lot> {
  const def = await requireDefinition(tx, l.material)
  if (def.unit !== l.unit) {
    throw new MaterialRefusedError('unit-mismatch', `lot ${l.lotId}`, `material ${l.material} is kept in ${def.unit}, not ${l.unit}`)
  }
  if (await loadLot(tx, l.lotId) !== undefined) throw new DuplicateError('lot', l.lotId)
  if (await loadSerial(tx, l.lotId) !== undefined) throw idInUse(`lot ${l.lotId}`, l.lotId, 'serial', 'nothing was stored; give the lot another id')
  await claimMaterialId(tx, l.lotId, 'lot')
  await tx.run(`INSERT INTO material_lots (lot_id, material, parent_lot, quantity, unit, status, status_reason, status_by,
    status_at, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  [l.lotId, l.material, l.parentLot, l.quantity, l.unit, l.status, l.statusReason, l.who, l.at, l.expiresAt, l.at, l.at])
  return (await loadLot(tx, l.lotId))!
}

/**
 * An expiry as the store keeps it: as the caller wrote it, with its offset, so that it reads back the same, but in
 * the form both stores' readers of an instant take (the shelf-life index, migration 011): RFC 3339 lets "t" and "z"
 * be lower case, which SQLite's julianday() does not read, and any hh:mm offset, of which SQLite reads up to 14:59
 * and PostgreSQL's timestamptz up to 15:59 (its insert fails past that). Such an expiry is written upper case, and
 * one with an offset of 15 hours or more in UTC.
 */
export function storedExpiry (expiresAt: string): string {
  const upper = expiresAt.toUpperCase()
  const offset = /([+-])(\d{2}):\d{2}$/.exec(upper)
  return offset !== null && Number(offset[2]) > 14 ? new Date(Date.parse(upper)).toISOString() : upper
}

export async function receiveLot (tx: Tx, input: LotInput, at: string): Promise<Lot> {
  const lot = await insertLot(tx, {
    lotId: input.lotId, material: input.material, quantity: input.quantity, unit: input.unit,
    status: input.status ?? 'released', statusReason: input.why ?? null, expiresAt: input.expiresAt !== undefined ? storedExpiry(input.expiresAt) : null,
    parentLot: null, who: input.who, at
  })
  await appendAudit(tx, {
    who: input.who, at, entity: 'MaterialLot', entityId: lot.lotId, action: 'receive', why: input.why ?? null,
    newValue: { material: lot.material, quantity: lot.quantity, unit: lot.unit, status: lot.status, expiresAt: lot.expiresAt }
  })
  return lot
}

export async function changeLotStatus (tx: Tx, lotId: string, c: LotStatusChange, at: string): Promise<Lot> {
  const lot = await loadLot(tx, lotId, true)
  if (lot === undefined) throw new NotFoundError('lot', lotId)
  if (lot.status === 'consumed') {
    throw new MaterialRefusedError('lot-status', `lot ${lotId}`, `is consumed; its status cannot be changed to ${c.status}`)
  }
  // Read under the row lock: a change made for a status the lot no longer has (a hold placed meanwhile) is refused.
  if (c.ifStatus !== undefined && lot.status !== c.ifStatus) {
    throw new MaterialRefusedError('lot-status', `lot ${lotId}`, `is ${lot.status}, not ${c.ifStatus}; its status was not changed to ${c.status}`,
      'nothing was changed; read the lot again and decide on its status as it is now')
  }
  // A lot under holds (mes/holds) is freed by releasing them, each with who and why, never by a status change past them.
  const holds = c.status === 'released' ? await activeHoldsOn(tx, { kind: 'lot', id: lotId }) : []
  if (holds.length > 0) {
    throw new MaterialRefusedError('lot-held', `lot ${lotId}`, `is held (${describeHolds(holds)}); it cannot be set released`,
      `release its holds first (${holds.map((h) => h.holdId).join(', ')}); the lot is released with the last of them`)
  }
  await tx.run('UPDATE material_lots SET status = ?, status_reason = ?, status_by = ?, status_at = ?, updated_at = ? WHERE lot_id = ?',
    [c.status, c.why, c.who, at, at, lotId])
  await statusSetWhileHeldTx(tx, lotId, c.status)
  await appendAudit(tx, {
    who: c.who, at, entity: 'MaterialLot', entityId: lotId, action: 'status', why: c.why,
    oldValue: { status: lot.status }, newValue: { status: c.status }
  })
  return (await loadLot(tx, lotId))!
}

/**
 * Takes `quantity` out of a locked lot; at 0 the lot becomes consumed. The store's CHECK (quantity >= 0) refuses
 * what the callers' own checks would have let through.
 */
export async function drawFromLot (tx: Tx, lot: Lot, quantity: number, who: string, at: string): Promise<Lot> {
  const left = lot.quantity - quantity
  const empty = Math.abs(left) < 1e-9
  await tx.run(`UPDATE material_lots SET quantity = ${empty ? '0' : 'quantity - ?'}, updated_at = ?
    ${empty ? `, status = 'consumed', status_by = ?, status_at = ?, status_reason = 'all consumed'` : ''} WHERE lot_id = ?`,
  empty ? [at, who, at, lot.lotId] : [quantity, at, lot.lotId])
  return (await loadLot(tx, lot.lotId))!
}
