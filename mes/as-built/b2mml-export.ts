// The as-built record in B2MML V7 (ISA-95 2018), in MESA's JSON form: an OperationsPerformance (one
// OperationsResponse per order, one SegmentResponse per operation with its MaterialActual, EquipmentActual,
// PersonnelActual and SegmentData) and a MaterialLot (the subject with its genealogy as assembly lots and sublots).
//
// Coded values are written in the object form ({ "$": "Consumed" }): MESA's schema checks them against their enums
// only in that form. Names follow the schema exactly, including its "Endtime" of OperationsPerformance.
import type { JobState } from '../model/types'
import type {
  AsBuiltRecord, GenealogyEdge, GenealogyNode, MaterialMovement, OperationRecord, OverrideRecord, ProcessValue, Quantity
} from './as-built-record'

type B2mml = Record<string, unknown>
const code = (value: string): B2mml => ({ $: value })

/** ISA-95 response states of the job states (OPC 10031-4 / ISA-95 Part 4). */
const RESPONSE_STATE: Record<JobState, string> = {
  NotAllowedToStart: 'Waiting',
  AllowedToStart: 'Ready',
  Running: 'Running',
  'Interrupted.Paused': 'Paused',
  'Interrupted.Held': 'Held',
  Ended: 'Completed',
  Aborted: 'Aborted'
}

function quantity (q: Quantity): B2mml[] {
  return [{ QuantityString: code(String(q.value)), DataType: code('decimal'), UnitOfMeasure: code(q.unit) }]
}

function value (key: string, v: string | number, dataType: string, unit?: string): B2mml {
  return { Key: key, ValueString: code(String(v)), DataType: code(dataType), ...(unit !== undefined ? { UnitOfMeasure: code(unit) } : {}) }
}

export interface B2mmlExport {
  OperationsPerformance: { OperationsPerformance: B2mml }
  MaterialLot: { MaterialLot: B2mml }
}

/** Both B2MML documents of a record that record-check.ts has accepted. */
export function toB2mml (record: AsBuiltRecord): B2mmlExport {
  const nodes = new Map(record.genealogy.nodes.map((n) => [n.id, n]))
  return {
    OperationsPerformance: { OperationsPerformance: operationsPerformance(record, nodes) },
    MaterialLot: { MaterialLot: materialLot(record, nodes) }
  }
}

// ---- OperationsPerformance ----

function operationsPerformance (r: AsBuiltRecord, nodes: Map<string, GenealogyNode>): B2mml {
  const byOrder = new Map<string, OperationRecord[]>()
  for (const op of r.operations) {
    const list = byOrder.get(op.orderNumber)
    if (list === undefined) byOrder.set(op.orderNumber, [op])
    else list.push(op)
  }
  const overrides = new Map(r.overrides.map((o) => [o.id, o]))
  const responses = [...byOrder].map(([order, ops]) => operationsResponse(r, order, ops, nodes, overrides))
  const times = timesOf(r.operations)
  return {
    ID: `as-built/${r.subject}`,
    Description: [code(`As-built record of ${r.subject}`)],
    OperationsType: code('Production'),
    ...(times.start !== undefined ? { StartTime: times.start } : {}),
    ...(times.end !== undefined ? { Endtime: times.end } : {}),
    PerformanceState: code(r.operations.every((o) => o.state === 'Ended') ? 'Completed' : 'Running'),
    PublishedDate: r.generatedAt,
    // B2MML requires at least one OperationsResponse; a subject received, never made here, has none of its own.
    OperationsResponse: responses.length > 0
      ? responses
      : [{ ID: `received/${r.subject}`, OperationsType: code('Inventory'), SegmentResponse: [{ ID: `received/${r.subject}` }] }]
  }
}

function timesOf (ops: readonly OperationRecord[]): { start?: string, end?: string } {
  const starts = ops.map((o) => o.startedAt).filter((t): t is string => t !== null).sort()
  const ends = ops.map((o) => o.endedAt).filter((t): t is string => t !== null).sort()
  return { start: starts[0], end: ends[ends.length - 1] }
}

function operationsResponse (r: AsBuiltRecord, order: string, ops: OperationRecord[], nodes: Map<string, GenealogyNode>,
  overrides: Map<string, OverrideRecord>): B2mml {
  const times = timesOf(ops)
  return {
    ID: order,
    OperationsType: code('Production'),
    OperationsRequestID: [order],
    ...(times.start !== undefined ? { StartTime: times.start } : {}),
    ...(times.end !== undefined ? { EndTime: times.end } : {}),
    ResponseState: code(ops.every((o) => o.state === 'Ended') ? 'Completed' : 'Running'),
    SegmentResponse: [...ops].sort((a, b) => a.sequence - b.sequence).map((op) => segmentResponse(r, op, nodes, overrides))
  }
}

