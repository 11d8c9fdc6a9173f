// What the hub's nodes use of the hub, and how a node finds it. The hub hands its services to the Node-RED runtime
// it embeds, in the runtime's settings (`isa95Hub`, as Node-RED hands runtime-wide objects to nodes, e.g.
// functionGlobalContext): each runtime sees the hub that started it, and a test gives a runtime the services of
// the hub it started. A node looks them up when a flow starts and reports a clear status when there are none.
import type { NodeAPI } from 'node-red'
import type { PlantModel } from '../plant/plant-model'
import type { UnsPort } from '../uns/uns-port'
import type { Mes } from '../mes/service'
import type { SparkplugHostApplication } from '../sparkplug/host/host-application'
import type { SparkplugUnsStream } from '../sparkplug/uns-stream'
import type { OpcUaBrowser } from '../adapters/opcua/browse'
import type { SapAdapter } from '../adapters/sap/sap-adapter'
import type { QmsAdapter } from '../adapters/qms/qms-adapter'
import type { WmsAdapter } from '../adapters/wms/wms-adapter'

export interface HubServices {
  readonly model: PlantModel
  /** The Unified Namespace: publish (with its rules), subscribe, last values, browse. */
  readonly uns: UnsPort
  /** The MES core (work orders, dispatch, WIP, confirmations, audit trail); set once its store is open. */
  readonly mes?: Mes
  /** The Sparkplug host application and its stream of placed metrics; set when Sparkplug is enabled. */
  readonly sparkplug?: { readonly host: SparkplugHostApplication, readonly stream: SparkplugUnsStream }
  /** Browsing the OPC UA servers the plant model binds (the `opcua browse` node and its editor dialog). */
  readonly opcua?: OpcUaBrowser
  /** The SAP adapter (the `idoc in`, `idoc out`, `sap odata` and `sap confirm` nodes); set when sap.enabled. */
  readonly sap?: SapAdapter
  /** The QMS adapter (inspection plans from the QMS, what was sent and called back); set when qms.enabled. */
  readonly qms?: QmsAdapter
  /** The WMS adapter (staging and put-away with the warehouse); set when wms.enabled. */
  readonly wms?: WmsAdapter
}

/** The key of the Node-RED settings under which the hub puts its services. */
export const HUB_SERVICES_SETTING = 'isa95Hub'

/** The services of the hub whose Node-RED runtime this node runs in, or undefined outside a hub. */
export function hubServicesOf (RED: NodeAPI): HubServices | undefined {
  const settings = RED.settings as unknown as Record<string, unknown>
  const services = settings[HUB_SERVICES_SETTING] as HubServices | undefined
  return typeof services === 'object' && services !== null && 'model' in services ? services : undefined
}
