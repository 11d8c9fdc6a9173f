// The MES over HTTP: work orders, dispatch, jobs, WIP, ERP confirmations, materials and genealogy
// (materials-routes.ts), the outbox and inbox (outbox-routes.ts, inbox-routes.ts) and the audit trail as JSON
// resources, each route one call of the Mes services (the logic stays in mes/). The ROUTES table is the whole API:
// path, method, the permission it needs and what it calls (rows: route.ts). Who did it is always the authenticated
// user: a body cannot name someone else. Authentication is passed in (Node-RED's editor login in the hub, hub/node-red.ts).
import express, { type Request, type RequestHandler, type Router } from 'express'
import type { Mes } from '../service'
import { DISPATCH_RULES, type DispatchRule, type JobState, type WorkOrderStatus } from '../model/types'
import { JOB_STATES } from '../job-state-machine'
import { requestCheck } from '../validation'
import { ValidationError } from '../../core/errors'
import type { Logger } from '../../core/logger'
import { ApiError, QueryReader, checkBody, errorHandler, jsonBody, methodNotAllowed, notFound } from '../../core/json-api'
import { describeMesError } from './mes-http-errors'
import { MATERIAL_METHOD_HINTS, MATERIAL_ROUTES } from './materials-routes'
import { OUTBOX_ROUTES } from './outbox-routes'
import { INBOX_ROUTES } from './inbox-routes'
import { QUALITY_ROUTES } from './quality-routes'
import { HOLD_ROUTES } from './holds-routes'
import { LOGISTICS_ROUTES } from './logistics-routes'
import type { MesPermission, Reply, Route } from './route'

export const MES_API_PATH = '/mes/v1'

export type { MesPermission } from './route'

/** How the API learns who is calling and what they may do. */
export interface ApiAuth {
  /** Authenticates the request and sets `req.user.username`, or answers 401 itself. */
  readonly authenticate: RequestHandler
  /** Whether the authenticated caller holds `permission`. */
  readonly allows: (req: Request, permission: MesPermission) => boolean
}

export interface MesHttpApiOptions {
  auth: ApiAuth
  log: Logger
}

const WORK_ORDER_STATUSES: readonly WorkOrderStatus[] = ['created', 'released', 'held', 'in-progress', 'completed', 'cancelled']

const BODIES = {
  orderCommand: requestCheck('orderCommand'),
  dispatchNext: requestCheck('dispatchNext'),
  dispatchOperation: requestCheck('dispatchOperation'),
  acknowledge: requestCheck('acknowledge'),
  failure: requestCheck('failure')
}

const enc = encodeURIComponent
const ORDER_COMMANDS = ['release', 'hold', 'cancel', 'complete'] as const

