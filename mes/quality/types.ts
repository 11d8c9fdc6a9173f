// Quality (issue #14) as the MES's callers see it (re-exported by mes/service.ts): the inspection plan of an order's
// operations (from SAP QM's inspection lot or a generic QMS), results recorded against job, operation, lot or serial
// and equipment, nonconformances with their disposition, and the usage decision of an inspection lot. An
// out-of-spec result opens a nonconformance, which holds its lot (mes/holds). Adapters send what is recorded to the
// QMS through the outbox, walking `resultsAfter` / `nonconformancesAfter` with durable cursors.

/** One characteristic to inspect at an operation (SAP QM: A_InspectionCharacteristic). */
export interface CharacteristicInput {
  /** Its id within the operation (SAP: InspectionCharacteristic, e.g. '0010'). */
  characteristic: string
  description?: string
  /** quantitative: a measured value within limits; qualitative: accepted / rejected (an attribute). */
  kind: 'quantitative' | 'qualitative'
  /** The value's unit (quantitative); a result in another unit is refused. */
  unit?: string
  lowerLimit?: number
  upperLimit?: number
  target?: number
  /** The defect code of the nonconformance a rejected result opens; default `<characteristic>-rejected`. */
  defectCode?: string
}

/** What `Quality.setInspectionPlan` takes (schemas/mes/inspection-plan.schema.json). */
export interface InspectionPlanInput {
  orderNumber: string
  /** The QMS's inspection lot (SAP: InspectionLot, 12 digits); default: made by the MES. */
  inspectionLot?: string
  /** The lot the inspection is about (the order's output lot), when known. */
  lotId?: string
  operations: Array<{ sequence: number, characteristics: CharacteristicInput[] }>
  /** Where the plan comes from: 'sap-qm', 'qms', a person. */
  who: string
}

export interface Characteristic extends Required<Pick<CharacteristicInput, 'characteristic' | 'kind'>> {
  inspectionLot: string
  orderNumber: string
  sequence: number
  description: string | null
  unit: string | null
  lowerLimit: number | null
  upperLimit: number | null
  target: number | null
  defectCode: string | null
}

export type InspectionLotStatus = 'created' | 'results-recorded' | 'decided'

export type UsageDecisionCode = 'accept' | 'reject' | 'restricted'

export interface UsageDecision {
  code: UsageDecisionCode
  who: string
  at: string
  why: string | null
}

export interface InspectionLot {
  inspectionLot: string
  orderNumber: string
  lotId: string | null
  status: InspectionLotStatus
  usageDecision: UsageDecision | null
  createdBy: string
  createdAt: string
}

/** What `Quality.recordResult` takes (schemas/mes/inspection-result.schema.json). */
export interface InspectionResultInput {
  /** The caller's id of the result: a retry with it is applied once (a different result under it is refused). */
  resultId?: string
  /** Where: a job (its order and operation follow), or an order and operation. */
  jobId?: string
  orderNumber?: string
  sequence?: number
  characteristic: string
  /** quantitative */
  value?: number
  unit?: string
  /** qualitative */
  attribute?: 'accepted' | 'rejected'
  lotId?: string
  serial?: string
  equipment?: string
  who: string
  /** When it was measured; default now. */
  at?: string
}

export interface InspectionResult {
  id: number
  resultId: string | null
  inspectionLot: string
  orderNumber: string
  sequence: number
  jobId: string | null
  characteristic: string
  value: number | null
  unit: string | null
  attribute: 'accepted' | 'rejected' | null
  /** Against the characteristic's limits (or its attribute). */
  evaluation: 'accepted' | 'rejected'
  lotId: string | null
  serial: string | null
  equipment: string | null
  who: string
  at: string
  /** The nonconformance a rejected result opened. */
  ncId: string | null
}

export type Disposition = 'use-as-is' | 'rework' | 'scrap' | 'return'

