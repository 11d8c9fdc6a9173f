// Where a Sparkplug metric lives in the Unified Namespace. The plant model binds edge nodes and devices to
// equipment; unbound ones fall back to a default rule (group id = site id, else the enterprise) and carry their
// node and device ids in the tag, so that no two sources meet by accident.
//   bound device:   spBv1.0/dallas/DDATA/press-line-1/press-1 'Die Temperature'
//                   -> acme/dallas/press-shop/line-1/press-1/measurements/die-temperature
//   unbound device: spBv1.0/dallas/DDATA/boiler-7/pump-2 'Flow'  -> acme/dallas/measurements/boiler-7/pump-2/flow
import type { Equipment, PlantModel } from '../plant/plant-model'

export interface MetricPlace {
  readonly topic: string
  readonly equipment: Equipment
  readonly kind: 'measurements' | 'state'
  readonly tag: string
  /** True when the plant model binds this node or device; false for the default rule. */
  readonly bound: boolean
  /** Why `topic` cannot be published (too long for MQTT, too many levels), or undefined when it can. */
  readonly invalid?: string
}

/** MQTT 3.1.1 §1.5.3: a topic is a length-prefixed UTF-8 string, at most 65,535 bytes. */
export const MQTT_MAX_TOPIC_BYTES = 65535
/** Levels a UNS topic built by the hub may have (equipment path, kind, tag): subscribers' tries and ACLs walk them. */
export const MAX_UNS_TOPIC_LEVELS = 64

/** Why a topic the hub built cannot be published, or undefined when it can. */
export function topicProblem (topic: string): string | undefined {
  const bytes = Buffer.byteLength(topic, 'utf8')
  if (bytes > MQTT_MAX_TOPIC_BYTES) return `its UNS topic of ${bytes} bytes would be over MQTT's limit of ${MQTT_MAX_TOPIC_BYTES} bytes`
  let levels = 1
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) levels++
  if (levels > MAX_UNS_TOPIC_LEVELS) return `its UNS topic would have ${levels} levels, over the hub's limit of ${MAX_UNS_TOPIC_LEVELS} levels`
  return undefined
}

/** A metric name as topic levels: 'Motor 1/Speed RPM' -> 'motor-1/speed-rpm'; MQTT wildcards are dropped. */
export function tagOf (name: string): string {
  return name.split('/')
    .map((level) => level.trim().toLowerCase().replace(/[+#\u0000]/g, '').replace(/\s+/g, '-'))
    .filter((level) => level.length > 0)
    .join('/')
}

/** Node Control/* and Properties/* describe the node, not the process: they go under 'state'. */
function kindOf (name: string): MetricPlace['kind'] {
  return name.startsWith('Node Control/') || name.startsWith('Properties/') ? 'state' : 'measurements'
}

const mappings = new WeakMap<PlantModel, SparkplugUnsMapping>()

/**
 * The mapping of a plant model, one per model: the UNS bridge and the Node-RED nodes place the same metrics, and each
 * mapping keeps a cache of the places it computed.
 */
export function mappingFor (model: PlantModel): SparkplugUnsMapping {
  let m = mappings.get(model)
  if (m === undefined) {
    m = new SparkplugUnsMapping(model)
    mappings.set(model, m)
  }
  return m
}

export class SparkplugUnsMapping {
  /**
   * group -> node -> device ('' for the node itself) -> metric name -> place. Nested rather than one joined key: the
   * ids and names come from the session's tables, the same strings every time, so each lookup hashes nothing new;
   * a joined key was a new string per metric to build and hash (7% of the hub's time at full ingest).
   */
  private readonly cache = new Map<string, Map<string, Map<string, Map<string, MetricPlace>>>>()

  constructor (private readonly model: PlantModel) {}

  place (groupId: string, edgeNodeId: string, deviceId: string | undefined, name: string): MetricPlace {
    let nodes = this.cache.get(groupId)
    if (nodes === undefined) this.cache.set(groupId, nodes = new Map())
    let devices = nodes.get(edgeNodeId)
    if (devices === undefined) nodes.set(edgeNodeId, devices = new Map())
    let names = devices.get(deviceId ?? '')
    if (names === undefined) devices.set(deviceId ?? '', names = new Map())
    let p = names.get(name)
    if (p === undefined) {
      p = this.compute(groupId, edgeNodeId, deviceId, name)
      names.set(name, p)
    }
    return p
  }

  /** The equipment a node or device maps to, and the tag prefix its metrics carry there. */
  owner (groupId: string, edgeNodeId: string, deviceId: string | undefined): { equipment: Equipment, prefix: string[], bound: boolean } {
    const exact = deviceId === undefined ? this.model.bySparkplug(groupId, edgeNodeId) : this.model.bySparkplug(groupId, edgeNodeId, deviceId)
    if (exact) return { equipment: exact, prefix: [], bound: true }
    const node = this.model.bySparkplug(groupId, edgeNodeId)
    if (node) return { equipment: node, prefix: deviceId === undefined ? [] : [deviceId], bound: true }
    const site = this.model.enterprise.childById.get(groupId)
    return {
      equipment: site ?? this.model.enterprise,
      prefix: [...(site ? [] : [groupId]), edgeNodeId, ...(deviceId === undefined ? [] : [deviceId])],
      bound: false
    }
  }

  private compute (groupId: string, edgeNodeId: string, deviceId: string | undefined, name: string): MetricPlace {
    const { equipment, prefix, bound } = this.owner(groupId, edgeNodeId, deviceId)
    const kind = kindOf(name)
    const tag = [...prefix.map(tagOf), tagOf(name) || 'unnamed'].join('/')
    const topic = `${equipment.topic}/${kind}/${tag}`
    return { topic, equipment, kind, tag, bound, invalid: topicProblem(topic) }
  }
}
