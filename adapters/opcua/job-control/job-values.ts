// The MES's jobs as the values of OPC 10031-4 v2.0.0: ISA95JobOrderAndStateDataType (JobOrderList) and
// ISA95JobResponseDataType (JobOrderResponseList, RequestJobResponseBy...). Plain option objects in node-opcua's field
// names; the installer turns them into extension objects of the nodeset's data types. The job order's ID is the MES's
// job id, so every method takes the id a client reads here.
import { DataType } from 'node-opcua'
import type { JobOrder, WorkOrder } from '../../../mes/model/types'
import { isa95StateOf } from './job-states'

type Scalar = { dataType: DataType, value: unknown }

interface Parameter { ID: string, value: Scalar }

function text (id: string, value: string): Parameter { return { ID: id, value: { dataType: DataType.String, value } } }
function number (id: string, value: number): Parameter { return { ID: id, value: { dataType: DataType.Double, value } } }

/** The top-level state as ISA95StateDataType: the first (and here only) entry has an empty BrowsePath. */
export function stateValue (job: Pick<JobOrder, 'state'>): Array<{ stateText: { text: string }, stateNumber: number }> {
  const s = isa95StateOf(job.state)
  return [{ stateText: { text: s.name }, stateNumber: s.number }]
}

function date (iso: string | null | undefined): Date | undefined {
  return iso === null || iso === undefined ? undefined : new Date(iso)
}

/** One entry of JobOrderList. `order` is the job's work order, when known (material, planned times, description). */
export function jobOrderAndState (job: JobOrder, order: WorkOrder | undefined): Record<string, unknown> {
  const op = order?.operations.find((o) => o.sequence === job.sequence)
  const description = op?.description ?? order?.description
  return {
    jobOrder: {
      jobOrderID: job.jobId,
      ...(description !== null && description !== undefined ? { description: [{ text: description }] } : {}),
      ...(order?.plannedStart !== null && order?.plannedStart !== undefined ? { startTime: date(order.plannedStart) } : {}),
      ...(order !== undefined ? { endTime: date(order.dueDate) } : {}),
      jobOrderParameters: [
        text('OrderNumber', job.orderNumber),
        number('OperationSequence', job.sequence),
        text('WorkCenter', job.workCenter),
        number('Quantity', job.quantity),
        text('MesState', job.state),
        ...(order !== undefined ? [number('Priority', order.priority)] : [])
      ],
      equipmentRequirements: [{ ID: job.workUnit }],
      ...(order !== undefined
        ? { materialRequirements: [{ materialDefinitionID: order.material, materialUse: 'Produced', quantity: String(job.quantity), properties: [text('Unit', order.unit)] }] }
        : {})
    },
    state: stateValue(job)
  }
}

/** The job's response: actual times and quantities as the MES has them. */
export function jobResponse (job: JobOrder, order: WorkOrder | undefined): Record<string, unknown> {
  return {
    jobResponseID: job.jobId,
    jobOrderID: job.jobId,
    ...(job.startedAt !== null ? { startTime: date(job.startedAt) } : {}),
    ...(job.endedAt !== null ? { endTime: date(job.endedAt) } : {}),
    jobState: stateValue(job),
    jobResponseData: [
      number('GoodQuantity', job.goodQuantity),
      number('ScrapQuantity', job.scrapQuantity),
      number('ReworkQuantity', job.reworkQuantity),
      number('SetupMinutes', job.setupMinutes),
      number('RunMinutes', job.runMinutes),
      text('MesState', job.state)
    ],
    equipmentActuals: [{ ID: job.workUnit }],
    ...(order !== undefined
      ? { materialActuals: [{ materialDefinitionID: order.material, materialUse: 'Produced', quantity: String(job.goodQuantity), properties: [text('Unit', order.unit)] }] }
      : {})
  }
}
