// A machine that speaks OPC UA, for the collector's tests: a real node-opcua server on 127.0.0.1 with a Press
// object whose variables change every 50 ms. Its limits are set low on purpose (two monitored items per call), so
// that a collector that does not batch within the server's OperationLimits fails. Restarted on the same port with
// the same certificate folder, it is the same machine after a reboot.
// node-opcua's own console lines go to the hub's logger, as in the hub (first, before node-opcua loads).
import '../../../../adapters/opcua/node-opcua-log'
import path from 'node:path'
import {
  DataType, MessageSecurityMode, VariantArrayType, OPCUACertificateManager, OPCUAServer, SecurityPolicy, Variant, type ServerSession, type UAVariable
} from 'node-opcua'

export const MAX_ITEMS_PER_CALL = 2

/** A TCP port free right now on 127.0.0.1 (the one the child hubs use). */
export { freePort } from '../../../support/child-hub'

export class OpcUaMachine {
  /** Strokes so far: a UInt64 on the wire. */
  strokes = 0
  private timer: NodeJS.Timeout | undefined
  private readonly variables = new Map<string, UAVariable>()

  private constructor (private readonly server: OPCUAServer, readonly port: number) {}

  get endpoint (): string { return `opc.tcp://127.0.0.1:${this.port}` }

  static async start (port: number, dir: string): Promise<OpcUaMachine> {
    const server = new OPCUAServer({
      port,
      hostname: '127.0.0.1',
      alternateHostname: ['127.0.0.1'],
      serverCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(dir, 'machine-pki'), automaticallyAcceptUnknownCertificate: true }),
      // Without one of its own node-opcua makes a user store in the home directory.
      userCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(dir, 'machine-user-pki') }),
      securityModes: [MessageSecurityMode.None],
      securityPolicies: [SecurityPolicy.None],
      allowAnonymous: true,
      maxConnectionsPerEndpoint: 20,
      serverCapabilities: { maxSessions: 20, operationLimits: { maxMonitoredItemsPerCall: MAX_ITEMS_PER_CALL } }
    })
    await server.initialize()
    const machine = new OpcUaMachine(server, port)
    machine.build()
    await server.start()
    machine.timer = setInterval(() => machine.tick(), 50)
    return machine
  }

  /** Shuts the server down (its sockets close: clients see the connection end). */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.server.shutdown(0)
  }

  /**
   * Deletes every subscription on the server and keeps the sessions: the failure of a server that "stops
   * delivering after hours". Nothing is sent to the client; its session still answers. Returns how many went.
   */
  dropSubscriptions (): number {
    // node-opcua keeps its sessions in a private field; a test may reach in, the hub never does.
    const sessions = (this.server.engine as unknown as { _sessions: Record<string, ServerSession> })._sessions
    let dropped = 0
    for (const session of Object.values(sessions)) {
      for (const sub of [...session.publishEngine.subscriptions]) {
        if (session.deleteSubscription(sub.id).isGood()) dropped++
      }
    }
    return dropped
  }

  private build (): void {
    const addressSpace = this.server.engine.addressSpace!
    const ns = addressSpace.getOwnNamespace()
    const press = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Press', nodeId: 's=Press' })
    const add = (name: string, dataType: DataType, value: unknown): void => {
      const v = ns.addVariable({ componentOf: press, browseName: name, nodeId: `s=Press.${name}`, dataType: DataType[dataType] })
      v.setValueFromSource(new Variant({ dataType, arrayType: VariantArrayType.Scalar, value }))
      this.variables.set(name, v)
    }
    add('Temperature', DataType.Double, 20)
    add('Strokes', DataType.UInt64, [0, 0])
    add('Running', DataType.Boolean, true)
    add('Program', DataType.String, 'P-100')
  }

  private tick (): void {
    this.strokes++
    this.variables.get('Temperature')!.setValueFromSource(new Variant({ dataType: DataType.Double, value: 20 + (this.strokes % 100) / 10 }))
    this.variables.get('Strokes')!.setValueFromSource(new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [0, this.strokes] }))
  }
}
