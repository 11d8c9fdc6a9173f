// The simulated SAP's quality management (API_INSPECTIONLOT_SRV): one inspection lot per production order, made with
// the order as QM's inspection type 03 ("in-process inspection for a production order") does on release, with an
// inspection operation per routing operation and its characteristics from the plan (a quantitative one with limits,
// a qualitative one). Results are summarized results per characteristic (A_InspectionResult); SAP valuates a
// quantitative mean value against the characteristic's limits (A accepted, R rejected) and takes a qualitative
// result's valuation as given. A usage decision (A_InspLotUsageDecision) is made once per lot: a second is refused
// with SAP's error body, and so is a result after it. The lot's system status (A_InspectionLotWithStatus) follows:
// REL on creation, results confirmed (RREC) once every characteristic has a result, UD once decided.
// Property names from the published $metadata (sim/sap/metadata/API_INSPECTIONLOT_SRV.edmx); Edm.Double and
// Edm.Decimal written as strings, as SAP Gateway writes them in OData v2 JSON. Message classes QE (results
// recording) and QV (usage decision) are SAP's; the numbers are illustrative.
import Big from 'big.js'
import type { Entity } from './odata-query'
import { BusinessRefusal } from './postings'
import { PLANT, routingOf, type SeedOrder } from './production-orders'

interface PlanCharacteristic { characteristic: string, text: string, quantitative: boolean, unit?: string, lower?: string, upper?: string, target?: string }

/** The inspection plan of a routing operation (what QP01 would hold): a thickness in mm, a surface check. */
function planOf (workCenter: string): PlanCharacteristic[] {
  const assembly = workCenter.startsWith('ASSY')
  return [
    assembly
      ? { characteristic: '0010', text: 'Screw torque', quantitative: true, unit: 'NM', lower: '8', upper: '12', target: '10' }
      : { characteristic: '0010', text: 'Sheet thickness', quantitative: true, unit: 'MM', lower: '1.95', upper: '2.05', target: '2' },
    { characteristic: '0020', text: 'Surface free of scratches', quantitative: false }
  ]
}

interface Lot {
  lot: Entity
  operations: Entity[]
  characteristics: Entity[]
  results: Map<string, Entity>
  decision: Entity | undefined
}

function refuse (code: string, message: string, target = ''): never {
  throw new BusinessRefusal([{ code, message, severity: 'error', target }])
}

const text = (b: Entity, k: string): string => (b[k] === undefined || b[k] === null ? '' : String(b[k]))

export class InspectionLots {
  private readonly lots = new Map<string, Lot>()
  private next = 30_000_000_001

  constructor (orders: readonly SeedOrder[]) {
    for (const o of orders) this.createFor(o)
  }

  /** QM's lot creation for an order (inspection type 03). */
  createFor (o: SeedOrder): string {
    const id = String(this.next++).padStart(12, '0')
    const routing = routingOf(o)
    const operations = o.operations.map((op, i) => ({
      InspectionLot: id, InspPlanOperationInternalID: String(i + 1).padStart(8, '0'), OrderInternalBillOfOperations: routing,
      InspectionOperation: op.operation, InspectionOperationPlant: PLANT, WorkCenterInternalID: op.workCenter, OperationText: op.text
    }))
    const characteristics = o.operations.flatMap((op, i) => planOf(op.workCenter).map((c) => ({
      InspectionLot: id, InspPlanOperationInternalID: String(i + 1).padStart(8, '0'), InspectionCharacteristic: c.characteristic,
      InspectionSpecificationText: c.text, InspSpecIsQuantitative: c.quantitative, InspectionCharacteristicStatus: '1',
      InspectionSpecificationUnit: c.unit ?? '', InspSpecDecimalPlaces: c.quantitative ? 2 : 0,
      InspSpecTargetValue: c.target ?? '0', InspSpecHasTargetValue: c.target !== undefined ? 'X' : '',
      InspSpecLowerLimit: c.lower ?? '0', InspSpecHasLowerLimit: c.lower !== undefined ? 'X' : '',
      InspSpecUpperLimit: c.upper ?? '0', InspSpecHasUpperLimit: c.upper !== undefined ? 'X' : ''
    })))
    this.lots.set(id, {
      lot: {
        InspectionLot: id, Material: o.material, Plant: PLANT, InspectionLotOrigin: '03', InspectionLotType: '03',
        ManufacturingOrder: o.order, OrderInternalBillOfOperations: routing, InspectionLotText: `Order ${o.order}`,
        InspectionLotQuantity: o.quantity, InspectionLotQuantityUnit: o.unit, StatusProfile: 'QM_P_001', InspectionLotHasQuantity: true
      },
      operations, characteristics, results: new Map(), decision: undefined
    })
    return id
  }

  lotRows (): Entity[] { return [...this.lots.values()].map((l) => l.lot) }
  operationRows (): Entity[] { return [...this.lots.values()].flatMap((l) => l.operations) }
  characteristicRows (): Entity[] { return [...this.lots.values()].flatMap((l) => l.characteristics) }
  resultRows (): Entity[] { return [...this.lots.values()].flatMap((l) => [...l.results.values()]) }
  decisionRows (): Entity[] { return [...this.lots.values()].flatMap((l) => (l.decision ? [l.decision] : [])) }

  statusRows (): Entity[] {
    return [...this.lots.values()].map((l) => ({
      InspectionLot: l.lot.InspectionLot, InspectionLotStatusCreated: 'X', InspectionLotStatusReleased: 'X', InspectionLotStatusSkip: '',
      InspLotStatusRsltsConfirmed: l.characteristics.every((c) => l.results.has(keyOf(c))) ? 'X' : '',
      InspLotStsDefectsRecorded: '', InspLotStsShrtTrmInspCmpltd: '', InspLotStatusInspCompleted: l.decision ? 'X' : '', InspLotStatusCanceled: '', InspLotStatusRepair: ''
    }))
  }

