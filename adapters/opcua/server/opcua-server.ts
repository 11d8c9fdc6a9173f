// The hub's OPC UA server: the plant model as ISA-95 equipment objects, the namespace as variables under them, live
// through the UNS port (its namespace's change events), writes of Sparkplug metrics as commands on the UNS.
// Security: Basic256Sha256 and the two Aes policies (Sign, SignAndEncrypt), None for clients on this machine; users
// and rights from the hub's MQTT accounts (./access.ts); client certificates through the store in the data
// directory (./certificates.ts).
import '../node-opcua-log'
import fs from 'node:fs'
import path from 'node:path'
import {
  AnonymousIdentityToken, MessageSecurityMode, OPCUAServer, SecurityPolicy, StatusCodes, type AddressSpace,
  type Namespace as UaNamespace, type OPCUAServerOptions, type ServerSecureChannelLayer, type ServerSession,
  type StatusCode, type UAObject, type UserIdentityToken
} from 'node-opcua'
import { HubError } from '../../../core/errors'
import type { Logger } from '../../../core/logger'
import type { PlantModel } from '../../../plant/plant-model'
import { parseUnsTopic } from '../../../plant/uns-topic'
import type { NamespaceEntry } from '../../../uns/namespace'
import type { Publisher, UnsMessage, UnsPort, UnsSubscription } from '../../../uns/uns-port'
import type { OpcUaServerConfig } from '../config'
import { OpcUaAccess, type AccessOptions } from './access'
import { certificateManager, pkiFolder, REJECTED_TOPIC_ROOT, rejectedCertificates } from './certificates'
import { addEquipmentObjects } from './equipment-objects'
import { NamespaceVariables } from './namespace-variables'
import { hubNodesets, ISA95_JOB_CONTROL_NAMESPACE_URI } from './nodesets'
import { routeNodeOpcuaLogs } from '../node-opcua-log'

/** The hub's own namespace in the address space: equipment, folders and variables (NodeIds are topic paths). */
export const HUB_NAMESPACE_URI = 'urn:isa95-hub:uns'

export const OPCUA_PUBLISHER: Publisher = { kind: 'adapter', id: 'opcua-server' }

export interface OpcUaServerOptions {
  settings: OpcUaServerConfig
  model: PlantModel
  uns: UnsPort
  dataDir: string
  /** The broker's accounts and anonymous rules (mqtt.accounts, mqtt.anonymous). */
  access: Omit<AccessOptions, 'securityNoneRemote'>
  log: Logger
  /** How often rejected/ is looked at for certificates to list on the UNS (ms). */
  certificateScanMs?: number
}

export interface RunningOpcUaServer {
  /** opc.tcp://<host>:<port> */
  readonly url: string
  readonly port: number
  readonly addressSpace: AddressSpace
  /** The hub's namespace (equipment, variables); the job control adds its objects here. */
  readonly namespace: UaNamespace
  /** Index of OPC 10031-4 (ISA95-JOBCONTROL_V2) in the address space: its types are loaded. */
  readonly jobControlNamespaceIndex: number
  /** The EquipmentType object of an equipment path (a work unit's 'acme/dallas/press-shop/line-1/press-1'). */
  equipmentObject (topic: string): UAObject | undefined
  /** Applies pending namespace changes now (tests; the server does it once per event-loop turn by itself). */
  flush (): void
  stop (): Promise<void>
}

const SECURE_POLICIES = [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss]

/** The server with the hub's session rule: a session is refused (OpcUaAccess.activationRefusal) before it activates. */
class HubOpcUaServer extends OPCUAServer {
  constructor (options: OPCUAServerOptions, private readonly access: OpcUaAccess, private readonly log: Logger) {
    super(options)
  }

  protected override isUserAuthorized (channel: ServerSecureChannelLayer, session: ServerSession, token: UserIdentityToken,
    callback: (err: Error | null, isAuthorized?: boolean, statusCode?: StatusCode) => void): void {
    const refusal = this.access.activationRefusal({
      anonymous: token instanceof AnonymousIdentityToken,
      remoteAddress: channel.remoteAddress,
      securityNone: channel.securityMode === MessageSecurityMode.None
    })
    if (refusal !== undefined) {
      this.log.warn(`OPC UA session of ${channel.remoteAddress} refused: ${refusal.reason}`)
      return callback(null, false, StatusCodes[refusal.code])
    }
    super.isUserAuthorized(channel, session, token, callback)
  }
}

