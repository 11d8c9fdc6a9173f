// What a CONNECT must satisfy before its credentials are looked at, with the CONNACK code that refuses it:
// - an empty client id asks the server to make one up, which is only possible for a clean session: a persistent
//   session needs an id to be found again (MQTT-3.1.3-8: CONNACK 2, identifier rejected). aedes makes one up anyway.
// - client ids longer than `mqtt.maxClientIdLength` (aedes checks its own limit for MQTT 3.1 only): CONNACK 2;
// - client ids and usernames must be UTF-8 text without control characters (MQTT-1.5.3): CONNACK 2 and 4;
// - the client ids of the hub's own in-process connections (its Sparkplug host) are the hub's: a client with one
//   would take over that session (the newer connection wins), cut the host off and publish its STATE death, and the
//   host reconnecting would cut the client off in turn: CONNACK 2, whoever asks.
import { forbiddenCharacter } from '../uns/mqtt-text'

export const IDENTIFIER_REJECTED = 2
export const BAD_USERNAME_OR_PASSWORD = 4

export interface ConnectFacts {
  clientId: string
  clean: boolean
  username?: string
}

export interface ConnectRefusal { returnCode: typeof IDENTIFIER_REJECTED | typeof BAD_USERNAME_OR_PASSWORD, reason: string }

/** null when the CONNECT may go on to authentication, otherwise the CONNACK code and why. */
export function connectRefusal (c: ConnectFacts, maxClientIdLength: number,
  hubClientIds: ReadonlySet<string> = new Set()): ConnectRefusal | null {
  if (c.clientId.length === 0 && !c.clean) {
    return { returnCode: IDENTIFIER_REJECTED, reason: 'empty client id with a persistent session (clean session 0): a persistent session needs a client id (MQTT-3.1.3-8)' }
  }
  if (c.clientId.length > maxClientIdLength) {
    return { returnCode: IDENTIFIER_REJECTED, reason: `client id of ${c.clientId.length} characters is longer than ${maxClientIdLength} (mqtt.maxClientIdLength)` }
  }
  const badId = forbiddenCharacter(c.clientId)
  if (badId !== null) return { returnCode: IDENTIFIER_REJECTED, reason: `client id contains ${badId} (MQTT-1.5.3)` }
  if (hubClientIds.has(c.clientId)) {
    return { returnCode: IDENTIFIER_REJECTED, reason: `client id '${c.clientId}' belongs to the hub's own Sparkplug host; choose another` }
  }
  if (c.username !== undefined) {
    const badName = forbiddenCharacter(c.username)
    if (badName !== null) return { returnCode: BAD_USERNAME_OR_PASSWORD, reason: `username contains ${badName} (MQTT-1.5.3)` }
  }
  return null
}