/** What `Quality.reportNonconformance` takes (schemas/mes/nonconformance.schema.json): an operator's report. */
export interface NonconformanceInput {
  ncId?: string
  lotId?: string
  serial?: string
  orderNumber?: string
  sequence?: number
  jobId?: string
  quantity: number
  unit?: string
  defectCode: string
  description: string
  who: string
}

export interface DispositionInput {
  disposition: Disposition
  who: string
  why?: string
  /** The QMS's reference of its decision. */
  reference?: string
}

export interface Nonconformance {
  ncId: string
  status: 'open' | 'dispositioned'
  source: 'result' | 'operator'
  resultId: number | null
  lotId: string | null
  serial: string | null
  orderNumber: string | null
  sequence: number | null
  jobId: string | null
  quantity: number
  unit: string | null
  defectCode: string
  description: string
  /** The hold it placed on its lot (or order, when it names no lot). */
  holdId: string | null
  reportedBy: string
  reportedAt: string
  disposition: Disposition | null
  dispositionBy: string | null
  dispositionAt: string | null
  dispositionWhy: string | null
  /** The QMS's id of it once sent (e.g. a quality notification number). */
  qmsReference: string | null
}

export interface QualityEvent {
  kind: 'inspection-plan' | 'result' | 'nonconformance' | 'disposition' | 'usage-decision'
  inspectionLot?: InspectionLot
  result?: InspectionResult
  nonconformance?: Nonconformance
  who: string
  at: string
}

export interface Quality {
  /** Creates or replaces the plan of an inspection lot (characteristics with results keep their limits: refused to change). */
  setInspectionPlan: (input: unknown) => Promise<InspectionLot>
  inspectionLot: (inspectionLot: string) => Promise<InspectionLot>
  /** The inspection lots of an order. */
  inspectionLotsOf: (orderNumber: string) => Promise<InspectionLot[]>
  characteristics: (orderNumber: string, sequence: number) => Promise<Characteristic[]>
  /** Refused: an unknown characteristic, a unit that does not match, a decided inspection lot. A rejected result opens a nonconformance. */
  recordResult: (input: unknown) => Promise<{ result: InspectionResult, nonconformance: Nonconformance | null, duplicate: boolean }>
  resultsOf: (filter: { orderNumber?: string, lotId?: string, serial?: string, inspectionLot?: string }) => Promise<InspectionResult[]>
  /** For a feeder with a durable cursor (as Materials.actualsAfter). */
  resultsAfter: (afterId: number, limit?: number) => Promise<InspectionResult[]>
  reportNonconformance: (input: unknown) => Promise<{ nonconformance: Nonconformance, duplicate: boolean }>
  /** Applied once: use-as-is releases the nonconformance's hold; rework, scrap and return keep the lot from use (see README). */
  disposition: (ncId: string, input: unknown) => Promise<Nonconformance>
  nonconformance: (ncId: string) => Promise<Nonconformance>
  listNonconformances: (filter?: { status?: Nonconformance['status'], lotId?: string, orderNumber?: string, limit?: number, after?: string }) => Promise<Nonconformance[]>
  /** Nonconformances changed (opened or dispositioned) after a change sequence, for a feeder. */
  nonconformancesAfter: (afterSeq: number, limit?: number) => Promise<Array<{ seq: number, nonconformance: Nonconformance }>>
  /** Records the QMS's reference of a nonconformance once sent. */
  setQmsReference: (ncId: string, reference: string) => Promise<Nonconformance>
  /** accept → the lot released, reject → blocked, restricted → released with the restriction as its reason; a second decision is refused as SAP refuses it. */
  usageDecision: (inspectionLot: string, input: unknown) => Promise<InspectionLot>
  onEvent: (listener: (e: QualityEvent) => void) => () => void
  /** A listener of onEvent that threw (the command committed all the same), for the hub's log. */
  onListenerError: (fn: (err: unknown, e: QualityEvent) => void) => () => void
}
