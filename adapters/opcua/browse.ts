// Browsing a server the plant model binds (`opcua` on an equipment), for people who write bindings: the `opcua
// browse` node and its editor dialog list what is under a node (its node id, names, class, data type, value), so
// that node ids are picked rather than typed. One short session per call, with the binding's security and user, and
// the collector's client certificate; only endpoints of the plant model can be browsed (the editor cannot be used
// to reach any host the hub can).
import './node-opcua-log'
import path from 'node:path'
import {
  AttributeIds, BrowseDirection, DataType, NodeClass, NodeClassMask, OPCUACertificateManager, OPCUAClient,
  ReferenceTypeIds, SecurityPolicy, StatusCodes, coerceNodeId, makeResultMask, resolveNodeId
} from 'node-opcua'
import { HubError } from '../../core/errors'
import { SECURITY_MODES, oneLine, userIdentity, withTimeout } from './client-connection'
import type { Equipment, PlantModel } from '../../plant/plant-model'

/** One node under the browsed one. */
export interface BrowsedNode {
  readonly nodeId: string
  readonly browseName: string
  readonly displayName: string
  readonly nodeClass: string
  /** Variables: the data type's name (Double, Int64, ...) and the current value as JSON can carry it. */
  readonly dataType?: string
  readonly value?: unknown
  /** The server says it has children (Objects, folders; variables with properties). */
  readonly hasChildren: boolean
}

export interface BrowseResult {
  readonly endpoint: string
  readonly nodeId: string
  readonly children: readonly BrowsedNode[]
}

interface BrowseOptions {
  readonly certificates: OPCUACertificateManager
  readonly env: NodeJS.ProcessEnv
  readonly timeoutMs: number
  /** At most this many children are listed (a folder of 100,000 tags is not a dialog). */
  readonly maxChildren?: number
}

/** What the `opcua browse` node and its editor dialog use: the bound equipment, and a browse of one of them. */
export interface OpcUaBrowser {
  /** The equipment whose binding names an endpoint, with it. */
  equipment (): Array<{ topic: string, name: string, endpoint: string }>
  browse (topic: string, nodeId?: string): Promise<BrowseResult>
  close (): Promise<void>
}

/**
 * The browser of a hub: the collector's client certificate (`<dataDir>/opcua/collector-pki`, so that a server that
 * trusts the collector lets the browse in too), opened at the first browse.
 */
export function opcUaBrowser (opts: { model: PlantModel, dataDir: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }): OpcUaBrowser {
  let certificates: Promise<OPCUACertificateManager> | undefined
  const open = (): Promise<OPCUACertificateManager> => {
    certificates ??= (async () => {
      const m = new OPCUACertificateManager({ rootFolder: path.join(opts.dataDir, 'opcua', 'collector-pki'), automaticallyAcceptUnknownCertificate: false })
      await m.initialize()
      return m
    })()
    return certificates
  }
  return {
    equipment: () => browsableEquipment(opts.model).map((e) => ({ topic: e.topic, name: e.name, endpoint: e.bindings.opcua!.endpoint })),
    browse: async (topic, nodeId) => await browseBound(opts.model, topic, nodeId, { certificates: await open(), env: opts.env ?? process.env, timeoutMs: opts.timeoutMs ?? 10_000 }),
    async close () {
      const c = certificates
      certificates = undefined
      if (c !== undefined) await (await c).dispose()
    }
  }
}

/** The equipment whose plant-model binding names an OPC UA endpoint. */
export function browsableEquipment (model: PlantModel): Equipment[] {
  return [...model.walk()].filter((e) => e.bindings.opcua !== undefined)
}

/** JSON-safe: 64-bit integers (arrays of [high, low] in node-opcua) and BigInts as text, dates as ISO strings. */
function jsonValue (v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Date) return v.toISOString()
  if (Buffer.isBuffer(v)) return v.toString('base64')
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>)
  if (Array.isArray(v)) return v.map(jsonValue)
  if (v !== null && typeof v === 'object') return String(v)
  return v
}

/**
 * Lists the children of `nodeId` (default: the binding's own node, else Objects) on the server bound to the
 * equipment `topic`. Throws HubError OPCUA_NOT_BOUND for equipment without a binding, OPCUA_BROWSE_FAILED with the
 * server's answer otherwise.
 */
