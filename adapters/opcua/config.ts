// The OPC UA adapter's settings (`opcua.*` in the config file). `opcua.server`: the namespace as an ISA-95 address
// space (adapters/opcua/server/). node-opcua's own defaults are low (10 sessions, 10 subscriptions per session), so
// every limit is set here explicitly and handed to the server as it is.
import type { ConfigSection } from '../../core/config-section'
import { COLLECTOR_SCHEMA, COLLECTOR_SETTINGS, checkCollector, collectorDefaults, type OpcUaCollectorConfig } from './collector/config'

export interface OpcUaServerLimits {
  /** Sessions at once, all clients together. */
  maxSessions: number
  /** TCP connections per endpoint. */
  maxConnections: number
  maxSubscriptionsPerSession: number
  /** Subscriptions of all sessions together (node-opcua's own default is 100, whatever the per-session limit). */
  maxSubscriptions: number
  maxMonitoredItemsPerSubscription: number
  /** Monitored items of all subscriptions together. */
  maxMonitoredItems: number
  /** Monitored items in one CreateMonitoredItems call (OperationLimits.MaxMonitoredItemsPerCall). */
  maxMonitoredItemsPerCall: number
  /** Nodes in one Read, Write or Browse call. */
  maxNodesPerRead: number
  maxNodesPerWrite: number
  maxNodesPerBrowse: number
}

export interface OpcUaServerConfig {
  enabled: boolean
  host: string
  port: number
  /** Let clients on other machines use SecurityPolicy None (passwords then travel in clear text). */
  securityNoneRemote: boolean
  limits: OpcUaServerLimits
}

export interface OpcUaConfig {
  server: OpcUaServerConfig
  /** The collector (adapters/opcua/collector/config.ts): the OPC UA servers the plant model binds. */
  collector: OpcUaCollectorConfig
}

export const DEFAULT_OPCUA_LIMITS: Readonly<OpcUaServerLimits> = {
  maxSessions: 100,
  maxConnections: 100,
  maxSubscriptionsPerSession: 50,
  maxSubscriptions: 5_000,
  maxMonitoredItemsPerSubscription: 100_000,
  maxMonitoredItems: 1_000_000,
  maxMonitoredItemsPerCall: 10_000,
  maxNodesPerRead: 10_000,
  maxNodesPerWrite: 1_000,
  maxNodesPerBrowse: 10_000
}

const PORT = { type: 'integer', minimum: 0, maximum: 65535 } as const
const COUNT = { type: 'integer', minimum: 1 } as const

export const OPCUA_SECTION: ConfigSection<OpcUaConfig, 'opcua'> = {
  key: 'opcua',
  defaults: () => ({
    server: { enabled: true, host: '0.0.0.0', port: 4840, securityNoneRemote: false, limits: { ...DEFAULT_OPCUA_LIMITS } },
    collector: collectorDefaults()
  }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'OPC UA: the Unified Namespace as an ISA-95 address space for OPC UA clients (server), and the OPC UA servers of machines feeding it (collector).',
    properties: {
      collector: COLLECTOR_SCHEMA,
      server: {
        type: 'object',
        additionalProperties: false,
        description: 'The OPC UA server: the plant model as ISA-95 EquipmentType objects, every namespace topic a variable.',
        properties: {
          enabled: { type: 'boolean', description: 'Run the OPC UA server.' },
          host: { type: 'string', description: 'Interface the OPC UA server binds to.' },
          port: { ...PORT, description: 'OPC UA TCP port (opc.tcp; 4840 is the registered port; 0 picks a free one).' },
          securityNoneRemote: {
            type: 'boolean',
            description: 'Allow SecurityPolicy None (no signing, no encryption, passwords in clear text) to clients on ' +
              'other machines; by default only clients on this machine may use it.'
          },
          limits: {
            type: 'object',
            additionalProperties: false,
            description: 'What OPC UA clients may ask of the server at once.',
            properties: {
              maxSessions: { ...COUNT, description: 'Sessions at once, all clients together.' },
              maxConnections: { ...COUNT, description: 'TCP connections per endpoint.' },
              maxSubscriptionsPerSession: COUNT,
              maxSubscriptions: { ...COUNT, description: 'Subscriptions of all sessions together.' },
              maxMonitoredItemsPerSubscription: COUNT,
              maxMonitoredItems: { ...COUNT, description: 'Monitored items of all subscriptions together.' },
              maxMonitoredItemsPerCall: { ...COUNT, description: 'Monitored items in one CreateMonitoredItems call.' },
              maxNodesPerRead: COUNT,
              maxNodesPerWrite: COUNT,
              maxNodesPerBrowse: COUNT
            }
          }
        }
      }
    }
  },
  settings: [
    { env: 'HUB_OPCUA_ENABLED', key: 'opcua.server.enabled', kind: 'bool', help: 'OPC UA server on/off' },
    { env: 'HUB_OPCUA_HOST', key: 'opcua.server.host', kind: 'string', help: 'OPC UA server interface' },
    { env: 'HUB_OPCUA_PORT', key: 'opcua.server.port', kind: 'int', help: 'OPC UA server port (default 4840)' },
    { env: 'HUB_OPCUA_SECURITY_NONE_REMOTE', key: 'opcua.server.securityNoneRemote', kind: 'bool', help: 'allow SecurityPolicy None from other machines (default false)' },
    ...COLLECTOR_SETTINGS
  ],
  check: (v) => checkCollector(v.collector),
  fileOnlyKeys: ['opcua.server.limits']
}
