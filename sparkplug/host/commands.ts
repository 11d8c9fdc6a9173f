// What the host application writes to edge nodes: NCMD and DCMD messages, QoS 0, not retained, with the payload
// timestamp (tck-id-topics-ncmd-timestamp) and no seq. A write of a metric that a birth declared (writeMetric), and
// the rebirth request NCMD (./rebirth-requests.ts decides when).
import { encodePayload } from '../codec'
import { DataType } from '../datatypes'
import { fromJsonValue, type JsonValue } from '../json'
import type { SparkplugMetric } from '../types'
import { edgeTopic } from '../../plant/sparkplug-topic'
import { REBIRTH_METRIC } from './birth-check'
import { SparkplugNodeOfflineError, SparkplugUnknownMetricError } from './errors'
import type { NodeSession } from './session'

/** An NCMD or DCMD, ready to publish. */
export interface EdgeCommand {
  readonly topic: string
  readonly payload: Buffer
}

/**
 * The NCMD (or DCMD) that writes `value` to a metric the node's (or device's) current birth declared: the metric by
 * alias when the birth gave one, else by name; the JSON value checked against the birth's datatype (fromJsonValue
 * throws SparkplugValueError). Throws when the node or device is not online or the birth has no such metric.
 */
export function metricWriteCommand (node: NodeSession | undefined, groupId: string, edgeNodeId: string, deviceId: string | undefined,
  name: string, value: JsonValue): EdgeCommand {
  if (node === undefined || node.state !== 'ONLINE') {
    throw new SparkplugNodeOfflineError(groupId, edgeNodeId, undefined, describeState(node?.state))
  }
  let table = node.metrics
  if (deviceId !== undefined) {
    const d = node.devices.get(deviceId)
    if (d === undefined || d.state !== 'ONLINE') throw new SparkplugNodeOfflineError(groupId, edgeNodeId, deviceId, describeState(d?.state))
    table = d.metrics
  }
  const e = table.get(name)
  if (e === undefined) throw new SparkplugUnknownMetricError(groupId, edgeNodeId, deviceId, name)
  const v = fromJsonValue(e.datatype, value, name)
  const now = Date.now()
  const metric: SparkplugMetric = e.alias !== undefined
    ? { alias: e.alias, datatype: e.datatype, timestamp: now, value: v as SparkplugMetric['value'] }
    : { name: e.name, datatype: e.datatype, timestamp: now, value: v as SparkplugMetric['value'] }
  const payload = encodePayload({ timestamp: now, metrics: [metric] }, { omitDatatype: true })
  const topic = deviceId === undefined ? edgeTopic(groupId, 'NCMD', edgeNodeId) : edgeTopic(groupId, 'DCMD', edgeNodeId, deviceId)
  return { topic, payload: Buffer.from(payload) }
}

/**
 * The rebirth request: `Node Control/Rebirth` = true (tck-id-operational-behavior-data-commands-ncmd-rebirth-verb/
 * -name/-value); the metric goes by name (the NBIRTH must not alias it) with its datatype, as the specification's
 * example.
 */
export function rebirthCommand (groupId: string, edgeNodeId: string, now: number): EdgeCommand {
  const payload = encodePayload({
    timestamp: now,
    metrics: [{ name: REBIRTH_METRIC, datatype: DataType.Boolean, value: true, timestamp: now }]
  })
  return { topic: edgeTopic(groupId, 'NCMD', edgeNodeId), payload: Buffer.from(payload) }
}

function describeState (s: string | undefined): string {
  return s === undefined || s === 'UNBORN' ? 'not born (no birth certificate seen)' : s === 'OFFLINE' ? 'offline' : s.toLowerCase()
}
