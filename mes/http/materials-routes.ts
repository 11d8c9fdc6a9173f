// The material and genealogy part of the MES HTTP API (beside the orders and jobs of mes-http-api.ts): material
// definitions, lots received and their status, consumption and production at a running job, split and merge, the
// lots' and serials' links, the trace and the as-built record. Each route is one call of mes.materials; the
// bodies are the service's commands (schemas/mes/materials.schema.json) without `who`: that is always the caller.
import { ValidationError } from '../../core/errors'
import type { QueryReader } from '../../core/json-api'
import type { Route } from './route'
import { MAX_TRACE_NODES } from '../materials/trace'

const enc = encodeURIComponent

/** The body as the service's command, with the caller as its actor (the router has refused a `who` naming anyone else). */
function byCaller (body: unknown, user: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body // the service says what is wrong with it
  return { ...body, who: user }
}

/** ?lot= or ?serial= of a query about one lot or serial, as the service names them; the service checks the pair. */
function subjectOf (query: QueryReader): { lotId?: string, serial?: string } {
  const lotId = query.text('lot')
  const serial = query.text('serial')
  return { ...(lotId !== undefined ? { lotId } : {}), ...(serial !== undefined ? { serial } : {}) }
}

const AS_BUILT_FORMATS = ['json', 'b2mml', 'xml'] as const

export const MATERIAL_ROUTES: readonly Route[] = [
  // ---- definitions and lots
  {
    // Creates or updates a definition (an ERP's material master): 200 with it either way.
    method: 'post', path: '/materials/definitions', permission: 'mes.write',
    handle: async (mes, { body, user }) => {
      const d = await mes.materials.define(body, user)
      return { body: d, location: `/materials/definitions/${enc(d.material)}` }
    }
  },
  {
    method: 'get', path: '/materials/definitions/:material', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.materials.definition(params.material!) } }
  },
  {
    // A lot received (default released): 201 with the lot.
    method: 'post', path: '/materials/lots', permission: 'mes.write',
    handle: async (mes, { body, user }) => {
      const lot = await mes.materials.receiveLot(byCaller(body, user))
      return { status: 201, body: lot, location: `/materials/lots/${enc(lot.lotId)}` }
    }
  },
  {
    method: 'get', path: '/materials/lots/:lotId', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.materials.lot(params.lotId!) } }
  },
  {
    method: 'get', path: '/materials/lots/:lotId/links', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      query.done()
      await mes.materials.lot(params.lotId!) // 404 for an unknown lot rather than an empty list
      return { body: await mes.materials.links({ kind: 'lot', id: params.lotId! }) }
    }
  },
  {
    // { status, why }: the QMS's or WMS's decision, by the caller; 200 with the lot.
    method: 'post', path: '/materials/lots/:lotId/status', permission: 'mes.write',
    handle: async (mes, { params, body, user }) => ({ body: await mes.materials.setLotStatus(params.lotId!, byCaller(body, user)) })
  },
  {
    method: 'get', path: '/materials/serials/:serial', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.materials.serial(params.serial!) } }
  },
  {
    method: 'get', path: '/materials/serials/:serial/links', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      query.done()
      await mes.materials.serial(params.serial!)
      return { body: await mes.materials.links({ kind: 'serial', id: params.serial! }) }
    }
  },

  // ---- at a running job, and in the warehouse
  {
    // 200 with the result (`duplicate: true` when the eventId had been applied); a BOM refusal is 409 with its rule.
    method: 'post', path: '/materials/consume', permission: 'mes.write',
    handle: async (mes, { body, user }) => ({ body: await mes.materials.consume(byCaller(body, user)) })
  },
  {
    method: 'post', path: '/materials/produce', permission: 'mes.write',
    handle: async (mes, { body, user }) => ({ status: 201, body: await mes.materials.produce(byCaller(body, user)) })
  },
  {
    method: 'post', path: '/materials/split', permission: 'mes.write',
    handle: async (mes, { body, user }) => ({ status: 201, body: await mes.materials.split(byCaller(body, user)) })
  },
  {
    method: 'post', path: '/materials/merge', permission: 'mes.write',
    handle: async (mes, { body, user }) => {
      const r = await mes.materials.merge(byCaller(body, user))
      return { status: 201, body: r, location: `/materials/lots/${enc(r.lot.lotId)}` }
    }
  },

  // ---- genealogy
  {
    // ?direction=backward|forward and ?lot= or ?serial=; the service checks the combination (400 with the problem).
    method: 'get', path: '/materials/trace', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const q = {
        direction: query.text('direction'),
        ...subjectOf(query),
        maxNodes: query.int('maxNodes', 1, MAX_TRACE_NODES),
        maxDepth: query.int('maxDepth', 1, 100_000)
      }
      query.done()
      return { body: await mes.materials.trace(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined))) }
    }
  },
  {
    // ?lot= or ?serial= of a finished lot or serial; ?format=json (the record, default), b2mml (its B2MML V7 JSON,
    // validated) or xml (the same documents as B2MML XML, application/xml).
    method: 'get', path: '/materials/as-built', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const subject = subjectOf(query)
      const format = query.oneOf('format', AS_BUILT_FORMATS) ?? 'json'
      query.done()
      if (subject.lotId === undefined && subject.serial === undefined) {
        throw new ValidationError('query string', [{ path: '?lot', message: 'name the finished lot (?lot=) or serial (?serial=)' }])
      }
      if (format === 'xml') return { body: await mes.materials.asBuiltB2mmlXml(subject), contentType: 'application/xml' }
      return { body: format === 'b2mml' ? await mes.materials.asBuiltB2mml(subject) : await mes.materials.asBuilt(subject) }
    }
  }
]

/** Hints for a method that reads naturally but is not the API's. */
export const MATERIAL_METHOD_HINTS: Record<string, string> = {
  '/materials/lots/:lotId': 'a lot is changed by its commands: POST /materials/lots/<id>/status, /materials/consume, /materials/split, ...'
}