/** The API. Reads need mes.read, changes mes.write, holds quality.hold (holds-routes.ts). */
const ROUTES: readonly Route[] = [
  // ---- work orders
  {
    method: 'get', path: '/work-orders', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const status = query.someOf('status', WORK_ORDER_STATUSES)
      const limit = query.int('limit', 1, 1000) ?? 100
      const after = query.text('after')
      query.done()
      return { body: await mes.workOrders.list({ status, limit, ...(after !== undefined ? { after } : {}) }) }
    }
  },
  {
    method: 'post', path: '/work-orders', permission: 'mes.write',
    handle: async (mes, { body, actor }) => {
      const order = await mes.workOrders.create(body, actor())
      return { status: 201, body: order, location: `/work-orders/${enc(order.orderNumber)}` }
    }
  },
  {
    method: 'get', path: '/work-orders/:orderNumber', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.workOrders.get(params.orderNumber!) } }
  },
  {
    // An ERP change: omitted fields stay as they are (hence PATCH); applied whole when safe, else refused whole (409).
    method: 'patch', path: '/work-orders/:orderNumber', permission: 'mes.write',
    handle: async (mes, { params, body, actor }) => ({ body: await mes.workOrders.update(params.orderNumber!, body, actor()) })
  },
  ...ORDER_COMMANDS.map((command): Route => ({
    method: 'post', path: `/work-orders/:orderNumber/${command}`, permission: 'mes.write',
    handle: async (mes, { params, body, actor }) => {
      const { why } = checkBody<{ why?: string }>(BODIES.orderCommand, `${command} request`, body)
      return { body: await mes.workOrders[command](params.orderNumber!, actor(why)) }
    }
  })),
  {
    method: 'get', path: '/work-orders/:orderNumber/confirmations', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      query.done()
      await mes.workOrders.get(params.orderNumber!) // 404 for an unknown order rather than an empty list
      return { body: await mes.confirmations.forOrder(params.orderNumber!) }
    }
  },
  {
    method: 'post', path: '/work-orders/:orderNumber/operations/:sequence/dispatch', permission: 'mes.write',
    handle: async (mes, { params, body, actor }) => {
      const sequence = Number(params.sequence)
      if (!/^\d+$/.test(params.sequence!) || sequence < 1) {
        throw new ValidationError('path', [{ path: 'sequence', message: `${JSON.stringify(params.sequence)} is not an operation sequence number` }])
      }
      const { workUnit, why } = checkBody<{ workUnit: string, why?: string }>(BODIES.dispatchOperation, 'dispatch request', body)
      const job = await mes.dispatch.dispatchOperation(params.orderNumber!, sequence, workUnit, actor(why))
      return { status: 201, body: job, location: `/jobs/${enc(job.jobId)}` }
    }
  },

  // ---- dispatch
  {
    method: 'get', path: '/work-centers/:workCenter/dispatch-list', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      const rule = query.oneOf<DispatchRule>('rule', DISPATCH_RULES)
      const limit = query.int('limit', 1, 10000)
      query.done()
      return { body: await mes.dispatch.list(params.workCenter!, { rule, limit }) }
    }
  },
  {
    // The best ready operation becomes a job on the work unit: 201 with the job, or 204 when nothing is ready.
    method: 'post', path: '/work-centers/:workCenter/dispatch', permission: 'mes.write',
    handle: async (mes, { params, body, actor }) => {
      const { workUnit, rule, why } = checkBody<{ workUnit: string, rule?: DispatchRule, why?: string }>(BODIES.dispatchNext, 'dispatch request', body)
      const job = await mes.dispatch.dispatchNext(params.workCenter!, workUnit, actor(why), { rule })
      return job === null ? { status: 204 } : { status: 201, body: job, location: `/jobs/${enc(job.jobId)}` }
    }
  },

  // ---- jobs
  {
    method: 'get', path: '/jobs', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const filter = {
        orderNumber: query.text('orderNumber'),
        workCenter: query.text('workCenter'),
        workUnit: query.text('workUnit'),
        states: query.someOf<JobState>('state', JOB_STATES),
        limit: query.int('limit', 1, 10000) ?? 1000,
        after: query.text('after')
      }
      query.done()
      return { body: await mes.wip.listJobs(filter) }
    }
  },
  {
    method: 'get', path: '/jobs/:jobId', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.wip.getJob(params.jobId!) } }
  },
  {
    method: 'get', path: '/jobs/:jobId/response', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      // Events in pages (a job of machine counts has tens of thousands): 1,000 by default, at most 10,000.
      const page = { after: query.int('after', 0, Number.MAX_SAFE_INTEGER), limit: query.int('limit', 1, 10000) ?? 1000 }
      query.done()
      return { body: await mes.wip.jobResponse(params.jobId!, page) }
    }
  },
  {
    // A job event (schemas/mes/wip-event.schema.json) without jobId and who: those are the path and the caller.
    // 200 with the result; `duplicate: true` when an event with the same eventId had already been applied.
    method: 'post', path: '/jobs/:jobId/events', permission: 'mes.write',
    handle: async (mes, { params, body, user }) => {
      const jobId = params.jobId!
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ValidationError('job event', [{ path: '/', message: 'must be an object' }])
      }
      const event = body as Record<string, unknown>
      if (event.jobId !== undefined && event.jobId !== jobId) {
        throw new ValidationError('job event', [{ path: '/jobId', message: `names job ${JSON.stringify(event.jobId)}, but the path names job ${jobId}` }],
          'leave jobId out: the path names the job')
      }
      return { body: await mes.wip.apply({ ...event, jobId, who: user }) }
    }
  },

  // ---- WIP
  {
    method: 'get', path: '/wip/work-centers/:workCenter', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.wip.wipByWorkCenter(params.workCenter!) } }
  },
  {
    method: 'get', path: '/wip/work-units/:workUnit', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.wip.wipByWorkUnit(params.workUnit!) } }
  },
  {
    method: 'get', path: '/wip/orders/:orderNumber', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.wip.wipByOrder(params.orderNumber!) } }
  },

  // ---- ERP confirmations
  {
    // Pending confirmations, oldest first (the order the ERP must receive them in); ?after=<id of the last one> pages on.
    method: 'get', path: '/confirmations', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const limit = query.int('limit', 1, 1000) ?? 100
      const after = query.int('after', 0, Number.MAX_SAFE_INTEGER) ?? 0
      query.done()
      return { body: await mes.confirmations.pending(limit, after) }
    }
  },
  {
    method: 'get', path: '/confirmations/:key', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.confirmations.get(params.key!) } }
  },
  {
    method: 'post', path: '/confirmations/:key/ack', permission: 'mes.write',
    handle: async (mes, { params, body, user }) => {
      const { erpReference } = checkBody<{ erpReference?: string }>(BODIES.acknowledge, 'acknowledgement', body)
      return { body: await mes.confirmations.acknowledge(params.key!, { ...(erpReference !== undefined ? { erpReference } : {}), who: user }) }
    }
  },
  {
    method: 'post', path: '/confirmations/:key/failure', permission: 'mes.write',
    handle: async (mes, { params, body, user }) => {
      const { message } = checkBody<{ message: string }>(BODIES.failure, 'failure report', body)
      return { body: await mes.confirmations.recordFailure(params.key!, message, user) }
    }
  },

  ...MATERIAL_ROUTES,
  ...HOLD_ROUTES,
  ...LOGISTICS_ROUTES,

  // ---- outbound messages (outbox-routes.ts) and inbound ones (inbox-routes.ts)
  ...OUTBOX_ROUTES,
  ...INBOX_ROUTES,
  ...QUALITY_ROUTES,

  // ---- audit trail
  {
    method: 'get', path: '/audit', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const q = {
        entity: query.text('entity'),
        entityId: query.text('entityId'),
        who: query.text('who'),
        fromSeq: query.int('fromSeq', 1, Number.MAX_SAFE_INTEGER),
        limit: query.int('limit', 1, 10000) ?? 1000
      }
      query.done()
      return { body: await mes.audit.query(q) }
    }
  },
  {
    // The chain's verification as the answer: 200 with ok true, or ok false and the first broken record.
    method: 'get', path: '/audit/verify', permission: 'mes.read',
    handle: async (mes, { query }) => { query.done(); return { body: await mes.audit.verify() } }
  }
]

