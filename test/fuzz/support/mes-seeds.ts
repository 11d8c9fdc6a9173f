// Seeds of issue #8 for the MES targets (validators and HTTP API).
import { sampleOrder } from '../../mes/stores'

/** `"operations": [1,1,1,...]` of about 94 KiB: ajv's allErrors made this quadratic (7.9 s). */
export const SEED_OPERATIONS_OF_ONES = sampleOrder('1000', { operations: Array<number>(48000).fill(1) })
export const SEED_LEAP_SECOND = sampleOrder('1000', { dueDate: '2025-12-31T23:59:60Z' })
export const SEED_DUPLICATE_ITEMS = { materials: [{ item: 1, material: 'RM-1', quantity: 1, unit: 'PCE' }, { item: 1, material: 'RM-2', quantity: 2, unit: 'PCE' }] }
