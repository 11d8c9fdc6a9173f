// Rows of the material tables as the types of mes/materials/types.ts, and the loaders the material services share.
import type { Tx } from '../store/store'
import { num, numOrNull, str, strOrNull } from '../store/store'
import type { GenealogyLink, Lot, LotStatus, MaterialActual, MaterialDefinition, NodeKind, OverrideRecord, Serial, SerialStatus } from './types'

export function definitionFromRow (r: Record<string, unknown>): MaterialDefinition {
  return {
    material: str(r.material), description: strOrNull(r.description), unit: str(r.unit),
    serialPattern: strOrNull(r.serial_pattern), createdAt: str(r.created_at), updatedAt: str(r.updated_at)
  }
}

export function lotFromRow (r: Record<string, unknown>): Lot {
  return {
    lotId: str(r.lot_id), material: str(r.material), parentLot: strOrNull(r.parent_lot), quantity: num(r.quantity),
    unit: str(r.unit), status: str(r.status) as LotStatus, statusReason: strOrNull(r.status_reason),
    statusBy: str(r.status_by), statusAt: str(r.status_at), expiresAt: strOrNull(r.expires_at),
    createdAt: str(r.created_at), updatedAt: str(r.updated_at),
    // Where the WMS last said the lot is (a supply location at the line, a storage bin): migration 014.
    ...(r.location !== null && r.location !== undefined ? { location: str(r.location) } : {})
  }
}

export function serialFromRow (r: Record<string, unknown>): Serial {
  return {
    serial: str(r.serial), material: str(r.material), lotId: strOrNull(r.lot_id), status: str(r.status) as SerialStatus,
    statusReason: strOrNull(r.status_reason), statusBy: str(r.status_by), statusAt: str(r.status_at), createdAt: str(r.created_at)
  }
}

export function actualFromRow (r: Record<string, unknown>): MaterialActual {
  const override = strOrNull(r.override)
  return {
    id: num(r.id), direction: str(r.direction) as MaterialActual['direction'],
    node: { kind: str(r.node_kind) as NodeKind, id: str(r.node_id) }, material: str(r.material),
    quantity: num(r.quantity), unit: str(r.unit), jobId: str(r.job_id), orderNumber: str(r.order_number),
    sequence: num(r.sequence), workUnit: str(r.work_unit), who: str(r.who), at: str(r.at), bomItem: numOrNull(r.bom_item),
    override: override === null ? null : JSON.parse(override) as OverrideRecord
  }
}

/** The columns of a genealogy link, in the order linkFromColumns reads them. */
const LINK_FIELDS = ['id', 'link_type', 'from_kind', 'from_id', 'to_kind', 'to_id', 'quantity', 'unit', 'job_id', 'order_number', 'sequence',
  'work_unit', 'who', 'at'] as const
/** The SELECT list of a link aliased `l`, for statements read as arrays (Tx.rows). */
export const LINK_COLUMNS = LINK_FIELDS.map((f) => `l.${f}`).join(', ')

/** A link from its columns in LINK_FIELDS order. */
export function linkFromColumns (r: readonly unknown[]): GenealogyLink {
  return {
    id: num(r[0]), type: str(r[1]) as GenealogyLink['type'],
    from: { kind: str(r[2]) as NodeKind, id: str(r[3]) }, to: { kind: str(r[4]) as NodeKind, id: str(r[5]) },
    quantity: numOrNull(r[6]), unit: strOrNull(r[7]), jobId: strOrNull(r[8]), orderNumber: strOrNull(r[9]),
    sequence: numOrNull(r[10]), workUnit: strOrNull(r[11]), who: str(r[12]), at: str(r[13])
  }
}

export function linkFromRow (r: Record<string, unknown>): GenealogyLink {
  return linkFromColumns(LINK_FIELDS.map((f) => r[f]))
}

export async function loadDefinition (tx: Tx, material: string): Promise<MaterialDefinition | undefined> {
  const r = await tx.get('SELECT * FROM material_definitions WHERE material = ?', [material])
  return r === undefined ? undefined : definitionFromRow(r)
}

export async function loadLot (tx: Tx, lotId: string, lock = false): Promise<Lot | undefined> {
  const r = await tx.get('SELECT * FROM material_lots WHERE lot_id = ?' + (lock ? tx.forUpdate : ''), [lotId])
  return r === undefined ? undefined : lotFromRow(r)
}

export async function loadSerial (tx: Tx, serial: string, lock = false): Promise<Serial | undefined> {
  const r = await tx.get('SELECT * FROM material_serials WHERE serial = ?' + (lock ? tx.forUpdate : ''), [serial])
  return r === undefined ? undefined : serialFromRow(r)
}

export interface LinkInsert {
  type: GenealogyLink['type']
  from: { kind: NodeKind, id: string }
  to: { kind: NodeKind, id: string }
  quantity: number | null
  unit: string | null
  jobId?: string | null
  orderNumber?: string | null
  sequence?: number | null
  workUnit?: string | null
  who: string
  at: string
  /** The consumed material actual a consumption link is made from (migration 007). */
  actualId?: number
}

export async function insertLink (tx: Tx, l: LinkInsert): Promise<GenealogyLink> {
  const row = await tx.get(`INSERT INTO genealogy_links (link_type, from_kind, from_id, to_kind, to_id, quantity, unit, job_id,
    order_number, sequence, work_unit, who, at, actual_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  [l.type, l.from.kind, l.from.id, l.to.kind, l.to.id, l.quantity, l.unit, l.jobId ?? null, l.orderNumber ?? null,
    l.sequence ?? null, l.workUnit ?? null, l.who, l.at, l.actualId ?? null])
  return linkFromRow(row!)
}
