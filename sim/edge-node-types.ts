// The simulated edge node's options, specs and events (sim/edge-node.ts).
import type { IClientOptions } from 'mqtt'
import type { DataType, MetricValue } from '../sparkplug/index'

export const NAMESPACE = 'spBv1.0'
export const REBIRTH_METRIC = 'Node Control/Rebirth'
export const BDSEQ_METRIC = 'bdSeq'

export interface MetricSpec {
  name: string
  datatype: DataType
  value: MetricValue
  /** Accepts NCMD/DCMD writes (applied and echoed in NDATA/DDATA). */
  writable?: boolean
}

export interface DeviceSpec {
  id: string
  metrics: MetricSpec[]
}

export interface EdgeNodeOptions {
  url: string
  groupId: string
  edgeNodeId: string
  /** Default `<groupId>-<edgeNodeId>`. */
  clientId?: string
  nodeMetrics?: MetricSpec[]
  devices?: DeviceSpec[]
  /** Wait for this primary host application's STATE online before the births. */
  primaryHostId?: string
  /** bdSeq of the first connection (0..255, default 0). */
  bdSeq?: number
  /** Delay before reconnecting after a lost connection (ms, default 2000). */
  reconnectDelayMs?: number
  /** Passed to mqtt.js (username, password, keepalive, ...). */
  mqtt?: IClientOptions
  log?: (line: string) => void
}

export interface MetricState {
  name: string
  alias: number
  datatype: DataType
  value: MetricValue
  timestamp: number
  writable: boolean
}

export interface DeviceState {
  id: string
  metrics: Map<string, MetricState>
  online: boolean
}

export interface CommandEvent {
  /** undefined for NCMD */
  deviceId?: string
  name: string
  value: MetricValue
}
