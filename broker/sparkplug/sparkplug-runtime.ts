// The hub's Sparkplug side, started with the broker: the host application on a trusted in-process connection and
// the bridge that places its metrics in the Unified Namespace. The bridge listens before the host goes online, so
// no birth is missed.
import type { PlantModel } from '../../plant/plant-model'
import type { Logger } from '../../hub/logger'
import type { RunningBroker } from '../broker'
import type { Namespace } from '../namespace'
import { SparkplugHostApplication } from './host/host-application'
import { SparkplugUnsBridge } from './uns-bridge'

export interface SparkplugSettings {
  enabled: boolean
  hostId: string
  reorderTimeoutMs: number
  rebirthMinIntervalMs: number
  snapshotIntervalMs: number
}

export const DEFAULT_SPARKPLUG: SparkplugSettings = {
  enabled: true,
  hostId: 'isa95-hub',
  reorderTimeoutMs: 2000,
  rebirthMinIntervalMs: 5000,
  snapshotIntervalMs: 250
}

export interface RunningSparkplug {
  readonly host: SparkplugHostApplication
  readonly bridge: SparkplugUnsBridge
  stop (): Promise<void>
}

export async function startSparkplug (opts: { settings: SparkplugSettings, model: PlantModel, broker: RunningBroker,
  namespace: Namespace, log: Logger }): Promise<RunningSparkplug> {
  const { settings, broker, log } = opts
  const clientId = `sparkplug-host-${settings.hostId}`
  const host = new SparkplugHostApplication({
    hostId: settings.hostId,
    clientId,
    broker: { connect: () => broker.connectInternal() },
    reorderTimeoutMs: settings.reorderTimeoutMs,
    rebirthMinIntervalMs: settings.rebirthMinIntervalMs,
    log: log.child('sparkplug-host')
  })
  const bridge = new SparkplugUnsBridge({ host, model: opts.model, broker, namespace: opts.namespace, log: log.child('sparkplug-uns'), snapshotIntervalMs: settings.snapshotIntervalMs })
  bridge.start()
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