async function browseBound (model: PlantModel, topic: string, nodeId: string | undefined, opts: BrowseOptions): Promise<BrowseResult> {
  const equipment = browsableEquipment(model).find((e) => e.topic === topic)
  const binding = equipment?.bindings.opcua
  if (binding === undefined) {
    throw new HubError('OPCUA_NOT_BOUND', `'${topic}' is not equipment with an OPC UA binding in the plant model`, { source: topic },
      `pick one of: ${browsableEquipment(model).map((e) => e.topic).join(', ') || '(none: bind an endpoint with `opcua` in the plant model)'}`)
  }
  const start = nodeId !== undefined && nodeId !== '' ? nodeId : binding.nodeId ?? 'ns=0;i=85'
  let parsed
  try {
    parsed = coerceNodeId(start)
  } catch {
    throw new HubError('OPCUA_BROWSE_FAILED', `'${start}' is not a node id (e.g. ns=2;s=Line1.Press1 or ns=0;i=85)`, { source: binding.endpoint })
  }
  const mode = binding.securityMode ?? 'None'
  const client = OPCUAClient.create({
    applicationName: 'isa95-hub browse',
    clientCertificateManager: opts.certificates,
    securityMode: SECURITY_MODES[mode],
    securityPolicy: SecurityPolicy[binding.securityPolicy ?? 'None'],
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 100 },
    transportTimeout: opts.timeoutMs,
    defaultTransactionTimeout: opts.timeoutMs
  })
  const where = `${binding.endpoint} (${topic})`
  try {
    await withTimeout(client.connect(binding.endpoint), opts.timeoutMs, `connecting to ${where}`)
    const session = await withTimeout(client.createSession(userIdentity(binding.username, binding.passwordEnv, opts.env)), opts.timeoutMs, `opening a session on ${where}`)
    try {
      const result = await session.browse({
        nodeId: parsed, browseDirection: BrowseDirection.Forward, referenceTypeId: resolveNodeId(ReferenceTypeIds.HierarchicalReferences),
        includeSubtypes: true, nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable | NodeClassMask.Method,
        resultMask: makeResultMask('ReferenceType | IsForward | BrowseName | DisplayName | NodeClass | TypeDefinition')
      })
      if (result.statusCode !== StatusCodes.Good) throw new Error(`browse of ${start}: ${result.statusCode.toString()}`)
      const refs = (result.references ?? []).slice(0, opts.maxChildren ?? 1000)
      const variables = refs.filter((r) => r.nodeClass === NodeClass.Variable)
      const reads = variables.length === 0 ? [] : await session.read(variables.flatMap((r) => [
        { nodeId: r.nodeId, attributeId: AttributeIds.Value }, { nodeId: r.nodeId, attributeId: AttributeIds.DataType }]))
      const facts = new Map<string, { value: unknown, dataType: string | undefined }>()
      variables.forEach((r, i) => {
        const value = reads[2 * i]!
        const type = reads[2 * i + 1]!.value.value as { namespace: number, value: unknown } | null
        const dataType = type !== null && type.namespace === 0 && typeof type.value === 'number' ? DataType[type.value] ?? `i=${type.value}` : type === null ? undefined : String(type)
        facts.set(r.nodeId.toString(), { value: value.statusCode === StatusCodes.Good ? jsonValue(value.value.value) : `(${value.statusCode.name})`, dataType })
      })
      // Children of children, one browse for all: whether to show an expander.
      const deeper = refs.length === 0 ? [] : await session.browse(refs.map((r) => ({
        nodeId: r.nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: resolveNodeId(ReferenceTypeIds.HierarchicalReferences),
        includeSubtypes: true, nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable | NodeClassMask.Method, resultMask: 0, maxReferencesPerNode: 1
      } as never)))
      const children = refs.map((r, i): BrowsedNode => {
        const f = facts.get(r.nodeId.toString())
        return {
          nodeId: r.nodeId.toString(),
          browseName: r.browseName.toString(),
          displayName: r.displayName.text ?? r.browseName.name ?? '',
          nodeClass: NodeClass[r.nodeClass] ?? String(r.nodeClass),
          ...(f === undefined ? {} : { dataType: f.dataType, value: f.value }),
          hasChildren: (deeper[i]?.references?.length ?? 0) > 0
        }
      })
      return { endpoint: binding.endpoint, nodeId: parsed.toString(), children }
    } finally {
      await session.close().catch(() => {})
    }
  } catch (err) {
    if (err instanceof HubError) throw err
    throw new HubError('OPCUA_BROWSE_FAILED', `could not browse ${start} on ${where}: ${oneLine((err as Error).message)}`,
      { source: binding.endpoint }, 'check that the server runs and the binding\'s endpoint, security and user are right')
  } finally {
    await client.disconnect().catch(() => {})
  }
}
