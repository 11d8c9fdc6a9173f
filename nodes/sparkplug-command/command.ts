// The logic of the `sparkplug command` node, without Node-RED: a UNS path (`<equipment>/commands/<tag>`, or the
// metric's own `.../measurements/<tag>` / `.../state/<tag>`) is resolved to the Sparkplug metric behind it, and the
// value is written with the host application's writeMetric (NCMD for a node metric, DCMD for a device metric),
// which accepts only metrics the birth declared and checks the value against the birth's datatype.
import type { PlantModel } from '../../plant/plant-model'
import { parseUnsTopic } from '../../plant/uns-topic'
import { HubError } from '../../core/errors'
import type { UnsPort } from '../../uns/uns-port'
import type { SparkplugHostApplication } from '../../sparkplug/host/host-application'
import type { SparkplugUnsStream } from '../../sparkplug/uns-stream'
import { dataTypeName } from '../../sparkplug/datatypes'
import type { JsonValue } from '../../sparkplug/json'
import { parseSourceId, plainSource, sourceId, type MetricSource } from '../../sparkplug/source-id'

export interface CommandServices {
  readonly model: PlantModel
  readonly host: SparkplugHostApplication
  /** Which metric owns a UNS topic: the stream that placed it (the one placement, collisions and limits included). */
  readonly stream: Pick<SparkplugUnsStream, 'ownerOf'>
  /** The namespace's last values (each names the metric behind its topic; after a restart, before any birth). */
  readonly uns: Pick<UnsPort, 'lastValue'>
}

/** What was sent: the Sparkplug topic (NCMD/DCMD), the metric name and its datatype name. */
export interface SentCommand {
  topic: string
  metric: string
  datatype: string
}

export interface CommandTarget {
  /** The UNS topic of the metric's value (`.../measurements/<tag>` or `.../state/<tag>`). */
  readonly valueTopic: string
  readonly source: MetricSource
}

/** A command that could not be sent; `code` is the cause's (SPARKPLUG_OFFLINE, SPARKPLUG_VALUE_INVALID, ...). */
export class SparkplugCommandError extends HubError {}

const UNS_KEYS = new Set(['value', 'timestamp', 'quality', 'unit', 'properties'])

/** The Sparkplug metric behind a UNS path; throws SparkplugCommandError saying why there is none. */
export function resolveCommandTarget (services: CommandServices, topic: string): CommandTarget {
  const parsed = parseUnsTopic(services.model, topic)
  if (!parsed.ok) throw new SparkplugCommandError('UNS_TOPIC', `not a UNS topic of this plant: ${parsed.reason}`, { source: topic })
  const base = parsed.equipment.topic
  let candidates: string[]
  if (parsed.kind === 'commands') candidates = [`${base}/measurements/${parsed.tag}`, `${base}/state/${parsed.tag}`]
  else if (parsed.kind === 'measurements' || parsed.kind === 'state') candidates = [topic]
  else {
    throw new SparkplugCommandError('UNS_TOPIC', `'${parsed.kind}' data is not written to Sparkplug: use ` +
      `'${base}/commands/<tag>' (or the metric's '${base}/measurements/<tag>' topic)`, { source: topic })
  }
  // The stream knows the owner of every topic it placed; the namespace also the Sparkplug values marked STALE after a
  // restart, before their node's birth (a write then fails as offline, naming the metric).
  for (const c of candidates) {
    const owner = services.stream.ownerOf(c)
    if (owner !== undefined) return { valueTopic: c, source: plainSource(owner) }
  }
  for (const c of candidates) {
    const entry = services.uns.lastValue(c)
    const source = entry === undefined ? undefined : parseSourceId(entry.source)
    if (source !== undefined) return { valueTopic: c, source }
  }
  throw new SparkplugCommandError('SPARKPLUG_UNKNOWN_METRIC', `no Sparkplug metric is behind this path (looked for ${candidates.map((c) => `'${c}'`).join(' and ')}; ` +
    'only metrics that an edge node or device declared in its birth certificate can be written)', { source: topic })
}

/**
 * The value to write, in the JSON convention: a UNS payload `{ value, timestamp, ... }` is unwrapped; a bigint
 * becomes a decimal string and a Buffer base64, as in the JSON convention.
 */
export function commandValue (payload: unknown): JsonValue {
  if (isUnsPayload(payload)) payload = payload.value
  if (payload === undefined) throw new SparkplugCommandError('SPARKPLUG_VALUE_INVALID', 'no value: msg.payload is empty')
  return toJson(payload)
}

function isUnsPayload (v: unknown): v is { value: unknown } {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Buffer.isBuffer(v)) return false
  const keys = Object.keys(v)
  return keys.includes('value') && keys.every((k) => UNS_KEYS.has(k))
}

function toJson (v: unknown): JsonValue {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
  if (Array.isArray(v)) return v.map(toJson)
  if (typeof v === 'object' && v !== null) {
    const out: { [k: string]: JsonValue } = {}
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x)
    return out
  }
  return v as JsonValue
}

/** Resolves the path and writes the value; rejects with SparkplugCommandError naming the path, metric and reason. */
export async function sendCommand (services: CommandServices, topic: string, payload: unknown): Promise<SentCommand> {
  const target = resolveCommandTarget(services, topic)
  const { groupId, edgeNodeId, deviceId, name } = target.source
  const value = commandValue(payload)
  try {
    await services.host.writeMetric(groupId, edgeNodeId, deviceId, name, value)
  } catch (err) {
    const code = err instanceof HubError ? err.code : 'SPARKPLUG_COMMAND_FAILED'
    throw new SparkplugCommandError(code, `${sourceId(target.source)}: ${(err as Error).message}`, { source: topic })
  }
  const current = services.host.getMetric(target.source)
  return {
    topic: `spBv1.0/${groupId}/${deviceId === undefined ? 'NCMD' : 'DCMD'}/${edgeNodeId}${deviceId === undefined ? '' : '/' + deviceId}`,
    metric: name,
    datatype: current === undefined ? 'Unknown' : dataTypeName(current.datatype)
  }
}
