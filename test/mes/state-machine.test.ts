import assert from 'node:assert/strict'
import { JOB_EVENTS, JOB_STATES, TRANSITIONS, isAllowed, transition } from '../../mes/job-state-machine'

describe('job state machine table', () => {
  it('allows exactly the transitions in the table', () => {
    for (const s of JOB_STATES) {
      for (const e of JOB_EVENTS) {
        const r = transition(s, e)
        const inTable = TRANSITIONS.some((t) => t.event === e && t.from.includes(s))
        assert.equal(r.ok, inTable, `${e} from ${s}`)
        assert.equal(isAllowed(s, e), inTable)
        if (!r.ok) assert.match(r.reason, new RegExp(`^job is ${s.replace('.', '\\.')}, not `))
      }
    }
  })

  it('follows the OPC 10031-4 job life cycle', () => {
    const to = (s: Parameters<typeof transition>[0], e: Parameters<typeof transition>[1], held: Parameters<typeof transition>[2] = null): string => {
      const r = transition(s, e, held)
      assert.ok(r.ok, `${e} from ${s}`)
      return r.to
    }
    assert.equal(to('NotAllowedToStart', 'allowStart'), 'AllowedToStart')
    assert.equal(to('AllowedToStart', 'revokeStart'), 'NotAllowedToStart')
    assert.equal(to('AllowedToStart', 'start'), 'Running')
    assert.equal(to('Running', 'pause'), 'Interrupted.Paused')
    assert.equal(to('Interrupted.Paused', 'resume'), 'Running')
    assert.equal(to('Running', 'report'), 'Running')
    assert.equal(to('Running', 'complete'), 'Ended')
    assert.equal(to('Running', 'hold'), 'Interrupted.Held')
    assert.equal(to('Interrupted.Held', 'release', 'Running'), 'Interrupted.Paused', 'a job held while running comes back paused')
    assert.equal(to('Interrupted.Held', 'release', 'AllowedToStart'), 'AllowedToStart')
    assert.equal(to('Interrupted.Held', 'release', 'Interrupted.Paused'), 'Interrupted.Paused')
    for (const s of ['NotAllowedToStart', 'AllowedToStart', 'Running', 'Interrupted.Paused', 'Interrupted.Held'] as const) {
      assert.equal(to(s, 'abort'), 'Aborted')
    }
  })

  it('gives the reason in the words of the spec', () => {
    const r = transition('AllowedToStart', 'complete')
    assert.deepEqual(r, { ok: false, reason: 'job is AllowedToStart, not Running' })
    const h = transition('Ended', 'hold')
    assert.equal(h.ok, false)
    assert.equal(!h.ok && h.reason, 'job is Ended, not NotAllowedToStart, AllowedToStart, Running or Interrupted.Paused')
  })
})
