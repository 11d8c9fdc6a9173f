// Assembly line A of the demo plant as an OPC UA server, for the hub's collector (plant/demo-plant.yaml binds
// station-10 and station-20 to it): a LineA object with one object per station whose variables change every tick.
//   Station10: Torque (Double, N.m, per screw), ScrewCount (UInt32), Running (Boolean), Program (String, writable)
//   Station20: Voltage (Double, V), TestResult (String: PASS | FAIL), Running (Boolean)
// Security None, anonymous: a simulator on the machine's loopback, as a PLC on a cell network often is.
import os from 'node:os'
import path from 'node:path'
import { format } from 'node:util'
import {
  DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, Variant, setErrorLogger, setWarningLogger,
  type UAObject, type UAVariable
} from 'node-opcua'

// node-opcua prints its warnings with console.log. Its W27 (Node 20 refuses RSA PKCS#1 v1.5 without
// --security-revert=CVE-2023-46809) does not concern a server that offers SecurityPolicy None only: dropped; the
// rest goes to the simulator's log once it has one.
let simLog: ((line: string) => void) | undefined
const fromNodeOpcua = (...args: unknown[]): void => {
  const text = format(...args.filter((a) => !(typeof a === 'object' && a !== null && 'filename' in a)))
  if (!/NODE-OPCUA-W27|security-revert=CVE-2023-46809/.test(text)) simLog?.(`node-opcua: ${text}`)
}
setWarningLogger(fromNodeOpcua)
setErrorLogger(fromNodeOpcua)

export interface OpcUaStationOptions {
  port: number
  /** Ticks per second (default 1). */
  rate?: number
  /** Where the server keeps its certificate (default: a folder in the system's temporary directory). */
  pkiDir?: string
  log?: (line: string) => void
}

export class OpcUaStation {
  private server: OPCUAServer | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly v = new Map<string, UAVariable>()
  private screws = 0
  private tested = 0

  constructor (private readonly opts: OpcUaStationOptions) {
    simLog = opts.log
  }

  get endpoint (): string { return `opc.tcp://127.0.0.1:${this.opts.port}` }

  async start (): Promise<void> {
    const port = this.opts.port
    // Both stores in one folder of our own: without a user store node-opcua makes one in the home directory.
    const pki = new OPCUACertificateManager({
      rootFolder: this.opts.pkiDir ?? path.join(os.tmpdir(), 'isa95-hub-sim-opcua-pki'), automaticallyAcceptUnknownCertificate: true
    })
    const server = new OPCUAServer({
      port,
      hostname: '127.0.0.1',
      alternateHostname: ['127.0.0.1'],
      serverCertificateManager: pki,
      userCertificateManager: pki,
      securityModes: [MessageSecurityMode.None],
      securityPolicies: [SecurityPolicy.None],
      allowAnonymous: true,
      buildInfo: { productName: 'isa95-hub demo station simulator' }
    })
    await server.initialize()
    this.build(server)
    await server.start()
    this.server = server
    this.timer = setInterval(() => this.tick(), 1000 / (this.opts.rate ?? 1))
    this.opts.log?.(`OPC UA station simulator on ${this.endpoint} (LineA/Station10, LineA/Station20)`)
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.server?.shutdown(0)
    this.server = undefined
  }

  private build (server: OPCUAServer): void {
    const addressSpace = server.engine.addressSpace!
    const ns = addressSpace.getOwnNamespace()
    const line = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'LineA', nodeId: 's=LineA' })
    const station = (name: string): UAObject => ns.addObject({ componentOf: line, browseName: name, nodeId: `s=LineA.${name}` })
    const add = (parent: UAObject, id: string, name: string, dataType: DataType, value: unknown, writable = false): void => {
      const variable = ns.addVariable({
        componentOf: parent, browseName: name, nodeId: `s=LineA.${id}.${name}`, dataType: DataType[dataType],
        ...(writable ? { accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite' } : {})
      })
      variable.setValueFromSource(new Variant({ dataType, value }))
      this.v.set(`${id}.${name}`, variable)
    }
    const s10 = station('Station10')
    add(s10, 'Station10', 'Torque', DataType.Double, 0)
    add(s10, 'Station10', 'ScrewCount', DataType.UInt32, 0)
    add(s10, 'Station10', 'Running', DataType.Boolean, true)
    add(s10, 'Station10', 'Program', DataType.String, 'FRAME-A', true)
    const s20 = station('Station20')
    add(s20, 'Station20', 'Voltage', DataType.Double, 0)
    add(s20, 'Station20', 'TestResult', DataType.String, 'PASS')
    add(s20, 'Station20', 'Running', DataType.Boolean, true)
  }

  private set (key: string, dataType: DataType, value: unknown): void {
    this.v.get(key)!.setValueFromSource(new Variant({ dataType, value }))
  }

  private tick (): void {
    this.screws++
    // A screw tightened to 12 N.m, give or take; one in twenty test runs fails.
    this.set('Station10.Torque', DataType.Double, Math.round((12 + Math.sin(this.screws / 3) * 0.6) * 100) / 100)
    this.set('Station10.ScrewCount', DataType.UInt32, this.screws)
    if (this.screws % 4 === 0) {
      this.tested++
      this.set('Station20.Voltage', DataType.Double, Math.round((24 + Math.cos(this.tested) * 0.4) * 100) / 100)
      this.set('Station20.TestResult', DataType.String, this.tested % 20 === 0 ? 'FAIL' : 'PASS')
    }
  }
}
