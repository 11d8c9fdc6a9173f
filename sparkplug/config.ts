// The Sparkplug host's settings (`sparkplug.*`): the host application inside the hub and the limits of what its
// metrics may make of the Unified Namespace.
import type { ConfigSection } from '../core/config-section'
import { DEFAULT_HOST_ID, DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_METRICS_PER_NODE } from './host/host-types'
import { DEFAULT_MAX_TOPICS } from './uns-stream'

export interface SparkplugSettings {
  enabled: boolean
  hostId: string
  reorderTimeoutMs: number
  rebirthMinIntervalMs: number
  snapshotIntervalMs: number
  /** Metrics one edge node may declare in its NBIRTH and DBIRTHs together; a birth over it is refused. */
  maxMetricsPerNode: number
  /** UNS topics the bridge may create in all; metrics past it are refused. */
  maxTopics: number
  /** Elements an array metric may have; a message with a longer one is refused. */
  maxArrayLength: number
}

export const DEFAULT_SPARKPLUG: Readonly<SparkplugSettings> = {
  enabled: true,
  hostId: DEFAULT_HOST_ID,
  reorderTimeoutMs: 2000,
  rebirthMinIntervalMs: 5000,
  snapshotIntervalMs: 250,
  maxMetricsPerNode: DEFAULT_MAX_METRICS_PER_NODE,
  maxTopics: DEFAULT_MAX_TOPICS,
  maxArrayLength: DEFAULT_MAX_ARRAY_LENGTH
}

export const SPARKPLUG_SECTION: ConfigSection<SparkplugSettings, 'sparkplug'> = {
  key: 'sparkplug',
  defaults: () => ({ ...DEFAULT_SPARKPLUG }),
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'The Sparkplug B 3.0 host application inside the hub, and how its metrics enter the Unified Namespace.',
    properties: {
      enabled: { type: 'boolean', description: 'Run the Sparkplug host application.' },
      hostId: { type: 'string', pattern: '^[^/#+]+$', description: 'Sparkplug host id: STATE on spBv1.0/STATE/<hostId>. Unique in the infrastructure.' },
      reorderTimeoutMs: {
        type: 'integer',
        minimum: 0,
        maximum: 60000,
        description: 'How long an out-of-order message waits for the missing ones before a rebirth is requested (0: request at once).'
      },
      rebirthMinIntervalMs: { type: 'integer', minimum: 0, maximum: 600000, description: 'At most one rebirth request per edge node in this interval.' },
      snapshotIntervalMs: {
        type: 'integer',
        minimum: 10,
        maximum: 60000,
        description: 'How often the latest value of each Sparkplug metric is written as the retained message of its UNS topic.'
      },
      maxMetricsPerNode: {
        type: 'integer',
        minimum: 1,
        description: 'Metrics one edge node may declare in its NBIRTH and DBIRTHs together; a birth over it is refused (reported on $hub/errors).'
      },
      maxTopics: { type: 'integer', minimum: 1, description: 'UNS topics the Sparkplug bridge may create in all; metrics past it are refused.' },
      maxArrayLength: { type: 'integer', minimum: 1, description: 'Elements a Sparkplug array metric may have; a message with a longer one is refused.' }
    }
  },
  settings: [
    { env: 'HUB_SPARKPLUG_ENABLED', key: 'sparkplug.enabled', kind: 'bool', help: 'Sparkplug B host application on/off' },
    { env: 'HUB_SPARKPLUG_HOST_ID', key: 'sparkplug.hostId', kind: 'string', help: 'Sparkplug host id (STATE on spBv1.0/STATE/<id>)' },
    { env: 'HUB_SPARKPLUG_MAX_METRICS_PER_NODE', key: 'sparkplug.maxMetricsPerNode', kind: 'int', help: 'metrics one edge node may declare (NBIRTH + DBIRTHs); a birth over it is refused' },
    { env: 'HUB_SPARKPLUG_MAX_TOPICS', key: 'sparkplug.maxTopics', kind: 'int', help: 'UNS topics the Sparkplug bridge may create in all' },
    { env: 'HUB_SPARKPLUG_MAX_ARRAY_LENGTH', key: 'sparkplug.maxArrayLength', kind: 'int', help: 'elements a Sparkplug array metric may have; a message with a longer one is refused' }
  ]
}
