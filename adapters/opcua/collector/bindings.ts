// What the collector reads from the plant model: the OPC UA endpoints its bindings name, each with the variables to
// collect and the UNS topic each one feeds. Endpoints bound by several equipment share one session (the loader has
// checked that their security and user agree).
import type { Equipment, OpcUaNodeKind, OpcUaSecurityMode, OpcUaSecurityPolicy, PlantModel } from '../../../plant/plant-model'
import { unsTopic } from '../../../plant/uns-topic'

/** One variable to collect and where its values go. */
export interface CollectedNode {
  readonly equipment: Equipment
  readonly kind: OpcUaNodeKind
  readonly tag: string
  /** `<equipment>/<kind>/<tag>` */
  readonly topic: string
  readonly unit: string | undefined
  readonly nodeId: string | undefined
  readonly browsePath: string | undefined
  /** Where a browse path starts: the binding's own nodeId, else the Objects folder. */
  readonly startNodeId: string | undefined
  /** The namespace entry's source: `opcua:<endpoint>#<nodeId or browse path>`. */
  readonly source: string
}

export interface EndpointBinding {
  readonly endpoint: string
  readonly securityMode: OpcUaSecurityMode
  readonly securityPolicy: OpcUaSecurityPolicy
  readonly username: string | undefined
  readonly passwordEnv: string | undefined
  /** The equipment that bind this endpoint, each with its session status topic. */
  readonly equipment: readonly Equipment[]
  readonly nodes: readonly CollectedNode[]
}

/** The endpoints to collect from, in plant model order. */
export function endpointBindings (model: PlantModel): EndpointBinding[] {
  const byEndpoint = new Map<string, { binding: EndpointBinding, equipment: Equipment[], nodes: CollectedNode[] }>()
  for (const e of model.opcuaCollected()) {
    const ua = e.bindings.opcua!
    let group = byEndpoint.get(ua.endpoint)
    if (group === undefined) {
      const equipment: Equipment[] = []
      const nodes: CollectedNode[] = []
      const binding: EndpointBinding = {
        endpoint: ua.endpoint,
        securityMode: ua.securityMode ?? 'None',
        securityPolicy: ua.securityPolicy ?? 'None',
        username: ua.username,
        passwordEnv: ua.passwordEnv,
        equipment,
        nodes
      }
      group = { binding, equipment, nodes }
      byEndpoint.set(ua.endpoint, group)
    }
    group.equipment.push(e)
    for (const n of ua.nodes ?? []) {
      const kind = n.kind ?? 'measurements'
      group.nodes.push({
        equipment: e,
        kind,
        tag: n.tag,
        topic: unsTopic(e, kind, n.tag),
        unit: n.unit,
        nodeId: n.nodeId,
        browsePath: n.browsePath,
        startNodeId: ua.nodeId,
        source: `opcua:${ua.endpoint}#${n.nodeId ?? n.browsePath ?? ''}`
      })
    }
  }
  return [...byEndpoint.values()].map((g) => g.binding)
}

/** How a node is named in messages: its nodeId, or its browse path with where it starts. */
export function describeNode (n: CollectedNode): string {
  if (n.nodeId !== undefined) return `node ${n.nodeId}`
  return `browse path ${n.browsePath ?? ''} (from ${n.startNodeId ?? 'Objects'})`
}

export function sessionStatusTopic (equipment: Equipment): string {
  return `${equipment.topic}/state/opcua-session`
}
