// Every namespace topic as an OPC UA variable under its equipment object: a folder for the data kind, one per tag
// level, the variable at the last level (NodeId ns=<hub>;s=<topic>; folders end in '/', a topic never does). Value,
// source timestamp and StatusCode follow the namespace entry; DataType and ValueRank its datatype; EngineeringUnits
// its unit. New topics become nodes without a restart, announced by a GeneralModelChangeEvent.
//
// The namespace says what changed as it happens (once per metric on the ingest path): the handler only remembers
// the entry, and the changes of one event-loop turn are applied together, each topic once with its latest value.
// A subscription therefore sees every value that stood for a turn, in order; the ingest pays the namespace's change
// event and a Map write (the entry's topic is already a key after its first change).
import {
  AccessLevelFlag, DataValue as DataValueOf, DataType, makeEUInformation, ModelChangeStructureDataType, NodeId, NodeIdType, StatusCodes, UserNameIdentityToken,
  Variant, VariantArrayType, type AddressSpace, type DataValue, type ISessionContext, type Namespace, type StatusCode,
  type UAObject, type UAVariable, type BaseNode
} from 'node-opcua'
import type { Logger } from '../../../core/logger'
import { sourceKind, type NamespaceEntry } from '../../../uns/namespace'
import { fromVariant, sameType, statusCodeOf, toVariant, typedDatatype, variableTypeOf, type VariableType } from './values'

/** What a write of a variable becomes: the command the hub's UNS carries (`<equipment>/commands/<tag>`). */
export type CommandWriter = (entry: NamespaceEntry, value: unknown, user: string | undefined) => Promise<StatusCode>

export interface NamespaceVariablesOptions {
  addressSpace: AddressSpace
  namespace: Namespace
  equipment: ReadonlyMap<string, UAObject>
  /** Whether a session's user (undefined: anonymous) may write commands of an equipment path. */
  mayWrite: (user: string | undefined, equipmentTopic: string) => boolean
  writeCommand: CommandWriter
  log: Logger
}

interface Placed {
  readonly variable: UAVariable
  readonly type: VariableType
  readonly datatype: string
  readonly unit: string | undefined
}

const VERB_NODE_ADDED = 1
const VERB_NODE_DELETED = 2
const UNECE_UNITS = 'http://www.opcfoundation.org/UA/units/un/cefact'

/** Sparkplug metrics take commands (sparkplug/uns-bridge.ts turns `<equipment>/commands/<tag>` into NCMD/DCMD). */
export function takesCommands (entry: NamespaceEntry): boolean {
  return sourceKind(entry.source) === 'spBv1.0' && (entry.kind === 'measurements' || entry.kind === 'state')
}

/** EngineeringUnits of a unit: a UN/CEFACT common code ('CEL', 'BAR') gets its unitId, anything else (UCUM) -1. */
export function euInformation (unit: string): ReturnType<typeof makeEUInformation> {
  const eu = makeEUInformation(unit, unit, unit)
  eu.namespaceUri = UNECE_UNITS
  if (!/^[A-Z0-9]{1,3}$/.test(unit)) eu.unitId = -1
  return eu
}

export class NamespaceVariables {
  private readonly placed = new Map<string, Placed>()
  private readonly folders = new Map<string, BaseNode>()
  private readonly dirty = new Map<string, NamespaceEntry>()
  private readonly gone = new Set<string>()
  private scheduled: NodeJS.Immediate | undefined
  private changes: ModelChangeStructureDataType[] = []

  constructor (private readonly opts: NamespaceVariablesOptions) {}

  /** Remembers a changed entry; applied at the end of the turn. */
  changed (entry: NamespaceEntry): void {
    this.dirty.set(entry.topic, entry)
    this.scheduled ??= setImmediate(() => this.flush())
  }

  removed (topic: string): void {
    // A topic changed and removed in one turn goes; one removed and added again is made anew.
    this.dirty.delete(topic)
    this.gone.add(topic)
    this.scheduled ??= setImmediate(() => this.flush())
  }

  /** The variable of a topic, if there is one. */
  variableOf (topic: string): UAVariable | undefined {
    return this.placed.get(topic)?.variable
  }

