// The MES execution core (ISA-95 Part 4) in one object: work orders, WIP/job control, dispatch, confirmations
// and audit trail over one store, sharing one clock and one event channel. Callers see it as the Mes of
// mes/service.ts; the classes and the store behind it stay inside mes/.
import type { MesStore } from './store/store'
import { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store'
import { PostgresStore, type PostgresStoreOptions } from './store/postgres-store'
import { WorkOrderService } from './work-orders'
import { WipService } from './wip/wip-service'
import { DispatchService } from './dispatch'
import { ConfirmationQueue } from './confirmations'
import { auditFor, queryAudit, verifyAuditTrail } from './audit-trail'
import { MesEvents } from './events'
import { MaterialService } from './materials/material-service'
import { OutboxService, type OutboxOptions } from './outbox/outbox-service'
import { InboxService, type InboxOptions } from './inbox/inbox-service'
import { QualityService } from './quality/quality-service'
import { HoldsService } from './holds/holds-service'
import { LogisticsService, type StagingTrigger } from './logistics/logistics-service'
import type { CredentialCheck, DispatchRule } from './model/types'
import type { Mes } from './service'

export interface MesOptions {
  now?: () => Date
  overReportTolerancePct?: number
  verifyCredentials?: CredentialCheck
  defaultDispatchRule?: DispatchRule
  isWorkUnitOf?: (workCenter: string, workUnit: string) => boolean
  /** Whether a work unit code is one the MES knows, for holds on it (the hub: the plant model binds it); default any. */
  isWorkUnit?: (code: string) => boolean
  /** Percent a consumption may exceed a BOM component's quantity when the component names no tolerance; default 0. */
  bomTolerancePct?: number
  /** The outbox's retries: backoff, attempts before a dead letter (its clock is `now`). */
  outbox?: Omit<OutboxOptions, 'now'>
  /** The inbox's limits (its clock is `now`). */
  inbox?: Omit<InboxOptions, 'now'>
  /** The work unit's supply location, where the WMS stages its material (plant model `supplyLocation`); none: the unit's code. */
  supplyLocationOf?: (workUnit: string) => string | undefined
  /** When a job's staging requests are made: at its dispatch (default), at its order's release, or only when asked. */
  stagingTrigger?: StagingTrigger
  /** A job starts only when every component of its operation is staged; default false. */
  startRequiresStaging?: boolean
}

export function createMes (store: MesStore, opts: MesOptions = {}): Mes {
  const events = new MesEvents()
  const now = opts.now
  const materials = new MaterialService(store, { now, verifyCredentials: opts.verifyCredentials, bomTolerancePct: opts.bomTolerancePct })
  const holds = new HoldsService(store, { now, isWorkUnit: opts.isWorkUnit })
  // The holds and lot statuses a quality command sets in its own transaction reach the holds' and materials' listeners.
  const quality = new QualityService(store, { now, announcer: { hold: (e) => { holds.announce(e) }, lotStatus: (e) => { materials.announce(e) } } })
  const logistics = new LogisticsService(store, { now, supplyLocationOf: opts.supplyLocationOf, stagingTrigger: opts.stagingTrigger, mesEvents: events, materials })
  return {
    workOrders: new WorkOrderService(store, { now, events, bomTolerancePct: opts.bomTolerancePct }),
    wip: new WipService(store, {
      now, events, overReportTolerancePct: opts.overReportTolerancePct, verifyCredentials: opts.verifyCredentials, startRequiresStaging: opts.startRequiresStaging
    }),
    dispatch: new DispatchService(store, {
      now, events, defaultRule: opts.defaultDispatchRule, isWorkUnitOf: opts.isWorkUnitOf,
      onJobCreated: async (tx, jobId, who, at) => await logistics.onJobDispatchedTx(tx, jobId, who, at)
    }),
    confirmations: new ConfirmationQueue(store, { now }),
    audit: {
      verify: async () => await verifyAuditTrail(store),
      forEntity: async (entity, entityId) => await auditFor(store, entity, entityId),
      query: async (q) => await queryAudit(store, q)
    },
    materials,
    logistics,
    outbox: new OutboxService(store, { ...opts.outbox, now }),
    inbox: new InboxService(store, { ...opts.inbox, now }),
    quality,
    holds,
    onEvent: (listener) => events.on(listener),
    onListenerError: (fn) => events.onListenerError(fn),
    close: async () => { await logistics.idle(); await store.close() }
  }
}

export async function openSqliteMes (file: string, opts: MesOptions & SqliteStoreOptions = {}): Promise<Mes> {
  return createMes(await SqliteStore.open(file, opts), opts)
}

export async function openPostgresMes (opts: MesOptions & PostgresStoreOptions): Promise<Mes> {
  return createMes(await PostgresStore.open(opts), opts)
}

export type * from './service'
export { SqliteStore, PostgresStore, WorkOrderService, WipService, DispatchService, ConfirmationQueue, MesEvents, OutboxService, InboxService, LogisticsService }
export { OutboxWorker } from './outbox/outbox-worker'
export { verifyAuditTrail, auditFor, queryAudit } from './audit-trail'
export { transition, TRANSITIONS, JOB_STATES, JOB_EVENTS } from './job-state-machine'
export { DISPATCH_RULES } from './model/types'
export * from './errors'
export type { MesStore, Tx } from './store/store'
