// The OPC UA session's life cycle is a table: every transition it lists is allowed, any other throws.
import assert from 'node:assert/strict'
import { HubError } from '../../../../core/errors'
import { SESSION_TRANSITIONS, checkTransition, type SessionState } from '../../../../adapters/opcua/collector/session-state'

describe('OPC UA session states', () => {
  const states = Object.keys(SESSION_TRANSITIONS) as SessionState[]

  it('allows exactly the transitions of the table', () => {
    for (const from of states) {
      for (const to of states) {
        if (SESSION_TRANSITIONS[from].includes(to)) checkTransition('opc.tcp://h:4840', from, to)
        else assert.throws(() => checkTransition('opc.tcp://h:4840', from, to), (e: unknown) => e instanceof HubError && e.code === 'OPCUA_SESSION_STATE')
      }
    }
  })

  it('heals only through a new attempt: a lost session waits, then connects; nothing leaves stopped', () => {
    assert.deepEqual(SESSION_TRANSITIONS.disconnected, ['connecting', 'stopped'])
    assert.deepEqual(SESSION_TRANSITIONS.stopped, [])
    assert.ok(SESSION_TRANSITIONS.connected.includes('resubscribing'), 'a silent subscription is rebuilt on the session')
  })
})
