// Holds (issue #14) as the MES's callers see them (re-exported by mes/service.ts). A hold stops a target for real:
// a held lot cannot be consumed, split or merged (its status is 'on-hold' while any hold on it is active); a held
// order's jobs cannot start, resume or report; a held work unit takes no dispatch. Every hold and release has its
// reason and who, is an audit record, goes to the UNS and appears in the as-built record of what the target made.

export type HoldTargetKind = 'lot' | 'order' | 'work-unit'

export interface HoldTarget {
  kind: HoldTargetKind
  /** The lot id, the order number, or the work unit's code. */
  id: string
}

/** Who placed it: the QMS (through its adapter), a nonconformance the MES opened, or a person with rights. */
export type HoldSource = 'person' | 'qms' | 'nonconformance'

/** What `Holds.place` takes (schemas/mes/hold.schema.json). */
export interface HoldInput {
  /** The caller's id for the hold (the QMS's hold or notification number): placing it again changes nothing. Default: made by the MES. */
  holdId?: string
  target: HoldTarget
  reason: string
  who: string
  /** Default 'person'. */
  source?: HoldSource
  /** What the hold refers to in another system (a quality notification, a nonconformance id). */
  reference?: string
}

/** What `Holds.release` takes. */
export interface HoldReleaseInput {
  who: string
  why: string
}

export type HoldStatus = 'active' | 'released'

export interface Hold {
  holdId: string
  target: HoldTarget
  reason: string
  source: HoldSource
  reference: string | null
  status: HoldStatus
  placedBy: string
  placedAt: string
  releasedBy: string | null
  releasedAt: string | null
  releaseWhy: string | null
}

export interface HoldFilter {
  target?: HoldTarget
  status?: HoldStatus
  limit?: number
  /** Pages on: holds placed after this hold id (the list is ordered by placement, then id). */
  after?: string
}

export interface HoldEvent {
  kind: 'hold-placed' | 'hold-released'
  hold: Hold
  who: string
  at: string
}

export interface Holds {
  /** Places a hold; the same holdId again answers the stored hold (duplicate: true) and changes nothing. */
  place: (input: unknown) => Promise<{ hold: Hold, duplicate: boolean }>
  /** Releases an active hold; releasing a released hold is refused (MES_HOLD_RELEASED) and changes nothing. */
  release: (holdId: string, input: unknown) => Promise<Hold>
  get: (holdId: string) => Promise<Hold>
  list: (filter?: HoldFilter) => Promise<Hold[]>
  /** The active holds on one target (empty: not held). */
  activeOn: (target: HoldTarget) => Promise<Hold[]>
  onEvent: (listener: (e: HoldEvent) => void) => () => void
  /** A listener of onEvent that threw (the hold committed all the same), for the hub's log. */
  onListenerError: (fn: (err: unknown, e: HoldEvent) => void) => () => void
}
