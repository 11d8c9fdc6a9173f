// The nodesets the server loads: the OPC UA base, ISA-95 (OPC 10030, EquipmentType and its EquipmentLevel) and
// ISA-95 job control (OPC 10031-4 v2.0.0). Both ISA-95 files name only the base model as their <RequiredModel>.
// Opc.ISA95.NodeSet2.xml is not in node-opcua-nodesets' catalog: it is found beside the base nodeset of the same
// package, wherever npm put it.
import path from 'node:path'
import { nodesets } from 'node-opcua'

export const ISA95_NAMESPACE_URI = 'http://www.OPCFoundation.org/UA/2013/01/ISA95'
export const ISA95_JOB_CONTROL_NAMESPACE_URI = 'http://opcfoundation.org/UA/ISA95-JOBCONTROL_V2/'

export function hubNodesets (): string[] {
  return [nodesets.standard, path.join(path.dirname(nodesets.standard), 'Opc.ISA95.NodeSet2.xml'), nodesets.isa95JobControl]
}
