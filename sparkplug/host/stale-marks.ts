// Taking an edge node or device offline: its state, the 'session' change, and a STALE mark for each of its metrics
// (the last value, at the time it went offline; tck-id-operational-behavior-edge-node-termination-host-action-ndeath-*,
// -ddeath-devices-offline / -tags-stale). A node's devices go offline with it.
import type { IngestPort } from './ingest-port'
import type { DeviceSession, MetricEntry, NodeSession } from './session'
import type { StaleReason } from './session-records'
import { deviceTransition } from './session-transitions'

export function nodeOffline (port: Pick<IngestPort, 'emit'>, node: NodeSession, reason: StaleReason, at: number, cause: string): void {
  node.clearPending()
  node.state = 'OFFLINE'
  node.since = at
  node.stale = { reason, at }
  port.emit('session', { kind: 'node', groupId: node.groupId, edgeNodeId: node.edgeNodeId, state: 'OFFLINE', at, cause })
  markStale(port, node.metrics, at)
  for (const d of node.devices.values()) deviceOffline(port, node, d, reason, at, 'NODE_OFFLINE')
}

export function deviceOffline (port: Pick<IngestPort, 'emit'>, node: NodeSession, d: DeviceSession, reason: StaleReason, at: number,
  event: 'NODE_OFFLINE' | 'NODE_REBIRTH' | 'DDEATH'): void {
  const tr = deviceTransition(d.state, event)
  if (!('to' in tr)) return
  d.state = tr.to
  d.since = at
  d.stale = { reason, at }
  port.emit('session', { kind: 'device', groupId: node.groupId, edgeNodeId: node.edgeNodeId, deviceId: d.deviceId, state: 'OFFLINE', at, cause: reason })
  markStale(port, d.metrics, at)
}

function markStale (port: Pick<IngestPort, 'emit'>, table: Map<string, MetricEntry>, at: number): void {
  for (const e of table.values()) {
    e.current = { ...e.current, timestamp: at, quality: 'STALE', historical: false }
    port.emit('metric', e.current)
  }
}
