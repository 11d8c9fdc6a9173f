// The life cycle of an inspection lot as SAP QM runs it: created (with its characteristics), results recorded, and
// the usage decision, after which its results cannot change and no second decision is taken. A table of the
// allowed transitions; anything else is refused by the caller with its own reason. A lot may be decided without
// results (SAP allows a usage decision on a lot whose inspection was skipped).
import type { InspectionLotStatus } from './types'

export const INSPECTION_LOT_TRANSITIONS: Readonly<Record<InspectionLotStatus, readonly InspectionLotStatus[]>> = {
  created: ['results-recorded', 'decided'],
  'results-recorded': ['decided'],
  decided: []
}

export function mayBecome (from: InspectionLotStatus, to: InspectionLotStatus): boolean {
  return from === to || INSPECTION_LOT_TRANSITIONS[from].includes(to)
}
