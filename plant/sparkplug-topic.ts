// Sparkplug B 3.0 topics (chapter 4 "Topics"): `spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]`
// and `spBv1.0/STATE/<sparkplug_host_id>`.
//
// On the ingest path: parseTopic never throws and allocates one small result object; a topic of the wrong shape
// gives `{ ok: false, reason }` with the reason in words (for the host's log and health records).

export const SPARKPLUG_NAMESPACE = 'spBv1.0'

/** Edge node and device message types (verbs), the ones that carry an edge node id. */
export type EdgeMessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD' | 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD'

/** Types whose topic MUST carry a device id (tck-id-topic-structure-namespace-device-id-associated-message-types). */
const DEVICE_TYPES: ReadonlySet<string> = new Set(['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'])
/** Types whose topic MUST NOT carry a device id (…-device-id-non-associated-message-types). */
const NODE_TYPES: ReadonlySet<string> = new Set(['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'])

export type SparkplugTopic =
  | { readonly ok: true, readonly kind: 'edge', readonly type: EdgeMessageType, readonly groupId: string,
      readonly edgeNodeId: string, readonly deviceId: string | undefined }
  | { readonly ok: true, readonly kind: 'state', readonly hostId: string }

export interface TopicProblem {
  readonly ok: false
  readonly reason: string
}

export type TopicParse = SparkplugTopic | TopicProblem

function problem (reason: string): TopicProblem {
  return { ok: false, reason }
}

/** Parses a Sparkplug B topic. Never throws. */
export function parseTopic (topic: string): TopicParse {
  // 'spBv1.0/' then the rest; indexOf-based splitting avoids an array per message.
  if (!topic.startsWith('spBv1.0/')) return problem(`'${topic}' is not in the Sparkplug B namespace 'spBv1.0/'`)
  const g0 = 8
  const g1 = topic.indexOf('/', g0)
  if (g1 < 0) return problem(`'${topic}' has no message type: expected spBv1.0/<group>/<type>/<edge node>[/<device>] or spBv1.0/STATE/<host id>`)
  const first = topic.slice(g0, g1)
  if (first === 'STATE') {
    const hostId = topic.slice(g1 + 1)
    if (hostId === '') return problem(`'${topic}' has an empty host id`)
    if (hostId.includes('/')) return problem(`'${topic}': a STATE topic is spBv1.0/STATE/<host id>, with one level after STATE`)
    if (hasWildcard(hostId)) return problem(`'${topic}': the host id contains '+' or '#'`)
    return { ok: true, kind: 'state', hostId }
  }
  const groupId = first
  if (groupId === '') return problem(`'${topic}' has an empty group id`)
  const t1 = topic.indexOf('/', g1 + 1)
  if (t1 < 0) return problem(`'${topic}' has no edge node id: expected spBv1.0/<group>/<type>/<edge node>[/<device>]`)
  const type = topic.slice(g1 + 1, t1)
  const isNodeType = NODE_TYPES.has(type)
  const isDeviceType = !isNodeType && DEVICE_TYPES.has(type)
  if (!isNodeType && !isDeviceType) {
    return problem(`'${topic}': '${type}' is not a Sparkplug message type (NBIRTH, NDEATH, NDATA, NCMD, DBIRTH, DDEATH, DDATA, DCMD)`)
  }
  const n1 = topic.indexOf('/', t1 + 1)
  const edgeNodeId = n1 < 0 ? topic.slice(t1 + 1) : topic.slice(t1 + 1, n1)
  if (edgeNodeId === '') return problem(`'${topic}' has an empty edge node id`)
  let deviceId: string | undefined
  if (n1 >= 0) {
    deviceId = topic.slice(n1 + 1)
    if (deviceId === '') return problem(`'${topic}' has an empty device id`)
    if (deviceId.includes('/')) return problem(`'${topic}' has levels after the device id`)
  }
  if (isDeviceType && deviceId === undefined) return problem(`'${topic}': ${type} needs a device id (spBv1.0/<group>/${type}/<edge node>/<device>)`)
  if (isNodeType && deviceId !== undefined) return problem(`'${topic}': ${type} takes no device id (spBv1.0/<group>/${type}/<edge node>)`)
  if (hasWildcard(groupId) || hasWildcard(edgeNodeId) || (deviceId !== undefined && hasWildcard(deviceId))) {
    return problem(`'${topic}': Sparkplug ids may not contain '+' or '#'`)
  }
  return { ok: true, kind: 'edge', type: type as EdgeMessageType, groupId, edgeNodeId, deviceId }
}

function hasWildcard (s: string): boolean {
  return s.includes('+') || s.includes('#')
}

/** A valid Sparkplug id (group, edge node, device, host): non-empty, no '/', '+' or '#' (chapter 4). */
export function isValidSparkplugId (id: string): boolean {
  return id.length > 0 && !id.includes('/') && !hasWildcard(id)
}

export function stateTopic (hostId: string): string {
  return `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`
}

export function edgeTopic (groupId: string, type: EdgeMessageType, edgeNodeId: string, deviceId?: string): string {
  return deviceId === undefined
    ? `${SPARKPLUG_NAMESPACE}/${groupId}/${type}/${edgeNodeId}`
    : `${SPARKPLUG_NAMESPACE}/${groupId}/${type}/${edgeNodeId}/${deviceId}`
}
