// The ISA-95 equipment hierarchy in memory: one tree of Equipment nodes plus indexes to find a node by its
// topic path, its SAP work center or its Sparkplug binding. Built once from a validated plant model file
// (load-plant-model.ts) and then only read, so that the broker's publish path can walk it without locks or copies.
import { HubError } from '../core/errors'

// ---- The file format (schemas/plant-model.schema.json) ----------------------------------------------------------

export type WorkCenterKind = 'ProductionLine' | 'ProcessCell' | 'ProductionUnit' | 'StorageZone'
export type WorkUnitKind = 'WorkCell' | 'Unit' | 'StorageUnit'

export interface SapBindingDocument { plant?: string, workCenter?: string }
export interface SparkplugBinding { readonly groupId: string, readonly edgeNodeId: string, readonly deviceId?: string }
export type OpcUaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt'
/** The policies the hub speaks: the legacy RSA PKCS#1 v1.5 ones (Basic128Rsa15, Basic256) need a Node security revert. */
export type OpcUaSecurityPolicy = 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss'
/** The data kinds an OPC UA variable can feed: process values or the equipment's condition. */
export type OpcUaNodeKind = 'measurements' | 'state'

/** One OPC UA variable whose value the hub collects into `<equipment>/<kind>/<tag>`. */
export interface OpcUaNodeBinding {
  /** The variable's NodeId ('ns=2;s=Press1.Temperature'); exactly one of nodeId and browsePath. */
  readonly nodeId?: string
  /** Its browse path ('/2:Press/2:Temperature'), from the binding's nodeId, else from the Objects folder. */
  readonly browsePath?: string
  readonly tag: string
  /** Default 'measurements'. */
  readonly kind?: OpcUaNodeKind
  /** Engineering unit (UN/CEFACT or UCUM code) published with each value. */
  readonly unit?: string
}

/** An OPC UA server that serves this equipment's data: the hub keeps one client session per endpoint. */
export interface OpcUaBinding {
  readonly endpoint: string
  /** The equipment's own node in the server; browse paths start there. */
  readonly nodeId?: string
  /** Default 'None' (then the policy is None too). */
  readonly securityMode?: OpcUaSecurityMode
  readonly securityPolicy?: OpcUaSecurityPolicy
  /** User name for the session; its password comes from the environment variable `passwordEnv`, never the file. */
  readonly username?: string
  readonly passwordEnv?: string
  /** The variables to collect (none: the binding only says where the equipment lives). */
  readonly nodes?: readonly OpcUaNodeBinding[]
}

export interface EquipmentDocument {
  id: string
  name: string
  description?: string
  sap?: SapBindingDocument
  sparkplug?: SparkplugBinding
  opcua?: OpcUaBinding
}
/**
 * Job events and material consumption from the machine (mes/machine-events.ts, mes/machine-consumption.ts): names
 * of Sparkplug metrics of the work unit's own Sparkplug binding. The loader accepts it only on a work unit bound to
 * Sparkplug and to an SAP work center.
 */
export interface MachineEventsMapping {
  /** Counter metric whose increases are good quantity. */
  readonly goodCounter?: string
  /** Counter metric whose increases are scrap. */
  readonly scrapCounter?: string
  /** State metric whose values pause (stopped), resume (running) or hold (held) the job on the unit. */
  readonly state?: {
    readonly metric: string
    readonly running?: readonly string[]
    readonly stopped?: readonly string[]
    readonly held?: readonly string[]
  }
  /** Material the machine consumes (mes/machine-consumption.ts): a lot metric and the counter of what it used of it. */
  readonly consumption?: readonly MachineConsumptionMapping[]
}

/** One feeder, hopper or coil holder: which lot is loaded, and a counter of how much of it the machine used. */
export interface MachineConsumptionMapping {
  /** String metric: the id of the lot loaded now (empty: none). */
  readonly lotMetric: string
  /** Counter metric: each increase, times `scale`, is consumed from that lot on the job Running on the unit. */
  readonly counter: string
  /** Lot units per counter unit (e.g. 0.001 for a gram counter and a lot in KG); default 1. */
  readonly scale?: number
}
export interface WorkUnitDocument extends EquipmentDocument {
  kind: WorkUnitKind
  mes?: MachineEventsMapping
  /** Where the WMS stages this unit's material (SAP EWM: its production supply area); absent: the unit's own id. */
  supplyLocation?: string
}
export interface WorkCenterDocument extends EquipmentDocument { kind: WorkCenterKind, workUnits?: WorkUnitDocument[] }
export interface AreaDocument extends EquipmentDocument { workCenters?: WorkCenterDocument[] }
export interface SiteDocument extends EquipmentDocument { areas?: AreaDocument[] }

/** A plant model file as written, after schema validation. */
export interface PlantModelDocument {
  version: 1
  enterprise: EquipmentDocument
  sites: SiteDocument[]
}

// ---- The tree -----------------------------------------------------------------------------------------------------

export type EquipmentLevel = 'enterprise' | 'site' | 'area' | 'workCenter' | 'workUnit'
export type EquipmentKind = 'Enterprise' | 'Site' | 'Area' | WorkCenterKind | WorkUnitKind