export async function startOpcUaServer (opts: OpcUaServerOptions): Promise<RunningOpcUaServer> {
  const { settings, model, uns, log } = opts
  routeNodeOpcuaLogs(log)
  const access = new OpcUaAccess({ ...opts.access, securityNoneRemote: settings.securityNoneRemote })
  const pki = pkiFolder(opts.dataDir)
  const certificateFile = path.join(pki, 'own', 'certs', 'server.pem')
  const privateKeyFile = path.join(pki, 'own', 'private', 'private_key.pem')
  if (!fs.existsSync(certificateFile)) log.info(`creating the OPC UA server's certificate in ${pki} (RSA key generation: a few seconds, once)`)
  const cm = certificateManager(opts.dataDir)
  await cm.initialize()

  const limits = settings.limits
  const server = new HubOpcUaServer({
    port: settings.port,
    host: settings.host,
    serverCertificateManager: cm,
    userCertificateManager: cm,
    certificateFile,
    privateKeyFile,
    nodeset_filename: hubNodesets(),
    securityPolicies: [SecurityPolicy.None, ...SECURE_POLICIES],
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    allowAnonymous: access.anonymousAllowed,
    userManager: {
      // node-opcua calls it with the session as `this`: its channel says where the guess comes from.
      isValidUserAsync (this: ServerSession, username: string, password: string, callback: (err: Error | null, ok?: boolean) => void): void {
        access.checkPassword(username, password, this.channel?.remoteAddress).then((ok) => callback(null, ok), (err: Error) => callback(err))
      }
    },
    maxAllowedSessionNumber: limits.maxSessions,
    maxConnectionsPerEndpoint: limits.maxConnections,
    serverCapabilities: {
      maxSessions: limits.maxSessions,
      maxSubscriptionsPerSession: limits.maxSubscriptionsPerSession,
      maxSubscriptions: limits.maxSubscriptions,
      maxMonitoredItemsPerSubscription: limits.maxMonitoredItemsPerSubscription,
      maxMonitoredItems: limits.maxMonitoredItems,
      operationLimits: {
        maxMonitoredItemsPerCall: limits.maxMonitoredItemsPerCall,
        maxNodesPerRead: limits.maxNodesPerRead,
        maxNodesPerWrite: limits.maxNodesPerWrite,
        maxNodesPerBrowse: limits.maxNodesPerBrowse
      }
    },
    serverInfo: { applicationName: { text: 'isa95-hub' }, applicationUri: 'urn:isa95-hub:opcua-server', productUri: 'urn:isa95-hub' },
    buildInfo: { productName: 'isa95-hub', manufacturerName: 'isa95-hub' }
  }, access, log)
  try {
    await server.initialize()
  } catch (err) {
    await cm.dispose()
    throw new HubError('OPCUA_START', `the OPC UA server could not be prepared: ${(err as Error).message}`, { source: pki })
  }
  const addressSpace = server.engine.addressSpace!
  const namespace = addressSpace.registerNamespace(HUB_NAMESPACE_URI)
  const equipment = addEquipmentObjects(addressSpace, namespace, model)
  const variables = new NamespaceVariables({
    addressSpace,
    namespace,
    equipment,
    mayWrite: (user, topic) => access.mayWrite(user, topic),
    writeCommand: (entry, value, user) => writeCommand(uns, entry, value, user, log),
    log
  })
  const onChange = (e: NamespaceEntry): void => variables.changed(e)
  const onRemove = (topic: string): void => variables.removed(topic)
  for (const e of uns.namespace.list()) variables.changed(e)
  variables.flush()
  uns.namespace.on('change', onChange)
  uns.namespace.on('remove', onRemove)
  const health = await followSessionHealth(model, uns, (e) => variables.changed(e))

  try {
    await server.start()
  } catch (err) {
    uns.namespace.off('change', onChange)
    uns.namespace.off('remove', onRemove)
    await Promise.all(health.map((s) => s.close()))
    variables.stop()
    throw new HubError('OPCUA_LISTEN', `the OPC UA server could not listen on ${settings.host}:${settings.port}: ${(err as Error).message}`,
      { source: 'opcua.server' }, 'choose another port (opcua.server.port, HUB_OPCUA_PORT) or turn the server off (HUB_OPCUA_ENABLED=false)')
  }
  const port = server.endpoints[0]!.port
  const rejected = new RejectedCertificates(opts.dataDir, uns, log)
  server.on('openSecureChannelFailure', () => rejected.scan())
  const scan = setInterval(() => rejected.scan(), opts.certificateScanMs ?? 2000)
  scan.unref()
  rejected.scan()
  const url = `opc.tcp://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${port}`
  log.info(`OPC UA server on ${url}${settings.host === '0.0.0.0' ? ` (bound to 0.0.0.0:${port})` : ''} (${variables.size} variables; security Basic256Sha256, ` +
    `Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss; None ${settings.securityNoneRemote ? 'from anywhere' : 'from this machine only'})`)

  let stopping: Promise<void> | undefined
  return {
    url,
    port,
    addressSpace,
    namespace,
    jobControlNamespaceIndex: addressSpace.getNamespaceIndex(ISA95_JOB_CONTROL_NAMESPACE_URI),
    equipmentObject: (topic) => equipment.get(topic),
    flush: () => variables.flush(),
    stop () {
      stopping ??= (async () => {
        clearInterval(scan)
        uns.namespace.off('change', onChange)
        uns.namespace.off('remove', onRemove)
        variables.stop()
        await Promise.all(health.map((s) => s.close()))
        await server.shutdown(0)
        await cm.dispose()
      })()
      return stopping
    }
  }
}