  private lotOf (body: Entity): Lot {
    const id = text(body, 'InspectionLot')
    if (id === '') refuse('/IWBEP/CM_MGW_RT/020', "Property 'InspectionLot' is mandatory", 'InspectionLot')
    const lot = this.lots.get(id.padStart(12, '0'))
    if (!lot) refuse('QE/010', `Inspection lot ${id} does not exist`, 'InspectionLot')
    return lot
  }

  recordResult (body: Entity, user: string): Entity {
    const lot = this.lotOf(body)
    const id = text(lot.lot, 'InspectionLot')
    if (lot.decision) refuse('QE/105', `Usage decision has already been made for inspection lot ${id}: results can no longer be recorded`, 'InspectionLot')
    const char = lot.characteristics.find((c) => c.InspPlanOperationInternalID === text(body, 'InspPlanOperationInternalID') && c.InspectionCharacteristic === text(body, 'InspectionCharacteristic'))
    if (!char) refuse('QE/020', `Characteristic ${text(body, 'InspectionCharacteristic') || '(none)'} of node ${text(body, 'InspPlanOperationInternalID') || '(none)'} does not exist in inspection lot ${id}`, 'InspectionCharacteristic')
    const key = keyOf(char)
    if (lot.results.has(key)) refuse('QE/030', `Characteristic ${text(char, 'InspectionCharacteristic')} of inspection lot ${id} is already closed: change the result instead`, 'InspectionCharacteristic')
    let valuation: string
    let mean: Big | undefined
    if (char.InspSpecIsQuantitative === true) {
      const v = text(body, 'InspectionResultMeanValue')
      if (v === '' || !/^-?\d+(\.\d+)?(E[+-]?\d+)?$/i.test(v)) refuse('QE/040', `Characteristic ${text(char, 'InspectionCharacteristic')} is quantitative: InspectionResultMeanValue must be a number, not '${v}'`, 'InspectionResultMeanValue')
      mean = new Big(Number(v))
      const low = char.InspSpecHasLowerLimit === 'X' ? new Big(text(char, 'InspSpecLowerLimit')) : undefined
      const high = char.InspSpecHasUpperLimit === 'X' ? new Big(text(char, 'InspSpecUpperLimit')) : undefined
      valuation = (low !== undefined && mean.lt(low)) || (high !== undefined && mean.gt(high)) ? 'R' : 'A'
    } else {
      valuation = text(body, 'InspectionValuationResult')
      if (valuation !== 'A' && valuation !== 'R') refuse('QE/041', `Characteristic ${text(char, 'InspectionCharacteristic')} is qualitative: InspectionValuationResult must be A or R, not '${valuation}'`, 'InspectionValuationResult')
    }
    const today = `/Date(${Date.parse(new Date().toISOString().slice(0, 10) + 'T00:00:00Z')})/`
    const result: Entity = {
      InspectionLot: id, InspPlanOperationInternalID: char.InspPlanOperationInternalID, InspectionCharacteristic: char.InspectionCharacteristic,
      InspectionResultStatus: '5', InspectionValuationResult: valuation, Inspector: text(body, 'Inspector') || user,
      InspectionResultMeanValue: mean !== undefined ? mean.toString() : '0', InspectionResultHasMeanValue: mean !== undefined ? 'X' : '',
      InspectionResultText: text(body, 'InspectionResultText'), InspRsltNonconformingValsNmbr: valuation === 'R' ? 1 : 0,
      CreatedByUser: user, CreationDate: today
    }
    lot.results.set(key, result)
    char.InspectionCharacteristicStatus = '5'
    return result
  }

  decide (body: Entity, user: string): Entity {
    const lot = this.lotOf(body)
    const id = text(lot.lot, 'InspectionLot')
    if (lot.decision) refuse('QV/101', `Usage decision already made for inspection lot ${id} (${text(lot.decision, 'InspectionLotUsageDecisionCode')}): change it instead`, 'InspectionLot')
    const code = text(body, 'InspectionLotUsageDecisionCode')
    if (code === '') refuse('QV/110', 'Enter a usage decision code', 'InspectionLotUsageDecisionCode')
    const valuation = text(body, 'InspLotUsageDecisionValuation') || (code.startsWith('R') ? 'R' : 'A')
    const now = new Date()
    lot.decision = {
      InspectionLot: id, InspLotUsageDecisionLevel: text(body, 'InspLotUsageDecisionLevel') || 'L', InspLotUsageDecisionCatalog: '3',
      SelectedCodeSetPlant: text(body, 'SelectedCodeSetPlant') || PLANT, InspLotUsgeDcsnSelectedSet: text(body, 'InspLotUsgeDcsnSelectedSet') || '01',
      InspLotUsageDecisionCodeGroup: text(body, 'InspLotUsageDecisionCodeGroup') || '01', InspectionLotUsageDecisionCode: code,
      InspLotUsageDecisionValuation: valuation, InspectionLotUsageDecidedBy: text(body, 'InspectionLotUsageDecidedBy') || user,
      InspectionLotUsageDecidedOn: `/Date(${Date.parse(now.toISOString().slice(0, 10) + 'T00:00:00Z')})/`,
      InspLotUsageDecisionTime: `PT${now.toISOString().slice(11, 13)}H${now.toISOString().slice(14, 16)}M${now.toISOString().slice(17, 19)}S`
    }
    return lot.decision
  }
}

function keyOf (c: Entity): string {
  return `${String(c.InspPlanOperationInternalID)}/${String(c.InspectionCharacteristic)}`
}
