// The logistics part of the MES HTTP API (under /mes/v1/logistics): a job's staging requests (read, or made now),
// the WMS's staging confirmations and cancellations, a lot's put-away request and its confirmation, and the change
// feed a WMS adapter walks. Each route is one call of mes.logistics; bodies are the service's inputs
// (schemas/mes/logistics.schema.json) without `who`: that is always the caller. Request ids hold a '/' (`<job>/<item>`,
// `putaway/<lot>`), so the answers to them name the request in the body rather than in the path.
import { NotFoundError } from '../errors'
import type { Route } from './route'

/** The body as the service's input, with the caller as its actor (the router has refused a `who` naming anyone else). */
function byCaller (body: unknown, user: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body // the service says what is wrong with it
  return { ...body, who: user }
}

export const LOGISTICS_ROUTES: readonly Route[] = [
  {
    method: 'get', path: '/logistics/staging/jobs/:jobId', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.logistics.stagingOf(params.jobId!) } }
  },
  {
    // Makes the job's requests now (stagingTrigger 'manual', or again after a cancellation): 200 with all of them.
    method: 'post', path: '/logistics/staging/jobs/:jobId', permission: 'mes.write',
    handle: async (mes, { params, user }) => ({ body: await mes.logistics.requestStaging(params.jobId!, user) })
  },
  {
    method: 'get', path: '/logistics/staging/jobs/:jobId/staged', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: { jobId: params.jobId!, staged: await mes.logistics.isStaged(params.jobId!) } } }
  },
  {
    // A WMS confirmation, partial or complete: 200 with the request and whether it was a repeat (applied once).
    method: 'post', path: '/logistics/staging/confirmations', permission: 'mes.write',
    handle: async (mes, { body, user }) => ({ body: await mes.logistics.confirmStaging(byCaller(body, user)) })
  },
  {
    method: 'post', path: '/logistics/staging/cancellations', permission: 'mes.write',
    handle: async (mes, { body, user }) => ({ body: await mes.logistics.cancelStaging(byCaller(body, user)) })
  },
  {
    method: 'get', path: '/logistics/put-away/lots/:lotId', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      query.done()
      await mes.materials.lot(params.lotId!) // 404 names the lot when it is unknown
      const r = await mes.logistics.putAwayOf(params.lotId!)
      if (r === null) throw new NotFoundError('put-away request of lot', params.lotId!)
      return { body: r }
    }
  },
  {
    method: 'post', path: '/logistics/put-away/confirmations', permission: 'mes.write',
    handle: async (mes, { body, user }) => ({ body: await mes.logistics.confirmPutAway(byCaller(body, user)) })
  },
  {
    // The feed: staging and put-away requests created or changed after ?after= (a change sequence), by sequence.
    method: 'get', path: '/logistics/changes', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const after = query.int('after', 0, Number.MAX_SAFE_INTEGER) ?? 0
      const limit = query.int('limit', 1, 10000) ?? 1000
      query.done()
      return { body: await mes.logistics.requestsAfter(after, limit) }
    }
  }
]