/** A write of a variable as the command the Sparkplug bridge turns into NCMD/DCMD. */
async function writeCommand (uns: UnsPort, entry: NamespaceEntry, value: unknown, user: string | undefined, log: Logger): Promise<StatusCode> {
  const topic = `${entry.equipment}/commands/${entry.tag}`
  await uns.publish(OPCUA_PUBLISHER, topic, { value, timestamp: Date.now(), properties: { source: `opcua:${user ?? 'anonymous'}` } }, { qos: 1 })
  log.debug(`OPC UA write by ${user ?? 'anonymous'}: ${topic}`)
  return StatusCodes.Good
}

/**
 * Sparkplug session health (`<equipment>/state/[<device>/]sparkplug-session`, retained, published as text by the
 * Sparkplug bridge and so not in the namespace) as variables too: one MQTT filter per equipment depth and prefix
 * depth, each ending in the level itself, so that no metric's traffic reaches this subscription.
 */
async function followSessionHealth (model: PlantModel, uns: UnsPort, place: (e: NamespaceEntry) => void): Promise<UnsSubscription[]> {
  const root = model.enterprise.topic
  const filters: string[] = []
  for (let depth = 0; depth <= 4; depth++) {
    for (let prefix = 0; prefix <= 2; prefix++) {
      filters.push([root, ...Array<string>(depth).fill('+'), 'state', ...Array<string>(prefix).fill('+'), 'sparkplug-session'].join('/'))
    }
  }
  const onMessage = (m: UnsMessage): void => {
    const parsed = parseUnsTopic(model, m.topic)
    if (!parsed.ok || m.payload.length === 0) return
    let body: { value?: unknown, timestamp?: number }
    try {
      body = JSON.parse(m.payload.toString('utf8')) as typeof body
    } catch {
      return
    }
    place({
      topic: m.topic, equipment: parsed.equipment.topic, kind: parsed.kind, tag: parsed.tag, datatype: 'JSON',
      value: body.value, timestamp: typeof body.timestamp === 'number' ? body.timestamp : Date.now(), quality: 'GOOD', source: 'hub:sparkplug-session'
    })
  }
  return Promise.all(filters.map((f) => uns.subscribe(f, onMessage, { retainedFirst: true })))
}

/** Lists rejected client certificates on the UNS, retained, and clears the topic of one that was trusted. */
class RejectedCertificates {
  private readonly listed = new Set<string>()

  constructor (private readonly dataDir: string, private readonly uns: UnsPort, private readonly log: Logger) {}

  scan (): void {
    const now = new Set<string>()
    for (const c of rejectedCertificates(this.dataDir)) {
      now.add(c.thumbprint)
      if (this.listed.has(c.thumbprint)) continue
      this.listed.add(c.thumbprint)
      this.log.warn(`OPC UA client certificate refused (untrusted): ${c.subject} [${c.thumbprint}]; trust it with \`npm run opcua -- trust ${c.thumbprint}\``)
      const value = { subject: c.subject, thumbprint: c.thumbprint, applicationUri: c.applicationUri ?? null, firstSeen: c.firstSeen }
      this.uns.publish(OPCUA_PUBLISHER, `${REJECTED_TOPIC_ROOT}/${c.thumbprint}`, { value, timestamp: c.firstSeen }, { retain: true, qos: 1 })
        .catch((err: Error) => this.log.warn(`rejected certificate ${c.thumbprint} not listed on the UNS: ${err.message}`))
    }
    for (const t of this.listed) {
      if (now.has(t)) continue
      this.listed.delete(t)
      this.uns.publish(OPCUA_PUBLISHER, `${REJECTED_TOPIC_ROOT}/${t}`, null, { retain: true, qos: 1 }).catch(() => {})
    }
  }
}
