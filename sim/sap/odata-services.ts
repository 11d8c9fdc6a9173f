// The OData v2 services of the simulated SAP under /sap/opu/odata/sap/<SERVICE>/: the service document, $metadata,
// reads of production orders (by key or as a set, with $filter/$top/$skip/$expand) and of what was posted, and the
// two creates (ProdnOrdConf2; A_MaterialDocumentHeader with its items). Answers are OData v2 JSON as SAP Gateway
// writes it: `{ d: { results: [...] } }` for a set, `{ d: {...} }` for one entity, each with `__metadata` (id, uri,
// type) and unexpanded navigation properties as `{ __deferred: { uri } }`. Posted entities can be read back with a
// $filter (ConfirmationText on ProdnOrdConf2, MaterialDocumentHeaderText on A_MaterialDocumentHeader), so that a
// client whose post timed out can ask whether it went through before posting again. API_INSPECTIONLOT_SRV: the
// inspection lots of inspection-lots.ts, read by key or as sets, and the creates of A_InspectionResult and
// A_InspLotUsageDecision (read back by their keys).
import { applyQuery, parseQuery, QueryRefused, type Entity } from './odata-query'
import { componentEntities, operationEntities, orderEntity } from './production-orders'
import { BusinessRefusal, type SapBooks } from './postings'
import { loadServiceModel, type EntityTypeModel, type ServiceModel } from './service-metadata'
import { sapErrorBody, sapMessageHeader, type SapMessage } from './sap-error-body'
import type { InspectionLots } from './inspection-lots'

export const SERVICES = ['API_PRODUCTION_ORDER_2_SRV', 'API_PROD_ORDER_CONFIRMATION_2_SRV', 'API_MATERIAL_DOCUMENT_SRV', 'API_INSPECTIONLOT_SRV'] as const

export interface ODataAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

const JSON_TYPE = 'application/json; charset=utf-8'

export function errorAnswer (status: number, service: string, first: SapMessage, more: readonly SapMessage[] = []): ODataAnswer {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(sapErrorBody(service, first, more)) }
}

function json (status: number, d: unknown, extra: Record<string, string> = {}): ODataAnswer {
  return { status, headers: { 'content-type': JSON_TYPE, dataserviceversion: '2.0', ...extra }, body: JSON.stringify({ d }) }
}

function keyPredicate (type: EntityTypeModel, e: Entity): string {
  const lit = (v: unknown): string => `'${String(v).replace(/'/g, "''")}'`
  return type.keys.length === 1 ? lit(e[type.keys[0]!]) : type.keys.map((k) => `${k}=${lit(e[k])}`).join(',')
}

export class ODataServices {
  private readonly models = new Map<string, ServiceModel>()

  constructor (private readonly books: SapBooks, private readonly qm: InspectionLots) {
    for (const s of SERVICES) this.models.set(s, loadServiceModel(s))
  }

  has (service: string): boolean {
    return this.models.has(service)
  }

  /** Only the properties the type declares, with __metadata; navigation properties expanded or deferred. */
  private shape (base: string, model: ServiceModel, setName: string, e: Entity, expanded: Record<string, Entity[] | Entity | undefined>): Entity {
    const type = model.sets.get(setName)!
    const uri = `${base}${model.service}/${setName}(${keyPredicate(type, e)})`
    const out: Entity = { __metadata: { id: uri, uri, type: type.qualifiedName } }
    for (const [k, v] of Object.entries(e)) if (type.properties.has(k)) out[k] = v
    for (const nav of type.navigations) {
      const rows = expanded[nav]
      // A to-many navigation expands to `{ results: [...] }`, a to-one to the entity itself (OData v2 JSON).
      out[nav] = rows === undefined ? { __deferred: { uri: `${uri}/${nav}` } } : Array.isArray(rows) ? { results: rows } : rows
    }
    return out
  }

