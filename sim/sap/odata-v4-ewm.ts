// EWM's warehouse task API as the simulated SAP serves it, OData v4 as SAP's RAP runtime writes it, under
// EWM_ROOT: the service document, $metadata (a CSDL of the subset, written by us: sim/sap/metadata/PROVENANCE.md),
// WarehouseTask by key (`(EWMWarehouse='1710',WarehouseTask='…',WarehouseTaskItem='0001')`) or as a collection
// (`{ "@odata.context", "value": [...] }`, $filter with eq / and, $top, $skip), the create (POST WarehouseTask, 201
// with Location), and the bound actions posted to `WarehouseTask(<key>)/<namespace>.<Action>`. A POST with a
// `Repeatability-Request-ID` the service has seen is answered as the first time, with `Repeatability-Result:
// accepted`, and not done again (OData v4.01 repeatable requests). Errors in v4's error body: code, message,
// target, details with @Common.numericSeverity.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { applyQuery, parseQuery, QueryRefused, type Entity } from './odata-query'
import { BusinessRefusal } from './postings'
import { metadataDir } from './service-metadata'
import type { SapMessage } from './sap-error-body'
import { EWM_ACTIONS, type EwmAction, type WarehouseTasks } from './warehouse-tasks'
import type { ODataAnswer } from './odata-services'

export const EWM_SERVICE = 'API_WAREHOUSE_ORDER_TASK_2'
export const EWM_ROOT = '/sap/opu/odata4/sap/api_warehouse_order_task_2/srvd_a2x/sap/warehouseorder/0001/'
export const EWM_NAMESPACE = 'com.sap.gateway.srvd_a2x.api_warehouse_order_task_2.v0001'

const KEYS = ['EWMWarehouse', 'WarehouseTask', 'WarehouseTaskItem'] as const
const PROPERTIES = new Set([...KEYS, 'WarehouseOrder', 'WarehouseProcessType', 'WarehouseTaskStatus', 'Product', 'Batch', 'TargetQuantityInBaseUnit',
  'ActualQuantityInBaseUnit', 'DifferenceQuantityInBaseUnit', 'BaseUnit', 'SourceStorageBin', 'DestinationStorageBin', 'ProductionSupplyArea',
  'ManufacturingOrder', 'CreatedByUser', 'CreationDateTime', 'LastChangeDateTime', 'ConfirmationUTCDateTime'])

const JSON_TYPE = 'application/json; odata.metadata=minimal; charset=utf-8'

export function v4ErrorAnswer (status: number, first: SapMessage, more: readonly SapMessage[] = []): ODataAnswer {
  const severity = { success: 1, info: 2, warning: 3, error: 4 } as const
  const body = {
    error: {
      code: first.code, message: first.message, target: first.target ?? '',
      details: [first, ...more].map((m) => ({ code: m.code, message: m.message, target: m.target ?? '', '@Common.numericSeverity': severity[m.severity] })),
      innererror: { ErrorDetails: { '@Common.ExceptionCategory': status >= 500 ? 'Server_Error' : 'Business_Error' } }
    }
  }
  return { status, headers: { 'content-type': JSON_TYPE, 'odata-version': '4.0' }, body: JSON.stringify(body) }
}

function answer (status: number, body: unknown, extra: Record<string, string> = {}): ODataAnswer {
  return { status, headers: { 'content-type': JSON_TYPE, 'odata-version': '4.0', ...extra }, body: JSON.stringify(body) }
}

function keyOf (task: Entity): string {
  return KEYS.map((k) => `${k}='${String(task[k])}'`).join(',')
}

export class EwmService {
  private readonly metadata = readFileSync(path.join(metadataDir(), `${EWM_SERVICE}.xml`), 'utf8')
  /** Repeatability-Request-ID -> the first answer. */
  private readonly repeated = new Map<string, ODataAnswer>()

  constructor (private readonly tasks: WarehouseTasks) {}

  private entity (base: string, task: Entity): Entity {
    const out: Entity = { '@odata.context': `${base}$metadata#WarehouseTask/$entity` }
    for (const [k, v] of Object.entries(task)) if (PROPERTIES.has(k)) out[k] = v
    return out
  }

