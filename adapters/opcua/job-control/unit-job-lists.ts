// The two lists of one work unit, kept as variable values (so that reads are cheap and subscriptions see changes):
// JobOrderList holds the unit's jobs that have not ended; JobOrderResponseList their responses plus those of the
// last jobs that ended while the hub ran (older ones: RequestJobResponseByJobOrderID, or the MES API). A refresh
// reads the MES; refreshes asked for while one runs are served by one more read that starts after it, so a caller
// that awaits its refresh sees its own change and a burst of job events costs two reads, not one per event.
import { DataType, VariantArrayType, type ExtensionObject, type UAVariable } from 'node-opcua'
import type { Mes } from '../../../mes/service'
import type { JobOrder, WorkOrder } from '../../../mes/model/types'
import { ACTIVE_JOB_STATES } from './job-states'

/** How many work orders the cache holds; the oldest read is dropped first (the lists show a unit's current orders). */
const MAX_CACHED_ORDERS = 500

/** Work orders by number, read once and dropped when the MES reports a change to the order. */
export class OrderCache {
  private readonly orders = new Map<string, Promise<WorkOrder | undefined>>()
  constructor (private readonly mes: Mes) {}

  get (orderNumber: string): Promise<WorkOrder | undefined> {
    let o = this.orders.get(orderNumber)
    if (o === undefined) {
      o = this.mes.workOrders.get(orderNumber).catch(() => undefined)
      if (this.orders.size >= MAX_CACHED_ORDERS) this.orders.delete(this.orders.keys().next().value!)
      this.orders.set(orderNumber, o)
    }
    return o
  }

  forget (orderNumber: string): void { this.orders.delete(orderNumber) }
}

/** A job as a value of the nodeset: builds the extension object of its data type. */
export type Encode = (kind: 'jobOrderAndState' | 'jobResponse', job: JobOrder, order: WorkOrder | undefined) => ExtensionObject

/** Bounds JobOrderList (the MES has no limit on dispatched jobs; a client reading thousands should page the MES API). */
const MAX_LISTED = 1000

export class UnitJobLists {
  private queued: Promise<void> | undefined
  private current: Promise<void> | undefined
  private recentEnded: JobOrder[] = []

  constructor (
    private readonly mes: Mes,
    private readonly workUnit: string,
    private readonly orders: OrderCache,
    private readonly encode: Encode,
    private readonly jobOrderList: UAVariable,
    private readonly responseList: UAVariable | undefined,
    private readonly keepEnded: number
  ) {}

  /** A job of this unit ended: its response stays listed (the latest `keepEnded`). */
  ended (job: JobOrder): void {
    this.recentEnded = [job, ...this.recentEnded.filter((j) => j.jobId !== job.jobId)].slice(0, this.keepEnded)
  }

  refresh (): Promise<void> {
    this.queued ??= (async () => {
      await this.current?.catch(() => undefined)
      this.queued = undefined
      this.current = this.load()
      await this.current
    })()
    return this.queued
  }

  private async load (): Promise<void> {
    const active = await this.mes.wip.listJobs({ workUnit: this.workUnit, states: [...ACTIVE_JOB_STATES], limit: MAX_LISTED })
    const withOrders = await Promise.all(active.map(async (j) => ({ job: j, order: await this.orders.get(j.orderNumber) })))
    const activeIds = new Set(active.map((j) => j.jobId))
    const ended = this.recentEnded.filter((j) => !activeIds.has(j.jobId))
    const endedWithOrders = await Promise.all(ended.map(async (j) => ({ job: j, order: await this.orders.get(j.orderNumber) })))
    this.jobOrderList.setValueFromSource({
      dataType: DataType.ExtensionObject,
      arrayType: VariantArrayType.Array,
      value: withOrders.map(({ job, order }) => this.encode('jobOrderAndState', job, order))
    })
    this.responseList?.setValueFromSource({
      dataType: DataType.ExtensionObject,
      arrayType: VariantArrayType.Array,
      value: [...withOrders, ...endedWithOrders].map(({ job, order }) => this.encode('jobResponse', job, order))
    })
  }
}
