// What the materials module announces after a change has committed (mes/materials/material-service.ts emits them,
// mes/materials-uns.ts publishes them): one event per command, carrying the lots and serials as they are after it.
import type { GenealogyLink, Lot, MaterialActual, Serial } from './types'

interface Base {
  /** Who made the change (operator, system, machine:<key>). */
  who: string
  at: string
}

/** A lot received from a supplier (or the ERP). */
export interface LotReceivedEvent extends Base { kind: 'lot-received', lot: Lot }

/** A lot's status changed by the QMS, the WMS or a person. */
export interface LotStatusEvent extends Base { kind: 'lot-status', lot: Lot, from: Lot['status'], why: string }

/** A consumption at a running job: the actual, and the lot or serial after it. */
export interface ConsumedEvent extends Base {
  kind: 'consumed'
  actual: MaterialActual
  lot?: Lot
  serial?: Serial
  links: GenealogyLink[]
}

/** A production at a running job: the actuals and the lot or serials made. */
export interface ProducedEvent extends Base {
  kind: 'produced'
  actuals: MaterialActual[]
  lot?: Lot
  serials: Serial[]
  links: GenealogyLink[]
}

export interface LotSplitEvent extends Base { kind: 'lot-split', lot: Lot, sublots: Lot[], links: GenealogyLink[] }

export interface LotMergedEvent extends Base { kind: 'lot-merged', lot: Lot, sources: Lot[], links: GenealogyLink[] }

export type MaterialEvent = LotReceivedEvent | LotStatusEvent | ConsumedEvent | ProducedEvent | LotSplitEvent | LotMergedEvent
export type MaterialListener = (e: MaterialEvent) => void
