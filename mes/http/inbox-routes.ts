// The inbox part of the MES HTTP API (mes.read): the inbound messages and what became of each; the raw message only
// when asked for (?raw=true: an IDoc can be megabytes, and a list is for finding one).
import type { Route } from './route'
import { INBOX_CHANNELS, INBOX_STATUSES, type InboxChannel, type InboxStatus } from '../inbox/types'
import { messageId } from './outbox-routes'

export const INBOX_ROUTES: readonly Route[] = [
  {
    // ?status (repeated or comma-separated), ?channel; ?after=<last id> pages on.
    method: 'get', path: '/inbox', permission: 'mes.read',
    handle: async (mes, { query }) => {
      const status = query.someOf<InboxStatus>('status', INBOX_STATUSES)
      const channel = query.oneOf<InboxChannel>('channel', INBOX_CHANNELS)
      const after = query.int('after', 0, Number.MAX_SAFE_INTEGER)
      const limit = query.int('limit', 1, 1000) ?? 100
      query.done()
      return {
        body: await mes.inbox.list({
          limit, ...(status !== undefined ? { status } : {}), ...(channel !== undefined ? { channel } : {}), ...(after !== undefined ? { after } : {})
        })
      }
    }
  },
  {
    method: 'get', path: '/inbox/:id', permission: 'mes.read',
    handle: async (mes, { params, query }) => {
      const raw = query.oneOf('raw', ['true', 'false'] as const) === 'true'
      query.done()
      return { body: await mes.inbox.get(messageId(params.id), { raw }) }
    }
  }
]
