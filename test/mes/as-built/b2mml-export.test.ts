import assert from 'node:assert/strict'
import { ValidationError } from '../../../core/errors'
import { toB2mml } from '../../../mes/as-built/b2mml-export'
import { assertB2mml, validateB2mml } from '../../../mes/as-built/b2mml-schema'
import { validateAsBuiltRecord } from '../../../mes/as-built/record-check'
import { threeLevelRecord } from './three-level-record'

// B2MML documents are read here by their element names, as a person reads them.
type Doc = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function exported (): { op: Doc, lot: Doc } {
  const b = toB2mml(validateAsBuiltRecord(threeLevelRecord()))
  return { op: b.OperationsPerformance as Doc, lot: b.MaterialLot as Doc }
}

describe('as-built record: B2MML V7 export, validated against MESA\'s schema', () => {
  it('the three-level product exports to an OperationsPerformance and a MaterialLot that both validate', () => {
    const { op, lot } = exported()
    assert.deepEqual(validateB2mml(op), [])
    assert.deepEqual(validateB2mml(lot), [])
    assert.equal(assertB2mml(op), op)
  })

  it('one OperationsResponse per order, one SegmentResponse per operation with its material, people and process values', () => {
    const perf = exported().op.OperationsPerformance
    assert.equal(perf.ID, 'as-built/FG-0001')
    assert.deepEqual(perf.OperationsResponse.map((r: Doc) => [r.ID, r.SegmentResponse.map((s: Doc) => s.ID)]),
      [['SUB-100', ['SUB-100-10-1']], ['FIN-200', ['FIN-200-10-1', 'FIN-200-20-1']]])
    assert.equal(perf.StartTime, '2025-03-06T07:00:00Z')
    assert.equal(perf.Endtime, '2025-03-07T11:30:00Z')
    const press = perf.OperationsResponse[0].SegmentResponse[0]
    assert.deepEqual(press.SegmentState, { $: 'Completed' })
    assert.deepEqual(press.MaterialActual.map((m: Doc) => [m.MaterialUse.$, m.MaterialLotID[0], m.MaterialSubLotID?.[0], m.Quantity[0].QuantityString.$]), [
      ['Consumed', 'ST-1A', undefined, '2'],
      ['Consumed', 'ST-1B', undefined, '2'],
      ['Consumed', 'RS-3', undefined, '0.8'],
      ['Produced', 'SA-LOT-3', 'SA-001', '1'],
      ['Produced', 'SA-LOT-3', 'SA-002', '1']
    ])
    const force = press.SegmentData[0]
    assert.equal(force.ID, 'acme/plant1/pressing/press-1/metrics/force')
    assert.deepEqual(force.Value.map((v: Doc) => [v.Key, v.ValueString.$]),
      [['atStart', '0'], ['atComplete', '0.5'], ['min', '0'], ['max', '212.5'], ['mean', '143.1'], ['samples', '3600']])
  })

  it('the override is marked on the consumption with the second person\'s signature, the quality result on the product', () => {
    const [assemble, test] = exported().op.OperationsPerformance.OperationsResponse[1].SegmentResponse
    const screws = assemble.MaterialActual.find((m: Doc) => m.MaterialLotID[0] === 'SCR-9')
    const override = screws.MaterialActualProperty.find((p: Doc) => p.ID === 'override/OVR-1')
    assert.deepEqual(Object.fromEntries(override.Value.map((v: Doc) => [v.Key, v.ValueString.$])), {
      rule: 'over-tolerance', reason: '2 screws dropped, replaced', operator: 'ben', signedBy: 'carla', meaning: 'approved', signedAt: '2025-03-07T10:08:00Z'
    })
    assert.deepEqual(assemble.PersonnelActual.map((p: Doc) => [p.PersonID[0], p.PersonnelUse]), [['ben', 'Operator'], ['carla', 'Signatory']])
    const fg = test.MaterialActual.find((m: Doc) => m.MaterialSubLotID?.[0] === 'FG-0001')
    assert.deepEqual(fg.TestResult, [{ ID: 'QR-1', TestableObjectID: 'FG-0001', Description: [{ $: 'leak test' }], EvaluatedCriterionResult: 'passed', EvaluationDate: '2025-03-07T11:25:00Z' }])
  })

  it('the MaterialLot holds the whole genealogy; a lot that went into two parts is in full once, then by its id', () => {
    const root = exported().lot.MaterialLot
    assert.equal(root.ID, 'FG-LOT-7')
    const fg = root.MaterialSubLot[0]
    assert.equal(fg.ID, 'FG-0001')
    assert.deepEqual(fg.AssemblyType, { $: 'Physical' })
    assert.deepEqual(fg.AssemblyLot.map((l: Doc) => l.ID), ['SCR-9'])
    const [sa1, sa2] = fg.AssemblySubLot
    assert.deepEqual([sa1.ID, sa1.MaterialLotID, sa2.ID], ['SA-001', 'SA-LOT-3', 'SA-002'])
    assert.deepEqual(sa1.AssemblyLot.map((l: Doc) => l.ID), ['ST-1A', 'RS-3'])
    const rs3 = sa1.AssemblyLot[1]
    assert.deepEqual(rs3.AssemblyType, { $: 'Logical' })
    assert.deepEqual(rs3.AssemblyLot.map((l: Doc) => l.ID), ['RS-1', 'RS-2'])
    assert.deepEqual(rs3.MaterialLotProperty[0].Value.map((v: Doc) => v.Key), ['status', 'reason', 'by', 'at', 'releasedBy', 'releasedAt'])
    assert.deepEqual(sa2.AssemblyLot[1], { ID: 'RS-3' })
    assert.deepEqual(sa2.AssemblyLot[0].AssemblyLot, [{ ID: 'ST-1' }])
  })

  it('a broken export FAILS the validation: a missing required element and a wrong type, each with its path', () => {
    const { op, lot } = exported()
    delete op.OperationsPerformance.OperationsResponse[1].SegmentResponse[0].ID
    op.OperationsPerformance.OperationsResponse[0].SegmentResponse[0].MaterialActual[0].Quantity = '2 kg'
    assert.deepEqual(validateB2mml(op), [
      { path: '/OperationsPerformance/OperationsResponse/0/SegmentResponse/0/MaterialActual/0/Quantity', message: 'must be array' },
      { path: '/OperationsPerformance/OperationsResponse/1/SegmentResponse/0/ID', message: 'is required' }
    ])
    lot.MaterialLot.MaterialSubLot[0].AssemblyType = { $: 'Glued' }
    lot.MaterialLot.Colour = 'red'
    assert.throws(() => assertB2mml(lot), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.deepEqual(err.problems.map((p) => ({ ...p })), [
        { path: '/MaterialLot/Colour', message: 'is not an element B2MML has here' },
        { path: '/MaterialLot/MaterialSubLot/0/AssemblyType/$', message: 'must be one of ["Physical","Logical","Other"]' }
      ])
      assert.match(err.message, /B2MML export: 2 problems/)
      return true
    })
  })

  it('a document that is not one the hub writes, or two in one, is refused at the root', () => {
    assert.deepEqual(validateB2mml({ Equipment: { ID: 'press-1' } }), [{ path: '/Equipment', message: 'is not a document the hub writes (OperationsPerformance, MaterialLot)' }])
    const { op, lot } = exported()
    assert.deepEqual(validateB2mml({ ...op, ...lot }), [{ path: '/', message: 'must hold exactly one document (OperationsPerformance or MaterialLot)' }])
  })
})