/** Hints for a method that reads naturally but is not the API's. */
const METHOD_HINTS: Record<string, string> = {
  '/work-orders/:orderNumber': 'an ERP update is PATCH: omitted fields stay as they are',
  ...MATERIAL_METHOD_HINTS
}

const PERMISSION_HINTS: Partial<Record<MesPermission, string>> = {
  'mes.write': 'changes need a user (and a token scope) with mes.write, e.g. permissions "*"',
  'quality.decide': 'a disposition or usage decision needs a user (and a token scope) with quality.decide besides mes.write',
  'quality.hold': 'placing and releasing holds needs a user (and a token scope) with quality.hold, e.g. permissions ["mes.read", "quality.hold"]'
}

function userOf (req: Request): string | undefined {
  const name = (req as Request & { user?: { username?: unknown } }).user?.username
  return typeof name === 'string' && name !== '' ? name : undefined
}

/** A body may not act for someone else: `who` is left out, or names the caller (and is then dropped). */
function withoutWho (body: unknown, user: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('who' in body)) return body
  const { who, ...rest } = body as Record<string, unknown>
  if (who !== user) {
    throw new ValidationError('request body', [{ path: '/who', message: `names ${JSON.stringify(who)}, but the request is made by ${user}` }],
      'leave who out: the hub records the authenticated user as the actor')
  }
  return rest
}

function run (mes: Mes, route: Route): RequestHandler {
  return (req, res, next) => {
    const user = userOf(req)!
    const answer = async (): Promise<Reply> => await route.handle(mes, {
      user,
      params: req.params,
      query: new QueryReader(req.query as Record<string, unknown>),
      body: route.permission !== 'mes.read' ? withoutWho(req.body, user) : undefined,
      actor: (why) => (why === undefined ? { who: user } : { who: user, why })
    })
    answer().then((reply) => {
      if (reply.location !== undefined) res.location(req.baseUrl + reply.location)
      if (reply.body === undefined) res.status(reply.status ?? 204).end()
      else if (reply.contentType !== undefined) res.status(reply.status ?? 200).type(reply.contentType).send(reply.body)
      else res.status(reply.status ?? 200).json(reply.body)
    }, next)
  }
}

/** The MES API as an express Router; mount it at MES_API_PATH. */
export function mesHttpApi (mes: Mes, opts: MesHttpApiOptions): Router {
  const { auth, log } = opts
  const router = express.Router({ caseSensitive: true })

  // Everything below needs an authenticated user, unknown paths included.
  router.use(auth.authenticate, (req, res, next) => {
    if (userOf(req) !== undefined) return next()
    res.setHeader('WWW-Authenticate', 'Bearer')
    next(new ApiError(401, 'HTTP_UNAUTHORIZED', 'the request is not authenticated', 'send Authorization: Bearer <token>'))
  })
  const permit = (permission: MesPermission): RequestHandler => (req, _res, next) => {
    if (auth.allows(req, permission)) return next()
    next(new ApiError(403, 'HTTP_FORBIDDEN', `user ${userOf(req) ?? '?'} does not have the ${permission} permission`,
      PERMISSION_HINTS[permission]))
  }

  const paths = [...new Set(ROUTES.map((r) => r.path))]
  for (const path of paths) {
    const route = router.route(path)
    const here = ROUTES.filter((r) => r.path === path)
    for (const r of here) {
      route[r.method](permit(r.permission), ...(r.alsoNeeds !== undefined ? [permit(r.alsoNeeds)] : []), ...(r.permission !== 'mes.read' ? jsonBody() : []), run(mes, r))
    }
    route.all(methodNotAllowed(here.map((r) => r.method.toUpperCase()), METHOD_HINTS[path]))
  }
  router.use(notFound)
  router.use(errorHandler(log, describeMesError))
  return router
}
