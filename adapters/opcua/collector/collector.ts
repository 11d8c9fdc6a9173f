// The OPC UA collector: machines that speak OPC UA feed the namespace. One self-healing session per endpoint the
// plant model binds (endpoint-session.ts); each value goes through the UNS port as the hub's JSON payload
// (retained, so a new subscriber sees the last value), and into the namespace with its OPC UA datatype and source.
// While a server is away its values stay, marked STALE. The session's health is retained per bound equipment on
// `<equipment>/state/opcua-session`; a variable the server refuses is reported there, on `$hub/errors/<topic>` and
// in the log, and the other variables keep working. node-opcua is loaded only when the plant model binds variables
// (it takes a while to load, and checks its RSA support with a 4096-bit key as it does).
import { endpointBindings } from './bindings'
// Types only: erased from the compiled file, so node-opcua stays unloaded until a binding needs it.
import type { OpcUaCollectorOptions, RunningCollector } from './collector-runtime'

export type { OpcUaCollectorOptions, RunningCollector }

/** Starts a session per bound endpoint and returns at once: an unreachable server does not hold up the hub. */
export async function startOpcUaCollector (opts: OpcUaCollectorOptions): Promise<RunningCollector> {
  const bindings = opts.settings.enabled ? endpointBindings(opts.model) : []
  if (bindings.length === 0) return { endpoints: [], stop: async () => {} }
  // Loaded here, not at the top: see above.
  const runtime = require('./collector-runtime') as typeof import('./collector-runtime')
  return runtime.startSessions(bindings, opts)
}
