// The running hub's services, for the Node-RED nodes that live in the same process. The hub registers them at
// start; a node looks them up when a flow starts (and reports a clear status when the hub is not running).
import type { PlantModel } from '../plant/plant-model'
import type { RunningBroker } from '../broker/broker'
import type { UnsRules } from '../broker/publish-guard'
import type { Mes } from '../mes/index'
import type { Namespace } from '../uns/namespace'
import type { SparkplugHostApplication } from '../sparkplug/host/host-application'

export interface HubServices {
  readonly model: PlantModel
  readonly broker: RunningBroker
  readonly uns: UnsRules
  /** The MES core (work orders, dispatch, WIP, confirmations, audit trail); set once its store is open. */
  readonly mes?: Mes
  /** The Sparkplug host application and the namespace its metrics are kept in; set when Sparkplug is enabled. */
  readonly sparkplug?: { readonly host: SparkplugHostApplication, readonly namespace: Namespace }
}

let current: HubServices | undefined

export function registerHubServices (services: HubServices | undefined): void {
  current = services
}

export function maybeHubServices (): HubServices | undefined {
  return current
}
