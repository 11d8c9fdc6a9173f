// The quality part of the MES HTTP API: inspection plans, results, nonconformances and their disposition, and the
// usage decision of an inspection lot. Each route is one call of mes.quality; `who` is always the caller. A
// disposition and a usage decision decide what becomes of material: they need quality.decide besides mes.write.
import type { QueryReader } from '../../core/json-api'
import { ValidationError } from '../../core/errors'
import type { Nonconformance } from '../quality/types'
import type { Route } from './route'

const enc = encodeURIComponent

function byCaller (body: unknown, user: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body // the service says what is wrong with it
  return { ...body, who: user }
}

function defined<T extends Record<string, unknown>> (o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

function resultsFilter (query: QueryReader): { orderNumber?: string, lotId?: string, serial?: string, inspectionLot?: string } {
  return defined({ orderNumber: query.text('order'), lotId: query.text('lot'), serial: query.text('serial'), inspectionLot: query.text('inspectionLot') })
}

const NC_STATUSES: ReadonlyArray<Nonconformance['status']> = ['open', 'dispositioned']

export const QUALITY_ROUTES: readonly Route[] = [
  {
    // Creates or replaces the plan of the inspection lot the body names (or a new one): 200 with the inspection lot.
    method: 'put', path: '/quality/plans', permission: 'mes.write',
    handle: async (mes, { body, user }) => {
      const lot = await mes.quality.setInspectionPlan(byCaller(body, user))
      return { body: lot, location: `/quality/inspection-lots/${enc(lot.inspectionLot)}` }
    }
  },
  {
    // 201 with the result (and the nonconformance a rejected one opened); 200 with duplicate: true for a retry.
    method: 'post', path: '/quality/results', permission: 'mes.write',
    handle: async (mes, { body, user }) => {
      const r = await mes.quality.recordResult(byCaller(body, user))
      return { status: r.duplicate ? 200 : 201, body: r }
    }
  },
  {
    // ?order=, ?lot=, ?serial= or ?inspectionLot= (at least one).
    method: 'get', path: '/quality/results', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const filter = resultsFilter(query)
      query.done()
      return { body: await mes.quality.resultsOf(filter) }
    }
  },
  {
    method: 'post', path: '/quality/nonconformances', permission: 'mes.write',
    handle: async (mes, { body, user }) => {
      const r = await mes.quality.reportNonconformance(byCaller(body, user))
      return { status: r.duplicate ? 200 : 201, body: r, location: `/quality/nonconformances/${enc(r.nonconformance.ncId)}` }
    }
  },
  {
    method: 'get', path: '/quality/nonconformances', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const filter = defined({
        status: query.oneOf('status', NC_STATUSES), lotId: query.text('lot'), orderNumber: query.text('order'),
        limit: query.int('limit', 1, 10000), after: query.text('after')
      })
      query.done()
      return { body: await mes.quality.listNonconformances(filter) }
    }
  },
  {
    method: 'get', path: '/quality/nonconformances/:ncId', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.quality.nonconformance(params.ncId!) } }
  },
  {
    // { disposition: use-as-is | rework | scrap | return, why?, reference? }: applied once (409 naming the first after it).
    method: 'post', path: '/quality/nonconformances/:ncId/disposition', permission: 'mes.write', alsoNeeds: 'quality.decide',
    handle: async (mes, { params, body, user }) => ({ body: await mes.quality.disposition(params.ncId!, byCaller(body, user)) })
  },
  {
    // ?order= : the inspection lots of an order.
    method: 'get', path: '/quality/inspection-lots', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const order = query.text('order')
      query.done()
      if (order === undefined) throw new ValidationError('query string', [{ path: '?order', message: 'name the order: ?order=<order number>' }])
      return { body: await mes.quality.inspectionLotsOf(order) }
    }
  },
  {
    method: 'get', path: '/quality/inspection-lots/:inspectionLot', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      query.done()
      const lot = await mes.quality.inspectionLot(params.inspectionLot!)
      return { body: lot }
    }
  },
  {
    // The characteristics of one operation: ?order=&sequence=.
    method: 'get', path: '/quality/characteristics', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const order = query.text('order')
      const sequence = query.int('sequence', 1, 1_000_000)
      query.done()
      if (order === undefined || sequence === undefined) {
        throw new ValidationError('query string', [{ path: order === undefined ? '?order' : '?sequence', message: 'name the operation: ?order=<order number>&sequence=<n>' }])
      }
      return { body: await mes.quality.characteristics(order, sequence) }
    }
  },
  {
    // { code: accept | reject | restricted, why? (required for restricted) }: once (409, as SAP's QA 501, after it).
    method: 'post', path: '/quality/inspection-lots/:inspectionLot/usage-decision', permission: 'mes.write', alsoNeeds: 'quality.decide',
    handle: async (mes, { params, body, user }) => ({ body: await mes.quality.usageDecision(params.inspectionLot!, byCaller(body, user)) })
  }
]
