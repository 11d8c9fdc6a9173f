// One route of the MES HTTP API as a table row: path, method, the permission it needs and what it calls. The rows
// live in mes-http-api.ts (orders, jobs, WIP, ...) and materials-routes.ts (material and genealogy); the router
// in mes-http-api.ts turns them into express handlers with the API's login, body parsing and error shape.
import type { Mes } from '../service'
import type { Actor } from '../model/types'
import type { QueryReader } from '../../core/json-api'

/** mes.read for reads, mes.write for changes; quality.hold to place and release holds (holds-routes.ts); quality.decide
 * for a disposition or a usage decision, with mes.write (quality-routes.ts). */
export type MesPermission = 'mes.read' | 'mes.write' | 'quality.hold' | 'quality.decide'

/** One request as a handler sees it: the caller, the path parameters, the query and the (JSON) body. */
export interface Call {
  readonly user: string
  readonly params: Record<string, string>
  readonly query: QueryReader
  readonly body: unknown
  /** The actor of a change: the authenticated user, with an optional reason. */
  actor (why?: string): Actor
}

/**
 * What a handler answers: a status (200, or 204 without a body), a JSON body, and a Location below the API root.
 * With `contentType`, the body is text sent as it is (the B2MML XML), not JSON.
 */
export interface Reply { status?: number, body?: unknown, location?: string, contentType?: string }

export interface Route {
  method: 'get' | 'post' | 'patch' | 'put'
  path: string
  permission: MesPermission
  /** A second permission the route needs besides `permission` (e.g. quality.decide besides mes.write). */
  alsoNeeds?: MesPermission
  handle: (mes: Mes, call: Call) => Promise<Reply>
}
