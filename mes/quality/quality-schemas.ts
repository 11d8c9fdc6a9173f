// The quality commands' schemas, registered with the MES's schema compiler (mes/validation.ts) beside the others.
import inspectionPlanSchema from '../../schemas/mes/inspection-plan.schema.json'
import inspectionResultSchema from '../../schemas/mes/inspection-result.schema.json'
import nonconformanceSchema from '../../schemas/mes/nonconformance.schema.json'

export { inspectionPlanSchema, inspectionResultSchema, nonconformanceSchema }
export const QUALITY_SCHEMAS = [inspectionPlanSchema, inspectionResultSchema, nonconformanceSchema]