function segmentResponse (r: AsBuiltRecord, op: OperationRecord, nodes: Map<string, GenealogyNode>,
  overrides: Map<string, OverrideRecord>): B2mml {
  const edges = r.genealogy.edges.filter((e) => e.jobId === op.jobId)
  const materials = [
    ...op.consumed.map((m, i) => materialActual(`${op.jobId}/consumed/${i + 1}`, 'Consumed', m, nodes, overrideOf(m, edges, overrides))),
    ...op.produced.map((m, i) => materialActual(`${op.jobId}/produced/${i + 1}`, 'Produced', m, nodes, undefined,
      r.qualityResults.filter((q) => q.nodeId === m.nodeId)))
  ]
  const people = [...new Set([...op.operators, ...op.signatures.map((s) => s.user)])]
  return {
    ID: op.jobId,
    ...(op.name !== undefined ? { Description: [code(op.name)] } : {}),
    OperationsType: code('Production'),
    OperationsRequestID: [op.orderNumber],
    ProcessSegmentID: [`${op.orderNumber}/${op.sequence}`],
    JobResponseID: [op.jobId],
    HierarchyScope: { EquipmentID: op.workUnit, EquipmentLevel: code('WorkUnit') },
    ...(op.startedAt !== null ? { ActualStartTime: op.startedAt } : {}),
    ...(op.endedAt !== null ? { ActualEndTime: op.endedAt } : {}),
    SegmentState: code(RESPONSE_STATE[op.state]),
    EquipmentActual: [{
      ID: `${op.jobId}/equipment`,
      EquipmentID: [op.workUnit],
      EquipmentUse: 'Production',
      Quantity: [
        { Key: 'good', QuantityString: code(String(op.good)), DataType: code('decimal') },
        { Key: 'scrap', QuantityString: code(String(op.scrap)), DataType: code('decimal') },
        { Key: 'rework', QuantityString: code(String(op.rework)), DataType: code('decimal') }
      ]
    }],
    PersonnelActual: people.map((user, i) => personnelActual(`${op.jobId}/person/${i + 1}`, user, op)),
    MaterialActual: materials,
    SegmentData: op.processValues.map((pv) => segmentData(pv))
  }
}

function overrideOf (m: MaterialMovement, edges: GenealogyEdge[], overrides: Map<string, OverrideRecord>): OverrideRecord | undefined {
  const id = edges.find((e) => e.from === m.nodeId && e.overrideId !== undefined)?.overrideId
  return id === undefined ? undefined : overrides.get(id)
}

/** A node B2MML holds as a MaterialLot: a lot, or a serial that belongs to no lot (a lot of one). */
const isLot = (n: GenealogyNode): boolean => n.lotId === undefined

function lotIds (n: GenealogyNode | undefined, id: string): B2mml {
  if (n === undefined || isLot(n)) return { MaterialLotID: [id] }
  return { MaterialLotID: [n.lotId as string], MaterialSubLotID: [id] }
}

function materialActual (id: string, use: 'Consumed' | 'Produced', m: MaterialMovement, nodes: Map<string, GenealogyNode>,
  override?: OverrideRecord, results: AsBuiltRecord['qualityResults'] = []): B2mml {
  const n = nodes.get(m.nodeId)
  const properties: B2mml[] = [{ ID: 'recorded', Value: [value('at', m.at, 'dateTime'), value('operator', m.operator, 'string')] }]
  if (override !== undefined) {
    properties.push({
      ID: `override/${override.id}`,
      Description: [code('Accepted against the BOM check with a signature of someone other than the operator')],
      Value: [
        value('rule', override.rule, 'string'),
        value('reason', override.reason, 'string'),
        value('operator', override.operator, 'string'),
        value('signedBy', override.signature.user, 'string'),
        value('meaning', override.signature.meaning, 'string'),
        value('signedAt', override.signature.at, 'dateTime')
      ]
    })
  }
  return {
    ID: id,
    ...(n !== undefined ? { MaterialDefinitionID: [n.material] } : {}),
    ...lotIds(n, m.nodeId),
    MaterialUse: code(use),
    Quantity: quantity(m.quantity),
    MaterialActualProperty: properties,
    ...(results.length > 0
      ? {
          TestResult: results.map((q) => ({
            ID: q.id,
            TestableObjectID: q.nodeId,
            Description: [code(q.characteristic)],
            EvaluatedCriterionResult: q.result,
            EvaluationDate: q.at
          }))
        }
      : {})
  }
}

function personnelActual (id: string, user: string, op: OperationRecord): B2mml {
  const signatures = op.signatures.filter((s) => s.user === user)
  return {
    ID: id,
    PersonID: [user],
    PersonnelUse: op.operators.includes(user) ? 'Operator' : 'Signatory',
    ...(signatures.length > 0
      ? {
          PersonnelActualProperty: signatures.map((s, i) => ({
            ID: `signature/${i + 1}`,
            Value: [value('event', s.event, 'string'), value('meaning', s.meaning, 'string'), value('at', s.at, 'dateTime')]
          }))
        }
      : {})
  }
}

