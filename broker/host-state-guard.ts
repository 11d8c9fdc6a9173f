// The hub's STATE topic (spBv1.0/STATE/<hostId>) is written only by the hub's own Sparkplug host, on its in-process
// connection. Edge nodes that wait for their primary host birth only while it says online, so a client that deletes
// it (`mosquitto_pub -r -n -t spBv1.0/STATE/isa95-hub`) or publishes a death there would stop every such node.
// Admin clients are refused too: no account needs to write another application's STATE. The rule is one step of the
// publish guard's access checks (broker/publish-guard.ts), so a refused publish becomes a report on
// $hub/errors/<topic> like every other refusal, logged once per client and burst, and the client keeps its
// connection. Wills of an earlier run of the hub itself (client null) were registered by that run's host and pass.
import { stateTopic } from '../plant/sparkplug-topic'

/** The topic the hub's host owns, or undefined when the hub runs no host (nothing to protect). */
export function hostStateTopic (hostId: string | undefined): string | undefined {
  return hostId === undefined ? undefined : stateTopic(hostId)
}

/** Why a client's publish to the hub's STATE topic is refused. */
export function hostStateRefusal (topic: string): string {
  return `only the hub's Sparkplug host may publish its STATE topic '${topic}' (edge nodes wait for it ` +
    'to birth); refused for every client, admin included'
}