  get (base: string, service: string, resource: string, params: URLSearchParams): ODataAnswer {
    const model = this.models.get(service)!
    if (resource === '') return json(200, { EntitySets: [...model.sets.keys()] })
    if (resource === '$metadata') return { status: 200, headers: { 'content-type': 'application/xml', dataserviceversion: '2.0' }, body: model.edmx }
    const m = /^([A-Za-z_0-9]+)(?:\((.*)\))?$/.exec(resource)
    if (!m || !model.sets.has(m[1]!)) return errorAnswer(404, service, { code: '/IWBEP/CM_MGW_RT/025', message: `Resource not found for segment '${resource}'`, severity: 'error' })
    const setName = m[1]!
    const type = model.sets.get(setName)!
    try {
      const q = parseQuery(params)
      for (const nav of q.expand) {
        if (!type.navigations.has(nav)) throw new QueryRefused('/IWBEP/CM_MGW_RT/021', `Navigation property '${nav}' not found in type '${type.name}'`)
      }
      const rows = this.rowsOf(base, model, setName, q.expand)
      if (m[2] !== undefined) {
        const wanted = this.parseKey(type, m[2])
        const hit = rows.find((r) => type.keys.every((k) => String(r[k]) === wanted[k]))
        if (!hit) return errorAnswer(404, service, { code: '/IWBEP/CM_MGW_RT/020', message: `Resource not found for segment '${type.name}'`, severity: 'error' })
        return json(200, hit)
      }
      return json(200, { results: applyQuery(rows, q, type.properties, type.name) })
    } catch (err) {
      if (err instanceof QueryRefused) return errorAnswer(400, service, { code: err.sapCode, message: err.message, severity: 'error' })
      throw err
    }
  }

  private parseKey (type: EntityTypeModel, text: string): Record<string, string> {
    const unquote = (s: string): string => s.trim().replace(/^'(.*)'$/s, '$1').replace(/''/g, "'")
    if (type.keys.length === 1 && !text.includes('=')) return { [type.keys[0]!]: unquote(text) }
    const out: Record<string, string> = {}
    for (const part of text.split(',')) {
      const eq = part.indexOf('=')
      if (eq < 0) throw new QueryRefused('/IWBEP/CM_MGW_RT/020', `Invalid key predicate '(${text})'`)
      out[part.slice(0, eq).trim()] = unquote(part.slice(eq + 1))
    }
    for (const k of type.keys) if (out[k] === undefined) throw new QueryRefused('/IWBEP/CM_MGW_RT/020', `Key property '${k}' missing in '(${text})'`)
    return out
  }

