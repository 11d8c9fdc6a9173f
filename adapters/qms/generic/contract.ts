// The generic QMS contract in code: the JSON Schemas of schemas/qms/ compiled once, the bodies the hub sends made
// from the MES's neutral forms (and checked against the schema before they leave, so a body the QMS would refuse is
// a dead letter with our own words), the callbacks the QMS sends read back, and the inspection plan turned into what
// Quality.setInspectionPlan takes.
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import { check, type SchemaCheck } from '../../../core/schema-check'
import apiSchema from '../../../schemas/qms/qms-api.schema.json'
import webhookSchema from '../../../schemas/qms/qms-webhook.schema.json'
import type { DispositionInput, HoldInput, HoldReleaseInput, InspectionPlanInput, InspectionResult, Nonconformance, UsageDecisionCode } from '../../../mes/service'
import type { QmsMessages } from '../qms-connector'

function compiler (allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, strict: true, strictRequired: false })
  addFormats(ajv)
  ajv.addSchema(apiSchema)
  ajv.addSchema(webhookSchema)
  return ajv
}
const first = compiler(false)
const every = compiler(true)

function compiled (id: string): SchemaCheck {
  const f = first.getSchema(id)
  const e = every.getSchema(id)
  if (f === undefined || e === undefined) throw new Error(`schema ${id} not registered`)
  return { first: f, every: e }
}

const checks = {
  inspectionResult: compiled(`${apiSchema.$id}#/definitions/inspectionResult`),
  nonconformance: compiled(`${apiSchema.$id}#/definitions/nonconformance`),
  usageDecision: compiled(`${apiSchema.$id}#/definitions/usageDecision`),
  inspectionPlan: compiled(`${webhookSchema.$id}#/definitions/inspectionPlan`),
  event: compiled(webhookSchema.$id)
}

export interface InspectionResultBody {
  resultId: string; inspectionLot: string; orderNumber: string; operation: number; characteristic: string
  value: number | null; unit: string | null; attribute: 'accepted' | 'rejected' | null; evaluation: 'accepted' | 'rejected'
  jobId: string | null; lotId: string | null; serial: string | null; equipment: string | null; ncId: string | null
  recordedBy: string; recordedAt: string
}

export interface NonconformanceBody {
  ncId: string; source: 'result' | 'operator'; lotId: string | null; serial: string | null; orderNumber: string | null
  operation: number | null; jobId: string | null; quantity: number; unit: string | null; defectCode: string
  description: string; holdId: string | null; reportedBy: string; reportedAt: string
}

export interface UsageDecisionBody { code: UsageDecisionCode, decidedBy: string, decidedAt: string, why: string | null }

/** A result as the QMS gets it; its resultId is the caller's, else the hub's row id. */
export function inspectionResultBody (r: InspectionResult): InspectionResultBody {
  return check<InspectionResultBody>(checks.inspectionResult, `inspection result ${r.id} for the QMS`, {
    resultId: r.resultId ?? `hub-${r.id}`, inspectionLot: r.inspectionLot, orderNumber: r.orderNumber, operation: r.sequence,
    characteristic: r.characteristic, value: r.value, unit: r.unit, attribute: r.attribute, evaluation: r.evaluation,
    jobId: r.jobId, lotId: r.lotId, serial: r.serial, equipment: r.equipment, ncId: r.ncId, recordedBy: r.who, recordedAt: r.at
  })
}

export function nonconformanceBody (n: Nonconformance): NonconformanceBody {
  return check<NonconformanceBody>(checks.nonconformance, `nonconformance ${n.ncId} for the QMS`, {
    ncId: n.ncId, source: n.source, lotId: n.lotId, serial: n.serial, orderNumber: n.orderNumber, operation: n.sequence,
    jobId: n.jobId, quantity: n.quantity, unit: n.unit, defectCode: n.defectCode, description: n.description,
    holdId: n.holdId, reportedBy: n.reportedBy, reportedAt: n.reportedAt
  })
}

export function usageDecisionBody (u: QmsMessages['usage-decision']): UsageDecisionBody {
  return check<UsageDecisionBody>(checks.usageDecision, `usage decision of inspection lot ${u.inspectionLot} for the QMS`,
    { code: u.code, decidedBy: u.who, decidedAt: u.at, why: u.why })
}

// What the QMS sends: the plan it serves, and its callbacks.

export interface CharacteristicBody {
  characteristic: string; description?: string; kind: 'quantitative' | 'qualitative'
  unit?: string; lowerLimit?: number; upperLimit?: number; target?: number
}

export interface InspectionPlanBody {
  orderNumber: string; material?: string; inspectionLot: string; lotId?: string
  operations: Array<{ operation: number, characteristics: CharacteristicBody[] }>
}

export interface QmsEventData {
  'nonconformance.dispositioned': { ncId: string, ncNumber?: string, disposition: DispositionInput['disposition'], decidedBy: string, why?: string }
  'hold.placed': { holdId: string, target: HoldInput['target'], reason: string, placedBy: string, reference?: string }
  'hold.released': { holdId: string, releasedBy: string, why: string }
  'usage-decision.made': { inspectionLot: string, code: UsageDecisionCode, decidedBy: string, why?: string }
  'inspection-plan.published': InspectionPlanBody
}

export type QmsEventType = keyof QmsEventData

export type QmsEvent = { [T in QmsEventType]: { id: string, type: T, occurredAt: string, data: QmsEventData[T] } }[QmsEventType]

/** A callback's body, checked: a ValidationError names each problem's JSON path. */
export function readQmsEvent (body: unknown, source = 'QMS callback'): QmsEvent {
  return check<QmsEvent>(checks.event, source, body)
}

export function readInspectionPlan (body: unknown, source = 'QMS inspection plan'): InspectionPlanBody {
  return check<InspectionPlanBody>(checks.inspectionPlan, source, body)
}

/** The plan as Quality.setInspectionPlan takes it. */
export function planInput (p: InspectionPlanBody, who: string): InspectionPlanInput {
  return {
    orderNumber: p.orderNumber,
    inspectionLot: p.inspectionLot,
    ...(p.lotId !== undefined ? { lotId: p.lotId } : {}),
    operations: p.operations.map((o) => ({ sequence: o.operation, characteristics: o.characteristics.map((c) => ({ ...c })) })),
    who
  }
}

/** The MES inputs of the hold callbacks and the disposition, with who as the MES records it ('qms:<person>'). */
export function holdInput (d: QmsEventData['hold.placed']): HoldInput {
  return { holdId: d.holdId, target: d.target, reason: d.reason, who: `qms:${d.placedBy}`, source: 'qms', ...(d.reference !== undefined ? { reference: d.reference } : {}) }
}

export function holdReleaseInput (d: QmsEventData['hold.released']): HoldReleaseInput {
  return { who: `qms:${d.releasedBy}`, why: d.why }
}

export function dispositionInput (d: QmsEventData['nonconformance.dispositioned']): DispositionInput {
  return { disposition: d.disposition, who: `qms:${d.decidedBy}`, ...(d.why !== undefined ? { why: d.why } : {}), ...(d.ncNumber !== undefined ? { reference: d.ncNumber } : {}) }
}