  get size (): number {
    return this.placed.size
  }

  /** Applies what changed since the last flush (also callable directly, e.g. to place the initial namespace). */
  flush (): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled)
    this.scheduled = undefined
    for (const topic of this.gone) this.delete(topic)
    this.gone.clear()
    for (const entry of this.dirty.values()) {
      try {
        this.apply(entry)
      } catch (err) {
        this.opts.log.warn(`OPC UA variable for ${entry.topic} not updated: ${(err as Error).message}`)
      }
    }
    this.dirty.clear()
    if (this.changes.length > 0) this.announce()
  }

  stop (): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled)
    this.scheduled = undefined
  }

  private apply (entry: NamespaceEntry): void {
    let p = this.placed.get(entry.topic)
    // A new birth may change a metric's datatype or unit, a flow the type of its JSON: the variable is made anew.
    if (p !== undefined && (p.datatype !== entry.datatype || p.unit !== entry.unit || !sameType(p.type, variableTypeOf(entry.datatype, entry.value)))) {
      this.delete(entry.topic)
      p = undefined
    }
    p ??= this.add(entry)
    if (p === undefined) return
    p.variable.setValueFromSource(toVariant(p.type, entry.value), statusCodeOf(entry.quality), new Date(entry.timestamp))
  }

  private add (entry: NamespaceEntry): Placed | undefined {
    const owner = this.opts.equipment.get(entry.equipment)
    if (owner === undefined) return undefined // only topics of the plant model's equipment become nodes
    const levels = entry.tag.split('/')
    let parent: BaseNode = owner
    let path = `${entry.equipment}/${entry.kind}`
    parent = this.folder(parent, path, entry.kind)
    for (const level of levels.slice(0, -1)) {
      path = `${path}/${level}`
      parent = this.folder(parent, path, level)
    }
    const type = variableTypeOf(entry.datatype, entry.value)
    const writable = takesCommands(entry) && typedDatatype(entry.datatype)
    const access = writable ? AccessLevelFlag.CurrentRead | AccessLevelFlag.CurrentWrite : AccessLevelFlag.CurrentRead
    const { namespace } = this.opts
    const variable = namespace.addVariable({
      organizedBy: parent,
      // A NodeId object, not 's=<topic>': node-opcua's parser would read a tag such as 'ns=0;i=2253' as another node.
      nodeId: new NodeId(NodeIdType.STRING, entry.topic, namespace.index),
      browseName: { name: levels[levels.length - 1]!, namespaceIndex: namespace.index },
      description: `${entry.topic} (${entry.datatype} from ${entry.source})`,
      dataType: DataType[type.dataType],
      valueRank: type.valueRank,
      ...(type.valueRank === 1 ? { arrayDimensions: [0] } : {}),
      accessLevel: access,
      userAccessLevel: access,
      minimumSamplingInterval: 0
    })
    if (entry.unit !== undefined) {
      namespace.addVariable({
        propertyOf: variable,
        browseName: 'EngineeringUnits',
        dataType: 'EUInformation',
        value: new Variant({
          dataType: DataType.ExtensionObject,
          value: euInformation(entry.unit)
        })
      })
    }
    if (writable) this.takeWrites(variable, entry, type)
    const placed = { variable, type, datatype: entry.datatype, unit: entry.unit }
    this.placed.set(entry.topic, placed)
    this.changes.push(new ModelChangeStructureDataType({ affected: variable.nodeId, affectedType: variable.typeDefinition, verb: VERB_NODE_ADDED }))
    return placed
  }

  private folder (parent: BaseNode, path: string, name: string): BaseNode {
    const key = `${path}/`
    let f = this.folders.get(key)
    if (f === undefined) {
      const { namespace } = this.opts
      f = namespace.addObject({ organizedBy: parent, typeDefinition: 'FolderType', nodeId: new NodeId(NodeIdType.STRING, key, namespace.index), browseName: { name, namespaceIndex: namespace.index } })
      this.folders.set(key, f)
    }
    return f
  }

  private delete (topic: string): void {
    const p = this.placed.get(topic)
    if (p === undefined) return
    this.placed.delete(topic)
    this.changes.push(new ModelChangeStructureDataType({ affected: p.variable.nodeId, affectedType: p.variable.typeDefinition, verb: VERB_NODE_DELETED }))
    this.opts.addressSpace.deleteNode(p.variable)
  }

  /**
   * A write becomes a command and leaves the variable as it is: the value changes when the machine reports it.
   * node-opcua's own write path would store the written value, so writes of these variables are answered here,
   * with its status codes: BadWriteNotSupported for an index range, BadUserAccessDenied without rights,
   * BadTypeMismatch for a value of another DataType or rank.
   */
  private takeWrites (variable: UAVariable, entry: NamespaceEntry, type: VariableType): void {
    const writeValue = (context: ISessionContext | null, dataValue: DataValue, ...rest: unknown[]): void => {
      const callback = rest[rest.length - 1] as (err: Error | null, statusCode?: StatusCode) => void
      const range = rest.length === 2 ? rest[0] as { isEmpty?: () => boolean } | null : null
      if (range !== null && range !== undefined && typeof range.isEmpty === 'function' && !range.isEmpty()) return callback(null, StatusCodes.BadWriteNotSupported)
      const user = userOf(context)
      if (!this.opts.mayWrite(user, entry.equipment)) return callback(null, StatusCodes.BadUserAccessDenied)
      const v = dataValue.value
      const rank = v.arrayType === VariantArrayType.Array ? 1 : v.arrayType === VariantArrayType.Scalar ? -1 : 0
      if (v.dataType !== type.dataType || rank !== type.valueRank) return callback(null, StatusCodes.BadTypeMismatch)
      this.opts.writeCommand(entry, fromVariant(type, v), user).then((code) => callback(null, code), (err: Error) => {
        this.opts.log.warn(`OPC UA write of ${entry.topic} by ${user ?? 'anonymous'} failed: ${err.message}`)
        callback(null, StatusCodes.BadInternalError)
      })
    }
    // The variable's own writeValue, answered for this variable only (see above).
    Object.defineProperty(variable, 'writeValue', { value: writeValue, writable: true, configurable: true })
    // UserAccessLevel as this session's user has it (a viewer's client must not offer a write it would refuse):
    // node-opcua reads it through _readUserAccessLevel(context), answered here for this variable only.
    const readUserAccessLevel = (context: ISessionContext): DataValue => new DataValueOf({
      statusCode: StatusCodes.Good,
      value: { dataType: DataType.Byte, value: this.opts.mayWrite(userOf(context), entry.equipment) ? READ_WRITE : AccessLevelFlag.CurrentRead }
    })
    Object.defineProperty(variable, '_readUserAccessLevel', { value: readUserAccessLevel, writable: true, configurable: true })
  }

  /**
   * GeneralModelChangeEvents from the Server object for the nodes added and deleted in this turn, at most
   * CHANGES_PER_EVENT changes each: a birth of 10,000 metrics is 10 events, not one notification a client must take whole.
   */
  private announce (): void {
    const changes = this.changes
    this.changes = []
    const server = this.opts.addressSpace.rootFolder.objects.server
    const eventType = this.opts.addressSpace.findEventType('GeneralModelChangeEventType')
    if (eventType === null) return
    for (let i = 0; i < changes.length; i += CHANGES_PER_EVENT) {
      const part = changes.slice(i, i + CHANGES_PER_EVENT)
      server.raiseEvent(eventType, { changes: { dataType: DataType.ExtensionObject, arrayType: VariantArrayType.Array, value: part } })
    }
  }
}

const READ_WRITE = AccessLevelFlag.CurrentRead | AccessLevelFlag.CurrentWrite

/** The most node changes one GeneralModelChangeEvent carries. */
export const CHANGES_PER_EVENT = 1000

/** The user name of a session; undefined for an anonymous one (or an in-process caller). */
export function userOf (context: ISessionContext | null): string | undefined {
  const token = (context as { session?: { userIdentityToken?: unknown } } | null)?.session?.userIdentityToken
  return token instanceof UserNameIdentityToken && typeof token.userName === 'string' ? token.userName : undefined
}
