// Typed failures of the Sparkplug host application's public API (writes to machines, configuration).
// Protocol problems seen on the ingest path are never thrown: they become rebirth requests and health records.

import { HubError } from '../../core/errors'

function where (groupId: string, edgeNodeId: string, deviceId?: string): { source: string } {
  return { source: deviceId === undefined ? `Sparkplug node '${groupId}/${edgeNodeId}'` : `Sparkplug device '${groupId}/${edgeNodeId}/${deviceId}'` }
}

/** The host application has no MQTT session with the broker (not started, reconnecting, or stopped). */
export class SparkplugHostNotConnectedError extends HubError {
  constructor (hostId: string, action: string) {
    super('SPARKPLUG_HOST_NOT_CONNECTED', `cannot ${action}: the Sparkplug host application is not connected to the broker`,
      { source: `Sparkplug host '${hostId}'` }, 'retry when the host is online again')
  }
}

/** The edge node or device is not online (never born, or dead since its NDEATH/DDEATH). */
export class SparkplugNodeOfflineError extends HubError {
  readonly groupId: string
  readonly edgeNodeId: string
  readonly deviceId: string | undefined
  constructor (groupId: string, edgeNodeId: string, deviceId: string | undefined, state: string) {
    super('SPARKPLUG_OFFLINE', `is ${state}, so it cannot be written to`, where(groupId, edgeNodeId, deviceId),
      'commands go only to nodes and devices whose birth certificate the host holds')
    this.groupId = groupId
    this.edgeNodeId = edgeNodeId
    this.deviceId = deviceId
  }
}

/** A write to a metric that the node's or device's birth certificate did not declare. */
export class SparkplugUnknownMetricError extends HubError {
  readonly metric: string
  constructor (groupId: string, edgeNodeId: string, deviceId: string | undefined, metric: string) {
    super('SPARKPLUG_UNKNOWN_METRIC', `has no metric '${metric}' in its birth certificate`, where(groupId, edgeNodeId, deviceId),
      'only metrics declared in the NBIRTH/DBIRTH can be written')
    this.metric = metric
  }
}

/** Invalid host application options (host id, timeouts). */
export class SparkplugHostConfigError extends HubError {
  constructor (message: string, path: string) {
    super('SPARKPLUG_HOST_CONFIG', message, { source: 'Sparkplug host options', path })
  }
}
