// What the host application answers about the sessions it keeps: the health of nodes and devices and the current
// value of every metric (read-only views of the ingest's session table).
import type { NodeSession } from './session'
import type { DeviceHealth, MetricUpdate, NodeHealth } from './session-records'
import type { MetricPath } from './host-types'

export class SessionQueries {
  constructor (private readonly groups: ReadonlyMap<string, ReadonlyMap<string, NodeSession>>) {}

  getNodeHealth (groupId: string, edgeNodeId: string): NodeHealth | undefined {
    return this.groups.get(groupId)?.get(edgeNodeId)?.health()
  }

  getDeviceHealth (groupId: string, edgeNodeId: string, deviceId: string): DeviceHealth | undefined {
    return this.groups.get(groupId)?.get(edgeNodeId)?.devices.get(deviceId)?.health()
  }

  listNodes (): NodeHealth[] {
    const out: NodeHealth[] = []
    for (const group of this.groups.values()) for (const node of group.values()) out.push(node.health())
    return out
  }

  /** The current value of a metric (the latest non-historical update, or its STALE mark). */
  getMetric (path: MetricPath): MetricUpdate | undefined {
    const node = this.groups.get(path.groupId)?.get(path.edgeNodeId)
    if (node === undefined) return undefined
    const table = path.deviceId === undefined ? node.metrics : node.devices.get(path.deviceId)?.metrics
    return table?.get(path.name)?.current
  }

  /** Current values, optionally of one group, node or device. */
  listMetrics (filter: { groupId?: string, edgeNodeId?: string, deviceId?: string } = {}): MetricUpdate[] {
    const out: MetricUpdate[] = []
    for (const [g, group] of this.groups) {
      if (filter.groupId !== undefined && g !== filter.groupId) continue
      for (const [n, node] of group) {
        if (filter.edgeNodeId !== undefined && n !== filter.edgeNodeId) continue
        if (filter.deviceId === undefined) for (const e of node.metrics.values()) out.push(e.current)
        for (const [d, device] of node.devices) {
          if (filter.deviceId !== undefined && d !== filter.deviceId) continue
          for (const e of device.metrics.values()) out.push(e.current)
        }
      }
    }
    return out
  }
}
