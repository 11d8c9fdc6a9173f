// The MES execution core (ISA-95 Part 4) in one object: work orders, WIP/job control, dispatch, confirmations
// and audit trail over one store, sharing one clock and one event channel.
import type { MesStore } from './store/store'
import { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store'
import { PostgresStore, type PostgresStoreOptions } from './store/postgres-store'
import { WorkOrderService } from './work-orders'
import { WipService, type CredentialCheck } from './wip'
import { DispatchService } from './dispatch'
import { ConfirmationQueue } from './confirmations'
import { auditFor, queryAudit, verifyAuditTrail, type AuditQuery, type AuditRecord, type AuditVerification } from './audit-trail'
import { MesEvents, type MesListener } from './events'
import type { DispatchRule } from './model/types'

export interface MesOptions {
  now?: () => Date
  overReportTolerancePct?: number
  verifyCredentials?: CredentialCheck
  defaultDispatchRule?: DispatchRule
  isWorkUnitOf?: (workCenter: string, workUnit: string) => boolean
}

export interface Mes {
  store: MesStore
  workOrders: WorkOrderService
  wip: WipService
  dispatch: DispatchService
  confirmations: ConfirmationQueue
  audit: {
    verify: () => Promise<AuditVerification>
    forEntity: (entity: string, entityId: string) => Promise<AuditRecord[]>
    query: (q?: AuditQuery) => Promise<AuditRecord[]>
  }
  events: MesEvents
  /** All committed changes (orders and WIP), for publishing to the UNS. Returns the unsubscribe function. */
  onEvent: (listener: MesListener) => () => void
  close: () => Promise<void>
}

export function createMes (store: MesStore, opts: MesOptions = {}): Mes {
  const events = new MesEvents()
  const now = opts.now
  return {
    store,
    workOrders: new WorkOrderService(store, { now, events }),
    wip: new WipService(store, { now, events, overReportTolerancePct: opts.overReportTolerancePct, verifyCredentials: opts.verifyCredentials }),
    dispatch: new DispatchService(store, { now, events, defaultRule: opts.defaultDispatchRule, isWorkUnitOf: opts.isWorkUnitOf }),
    confirmations: new ConfirmationQueue(store, { now }),
    audit: {
      verify: async () => await verifyAuditTrail(store),
      forEntity: async (entity, entityId) => await auditFor(store, entity, entityId),
      query: async (q) => await queryAudit(store, q)
    },
    events,
    onEvent: (listener) => events.on(listener),
    close: async () => { await store.close() }
  }
}

export async function openSqliteMes (file: string, opts: MesOptions & SqliteStoreOptions = {}): Promise<Mes> {
  return createMes(await SqliteStore.open(file, opts), opts)
}

export async function openPostgresMes (opts: MesOptions & PostgresStoreOptions): Promise<Mes> {
  return createMes(await PostgresStore.open(opts), opts)
}

export { SqliteStore, PostgresStore, WorkOrderService, WipService, DispatchService, ConfirmationQueue, MesEvents }
export { verifyAuditTrail, auditFor, queryAudit } from './audit-trail'
export { transition, TRANSITIONS, JOB_STATES, JOB_EVENTS } from './job-state-machine'
export * from './errors'
export type * from './model/types'
export type { MesStore, Tx } from './store/store'
