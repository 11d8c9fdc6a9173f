// The quality commands checked against their schemas (schemas/mes/inspection-plan, inspection-result,
// nonconformance) before any store access, each problem with the JSON path of the offending value.
import { check } from '../../core/schema-check'
import { definitionCheck } from '../validation'
import { inspectionPlanSchema, inspectionResultSchema, nonconformanceSchema } from './quality-schemas'
import type { DispositionInput, InspectionPlanInput, InspectionResultInput, NonconformanceInput, UsageDecisionCode } from './types'

export interface UsageDecisionInput { code: UsageDecisionCode, who: string, why?: string }

export const validatePlan = (input: unknown): InspectionPlanInput =>
  check(definitionCheck(inspectionPlanSchema, 'plan'), 'inspection plan', input)

export const validateUsageDecision = (input: unknown, inspectionLot: string): UsageDecisionInput =>
  check(definitionCheck(inspectionPlanSchema, 'usageDecision'), `usage decision of inspection lot ${inspectionLot}`, input)

export const validateResult = (input: unknown): InspectionResultInput =>
  check(definitionCheck(inspectionResultSchema, 'result'), 'inspection result', input)

export const validateNonconformance = (input: unknown): NonconformanceInput =>
  check(definitionCheck(nonconformanceSchema, 'nonconformance'), 'nonconformance', input)

export const validateDisposition = (input: unknown, ncId: string): DispositionInput =>
  check(definitionCheck(nonconformanceSchema, 'disposition'), `disposition of nonconformance ${ncId}`, input)

export const validateQmsReference = (input: unknown, ncId: string): string =>
  check(definitionCheck(nonconformanceSchema, 'qmsReference'), `QMS reference of nonconformance ${ncId}`, input)
