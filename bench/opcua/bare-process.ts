// The baseline: a bare node-opcua server, in a process of its own, holding the benchmark's N Double variables (one
// folder per device, the hub's NodeId strings) and changing them from a timer in this process at the paced rate
// (setValueFromSource, as the hub does). `bare-process <n> <pki folder>`: initialises the server (the base nodeset
// only), then creates the N variables and starts it, and sends {ready} with how long that took and the heap after a
// full collection before and after. The same limits as the hub's server (adapters/opcua/config.ts), security None.
// First: node-opcua's console output is routed as it loads (adapters/opcua/node-opcua-log.ts).
import { routeNodeOpcuaLogs } from '../../adapters/opcua/node-opcua-log'
import { DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes, type UAVariable } from 'node-opcua'
import { DEFAULT_OPCUA_LIMITS } from '../../adapters/opcua/config'
import { silentLogger } from '../../core/logger'
import { heapAfterGc, serve, watchMajorGc, type Heap } from './ipc'
import { BARE_NAMESPACE_URI, CHANGES_PER_DDATA, deviceName, nodeName, placeOf, topicOf } from './layout'
import { paced } from './pace'

export interface BareReady { opcuaUrl: string, startMs: number, createMs: number, heapBefore: Heap, heapAfter: Heap }
export type BareJob = { kind: 'changes', perSecond: number, changes: number, base: number } | { kind: 'gc' }

async function main (): Promise<void> {
  const n = Number(process.argv[2])
  const pki = process.argv[3]!
  routeNodeOpcuaLogs(silentLogger)
  const limits = DEFAULT_OPCUA_LIMITS
  const cm = new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true })
  await cm.initialize()
  const server = new OPCUAServer({
    port: 0,
    host: '127.0.0.1',
    serverCertificateManager: cm,
    // Without one node-opcua makes a user store in the home directory.
    userCertificateManager: cm,
    securityPolicies: [SecurityPolicy.None],
    securityModes: [MessageSecurityMode.None],
    allowAnonymous: true,
    maxAllowedSessionNumber: limits.maxSessions,
    maxConnectionsPerEndpoint: limits.maxConnections,
    serverCapabilities: {
      maxSessions: limits.maxSessions,
      maxSubscriptionsPerSession: limits.maxSubscriptionsPerSession,
      maxMonitoredItemsPerSubscription: limits.maxMonitoredItemsPerSubscription,
      operationLimits: {
        maxMonitoredItemsPerCall: limits.maxMonitoredItemsPerCall,
        maxNodesPerRead: limits.maxNodesPerRead,
        maxNodesPerWrite: limits.maxNodesPerWrite,
        maxNodesPerBrowse: limits.maxNodesPerBrowse
      }
    }
  })
  await server.initialize()
  const heapBefore = heapAfterGc()

  const t0 = performance.now()
  const addressSpace = server.engine.addressSpace!
  const ns = addressSpace.registerNamespace(BARE_NAMESPACE_URI)
  const folders = new Map<string, ReturnType<typeof ns.addFolder>>()
  const variables: UAVariable[] = []
  const now = new Date()
  for (let i = 0; i < n; i++) {
    const p = placeOf(i)
    const key = `${nodeName(p.node)}/${deviceName(p.device)}`
    let folder = folders.get(key)
    if (folder === undefined) {
      folder = ns.addFolder(addressSpace.rootFolder.objects, { browseName: key, nodeId: `s=${key}/` })
      folders.set(key, folder)
    }
    const v = ns.addVariable({ organizedBy: folder, nodeId: `s=${topicOf(i)}`, browseName: `m-${p.metric}`, dataType: 'Double', minimumSamplingInterval: 0 })
    v.setValueFromSource({ dataType: DataType.Double, value: 0 }, StatusCodes.Good, now)
    variables.push(v)
  }
  const createMs = performance.now() - t0
  await server.start()
  const startMs = performance.now() - t0
  const heapAfter = heapAfterGc()

  const gc = watchMajorGc()
  serve<BareJob>(async (job) => {
    if (job.kind === 'gc') return gc.take()
    // The same steps as the hub's DDATA: CHANGES_PER_DDATA consecutive variables at a time, value base + m.
    return paced(job.perSecond, job.changes, CHANGES_PER_DDATA, (first) => {
      const at = new Date()
      for (let m = first; m < first + CHANGES_PER_DDATA; m++) {
        variables[m % n]!.setValueFromSource({ dataType: DataType.Double, value: job.base + m }, StatusCodes.Good, at)
      }
    })
  }, async () => { await server.shutdown(0); await cm.dispose() })
  process.send!({ ready: { opcuaUrl: `opc.tcp://127.0.0.1:${server.endpoints[0]!.port}`, startMs, createMs, heapBefore, heapAfter } satisfies BareReady })
}

main().catch((err: Error) => {
  process.send?.({ error: err.stack ?? err.message })
  process.stderr.write(`bare-process: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
