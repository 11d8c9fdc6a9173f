// The durable inbound message store as its callers see it (re-exported by mes/service.ts): the SAP endpoints store
// every IDoc raw before they acknowledge it, then record what became of it.

/** How a message came in; more channels join as their adapters do. */
export type InboxChannel = 'idoc-xml' | 'idoc-soap' | 'qms-webhook' | 'wms-webhook'
export const INBOX_CHANNELS: readonly InboxChannel[] = ['idoc-xml', 'idoc-soap', 'qms-webhook', 'wms-webhook']

/** received → applied | error; error → applied | error again when a message is reprocessed. */
export type InboxStatus = 'received' | 'applied' | 'error'
export const INBOX_STATUSES: readonly InboxStatus[] = ['received', 'applied', 'error']

export interface InboxKeys {
  /** The sending system, e.g. 'LS/PRDCLNT100' (EDI_DC40 SNDPRT/SNDPRN): DOCNUM and ARCKEY are unique per sender. */
  sender?: string
  docnum?: string
  arckey?: string
  /** SHA-256 of the raw message (hex), the key of a message with neither DOCNUM nor ARCKEY; computed when left out. */
  contentHash?: string
  /**
   * For a message with neither DOCNUM nor ARCKEY: it is a resend when its content is that of the latest message of
   * its sender and scope (e.g. the message type, MATMAS); after another message of the scope it is new (A, B, A).
   */
  scope?: string
}

export interface InboxReceive {
  channel: InboxChannel
  raw: string
  keys: InboxKeys
  /** What the endpoint knows about it (IDoc type, message type, remote address, ...): stored as JSON. */
  meta?: Record<string, unknown>
  /** Who delivered it (the authenticated user of the endpoint); default 'inbox'. */
  who?: string
}

export interface InboxReceipt {
  id: number
  /** true: the message had been stored before (by DOCNUM, ARCKEY or content), and nothing changed. */
  duplicate: boolean
  /** The stored message's status (for a duplicate: what became of the first). */
  status: InboxStatus
}

export interface InboxMessage {
  id: number
  channel: InboxChannel
  sender: string
  docnum: string | null
  arckey: string | null
  contentHash: string
  rawBytes: number
  meta: Record<string, unknown>
  status: InboxStatus
  reason: string | null
  results: unknown
  receivedAt: string
  statusAt: string
  /** Only when asked for. */
  raw?: string
}

export interface InboxFilter {
  status?: InboxStatus | InboxStatus[]
  channel?: InboxChannel
  /** Pages on: messages with an id above this one. */
  after?: number
  /** Default 100, at most 1000. */
  limit?: number
}

export interface InboxChange {
  kind: 'received' | InboxStatus
  message: InboxMessage
  who: string
  at: string
}

export interface Inbox {
  /** Stores the raw message in one transaction (or finds it stored); acknowledge the sender only after this resolves. */
  receive: (message: InboxReceive) => Promise<InboxReceipt>
  /** Several (the IDocs of one XML-HTTP document) in one transaction: all stored, or none. */
  receiveAll: (messages: InboxReceive[]) => Promise<InboxReceipt[]>
  /** 'error' needs a reason. */
  setStatus: (id: number, status: 'applied' | 'error', detail?: { reason?: string, results?: unknown, who?: string }) => Promise<InboxMessage>
  get: (id: number, opts?: { raw?: boolean }) => Promise<InboxMessage>
  list: (filter?: InboxFilter) => Promise<InboxMessage[]>
  onChange: (listener: (c: InboxChange) => void) => () => void
}
