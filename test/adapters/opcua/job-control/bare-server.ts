// A bare node-opcua server with the ISA-95 and job-control nodesets, two work units as objects, and a real MES on
// SQLite, for the job-control tests; and a node-opcua client session on it. Everything in a temp dir, on a free port.
import fs from 'node:fs'
import path from 'node:path'
import {
  MessageSecurityMode, OPCUACertificateManager, OPCUAClient, OPCUAServer, SecurityPolicy, UserTokenType,
  type ClientSession, type UAObject
} from 'node-opcua'
import { nodesets } from 'node-opcua-nodesets'
import { openSqliteMes, type Mes } from '../../../../mes/index'
import { installJobControl, type JobControl, type JobControlOptions } from '../../../../adapters/opcua/job-control/install-job-control'
import { freePort } from '../../../support/child-hub'
import { tempDir } from '../../../support/hub-fixture'

/** The ISA-95 (OPC 10030) nodeset ships beside the job-control one; node-opcua-nodesets has no catalog entry for it. */
export const ISA95_NODESET = path.join(path.dirname(nodesets.isa95JobControl), 'Opc.ISA95.NodeSet2.xml')

export const USERS: Record<string, string> = { 'op.oscar': 'saw-secret', 'viewer.vic': 'look-only' }

/** Work units as the plant model names them (sap.workCenter) under their work centers. */
const UNITS = [
  { workUnit: 'SAW-01', workCenter: 'WC-CUT', topic: 'acme/dallas/cutting/saw-line/saw-01' },
  { workUnit: 'WELD-01', workCenter: 'WC-WELD', topic: 'acme/dallas/welding/weld-line/weld-01' }
]

export interface JobServer {
  readonly mes: Mes
  readonly server: OPCUAServer
  readonly jobControl: JobControl
  readonly endpoint: string
  readonly dir: string
  /** The units' equipment objects, by MES code. */
  readonly units: ReadonlyMap<string, UAObject>
  close: () => Promise<void>
}

export async function startJobServer (extra: Partial<JobControlOptions> = {}): Promise<JobServer> {
  const dir = tempDir('opcua-jobs-')
  const mes = await openSqliteMes(path.join(dir, 'mes.sqlite'), {
    isWorkUnitOf: (wc, wu) => UNITS.some((u) => u.workCenter === wc && u.workUnit === wu)
  })
  const port = await freePort()
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: path.join(dir, 'pki'), automaticallyAcceptUnknownCertificate: true })
  const server = new OPCUAServer({
    port,
    hostname: '127.0.0.1',
    nodeset_filename: [nodesets.standard, ISA95_NODESET, nodesets.isa95JobControl],
    serverCertificateManager,
    // Without its own manager, node-opcua puts the user-certificate store in the home directory.
    userCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(dir, 'user-pki') }),
    // node-opcua offers user names only on a server that also has a secure endpoint (it encrypts the password with it).
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: true,
    userManager: { isValidUser: (user: string, password: string) => USERS[user] !== undefined && USERS[user] === password }
  })
  await server.initialize()
  const addressSpace = server.engine.addressSpace!
  const own = addressSpace.getOwnNamespace()
  const units = new Map<string, UAObject>()
  for (const u of UNITS) {
    units.set(u.workUnit, own.addObject({ browseName: u.workUnit, organizedBy: addressSpace.rootFolder.objects }))
  }
  const jobControl = installJobControl(addressSpace, {
    mes,
    units: UNITS.map((u) => ({ workUnit: u.workUnit, topic: u.topic, parent: units.get(u.workUnit)! })),
    // The viewer may read but not control, as the hub's viewer role.
    mayControl: (user) => user !== 'viewer.vic',
    ...extra
  })
  await server.start()
  return {
    mes,
    server,
    jobControl,
    endpoint: `opc.tcp://127.0.0.1:${port}`,
    dir,
    units,
    async close () {
      jobControl.stop()
      await server.shutdown()
      await mes.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface Session { readonly client: OPCUAClient, readonly session: ClientSession, close: () => Promise<void> }

/** A node-opcua client session as `user` (with its password), or anonymous. */
export async function openSession (s: JobServer, user?: string): Promise<Session> {
  const client = OPCUAClient.create({
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(s.dir, 'client-pki'), automaticallyAcceptUnknownCertificate: true })
  })
  await client.connect(s.endpoint)
  const session = user === undefined
    ? await client.createSession()
    : await client.createSession({ type: UserTokenType.UserName, userName: user, password: USERS[user]! })
  return {
    client,
    session,
    async close () {
      await session.close()
      await client.disconnect()
    }
  }
}