  private rowsOf (base: string, model: ServiceModel, setName: string, expand: readonly string[]): Entity[] {
    const orders = this.books.orders
    const want = (nav: string): boolean => expand.includes(nav)
    switch (setName) {
      case 'A_ProductionOrder_2':
        return orders.map((o) => this.shape(base, model, setName, orderEntity(o), Object.fromEntries([...model.sets.get(setName)!.navigations].map((nav) => [nav,
          !want(nav) ? undefined
            : nav === 'to_ProductionOrderOperation' ? operationEntities(o).map((e) => this.shape(base, model, 'A_ProductionOrderOperation_2', e, {}))
              : nav === 'to_ProductionOrderComponent' ? componentEntities(o).map((e) => this.shape(base, model, 'A_ProductionOrderComponent_2', e, {}))
                : []]))))
      case 'A_ProductionOrderOperation_2': return orders.flatMap(operationEntities).map((e) => this.shape(base, model, setName, e, {}))
      case 'A_ProductionOrderComponent_2': return orders.flatMap(componentEntities).map((e) => this.shape(base, model, setName, e, {}))
      case 'ProdnOrdConf2': return this.books.confirmations.map((e) => this.shape(base, model, setName, e, { to_ProdnOrdConfMatlDocItm: want('to_ProdnOrdConfMatlDocItm') ? [] : undefined }))
      case 'A_MaterialDocumentHeader': return this.books.materialDocuments.map((e) => this.headerShape(base, model, e, want('to_MaterialDocumentItem')))
      case 'A_InspectionLot': {
        const status = new Map(this.qm.statusRows().map((r) => [r.InspectionLot, r]))
        return this.qm.lotRows().map((e) => this.shape(base, model, setName, e, {
          to_InspectionLotWithStatus: want('to_InspectionLotWithStatus') ? this.shape(base, model, 'A_InspectionLotWithStatus', status.get(e.InspectionLot)!, {}) : undefined
        }))
      }
      case 'A_InspectionLotWithStatus': return this.qm.statusRows().map((e) => this.shape(base, model, setName, e, {}))
      case 'A_InspectionOperation': return this.qm.operationRows().map((e) => this.shape(base, model, setName, e, {}))
      case 'A_InspectionCharacteristic': return this.qm.characteristicRows().map((e) => this.shape(base, model, setName, e, {}))
      case 'A_InspectionResult': return this.qm.resultRows().map((e) => this.shape(base, model, setName, e, {}))
      case 'A_InspLotUsageDecision': return this.qm.decisionRows().map((e) => this.shape(base, model, setName, e, {}))
      case 'A_MaterialDocumentItem': return this.books.materialDocuments.flatMap((h) => h.to_MaterialDocumentItem as Entity[]).map((e) => this.shape(base, model, setName, e, {}))
      default: return []
    }
  }

  private headerShape (base: string, model: ServiceModel, h: Entity, expand: boolean): Entity {
    const items = expand ? (h.to_MaterialDocumentItem as Entity[]).map((e) => this.shape(base, model, 'A_MaterialDocumentItem', e, {})) : undefined
    return this.shape(base, model, 'A_MaterialDocumentHeader', h, { to_MaterialDocumentItem: items })
  }

  /** A create. Business checks fail with 400 and SAP's error body; a success is 201 with the entity and its Location. */
  post (base: string, service: string, resource: string, body: unknown, user: string): ODataAnswer {
    const model = this.models.get(service)!
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return errorAnswer(400, service, { code: '/IWBEP/CM_MGW_RT/006', message: 'The request body is not an OData JSON entity', severity: 'error' })
    }
    try {
      if (service === 'API_PROD_ORDER_CONFIRMATION_2_SRV' && resource === 'ProdnOrdConf2') {
        const { entity, warnings } = this.books.confirm(body as Entity, user)
        const shaped = this.shape(base, model, 'ProdnOrdConf2', entity, { to_ProdnOrdConfMatlDocItm: [] })
        const header = sapMessageHeader(warnings)
        return json(201, shaped, { location: (shaped.__metadata as { uri: string }).uri, ...(header ? { 'sap-message': header } : {}) })
      }
      if (service === 'API_MATERIAL_DOCUMENT_SRV' && resource === 'A_MaterialDocumentHeader') {
        const shaped = this.headerShape(base, model, this.books.postMaterialDocument(body as Entity, user), true)
        return json(201, shaped, { location: (shaped.__metadata as { uri: string }).uri })
      }
      if (service === 'API_INSPECTIONLOT_SRV' && (resource === 'A_InspectionResult' || resource === 'A_InspLotUsageDecision')) {
        const e = resource === 'A_InspectionResult' ? this.qm.recordResult(body as Entity, user) : this.qm.decide(body as Entity, user)
        const shaped = this.shape(base, model, resource, e, {})
        return json(201, shaped, { location: (shaped.__metadata as { uri: string }).uri })
      }
    } catch (err) {
      if (err instanceof BusinessRefusal) return errorAnswer(400, service, err.messages[0], err.messages.slice(1))
      throw err
    }
    return errorAnswer(405, service, { code: '/IWBEP/CM_MGW_RT/021', message: `Method 'POST' not allowed for '${resource}'`, severity: 'error' })
  }
}
