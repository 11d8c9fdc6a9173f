// The hub's Sparkplug side, started with the broker: the host application on a trusted in-process connection and
// the bridge that places its metrics in the Unified Namespace. The bridge listens before the host goes online, so
// no birth is missed.
import type { PlantModel } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import type { RunningBroker } from '../broker/broker'
import type { Namespace } from '../uns/namespace'
import { DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_METRICS_PER_NODE, hostClientId, SparkplugHostApplication } from './host/host-application'
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_TOPICS, SparkplugUnsBridge } from './uns-bridge'

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

export const DEFAULT_SPARKPLUG: SparkplugSettings = {
  enabled: true,
  hostId: 'isa95-hub',
  reorderTimeoutMs: 2000,
  rebirthMinIntervalMs: 5000,
  snapshotIntervalMs: 250,
  maxMetricsPerNode: DEFAULT_MAX_METRICS_PER_NODE,
  maxTopics: DEFAULT_MAX_TOPICS,
  maxArrayLength: DEFAULT_MAX_ARRAY_LENGTH
}

export interface RunningSparkplug {
  readonly host: SparkplugHostApplication
  readonly bridge: SparkplugUnsBridge
  stop (): Promise<void>
}

export async function startSparkplug (opts: { settings: SparkplugSettings, model: PlantModel, broker: RunningBroker,
  namespace: Namespace, log: Logger, /** mqtt.maxPayloadBytes: the largest UNS message the bridge builds. */ maxMessageBytes?: number }): Promise<RunningSparkplug> {
  const { settings, broker, log } = opts
  const clientId = hostClientId(settings.hostId)
  const host = new SparkplugHostApplication({
    hostId: settings.hostId,
    clientId,
    broker: { connect: () => broker.connectInternal() },
    reorderTimeoutMs: settings.reorderTimeoutMs,
    rebirthMinIntervalMs: settings.rebirthMinIntervalMs,
    maxMetricsPerNode: settings.maxMetricsPerNode,
    maxArrayLength: settings.maxArrayLength,
    log: log.child('sparkplug-host')
  })
  const bridge = new SparkplugUnsBridge({
    host, model: opts.model, broker, namespace: opts.namespace, log: log.child('sparkplug-uns'), snapshotIntervalMs: settings.snapshotIntervalMs,
    maxTopics: settings.maxTopics, maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  })
  await bridge.start()
  await host.start()
  log.info(`Sparkplug host '${settings.hostId}' online (spBv1.0/STATE/${settings.hostId})`)
  return {
    host,
    bridge,
    async stop () {
      await host.stop()
      // The host said goodbye with its STATE death and DISCONNECT; aedes deletes the Will on DISCONNECT, but not
      // always before the broker's store closes, and a Will left there is published as a crash on the next start.
      await broker.forgetWill(clientId)
      await bridge.stop()
    }
  }
}
