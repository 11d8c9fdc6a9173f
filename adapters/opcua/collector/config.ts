// The OPC UA collector's settings (`opcua.collector.*`): how the hub subscribes to the OPC UA servers the plant
// model binds, and how it notices and heals a session or subscription that went away. The `opcua` section of the
// config file holds these under `collector`, beside the server's settings.
import type { Problem } from '../../../core/errors'
import type { EnvSetting, JsonSchema } from '../../../core/config-section'

export interface OpcUaCollectorConfig {
  /** Collect from the servers the plant model binds (opcua.nodes); nothing starts when no binding names nodes. */
  enabled: boolean
  /** How often a server sends what changed (the subscription's publishing interval). */
  publishingIntervalMs: number
  /** How often a server samples each variable. */
  samplingIntervalMs: number
  /** Publishing intervals without a change after which the server sends a keep-alive (requestedMaxKeepAliveCount). */
  keepAliveCount: number
  /**
   * Keep-alive periods (publishing interval x keep-alive count) with neither data nor a keep-alive after which the
   * subscription counts as silent: the values go STALE and the subscription (else the session) is rebuilt.
   */
  watchdogKeepAlives: number
  /** The most monitored items per CreateMonitoredItems call; the server's MaxMonitoredItemsPerCall lowers it. */
  maxItemsPerCall: number
  /** First wait before reconnecting to a server that went away; doubled per failure up to reconnectMaxDelayMs. */
  reconnectDelayMs: number
  reconnectMaxDelayMs: number
  /** How long one request (connect, session, subscription, batch) may take before the session counts as lost. */
  requestTimeoutMs: number
  /** Accept a server certificate the hub has not trusted yet (secured endpoints only; default false). */
  acceptUnknownServerCertificates: boolean
}

export function collectorDefaults (): OpcUaCollectorConfig {
  return {
    enabled: true,
    publishingIntervalMs: 1000,
    samplingIntervalMs: 500,
    keepAliveCount: 10,
    watchdogKeepAlives: 3,
    maxItemsPerCall: 1000,
    reconnectDelayMs: 1000,
    reconnectMaxDelayMs: 30_000,
    requestTimeoutMs: 10_000,
    acceptUnknownServerCertificates: false
  }
}

const int = (minimum: number, maximum: number, description: string): JsonSchema => ({ type: 'integer', minimum, maximum, description })

/** The JSON Schema of `opcua.collector`. */
export const COLLECTOR_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'The OPC UA collector: subscribes to the OPC UA servers the plant model binds (opcua.nodes) and publishes their values into the namespace.',
  properties: {
    enabled: { type: 'boolean', description: 'Collect from the OPC UA servers the plant model binds (default true).' },
    publishingIntervalMs: int(10, 3_600_000, 'Publishing interval of each subscription in ms (default 1000).'),
    samplingIntervalMs: int(0, 3_600_000, 'Sampling interval of each monitored variable in ms (default 500; 0: as fast as the server can).'),
    keepAliveCount: int(1, 10_000, 'Publishing intervals without a change after which the server sends a keep-alive (default 10).'),
    watchdogKeepAlives: int(2, 100, 'Keep-alive periods with neither data nor keep-alive after which a subscription counts as silent and is rebuilt (default 3).'),
    maxItemsPerCall: int(1, 100_000, 'Most monitored items per CreateMonitoredItems call; the server\'s MaxMonitoredItemsPerCall lowers it (default 1000).'),
    reconnectDelayMs: int(10, 600_000, 'First wait before reconnecting to a server that went away, doubled per failure (default 1000).'),
    reconnectMaxDelayMs: int(10, 3_600_000, 'Longest wait between reconnection attempts in ms (default 30000).'),
    requestTimeoutMs: int(100, 600_000, 'How long one OPC UA request may take before the session counts as lost (default 10000).'),
    acceptUnknownServerCertificates: { type: 'boolean', description: 'Trust a secured server\'s certificate without it being in the collector\'s trusted folder (default false).' }
  }
}

export const COLLECTOR_SETTINGS: readonly EnvSetting[] = [
  { env: 'HUB_OPCUA_COLLECTOR_ENABLED', key: 'opcua.collector.enabled', kind: 'bool', help: 'collect from the OPC UA servers the plant model binds (default true)' },
  { env: 'HUB_OPCUA_PUBLISHING_MS', key: 'opcua.collector.publishingIntervalMs', kind: 'int', help: 'publishing interval of the collector\'s subscriptions (default 1000)' },
  { env: 'HUB_OPCUA_SAMPLING_MS', key: 'opcua.collector.samplingIntervalMs', kind: 'int', help: 'sampling interval of each collected variable (default 500)' }
]

/** Rules across the collector's keys, with JSON paths from the top of the config file. */
export function checkCollector (c: OpcUaCollectorConfig): Problem[] {
  const problems: Problem[] = []
  if (c.reconnectMaxDelayMs < c.reconnectDelayMs) {
    problems.push({ path: '/opcua/collector/reconnectMaxDelayMs', message: `${c.reconnectMaxDelayMs} is below reconnectDelayMs (${c.reconnectDelayMs}): the longest wait cannot be shorter than the first` })
  }
  if (c.samplingIntervalMs > c.publishingIntervalMs * c.keepAliveCount) {
    problems.push({ path: '/opcua/collector/samplingIntervalMs', message: `${c.samplingIntervalMs} ms is longer than a keep-alive period (${c.publishingIntervalMs * c.keepAliveCount} ms): sample at least once per period` })
  }
  return problems
}

/**
 * The `opcua` section with the collector alone. The OPC UA server's settings live in the same section
 * (adapters/opcua/config.ts); where both exist, that section takes `collector` from here.
 */
