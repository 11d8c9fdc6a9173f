// The hub's Sparkplug side, started with the broker: the host application on a trusted in-process connection, the
// stream that places its metrics in the Unified Namespace once, and the bridge that publishes them through the UNS
// port. Stream and bridge listen before the host goes online, so no birth is missed.
import type { PlantModel } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import type { Duplex } from 'node:stream'
import type { UnsPort } from '../uns/uns-port'
import { hostClientId, SparkplugHostApplication } from './host/host-application'
import { DEFAULT_MAX_MESSAGE_BYTES, SparkplugUnsBridge } from './uns-bridge'
import { SparkplugUnsStream } from './uns-stream'
import { SparkplugRefusals } from './refusals'
import type { SparkplugSettings } from './config'

/** The host's MQTT session inside the hub (the embedded broker's connectInternal and forgetWill fit). */
export interface InProcessMqtt {
  /** A new trusted MQTT connection over an in-memory stream. */
  connect (): Duplex
  /** Deletes a client's stored Will (after a clean disconnect, before the broker's store closes). */
  forgetWill (clientId: string): Promise<void>
}

export interface RunningSparkplug {
  readonly host: SparkplugHostApplication
  /** Every metric placed in the namespace, once: what the bridge, the `sparkplug in` node and machine events read. */
  readonly stream: SparkplugUnsStream
  readonly bridge: SparkplugUnsBridge
  stop (): Promise<void>
}

export async function startSparkplug (opts: { settings: SparkplugSettings, model: PlantModel, mqtt: InProcessMqtt,
  uns: UnsPort, log: Logger, /** mqtt.maxPayloadBytes: the largest UNS message the bridge builds. */ maxMessageBytes?: number }): Promise<RunningSparkplug> {
  const { settings, mqtt, uns, log } = opts
  const clientId = hostClientId(settings.hostId)
  const host = new SparkplugHostApplication({
    hostId: settings.hostId,
    clientId,
    // The namespace straight from the broker (host-types.ts SparkplugFeed): the host's MQTT session stays as it is.
    broker: { connect: () => mqtt.connect(), feed: async (filter, onMessage) => await uns.subscribe(filter, (m) => onMessage(m.topic, m.payload)) },
    reorderTimeoutMs: settings.reorderTimeoutMs,
    rebirthMinIntervalMs: settings.rebirthMinIntervalMs,
    maxMetricsPerNode: settings.maxMetricsPerNode,
    maxArrayLength: settings.maxArrayLength,
    log: log.child('sparkplug-host')
  })
  const bridgeLog = log.child('sparkplug-uns')
  const refusals = new SparkplugRefusals(uns, bridgeLog)
  const stream = new SparkplugUnsStream({ host, model: opts.model, namespace: uns.namespace, refusals, maxTopics: settings.maxTopics })
  const bridge = new SparkplugUnsBridge({
    host, stream, model: opts.model, uns, refusals, log: bridgeLog, snapshotIntervalMs: settings.snapshotIntervalMs,
    maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  })
  // The bridge consumes the stream first: the namespace is current when the other consumers hear of an update.
  await bridge.start()
  stream.start()
  await host.start()
  log.info(`Sparkplug host '${settings.hostId}' online (spBv1.0/STATE/${settings.hostId})`)
  return {
    host,
    stream,
    bridge,
    async stop () {
      await host.stop()
      // The host said goodbye with its STATE death and DISCONNECT; aedes deletes the Will on DISCONNECT, but not
      // always before the broker's store closes, and a Will left there is published as a crash on the next start.
      await mqtt.forgetWill(clientId)
      await bridge.stop()
      stream.stop()
    }
  }
}
