// The hub's Sparkplug side, started with the broker: the host application on a trusted in-process connection and
// the bridge that places its metrics in the Unified Namespace. The bridge listens before the host goes online, so
// no birth is missed.
import type { PlantModel } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import type { RunningBroker } from '../broker/broker'
import type { Namespace } from '../uns/namespace'
import { hostClientId, SparkplugHostApplication } from './host/host-application'
import { DEFAULT_MAX_MESSAGE_BYTES, SparkplugUnsBridge } from './uns-bridge'
import type { SparkplugSettings } from './config'

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