  private parseKey (text: string): Record<string, string> {
    const out: Record<string, string> = {}
    for (const part of text.split(',')) {
      const m = /^\s*([A-Za-z]+)\s*=\s*'((?:[^']|'')*)'\s*$/.exec(part)
      if (!m) throw new QueryRefused('/IWBEP/CX_MGW_TECH/001', `Invalid key predicate '(${text})'`)
      out[m[1]!] = m[2]!.replace(/''/g, "'")
    }
    for (const k of KEYS) if (out[k] === undefined) throw new QueryRefused('/IWBEP/CX_MGW_TECH/001', `Key property '${k}' missing in '(${text})'`)
    return out
  }

  get (base: string, resource: string, params: URLSearchParams): ODataAnswer {
    if (resource === '') return answer(200, { '@odata.context': '$metadata', value: [{ name: 'WarehouseTask', url: 'WarehouseTask' }] })
    if (resource === '$metadata') return { status: 200, headers: { 'content-type': 'application/xml', 'odata-version': '4.0' }, body: this.metadata }
    const m = /^WarehouseTask(?:\((.*)\))?$/.exec(resource)
    if (!m) return v4ErrorAnswer(404, { code: '/IWBEP/CM_V4_RUNTIME/021', message: `Resource '${resource}' not found`, severity: 'error' })
    try {
      if (m[1] !== undefined) {
        const task = this.tasks.find(this.parseKey(m[1]))
        if (!task) return v4ErrorAnswer(404, { code: '/IWBEP/CM_V4_RUNTIME/020', message: `No entity of 'WarehouseTask' with key (${m[1]})`, severity: 'error' })
        return answer(200, this.entity(base, task))
      }
      const q = parseQuery(params)
      const rows = applyQuery(this.tasks.rows(), q, PROPERTIES, 'WarehouseTaskType').map((t) => { const { '@odata.context': _c, ...rest } = this.entity(base, t); return rest })
      return answer(200, { '@odata.context': `${base}$metadata#WarehouseTask`, value: rows })
    } catch (err) {
      if (err instanceof QueryRefused) return v4ErrorAnswer(400, { code: err.sapCode, message: err.message, severity: 'error' })
      throw err
    }
  }

  post (base: string, resource: string, body: unknown, user: string, repeatabilityId: string | undefined): ODataAnswer {
    if (repeatabilityId !== undefined) {
      const first = this.repeated.get(repeatabilityId)
      if (first) return { ...first, headers: { ...first.headers, 'repeatability-result': 'accepted' } }
    }
    const a = this.postOnce(base, resource, body, user)
    // Only what was done is remembered: a refused request may be corrected and sent again under its id.
    if (repeatabilityId !== undefined && a.status < 300) this.repeated.set(repeatabilityId, a)
    return a
  }

  private postOnce (base: string, resource: string, body: unknown, user: string): ODataAnswer {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return v4ErrorAnswer(400, { code: '/IWBEP/CM_V4_RUNTIME/006', message: 'The request body is not a JSON object', severity: 'error' })
    }
    try {
      if (resource === 'WarehouseTask') {
        const task = this.tasks.create(body as Entity, user)
        return answer(201, this.entity(base, task), { location: `${base}WarehouseTask(${keyOf(task)})` })
      }
      const m = /^WarehouseTask\((.*)\)\/([A-Za-z0-9_.]+)$/.exec(resource)
      const action = m?.[2]?.startsWith(EWM_NAMESPACE + '.') ? m[2].slice(EWM_NAMESPACE.length + 1) : m?.[2]?.replace(/^SAP__self\./, '')
      if (m && action !== undefined && (EWM_ACTIONS as readonly string[]).includes(action)) {
        return answer(200, this.entity(base, this.tasks.act(action as EwmAction, this.parseKey(m[1]!), body as Entity)))
      }
      return v4ErrorAnswer(405, { code: '/IWBEP/CM_V4_RUNTIME/031', message: `POST is not allowed on '${resource}'`, severity: 'error' })
    } catch (err) {
      if (err instanceof BusinessRefusal) return v4ErrorAnswer(400, err.messages[0], err.messages.slice(1))
      if (err instanceof QueryRefused) return v4ErrorAnswer(400, { code: err.sapCode, message: err.message, severity: 'error' })
      throw err
    }
  }
}
