// Publishes what the MES commits into the Unified Namespace, under the equipment it happened on. Its tags are
// plant/mes-topics.ts MES_TAGS, which clients may not publish.
// MES work centers and work units are SAP codes (ARBPL); the plant model binds equipment to them
// (`sap: { workCenter: PRESS01 }`), so each code is looked up once with model.bySapWorkCenter. A code the model
// does not know is logged once and its data goes under the site instead (`<site>/orders/work-centers/<code>/...`).
//
//   <unit>/events/job/<jobId>              every job event (start, report, ...), not retained
//   <unit>/orders/dispatched/<jobId>       the job order while it is open, retained; cleared when it ends
//   <unit>/orders/wip                      WIP of the work unit (queued/running/done), retained
//   <work center>/orders/wip               WIP of the work center, retained
//   <site>/orders/<orderNumber>/wip        WIP and status of the order, retained
//   <site>/events/order/<orderNumber>      every work-order event (create, release, hold, dispatch, ...), not retained
//
// Events are published in commit order; the WIP summaries are recomputed from the store after each batch of
// events, so what is retained is always the committed state, however fast events come.
import type { Equipment, PlantModel } from '../plant/plant-model'
import { sapPlantOf } from '../plant/plant-model'
import type { Logger } from '../core/logger'
import type { Mes } from './index'
import type { JobOrder, MesEvent, WorkOrder } from './model/types'
import { ACTIVE_STATES, TERMINAL_STATES } from './job-state-machine'
import type { OrderWipSummary, WipSummary } from './model/types'
import { MES_TAGS } from '../plant/mes-topics'
import type { Publisher, UnsPort } from '../uns/uns-port'

export interface UnsMessage {
  value: unknown
  timestamp: number
}

/** Who the MES is when it publishes (the port names it in reports on $hub/errors). */
export const MES_PUBLISHER: Publisher = Object.freeze({ kind: 'mes', id: 'uns-bridge' })

export interface UnsBridgeOptions {
  mes: Mes
  model: PlantModel
  /** The UNS port (publish with its rules; `null` clears a retained topic). */
  uns: Pick<UnsPort, 'publish'>
  log: Logger
  now?: () => number
}

export interface UnsBridge {
  readonly topics: MesTopics
  /** Resolves when everything committed so far has been published. */
  flush (): Promise<void>
  /** Publishes every open job with the WIP of its work center, work unit and order (run at start). */
  resync (): Promise<void>
  /** Stops listening; resolves when pending publishes are done. */
  stop (): Promise<void>
}

