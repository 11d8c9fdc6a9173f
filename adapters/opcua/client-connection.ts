// What the hub's OPC UA clients (the collector's sessions, the browse of a bound server) share: the binding's
// security mode and user as node-opcua takes them, a bound on every request, and node-opcua's messages on one line.
import { MessageSecurityMode, UserTokenType, type UserIdentityInfo } from 'node-opcua'
import type { OpcUaSecurityMode } from '../../plant/plant-model'

export const SECURITY_MODES: Record<OpcUaSecurityMode, MessageSecurityMode> = {
  None: MessageSecurityMode.None,
  Sign: MessageSecurityMode.Sign,
  SignAndEncrypt: MessageSecurityMode.SignAndEncrypt
}

/** The session's user: anonymous without a user name; the password from the environment variable the binding names. */
export function userIdentity (username: string | undefined, passwordEnv: string | undefined, env: NodeJS.ProcessEnv): UserIdentityInfo {
  if (username === undefined) return { type: UserTokenType.Anonymous }
  return { type: UserTokenType.UserName, userName: username, password: env[passwordEnv ?? ''] ?? '' }
}

/** Rejects after `ms` with a message that names what took too long. */
export function withTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/** node-opcua's messages span lines and pad with spaces; a log line and a status field are one line. */
export function oneLine (text: string): string {
  return text.replace(/\s+/g, ' ').replace(/ \./g, '.').trim()
}
