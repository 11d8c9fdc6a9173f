// Fuzz target: the MES validators at the API edge (mes/validation.ts). Any JSON value is a typed input or a
// ValidationError, within the time bound; what they accept is usable inside (the store and the rules trust it):
// its date-times are real instants, its operation sequences and material items are unique.
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { validateWipEvent, validateWorkOrder, validateWorkOrderUpdate } from '../../mes/validation'
import { sampleOrder } from '../mes/stores'
import { SEED_DUPLICATE_ITEMS, SEED_LEAP_SECOND, SEED_OPERATIONS_OF_ONES } from './support/mes-seeds'
import { fuzz, isTypedError, seed, suiteTimeout, valueOrTypedError } from './support/fuzz'

const TARGET = 'mes-validators'

const id = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,8}$/), fc.string({ maxLength: 6 }))
const dateTime = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2025-12-31T23:59:60Z', '2025-03-07T16:00:00+14:00', '2025-02-30T00:00:00Z', '2025-03-07T24:00:00Z', '2025-03-07 16:00:00Z', '9999-12-31T23:59:59.999999Z'),
  fc.string({ maxLength: 10 }))
const num = fc.oneof(fc.integer({ min: -2, max: 100000 }), fc.double(), fc.constantFrom(0, 1e308, -0))
const operation = fc.record({ sequence: num, workCenter: id, description: fc.string({ maxLength: 10 }), setupTime: num, runTimePerUnit: num, quantity: num, critical: fc.boolean() }, { requiredKeys: [] })
const material = fc.record({ item: fc.integer({ min: 0, max: 4 }), material: id, quantity: num, unit: fc.constantFrom('PCE', 'KG', ''), operationSequence: fc.integer({ min: 0, max: 40 }) }, { requiredKeys: [] })
const orderFields = {
  orderNumber: id, material: id, description: fc.string({ maxLength: 20 }), quantity: num, unit: fc.constantFrom('PCE', 'KG', ''),
  plannedStart: dateTime, dueDate: dateTime, priority: num, overlap: fc.constantFrom('strict', 'overlapping', 'x'), erpVersion: fc.string({ maxLength: 4 }),
  operations: fc.oneof(fc.array(operation, { maxLength: 4 }), fc.array(fc.anything(), { maxLength: 3 })),
  materials: fc.oneof(fc.array(material, { maxLength: 4 }), fc.array(fc.anything(), { maxLength: 3 }))
}
/** A work order near a valid one: the sample order with some fields replaced, or any record of the fields. */
const workOrder = fc.oneof(
  fc.record(orderFields, { requiredKeys: [] }).map((over) => sampleOrder('1000', over)),
  fc.record(orderFields, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 })
)
const workOrderUpdate = fc.oneof(fc.record(orderFields, { requiredKeys: [] }).map(({ orderNumber: _n, ...u }) => u), fc.jsonValue({ maxDepth: 3 }))
const wipEvent = fc.oneof(
  fc.record({ event: fc.constantFrom('start', 'report', 'pause', 'resume', 'hold', 'release', 'complete', 'abort', 'x'), good: num, scrap: num, rework: num,
    scrapReason: fc.string({ maxLength: 6 }), eventId: fc.string({ maxLength: 8 }), at: dateTime, why: fc.string({ maxLength: 8 }), final: fc.boolean(),
    signature: fc.record({ user: fc.string({ maxLength: 6 }), password: fc.string({ maxLength: 6 }), meaning: fc.string({ maxLength: 6 }) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 })
)

const DATE_FIELDS = ['plannedStart', 'dueDate', 'at'] as const

/** What an accepted input must be: real instants, unique sequences and items. */
function usable (value: Record<string, unknown>): void {
  for (const f of DATE_FIELDS) {
    if (typeof value[f] === 'string') assert.ok(!Number.isNaN(new Date(value[f] as string).getTime()), `${f} '${String(value[f])}' was accepted but is no instant (new Date() gives Invalid Date)`)
  }
  const ops = value.operations as Array<{ sequence: number }> | undefined
  if (ops) assert.equal(new Set(ops.map((o) => o.sequence)).size, ops.length, 'operation sequences accepted are unique')
  const materials = value.materials as Array<{ item: number }> | undefined
  if (materials) assert.equal(new Set(materials.map((m) => m.item)).size, materials.length, 'material items accepted are unique')
}

function oracle (validate: (input: unknown) => unknown, input: unknown): void {
  const r = valueOrTypedError(() => validate(input))
  if (!isTypedError(r)) usable(r as Record<string, unknown>)
}

describe('fuzz: MES validators', function () {
  this.timeout(suiteTimeout())

  it('seed of issue #8: a work order with "operations": [1,1,1,...] (94 KiB) is refused within the time bound', () => {
    return seed(TARGET, 'operations of ones', () => oracle(validateWorkOrder, SEED_OPERATIONS_OF_ONES))
  })
  it('seed of issue #8: a leap-second dueDate is refused or usable', () => {
    return seed(TARGET, 'leap second', () => oracle(validateWorkOrder, SEED_LEAP_SECOND))
  })
  it('seed of issue #8: an ERP update with duplicate material items is refused', () => {
    return seed(TARGET, 'duplicate items', () => oracle(validateWorkOrderUpdate, SEED_DUPLICATE_ITEMS))
  })

  it('validateWorkOrder of any JSON: a usable order or a ValidationError', () => {
    fuzz(TARGET, 'work order', 400, [workOrder], (o) => oracle(validateWorkOrder, o), [[SEED_OPERATIONS_OF_ONES], [SEED_LEAP_SECOND]])
  })
  it('validateWorkOrderUpdate of any JSON: a usable update or a ValidationError', () => {
    fuzz(TARGET, 'work order update', 400, [workOrderUpdate], (u) => oracle(validateWorkOrderUpdate, u), [[SEED_DUPLICATE_ITEMS]])
  })
  it('validateWipEvent of any JSON: a usable event or a ValidationError', () => {
    fuzz(TARGET, 'job event', 400, [wipEvent], (e) => oracle(validateWipEvent, e))
  })
})