/** SAP binding as resolved: the plant is inherited from the nearest ancestor when the file leaves it out. */
export interface SapBinding { readonly plant: string, readonly workCenter?: string }

export interface Bindings {
  readonly sap?: SapBinding
  readonly sparkplug?: SparkplugBinding
  readonly opcua?: OpcUaBinding
}

export interface Equipment {
  readonly id: string
  readonly name: string
  readonly description?: string
  readonly level: EquipmentLevel
  readonly kind: EquipmentKind
  /** Ids from the enterprise down to this node, e.g. ['acme', 'dallas', 'press-shop']. */
  readonly path: readonly string[]
  /** The path joined with '/': this node's prefix in the Unified Namespace. */
  readonly topic: string
  readonly parent: Equipment | undefined
  readonly children: readonly Equipment[]
  /** Children by id: the topic parser walks these maps, one lookup per topic level. */
  readonly childById: ReadonlyMap<string, Equipment>
  readonly bindings: Bindings
  /** Work units only: which Sparkplug metrics of the unit's binding are job events (plant model `mes:`). */
  readonly mes?: MachineEventsMapping
  /** Work units only: the WMS's supply location of the unit (plant model `supplyLocation:`), if the model binds one. */
  readonly supplyLocation?: string
}

/** Which work units each kind of work center holds (ISA-95 Part 1 equipment hierarchy model). */
export const WORK_UNIT_KINDS_OF: Readonly<Record<WorkCenterKind, readonly WorkUnitKind[]>> = {
  ProductionLine: ['WorkCell'],
  ProcessCell: ['Unit'],
  ProductionUnit: ['Unit'],
  StorageZone: ['StorageUnit']
}

// Kept apart from the readonly interface so that the builder can fill in children; nothing outside this file mutates.
interface MutableEquipment extends Equipment {
  readonly children: Equipment[]
  readonly childById: Map<string, Equipment>
}

export class PlantModel {
  readonly version = 1 as const
  readonly enterprise: Equipment
  /** Where the model came from (a file name), for messages. */
  readonly source: string

  private readonly topics = new Map<string, Equipment>()
  private readonly sapWorkCenters = new Map<string, Equipment>()
  private readonly sapPlants = new Map<string, Equipment>()
  private readonly sparkplug = new Map<string, Equipment>()

  /** Builds the tree from a document that passed validation (use loadPlantModel / parsePlantModel). */
  constructor (doc: PlantModelDocument, source: string) {
    this.source = source
    const enterprise = this.add(doc.enterprise, 'enterprise', 'Enterprise', undefined)
    this.enterprise = enterprise
    for (const site of doc.sites) {
      const s = this.add(site, 'site', 'Site', enterprise)
      for (const area of site.areas ?? []) {
        const a = this.add(area, 'area', 'Area', s)
        for (const wc of area.workCenters ?? []) {
          const w = this.add(wc, 'workCenter', wc.kind, a)
          for (const wu of wc.workUnits ?? []) this.add(wu, 'workUnit', wu.kind, w, wu.mes, wu.supplyLocation)
        }
      }
    }
  }

  /** Number of equipment nodes, enterprise included. */
  get size (): number {
    return this.topics.size
  }

  /** The node at a topic path such as 'acme/dallas/press-shop', or undefined. */
  byTopic (topic: string): Equipment | undefined {
    return this.topics.get(topic)
  }

  /** The node at a path of ids such as ['acme', 'dallas'], or undefined. */
  byPath (path: readonly string[]): Equipment | undefined {
    let node: Equipment | undefined = path[0] === this.enterprise.id ? this.enterprise : undefined
    for (let i = 1; node !== undefined && i < path.length; i++) node = node.childById.get(path[i])
    return node
  }

  /** The node bound to an SAP work center (ARBPL) in an SAP plant (WERKS). */
  bySapWorkCenter (plant: string, workCenter: string): Equipment | undefined {
    return this.sapWorkCenters.get(sapKey(plant, workCenter))
  }

  /** The node bound to an SAP plant as a whole (usually a site). */
  bySapPlant (plant: string): Equipment | undefined {
    return this.sapPlants.get(plant)
  }

  /**
   * The node bound to exactly this Sparkplug edge node (no deviceId) or device. See sparkplugOwner for the node
   * that owns a device's data when the device itself is not bound.
   */
  bySparkplug (groupId: string, edgeNodeId: string, deviceId?: string): Equipment | undefined {
    return this.sparkplug.get(sparkplugKey(groupId, edgeNodeId, deviceId))
  }

  /** Where data from a Sparkplug edge node or device belongs: the device's binding, else its edge node's. */
  sparkplugOwner (groupId: string, edgeNodeId: string, deviceId?: string): Equipment | undefined {
    return (deviceId === undefined ? undefined : this.bySparkplug(groupId, edgeNodeId, deviceId)) ??
      this.bySparkplug(groupId, edgeNodeId)
  }

  /** The work units whose plant model entry maps Sparkplug metrics to job events (`mes:`), in file order. */
  machineEventUnits (): Equipment[] {
    return [...this.walk()].filter((e) => e.level === 'workUnit' && e.mes !== undefined)
  }

