// The namespace of the OPC UA benchmark: N Double variables, numbered 0..N-1, as Sparkplug metrics of edge nodes
// `ua-node-<i>` (group `uabench`), each with DEVICES_PER_NODE devices `dev-<j>` of METRICS_PER_DEVICE metrics `m-<k>`,
// bound by a plant model to work center ua-node-<i> and work unit dev-<j>, so that the hub places every metric on an
// equipment topic and makes it a variable (ns=<urn:isa95-hub:uns>;s=<topic>). The bare node-opcua server holds the
// same N variables under the same string NodeIds in a namespace of its own.
//
// A round changes the variables in order: change m (0-based) sets variable m mod N to base + m, so that the client
// knows which value each variable must end on.
import { encodePayload } from '../../sparkplug/codec'
import { DataType } from '../../sparkplug/datatypes'

/** The bare server's namespace (the hub's is urn:isa95-hub:uns). */
export const BARE_NAMESPACE_URI = 'urn:isa95-hub:bench:bare'
export const GROUP = 'uabench'
export const DEVICES_PER_NODE = 5
/** 5 x 500 = 2,500 metrics per edge node, well within sparkplug.maxMetricsPerNode (5,000 with the NBIRTH's). */
export const METRICS_PER_DEVICE = 500
export const PER_NODE = DEVICES_PER_NODE * METRICS_PER_DEVICE
/** Metrics per DDATA: a run of consecutive variables of one device (METRICS_PER_DEVICE is a multiple of it). */
export const CHANGES_PER_DDATA = 100
const ROOT = `acme/${GROUP}/opcua`
/** The UNS topics of the benchmark's metrics (an MQTT filter). */
export const METRICS_FILTER = `${ROOT}/+/+/measurements/#`

export const nodeName = (i: number): string => `ua-node-${i}`
export const deviceName = (j: number): string => `dev-${j}`

export interface Place { node: number, device: number, metric: number }

export function placeOf (i: number): Place {
  return { node: Math.floor(i / PER_NODE), device: Math.floor((i % PER_NODE) / METRICS_PER_DEVICE), metric: i % METRICS_PER_DEVICE }
}

export function nodesFor (n: number): number {
  if (n % PER_NODE !== 0) throw new Error(`the OPC UA benchmark needs a multiple of ${PER_NODE} variables, not ${n}`)
  return n / PER_NODE
}

/** The UNS topic of variable i: also its NodeId string on both servers. */
export function topicOf (i: number): string {
  const p = placeOf(i)
  return `${ROOT}/${nodeName(p.node)}/${deviceName(p.device)}/measurements/m-${p.metric}`
}

/** The value variable i ends on after `changes` changes of a round with this base (undefined: it did not change). */
export function finalValue (i: number, n: number, base: number, changes: number): number | undefined {
  if (changes <= i) return undefined
  const last = changes - 1 - ((changes - 1 - i) % n)
  return base + last
}

export function plantModel (n: number): object {
  const nodes = nodesFor(n)
  return {
    version: 1,
    enterprise: { id: 'acme', name: 'ACME' },
    sites: [{ id: GROUP, name: 'OPC UA bench site', areas: [{ id: 'opcua', name: 'OPC UA', workCenters:
      Array.from({ length: nodes }, (_, i) => ({ id: nodeName(i), name: `Line ${i}`, kind: 'ProductionLine', sparkplug: { groupId: GROUP, edgeNodeId: nodeName(i) },
        workUnits: Array.from({ length: DEVICES_PER_NODE }, (_, j) => ({ id: deviceName(j), name: `Cell ${j}`, kind: 'WorkCell',
          sparkplug: { groupId: GROUP, edgeNodeId: nodeName(i), deviceId: deviceName(j) } })) })) }] }]
  }
}

/** Sparkplug makes aliases unique per edge node: device j's metric k is j * METRICS_PER_DEVICE + k + 1. */
const aliasOf = (device: number, metric: number): number => device * METRICS_PER_DEVICE + metric + 1

export function nbirth (seq: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics: [
    { name: 'bdSeq', datatype: DataType.Int64, value: 0n }, { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false }] }))
}

export function dbirth (seq: number, device: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq,
    metrics: Array.from({ length: METRICS_PER_DEVICE }, (_, k) => ({ name: `m-${k}`, alias: aliasOf(device, k), datatype: DataType.Double, value: 0 })) }))
}

/** A DDATA setting CHANGES_PER_DDATA consecutive metrics of one device, from `metric` on, to value, value + 1, ... */
export function ddata (seq: number, device: number, metric: number, value: number): Buffer {
  return Buffer.from(encodePayload({ timestamp: Date.now(), seq,
    metrics: Array.from({ length: CHANGES_PER_DDATA }, (_, d) => ({ alias: aliasOf(device, metric + d), datatype: DataType.Double, value: value + d })) }))
}
