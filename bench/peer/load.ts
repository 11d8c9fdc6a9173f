// The Sparkplug load of the peer benchmark: edge nodes `node-<i>` of group `bench`, each with devices `dev-<j>` of
// ten metrics (aliases 1..10, the eighth a counter that carries the message's index for latency), and the plant model
// that binds them, so that the hub places every metric on an equipment topic as a user's model would.
import { METRIC_NAMES, METRIC_TYPES, metricValue } from '../ddata-metrics'
import { encodePayload } from '../../sparkplug/codec'
import { DataType } from '../../sparkplug/datatypes'
import type { SparkplugMetric } from '../../sparkplug/types'

export const GROUP = 'bench'
export const METRICS_PER_MESSAGE = 10
/** Index of the counter metric (0-based) and its tag in UNS topics. */
export const COUNTER_INDEX = 7
export const COUNTER_TAG = 'counter'

export interface Shape { readonly name: string, readonly nodes: number, readonly devicesPerNode: number }
export const SHAPES: readonly Shape[] = [
  { name: '1 edge node x 1 device', nodes: 1, devicesPerNode: 1 },
  { name: '10 edge nodes x 10 devices', nodes: 10, devicesPerNode: 10 }
]

export const nodeId = (i: number): string => `node-${i}`
export const deviceId = (j: number): string => `dev-${j}`

export const NAMES = METRIC_NAMES

/** As metricValue, except that the counter metric carries the message index (the subscribers count by it). */
function valueFor (i: number, k: number): SparkplugMetric['value'] {
  return k === COUNTER_INDEX ? BigInt(i) : metricValue(i, k)
}

export function nbirth (seq: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics: [
    { name: 'bdSeq', datatype: DataType.Int64, value: 0n }, { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false }] }))
}

/** A DBIRTH of the ten metrics; `device` offsets the aliases, which Sparkplug makes unique per edge node. */
export function dbirth (seq: number, device: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq,
    metrics: NAMES.map((name, k) => ({ name, alias: aliasOf(device, k), datatype: METRIC_TYPES[k]!, value: valueFor(0, k) })) }))
}

export function ddata (seq: number, device: number, index: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq,
    metrics: NAMES.map((_n, k) => ({ alias: aliasOf(device, k), value: valueFor(index, k), datatype: METRIC_TYPES[k]! })) }))
}

const aliasOf = (device: number, k: number): number => device * 100 + k + 1

/** A DBIRTH of `count` Double metrics named m-<n>, for the memory measure (topics without values that change). */
export function wideBirth (seq: number, count: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq,
    metrics: Array.from({ length: count }, (_, n) => ({ name: `m-${n}`, datatype: DataType.Double, value: n / 10 })) }))
}

/** The plant model (schemas/plant-model.schema.json) binding edge node i to work center node-i, device j to dev-j. */
export function plantModel (shape: Shape): object {
  return {
    version: 1,
    enterprise: { id: 'acme', name: 'ACME' },
    sites: [{ id: GROUP, name: 'Bench site', areas: [{ id: 'ingest', name: 'Ingest', workCenters:
      Array.from({ length: shape.nodes }, (_, i) => ({ id: nodeId(i), name: `Line ${i}`, kind: 'ProductionLine', sparkplug: { groupId: GROUP, edgeNodeId: nodeId(i) },
        workUnits: Array.from({ length: shape.devicesPerNode }, (_, j) => ({ id: deviceId(j), name: `Cell ${j}`, kind: 'WorkCell',
          sparkplug: { groupId: GROUP, edgeNodeId: nodeId(i), deviceId: deviceId(j) } })) })) }] }]
  }
}

/** UNS topics the subscriber counts: the hub's equipment topics, the bridge's (acme/<group>/<node>/<device>/...). */
export const HUB_FILTER = `acme/${GROUP}/ingest/+/+/measurements/#`
export const PEER_FILTER = `acme/${GROUP}/+/+/measurements/#`
export const RAW_FILTER = `spBv1.0/${GROUP}/DDATA/#`
