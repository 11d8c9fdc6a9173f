// The generic WMS contract's schemas (schemas/wms/), compiled once: what the hub sends (wms-task.schema.json) and
// what the WMS calls back with (wms-event.schema.json). Checked at the edge: the connector checks each request before
// it is sent (a request the contract cannot carry is a dead letter, not a WMS error), the webhook each event before
// it is stored.
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import { check, type SchemaCheck } from '../../core/schema-check'
import taskSchema from '../../schemas/wms/wms-task.schema.json'
import eventSchema from '../../schemas/wms/wms-event.schema.json'

export type WmsTaskType = 'staging' | 'put-away'
export type WmsTaskStatus = 'open' | 'partially-confirmed' | 'confirmed' | 'cancelled'

/** POST /warehouse-tasks (schemas/wms/wms-task.schema.json#/definitions/taskRequest). */
export interface WmsTaskRequest {
  requestId: string
  type: WmsTaskType
  warehouse: string
  material: string
  quantity: number
  unit: string
  destinationLocation?: string
  sourceLocation?: string
  lotId?: string
  orderNumber?: string
  jobId?: string
  workUnit?: string
}

/** POST /warehouse-tasks/cancel. */
export interface WmsCancelRequest {
  requestId: string
  taskId?: string
  warehouse: string
  why: string
}

/** The WMS's answer for a task. */
export interface WmsTask {
  taskId: string
  requestId: string
  type: WmsTaskType
  status: WmsTaskStatus
  confirmedQuantity?: number
}

export interface WmsMovedLot {
  lotId: string
  quantity: number
  sourceBin?: string
}

/** A webhook event (schemas/wms/wms-event.schema.json#/definitions/event). */
export interface WmsEvent {
  eventId: string
  type: 'task.confirmed' | 'task.cancelled'
  occurredAt: string
  warehouse: string
  task: { taskId: string, requestId: string, type: WmsTaskType, material: string, quantity: number, unit: string, status: Exclude<WmsTaskStatus, 'open'> }
  confirmation?: { quantity: number, differenceQuantity?: number, final: boolean, lots: WmsMovedLot[], destinationBin?: string }
  reason?: string
}

function compiler (allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, strict: true, strictRequired: false })
  addFormats(ajv)
  ajv.addSchema(taskSchema)
  ajv.addSchema(eventSchema)
  return ajv
}
const first = compiler(false)
const every = compiler(true)
const checks = new Map<string, SchemaCheck>()

function checkOf (schema: { $id: string }, name: string): SchemaCheck {
  const id = `${schema.$id}#/definitions/${name}`
  let c = checks.get(id)
  if (c === undefined) {
    c = { first: first.getSchema(id)!, every: every.getSchema(id)! }
    checks.set(id, c)
  }
  return c
}

/** Throws ValidationError naming each problem by its JSON path. */
export function checkTaskRequest (input: unknown, source = 'warehouse task request'): WmsTaskRequest {
  return check<WmsTaskRequest>(checkOf(taskSchema, 'taskRequest'), source, input)
}

export function checkCancelRequest (input: unknown, source = 'warehouse task cancel'): WmsCancelRequest {
  return check<WmsCancelRequest>(checkOf(taskSchema, 'cancelRequest'), source, input)
}

export function checkTask (input: unknown, source = "the WMS's answer"): WmsTask {
  return check<WmsTask>(checkOf(taskSchema, 'task'), source, input)
}

export function checkEvent (input: unknown, source = 'WMS event'): WmsEvent {
  return check<WmsEvent>(checkOf(eventSchema, 'event'), source, input)
}
