// The life cycle of one endpoint's session, as a table of allowed transitions: any other transition is a bug and
// throws. `connecting` covers connect, session, limits, browse paths and the first subscription; `resubscribing`
// rebuilds a silent subscription on a session that may still be good; `disconnected` waits out the backoff.
import { HubError } from '../../../core/errors'

export type SessionState = 'idle' | 'connecting' | 'connected' | 'resubscribing' | 'disconnected' | 'stopped'

export const SESSION_TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  idle: ['connecting', 'stopped'],
  connecting: ['connected', 'disconnected', 'stopped'],
  connected: ['resubscribing', 'disconnected', 'stopped'],
  resubscribing: ['connected', 'disconnected', 'stopped'],
  disconnected: ['connecting', 'stopped'],
  stopped: []
}

export function checkTransition (endpoint: string, from: SessionState, to: SessionState): void {
  if (!SESSION_TRANSITIONS[from].includes(to)) {
    throw new HubError('OPCUA_SESSION_STATE', `OPC UA session of ${endpoint}: no transition from ${from} to ${to}`, { source: endpoint },
      'this is a bug in the collector: report it with the log around this line')
  }
}
