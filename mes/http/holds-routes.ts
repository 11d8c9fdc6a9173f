// The holds part of the MES HTTP API: holds on lots, orders and work units, listed and read with mes.read, placed
// and released with quality.hold (SAP QM keeps the right to block and unblock apart from the right to book
// production: a user with mes.write only may not free held material). Bodies are the service's commands
// (schemas/mes/hold.schema.json) without `who`: that is always the caller.
import { ValidationError } from '../../core/errors'
import type { HoldStatus, HoldTargetKind } from '../holds/types'
import type { Route } from './route'
import { MAX_HOLDS_PER_PAGE } from '../holds/holds-service'

const enc = encodeURIComponent
const TARGET_KINDS: readonly HoldTargetKind[] = ['lot', 'order', 'work-unit']
const STATUSES: readonly HoldStatus[] = ['active', 'released']

function byCaller (body: unknown, user: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body // the service says what is wrong with it
  return { ...body, who: user }
}

export const HOLD_ROUTES: readonly Route[] = [
  {
    // ?targetKind=lot&targetId=L-1 (both or neither), ?status=active, ?limit= (default 100), ?after=<holdId> pages on.
    method: 'get', path: '/holds', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const kind = query.oneOf('targetKind', TARGET_KINDS)
      const id = query.text('targetId')
      const status = query.oneOf('status', STATUSES)
      const limit = query.int('limit', 1, MAX_HOLDS_PER_PAGE) ?? 100
      const after = query.text('after')
      query.done()
      if ((kind === undefined) !== (id === undefined)) {
        throw new ValidationError('query', [{ path: kind === undefined ? 'targetKind' : 'targetId', message: 'targetKind and targetId go together' }],
          'name the target with both, e.g. ?targetKind=lot&targetId=L-1')
      }
      return {
        body: await mes.holds.list({
          ...(kind !== undefined && id !== undefined ? { target: { kind, id } } : {}),
          ...(status !== undefined ? { status } : {}), limit, ...(after !== undefined ? { after } : {})
        })
      }
    }
  },
  {
    method: 'get', path: '/holds/:holdId', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.holds.get(params.holdId!) } }
  },
  {
    // 201 with the hold; the same holdId again: 200 with the stored hold (nothing changed).
    method: 'post', path: '/holds', permission: 'quality.hold',
    handle: async (mes, { body, user }) => {
      const { hold, duplicate } = await mes.holds.place(byCaller(body, user))
      return { status: duplicate ? 200 : 201, body: hold, location: `/holds/${enc(hold.holdId)}` }
    }
  },
  {
    // { why }: 200 with the released hold; a released hold again: 409 MES_HOLD_RELEASED.
    method: 'post', path: '/holds/:holdId/release', permission: 'quality.hold',
    handle: async (mes, { params, body, user }) => ({ body: await mes.holds.release(params.holdId!, byCaller(body, user)) })
  }
]