/** One topic level from an MES id: '/', '+' and '#' cannot appear inside a level and become '_'. */
export function topicLevel (id: string): string {
  const s = id.replace(/[/+#]/g, '_')
  return s.length > 0 ? s : '_'
}

interface Place { equipment: Equipment, prefix: string }

/** Where each MES code lives in the namespace. */
export class MesTopics {
  private readonly cache = new Map<string, Equipment | null>()
  private readonly plants: string[]
  private readonly warned = new Set<string>()
  readonly defaultSite: Equipment

  constructor (private readonly model: PlantModel, private readonly log: Logger) {
    const plants = new Set<string>()
    for (const e of model.walk()) {
      const p = e.bindings.sap?.plant ?? sapPlantOf(e)
      if (p !== undefined) plants.add(p)
    }
    this.plants = [...plants]
    this.defaultSite = model.enterprise.children[0] ?? model.enterprise
  }

  /** The equipment bound to an SAP work center code in any of the model's SAP plants, if any. */
  equipmentOf (code: string): Equipment | undefined {
    let hit = this.cache.get(code)
    if (hit === undefined) {
      const found = this.plants.map((p) => this.model.bySapWorkCenter(p, code)).filter((e): e is Equipment => e !== undefined)
      if (found.length > 1) {
        this.log.warn(`MES code '${code}' is bound in several SAP plants (${found.map((e) => e.topic).join(', ')}); using ${found[0]!.topic}`)
      }
      hit = found[0] ?? null
      this.cache.set(code, hit)
    }
    return hit ?? undefined
  }

  private unknown (what: string, code: string, where: string): void {
    if (this.warned.has(`${what}:${code}`)) return
    this.warned.add(`${what}:${code}`)
    this.log.warn(`MES ${what} '${code}' has no equipment with that SAP work center in the plant model; ` +
      `its data is published under ${where} (bind it with sap: { workCenter: ${code} })`)
  }

  workCenter (code: string): Place {
    const e = this.equipmentOf(code)
    if (e !== undefined) return { equipment: e, prefix: '' }
    const prefix = MES_TAGS.unknownWorkCenter(topicLevel(code))
    this.unknown('work center', code, `${this.defaultSite.topic}/orders/${prefix}`)
    return { equipment: this.defaultSite, prefix }
  }

  workUnit (code: string, workCenter: string): Place {
    const e = this.equipmentOf(code)
    if (e !== undefined) return { equipment: e, prefix: '' }
    const wc = this.equipmentOf(workCenter) ?? this.defaultSite
    const prefix = MES_TAGS.unknownWorkUnit(topicLevel(code))
    this.unknown('work unit', code, `${wc.topic}/orders/${prefix}`)
    return { equipment: wc, prefix }
  }

  /** The site of an equipment node (or the default site). */
  siteOf (e: Equipment | undefined): Equipment {
    for (let n = e; n !== undefined; n = n.parent) if (n.level === 'site') return n
    return this.defaultSite
  }

  /** The site an order belongs to: that of the first of its work centers the model knows. */
  orderSite (workCenters: readonly string[]): Equipment {
    for (const wc of workCenters) {
      const e = this.equipmentOf(wc)
      if (e !== undefined) return this.siteOf(e)
    }
    return this.defaultSite
  }

  jobEvent (job: Pick<JobOrder, 'workUnit' | 'workCenter' | 'jobId'>): string {
    const p = this.workUnit(job.workUnit, job.workCenter)
    return `${p.equipment.topic}/events/${p.prefix}${MES_TAGS.jobEvent(topicLevel(job.jobId))}`
  }

  dispatched (job: Pick<JobOrder, 'workUnit' | 'workCenter' | 'jobId'>): string {
    const p = this.workUnit(job.workUnit, job.workCenter)
    return `${p.equipment.topic}/orders/${p.prefix}${MES_TAGS.dispatched(topicLevel(job.jobId))}`
  }

  workUnitWip (workUnit: string, workCenter: string): string {
    const p = this.workUnit(workUnit, workCenter)
    return `${p.equipment.topic}/orders/${p.prefix}${MES_TAGS.wip}`
  }

  workCenterWip (workCenter: string): string {
    const p = this.workCenter(workCenter)
    return `${p.equipment.topic}/orders/${p.prefix}${MES_TAGS.wip}`
  }

  orderWip (orderNumber: string, site: Equipment): string {
    return `${site.topic}/orders/${MES_TAGS.orderWip(topicLevel(orderNumber))}`
  }

  orderEvent (orderNumber: string, site: Equipment): string {
    return `${site.topic}/events/${MES_TAGS.orderEvent(topicLevel(orderNumber))}`
  }
}

interface Batch {
  workCenters: Set<string>
  /** work unit → its work center */
  workUnits: Map<string, string>
  orders: Set<string>
  jobs: Map<string, JobOrder>
}

export function startUnsBridge (opts: UnsBridgeOptions): UnsBridge {
  const { mes, uns, log } = opts
  const now = opts.now ?? Date.now
  const topics = new MesTopics(opts.model, log)
  const queue: MesEvent[] = []
  let draining: Promise<void> | null = null
  let stopped = false
  const orderCache = new Map<string, WorkOrder | null>()

  const send = async (topic: string, payload: UnsMessage | null, retain: boolean): Promise<void> => {
    try {
      await uns.publish(MES_PUBLISHER, topic, payload, { retain, qos: 1 })
    } catch (err) {
      log.warn(`cannot publish ${topic}: ${(err as Error).message}`)
    }
  }

  const order = async (orderNumber: string): Promise<WorkOrder | null> => {
    let o = orderCache.get(orderNumber)
    if (o === undefined) {
      o = await mes.workOrders.get(orderNumber).catch(() => null)
      orderCache.set(orderNumber, o)
    }
    return o
  }

  const wipValue = (s: WipSummary, extra: Record<string, unknown>): Record<string, unknown> =>
    ({ ...extra, queued: s.queued, running: s.running, done: s.done })

  async function publishJob (job: JobOrder): Promise<void> {
    const topic = topics.dispatched(job)
    if (TERMINAL_STATES.includes(job.state)) return await send(topic, null, true)
    const o = await order(job.orderNumber)
    const op = o?.operations.find((x) => x.sequence === job.sequence)
    await send(topic, {
      value: {
        ...job,
        material: o?.material ?? null,
        unit: o?.unit ?? null,
        dueDate: o?.dueDate ?? null,
        priority: o?.priority ?? null,
        orderDescription: o?.description ?? null,
        operationDescription: op?.description ?? null,
        critical: op?.critical ?? false
      },
      timestamp: Date.parse(job.updatedAt) || now()
    }, true)
  }

  async function publishOrderWip (orderNumber: string): Promise<void> {
    const o = await order(orderNumber)
    if (o === null) return
    const wip: OrderWipSummary = await mes.wip.wipByOrder(orderNumber)
    const site = topics.orderSite(o.operations.map((x) => x.workCenter))
    await send(topics.orderWip(orderNumber, site), {
      value: {
        ...wipValue(wip, { orderNumber, status: o.status, material: o.material, quantity: o.quantity, unit: o.unit, dueDate: o.dueDate }),
        operations: wip.operations
      },
      timestamp: now()
    }, true)
  }

  async function handle (e: MesEvent, b: Batch): Promise<void> {
    if (e.kind === 'wip') {
      await send(topics.jobEvent(e), {
        value: {
          jobId: e.jobId, orderNumber: e.orderNumber, sequence: e.sequence, workCenter: e.workCenter, workUnit: e.workUnit,
          event: e.event, from: e.from, to: e.to, eventSeq: e.eventSeq, who: e.who, at: e.at,
          good: e.good, scrap: e.scrap, rework: e.rework, confirmationKey: e.confirmationKey
        },
        timestamp: Date.parse(e.at) || now()
      }, false)
      b.jobs.set(e.jobId, e.job)
      b.workUnits.set(e.workUnit, e.workCenter)
      b.workCenters.add(e.workCenter)
      b.orders.add(e.orderNumber)
      return
    }
    const o = await order(e.orderNumber)
    const workCenters = o?.operations.map((x) => x.workCenter) ?? []
    await send(topics.orderEvent(e.orderNumber, topics.orderSite(workCenters)), {
      value: { orderNumber: e.orderNumber, action: e.action, status: e.status, who: e.who, at: e.at, jobId: e.job?.jobId ?? null },
      timestamp: Date.parse(e.at) || now()
    }, false)
    b.orders.add(e.orderNumber)
    for (const wc of workCenters) b.workCenters.add(wc)
    if (e.job !== undefined) {
      b.jobs.set(e.job.jobId, e.job)
      b.workUnits.set(e.job.workUnit, e.job.workCenter)
    } else {
      // hold, release, cancel...: the order's open jobs (and those the change just ended) are republished.
      for (const j of await mes.wip.listJobs({ orderNumber: e.orderNumber })) {
        if (ACTIVE_STATES.includes(j.state) || j.updatedAt === e.at) {
          b.jobs.set(j.jobId, j)
          b.workUnits.set(j.workUnit, j.workCenter)
        }
      }
    }
  }

  async function flushBatch (b: Batch): Promise<void> {
    for (const job of b.jobs.values()) {
      // The event carried the job as committed; a later event in the same batch may have moved it on.
      const current = await mes.wip.getJob(job.jobId).catch(() => job)
      await publishJob(current)
    }
    for (const [unit, wc] of b.workUnits) {
      await send(topics.workUnitWip(unit, wc), { value: wipValue(await mes.wip.wipByWorkUnit(unit), { workUnit: unit, workCenter: wc }), timestamp: now() }, true)
    }
    for (const wc of b.workCenters) {
      await send(topics.workCenterWip(wc), { value: wipValue(await mes.wip.wipByWorkCenter(wc), { workCenter: wc }), timestamp: now() }, true)
    }
    for (const o of b.orders) await publishOrderWip(o)
  }

  async function drain (): Promise<void> {
    while (queue.length > 0) {
      const events = queue.splice(0)
      orderCache.clear()
      const b: Batch = { workCenters: new Set(), workUnits: new Map(), orders: new Set(), jobs: new Map() }
      for (const e of events) {
        try {
          await handle(e, b)
        } catch (err) {
          log.warn(`cannot publish MES event ${e.kind} ${e.orderNumber}: ${(err as Error).message}`)
        }
      }
      try {
        await flushBatch(b)
      } catch (err) {
        log.warn(`cannot publish MES WIP summaries: ${(err as Error).message}`)
      }
    }
  }

  const kick = (): Promise<void> => {
    draining ??= drain().finally(() => {
      draining = null
      if (queue.length > 0 && !stopped) void kick()
    })
    return draining
  }

  const unsubscribe = mes.onEvent((e) => {
    if (stopped) return
    queue.push(e)
    void kick()
  })

  return {
    topics,
    async flush () {
      while (draining !== null || queue.length > 0) await kick()
    },
    async resync () {
      // Retained messages survive a restart in the broker's store; what may have changed meanwhile (another hub on
      // the same PostgreSQL database) is the open jobs, so those and the WIP around them are published again.
      const b: Batch = { workCenters: new Set(), workUnits: new Map(), orders: new Set(), jobs: new Map() }
      for (const j of await mes.wip.listJobs({ states: [...ACTIVE_STATES] })) {
        b.jobs.set(j.jobId, j)
        b.workUnits.set(j.workUnit, j.workCenter)
        b.workCenters.add(j.workCenter)
        b.orders.add(j.orderNumber)
      }
      orderCache.clear()
      await flushBatch(b)
    },
    async stop () {
      stopped = true
      unsubscribe()
      while (draining !== null) await draining
    }
  }
}
