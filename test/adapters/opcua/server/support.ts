// An OPC UA client session on the hub's server, as UaExpert or a SCADA would open one (node-opcua-client).
import os from 'node:os'
import path from 'node:path'
import {
  MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType, type ClientSession
} from 'node-opcua'

// One client certificate store for the test clients of this run, in the temporary directory: without one,
// node-opcua makes it in the home directory.
let defaultStore: OPCUACertificateManager | undefined
const testClientStore = (): OPCUACertificateManager =>
  (defaultStore ??= new OPCUACertificateManager({ rootFolder: path.join(os.tmpdir(), `hub-test-opcua-client-pki-${process.pid}`), automaticallyAcceptUnknownCertificate: true }))

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
    clientCertificateManager: opts.clientCertificateManager ?? testClientStore()
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
