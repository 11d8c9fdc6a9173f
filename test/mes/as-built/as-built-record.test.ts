import assert from 'node:assert/strict'
import { ValidationError } from '../../../core/errors'
import { validateAsBuiltRecord } from '../../../mes/as-built/record-check'
import { threeLevelRecord } from './three-level-record'

function problemsOf (input: unknown): Array<{ path: string, message: string }> {
  try {
    validateAsBuiltRecord(input)
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err))
    return err.problems.map((p) => ({ ...p }))
  }
  assert.fail('the record was accepted')
}

describe('as-built record: its own schema and references', () => {
  it('a three-level record (a split, a merge, an override, holds, process values) validates', () => {
    const record = threeLevelRecord()
    assert.equal(validateAsBuiltRecord(record), record)
  })

  it('a record without its operations, or with a wrong lot status, is refused with the JSON path', () => {
    const record = threeLevelRecord() as unknown as Record<string, unknown>
    delete record.operations
    ;(record.genealogy as { nodes: Array<{ status: string }> }).nodes[3].status = 'fine'
    const problems = problemsOf(record)
    assert.ok(problems.some((p) => p.path === '/operations' && p.message === 'is required'), JSON.stringify(problems))
    assert.ok(problems.some((p) => p.path === '/genealogy/nodes/3/status' && /must be one of/.test(p.message)), JSON.stringify(problems))
  })

  it('a sublot without its lot and a consumption without its job are refused', () => {
    const record = threeLevelRecord()
    record.genealogy.nodes[1].kind = 'sublot'
    delete record.genealogy.nodes[1].lotId
    delete record.genealogy.edges[4].jobId
    assert.deepEqual(problemsOf(record), [
      { path: '/genealogy/nodes/1/lotId', message: 'is required' },
      { path: '/genealogy/edges/4/jobId', message: 'is required' }
    ])
  })

  it('a serial of no lot (a lot of one, as the material module makes them) is accepted', () => {
    const record = threeLevelRecord()
    delete record.genealogy.nodes[1].lotId
    assert.equal(validateAsBuiltRecord(record), record)
  })

  it('names that are not nodes of the genealogy, a node twice and a self-signed override are refused', () => {
    const record = threeLevelRecord()
    record.subject = 'FG-9999'
    record.genealogy.edges[0].to = 'ST-1Z'
    record.genealogy.nodes.push({ ...record.genealogy.nodes[4] })
    record.operations[0].consumed[0].nodeId = 'NOPE'
    record.overrides[0].signature.user = 'ben'
    record.genealogy.edges[10].overrideId = 'OVR-2'
    assert.deepEqual(problemsOf(record), [
      { path: '/genealogy/nodes/10/id', message: 'node ST-1 is listed twice' },
      { path: '/subject', message: 'FG-9999 is not a node of the genealogy' },
      { path: '/genealogy/edges/0/to', message: 'ST-1Z is not a node of the genealogy' },
      { path: '/genealogy/edges/10/overrideId', message: 'OVR-2 is not an override of the record' },
      { path: '/operations/0/consumed/0/nodeId', message: 'NOPE is not a node of the genealogy' },
      { path: '/overrides/0/signature/user', message: 'an override is signed by someone other than the operator (ben)' }
    ])
  })
})
