// An OPC UA client session on the hub's server, as UaExpert or a SCADA would open one (node-opcua-client).
import {
  MessageSecurityMode, OPCUAClient, SecurityPolicy, UserTokenType, type ClientSession, type OPCUACertificateManager
} from 'node-opcua'

export interface ClientOptions {
  user?: { name: string, password: string }
  securityMode?: MessageSecurityMode
  securityPolicy?: SecurityPolicy
  clientCertificateManager?: OPCUACertificateManager
}

export interface OpenSession {
  client: OPCUAClient
  session: ClientSession
  close (): Promise<void>
}

export function newClient (opts: ClientOptions = {}): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'hub-test-client',
    applicationUri: 'urn:hub-test-client',
    endpointMustExist: false,
    securityMode: opts.securityMode ?? MessageSecurityMode.None,
    securityPolicy: opts.securityPolicy ?? SecurityPolicy.None,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    ...(opts.clientCertificateManager !== undefined ? { clientCertificateManager: opts.clientCertificateManager } : {})
  })
}

export async function openSession (url: string, opts: ClientOptions = {}): Promise<OpenSession> {
  const client = newClient(opts)
  await client.connect(url)
  try {
    const session = await client.createSession(opts.user === undefined
      ? { type: UserTokenType.Anonymous }
      : { type: UserTokenType.UserName, userName: opts.user.name, password: opts.user.password })
    return { client, session, close: async () => { await session.close(); await client.disconnect() } }
  } catch (err) {
    await client.disconnect()
    throw err
  }
}

/** Polls `check` until it returns true (each step one event-loop round trip to the server), at most `ms`. */
export async function eventually (check: () => Promise<boolean> | boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
