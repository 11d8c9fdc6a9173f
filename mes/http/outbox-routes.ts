// The outbox part of the MES HTTP API: the messages and their dead letters, looked at (mes.read), and a dead letter
// resubmitted, with a corrected payload if need be, or discarded (mes.write, by the caller, with a reason).
import { ValidationError } from '../../core/errors'
import type { QueryReader } from '../../core/json-api'
import type { Route } from './route'
import { OUTBOX_STATUSES, type OutboxStatus } from '../outbox/types'

/** The :id of the path as a message id. */
export function messageId (text: string | undefined): number {
  const id = Number(text)
  if (text === undefined || !/^\d{1,15}$/.test(text) || id < 1) {
    throw new ValidationError('path', [{ path: 'id', message: `${JSON.stringify(text)} is not a message id` }])
  }
  return id
}

function pageOf (query: QueryReader): { after?: number, limit: number } {
  const after = query.int('after', 0, Number.MAX_SAFE_INTEGER)
  return { ...(after !== undefined ? { after } : {}), limit: query.int('limit', 1, 1000) ?? 100 }
}

function defined<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** The body of a command by the caller: an object, with the caller as `who`. */
function byCaller (body: unknown, user: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('request body', [{ path: '/', message: 'must be an object' }])
  }
  return { ...body, who: user }
}

export const OUTBOX_ROUTES: readonly Route[] = [
  {
    // ?destination, ?status (repeated or comma-separated), ?type, ?orderingKey; ?after=<last id> pages on.
    method: 'get', path: '/outbox', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const filter = defined({
        destination: query.text('destination'),
        status: query.someOf<OutboxStatus>('status', OUTBOX_STATUSES),
        type: query.text('type'),
        orderingKey: query.text('orderingKey'),
        ...pageOf(query)
      })
      query.done()
      return { body: await mes.outbox.list(filter) }
    }
  },
  {
    method: 'get', path: '/outbox/dead-letters', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const destination = query.text('destination')
      query.done()
      return { body: await mes.outbox.deadLetters(destination) }
    }
  },
  {
    method: 'get', path: '/outbox/:id', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.outbox.get(messageId(params.id)) } }
  },
  {
    // The payloads that resubmits replaced, oldest first.
    method: 'get', path: '/outbox/:id/history', permission: 'mes.read',
    handle: async (mes, { params, query }) => { query.done(); return { body: await mes.outbox.history(messageId(params.id)) } }
  },
  {
    // { why, payload? }: a dead letter pending again, its payload replaced when one is given; 200 with the message.
    method: 'post', path: '/outbox/:id/resubmit', permission: 'mes.write',
    handle: async (mes, { params, body, user }) => {
      const change = byCaller(body, user) as { payload?: unknown, who: string, why: string }
      return { body: await mes.outbox.resubmit(messageId(params.id), change) }
    }
  },
  {
    // { why }: a dead (or pending) message given up, so that its ordering key moves on; 200 with the message.
    method: 'post', path: '/outbox/:id/discard', permission: 'mes.write',
    handle: async (mes, { params, body, user }) => {
      const { why } = byCaller(body, user)
      if (typeof why !== 'string') throw new ValidationError('discard request', [{ path: '/why', message: 'say why the message is given up' }])
      return { body: await mes.outbox.discard(messageId(params.id), user, why) }
    }
  }
]