function segmentData (pv: ProcessValue): B2mml {
  const stats: Array<[string, number | null]> = [
    ['atStart', pv.atStart], ['atComplete', pv.atComplete], ['min', pv.min], ['max', pv.max], ['mean', pv.mean]
  ]
  return {
    ID: pv.topic,
    Value: [
      ...stats.filter((s): s is [string, number] => s[1] !== null).map(([k, v]) => value(k, v, 'double', pv.unit)),
      value('samples', pv.samples, 'integer')
    ]
  }
}

// ---- MaterialLot ----

// A lot, or a serial of no lot, is a MaterialLot; a sublot, or a serial of a lot, a MaterialSubLot of that lot.
// The genealogy is a DAG: a lot that went into two parts appears under both, in full the first time and by its id
// after that, so the document stays as large as the genealogy.
function materialLot (r: AsBuiltRecord, nodes: Map<string, GenealogyNode>): B2mml {
  const into = new Map<string, GenealogyEdge[]>()
  for (const e of r.genealogy.edges) {
    const list = into.get(e.to)
    if (list === undefined) into.set(e.to, [e])
    else list.push(e)
  }
  const holds = (id: string): B2mml[] => r.holds.filter((h) => h.target.kind === 'lot' && h.target.id === id).map((h, i) => ({
    ID: `hold/${i + 1}`,
    Value: [
      value('status', h.status, 'string'), value('reason', h.reason, 'string'), value('by', h.by, 'string'),
      value('at', h.at, 'dateTime'),
      ...(h.releasedBy !== undefined ? [value('releasedBy', h.releasedBy, 'string')] : []),
      ...(h.releasedAt !== undefined ? [value('releasedAt', h.releasedAt, 'dateTime')] : []),
      // A hold of mes/holds: its id (the QMS's notification), where it came from, and why it was released.
      ...(h.holdId !== undefined ? [value('holdId', h.holdId, 'string')] : []),
      ...(h.source !== undefined ? [value('source', h.source, 'string')] : []),
      ...(h.reference !== undefined ? [value('reference', h.reference, 'string')] : []),
      ...(h.releaseWhy !== undefined ? [value('releaseWhy', h.releaseWhy, 'string')] : [])
    ]
  }))
  const expanded = new Set<string>()

  const element = (id: string): B2mml => {
    const n = nodes.get(id) as GenealogyNode
    const head: B2mml = { ID: id, ...(isLot(n) ? {} : { MaterialLotID: n.lotId }) }
    if (expanded.has(id)) return head
    expanded.add(id)
    const parts = into.get(id) ?? []
    const lots = parts.filter((e) => isLot(nodes.get(e.from) as GenealogyNode)).map((e) => element(e.from))
    const subLots = parts.filter((e) => !isLot(nodes.get(e.from) as GenealogyNode)).map((e) => element(e.from))
    // A MaterialSubLot has no MaterialDefinitionID of its own in B2MML (it is its lot's): kept as a property.
    const props = isLot(n) ? holds(id) : [{ ID: 'material', Value: [value('material', n.material, 'Identifier')] }, ...holds(id)]
    return {
      ...head,
      ...(n.materialDescription !== undefined ? { Description: [code(n.materialDescription)] } : {}),
      ...(isLot(n) ? { MaterialDefinitionID: n.material } : {}),
      Status: code(n.status),
      Disposition: code(n.status === 'released' ? 'UnRestricted' : n.status === 'consumed' ? 'Closed' : 'Restricted'),
      ...(n.expiresAt !== undefined ? { EffectiveEndDate: n.expiresAt } : {}),
      Quantity: quantity(n.quantity),
      ...(props.length > 0 ? { MaterialLotProperty: props } : {}),
      ...(parts.length > 0
        ? {
            AssemblyType: code(parts.some((e) => e.kind === 'consumption') ? 'Physical' : 'Logical'),
            AssemblyRelationship: code('Permanent')
          }
        : {}),
      ...(lots.length > 0 ? { AssemblyLot: lots } : {}),
      ...(subLots.length > 0 ? { AssemblySubLot: subLots } : {})
    }
  }

  const subject = nodes.get(r.subject) as GenealogyNode
  if (isLot(subject)) return element(subject.id)
  // A serial or sublot of a lot is a MaterialSubLot of that lot: the document's root is that lot, holding only the subject.
  const lot = nodes.get(subject.lotId as string)
  const { MaterialLotID: _lot, ...sub } = element(subject.id)
  return {
    ID: subject.lotId,
    MaterialDefinitionID: lot?.material ?? subject.material,
    ...(lot !== undefined ? { Status: code(lot.status), Quantity: quantity(lot.quantity) } : {}),
    MaterialSubLot: [sub]
  }
}