  /** The work units whose plant model entry maps metrics to material consumption (`mes: consumption`), in file order. */
  machineConsumptionUnits (): Equipment[] {
    return [...this.walk()].filter((e) => e.level === 'workUnit' && (e.mes?.consumption?.length ?? 0) > 0)
  }

  /** The equipment whose OPC UA binding names variables to collect, in file order. */
  opcuaCollected (): Equipment[] {
    return [...this.walk()].filter((e) => (e.bindings.opcua?.nodes?.length ?? 0) > 0)
  }

  /** Every node below and including `from` (default: the enterprise), parents before children, in file order. */
  * walk (from: Equipment = this.enterprise): Generator<Equipment, void, undefined> {
    yield from
    for (const child of from.children) yield * this.walk(child)
  }

  private add (doc: EquipmentDocument, level: EquipmentLevel, kind: EquipmentKind,
    parent: MutableEquipment | undefined, mes?: MachineEventsMapping, supplyLocation?: string): MutableEquipment {
    const path = parent ? [...parent.path, doc.id] : [doc.id]
    const node: MutableEquipment = {
      id: doc.id,
      name: doc.name,
      ...(doc.description !== undefined ? { description: doc.description } : {}),
      level,
      kind,
      path,
      topic: path.join('/'),
      parent,
      children: [],
      childById: new Map(),
      bindings: this.resolveBindings(doc, parent),
      ...(mes !== undefined ? { mes: copyMapping(mes) } : {}),
      ...(supplyLocation !== undefined ? { supplyLocation } : {})
    }
    // Validation rejects all of these; the checks only guard against a document built by hand.
    if (this.topics.has(node.topic)) throw conflict(`equipment '${node.topic}' is defined twice`, this.source)
    this.topics.set(node.topic, node)
    if (parent) {
      parent.children.push(node)
      parent.childById.set(node.id, node)
    }
    const { sap, sparkplug } = node.bindings
    if (sap) {
      const [index, key] = sap.workCenter !== undefined
        ? [this.sapWorkCenters, sapKey(sap.plant, sap.workCenter)]
        : [this.sapPlants, sap.plant]
      if (index.has(key)) throw conflict(`SAP binding '${key}' is used twice`, this.source)
      index.set(key, node)
    }
    if (sparkplug) {
      const key = sparkplugKey(sparkplug.groupId, sparkplug.edgeNodeId, sparkplug.deviceId)
      if (this.sparkplug.has(key)) throw conflict(`Sparkplug binding '${key}' is used twice`, this.source)
      this.sparkplug.set(key, node)
    }
    return node
  }

  private resolveBindings (doc: EquipmentDocument, parent: Equipment | undefined): Bindings {
    const bindings: { sap?: SapBinding, sparkplug?: SparkplugBinding, opcua?: OpcUaBinding } = {}
    if (doc.sap) {
      const plant = doc.sap.plant ?? sapPlantOf(parent)
      if (plant === undefined) throw conflict(`SAP work center '${doc.sap.workCenter}' has no SAP plant`, this.source)
      bindings.sap = doc.sap.workCenter !== undefined ? { plant, workCenter: doc.sap.workCenter } : { plant }
    }
    if (doc.sparkplug) bindings.sparkplug = { ...doc.sparkplug }
    if (doc.opcua) {
      const { nodes, ...rest } = doc.opcua
      bindings.opcua = nodes === undefined ? { ...rest } : { ...rest, nodes: nodes.map((n) => ({ ...n })) }
    }
    return bindings
  }
}

function copyMapping (m: MachineEventsMapping): MachineEventsMapping {
  const state = m.state
  return {
    ...(m.goodCounter !== undefined ? { goodCounter: m.goodCounter } : {}),
    ...(m.scrapCounter !== undefined ? { scrapCounter: m.scrapCounter } : {}),
    ...(state !== undefined
      ? {
          state: {
            metric: state.metric,
            ...(state.running !== undefined ? { running: [...state.running] } : {}),
            ...(state.stopped !== undefined ? { stopped: [...state.stopped] } : {}),
            ...(state.held !== undefined ? { held: [...state.held] } : {})
          }
        }
      : {}),
    ...(m.consumption !== undefined ? { consumption: m.consumption.map((c) => ({ ...c })) } : {})
  }
}

/** The SAP plant that applies to a node: its own, else the nearest ancestor's. */
export function sapPlantOf (equipment: Equipment | undefined): string | undefined {
  for (let e = equipment; e !== undefined; e = e.parent) {
    if (e.bindings.sap) return e.bindings.sap.plant
  }
  return undefined
}

export function sapKey (plant: string, workCenter: string): string {
  return `${plant}/${workCenter}`
}

export function sparkplugKey (groupId: string, edgeNodeId: string, deviceId?: string): string {
  return deviceId === undefined ? `${groupId}/${edgeNodeId}` : `${groupId}/${edgeNodeId}/${deviceId}`
}

function conflict (message: string, source: string): HubError {
  return new HubError('PLANT_MODEL_CONFLICT', message, { source }, 'load the model with loadPlantModel to get every problem at once')
}
