// The plant model as ISA-95 objects: one EquipmentType object (OPC 10030) per equipment node, EquipmentLevel set
// from its level and kind, organised enterprise > site > area > work center > work unit under Objects. NodeIds are
// the equipment's topic path in the hub's namespace (ns=<hub>;s=acme/dallas/press-shop), so a client can go from a
// UNS topic to its node and back.
import { DataType, NodeClass, type AddressSpace, type Namespace, type UAObject, type UAObjectType, type UAVariable } from 'node-opcua'
import { HubError } from '../../../core/errors'
import type { Equipment, PlantModel } from '../../../plant/plant-model'
import { ISA95_NAMESPACE_URI } from './nodesets'

/** ISA95EquipmentElementLevelEnum of OPC 10030; the plant model's kinds carry the same names. */
export const EQUIPMENT_LEVELS = {
  Enterprise: 0,
  Site: 1,
  Area: 2,
  ProcessCell: 3,
  Unit: 4,
  ProductionLine: 5,
  WorkCell: 6,
  ProductionUnit: 7,
  StorageZone: 8,
  StorageUnit: 9
} as const

export function equipmentLevelOf (e: Equipment): number {
  return EQUIPMENT_LEVELS[e.kind]
}

/** Builds the equipment objects once; the plant model does not change while the hub runs. */
export function addEquipmentObjects (addressSpace: AddressSpace, namespace: Namespace, model: PlantModel): Map<string, UAObject> {
  const isa95 = addressSpace.getNamespaceIndex(ISA95_NAMESPACE_URI)
  const type: UAObjectType | null = isa95 < 0 ? null : addressSpace.findObjectType('EquipmentType', isa95)
  if (type === null) {
    throw new HubError('OPCUA_NODESET', 'the ISA-95 nodeset (Opc.ISA95.NodeSet2.xml) is not loaded: EquipmentType is missing',
      { source: 'node-opcua-nodesets' }, 'reinstall the dependencies (npm ci)')
  }
  const objects = new Map<string, UAObject>()
  for (const e of model.walk()) {
    const parent = e.parent === undefined ? addressSpace.rootFolder.objects : objects.get(e.parent.topic)!
    const obj = type.instantiate({
      browseName: { name: e.id, namespaceIndex: namespace.index },
      displayName: e.name,
      namespace,
      nodeId: `s=${e.topic}`,
      organizedBy: parent,
      optionals: ['EquipmentLevel'],
      ...(e.description !== undefined ? { description: e.description } : {})
    })
    const level = obj.getChildByName('EquipmentLevel', isa95)
    if (level?.nodeClass === NodeClass.Variable) (level as UAVariable).setValueFromSource({ dataType: DataType.Int32, value: equipmentLevelOf(e) })
    objects.set(e.topic, obj)
  }
  return objects
}
