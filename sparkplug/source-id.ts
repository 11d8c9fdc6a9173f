// Where a namespace entry came from: the Sparkplug metric behind a UNS topic, written and read here only. A source id
// is 'spBv1.0/<group>/<edge node>[/<device>]#<metric name>' (Sparkplug ids have no '/', '+', '#', so the first '#'
// ends the path; the metric name may contain anything); a node or device alone is 'spBv1.0/<group>/<node>[/<device>]'.

export interface MetricSource {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId?: string
  readonly name: string
}

const PREFIX = 'spBv1.0/'

/** The source kind of every Sparkplug source id (uns/namespace.ts sourceKind). */
export const SPARKPLUG_SOURCES = 'spBv1.0'

/** The id of an edge node or device: 'spBv1.0/<group>/<node>[/<device>]'. */
export function nodeSourceId (groupId: string, edgeNodeId: string, deviceId: string | undefined): string {
  return `${PREFIX}${groupId}/${edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`
}

export function sourceId (s: MetricSource): string {
  return `${nodeSourceId(s.groupId, s.edgeNodeId, s.deviceId)}#${s.name}`
}

/** True when a namespace entry's `source` names a Sparkplug node, device or metric. */
export function isSparkplugSource (source: string): boolean {
  return source.startsWith(PREFIX)
}

/** The Sparkplug metric a namespace entry's `source` names, or undefined when it is not a Sparkplug source. */
export function parseSourceId (source: string): MetricSource | undefined {
  if (!source.startsWith(PREFIX)) return undefined
  const hash = source.indexOf('#', PREFIX.length)
  if (hash === -1) return undefined
  const ids = source.slice(PREFIX.length, hash).split('/')
  const name = source.slice(hash + 1)
  if (ids.length < 2 || ids.length > 3 || ids.some((id) => id.length === 0) || name.length === 0) return undefined
  return ids.length === 2
    ? { groupId: ids[0]!, edgeNodeId: ids[1]!, name }
    : { groupId: ids[0]!, edgeNodeId: ids[1]!, deviceId: ids[2]!, name }
}

/** The source as the node's output shows it (no `deviceId` key for node metrics, no `id`). */
export function plainSource (s: MetricSource): MetricSource {
  return s.deviceId === undefined
    ? { groupId: s.groupId, edgeNodeId: s.edgeNodeId, name: s.name }
    : { groupId: s.groupId, edgeNodeId: s.edgeNodeId, deviceId: s.deviceId, name: s.name }
}
