// Publishes the holds (mes/holds) into the Unified Namespace, where a subscriber already looks for the state of
// what they stop. Its tags are plant/mes-topics.ts MES_TAGS, which clients may not publish.
//
//   <site>/events/hold/<holdId>               every placement and release, not retained
//   <site>/orders/<orderNumber>/holds         the order's active holds, retained (beside its wip)
//   <unit>/orders/holds                       the work unit's active holds, retained (beside its wip)
//   <site>/materials/lots/<lotId>             the lot's retained state carries its active holds (mes/materials-uns.ts)
//
// The retained state is read back from the store after each batch of events, so what is retained is the committed
// state however fast holds come; `{ held: false, holds: [] }` once the last hold is released (never cleared, so a
// subscriber reads "free", not "unknown"). A work unit the plant model does not know is under the site
// (`<site>/orders/work-units/<code>/holds`).
import type { Logger } from '../core/logger'
import type { Mes } from './index'
import type { Hold, HoldEvent, HoldTarget } from './service'
import { MES_TAGS } from '../plant/mes-topics'
import type { UnsPort } from '../uns/uns-port'
import { MES_PUBLISHER, topicLevel, type MesTopics, type UnsMessage } from './uns-bridge'
import type { Equipment } from '../plant/plant-model'

export interface HoldsUnsOptions {
  mes: Mes
  topics: MesTopics
  uns: Pick<UnsPort, 'publish'>
  log: Logger
  now?: () => number
}

export interface HoldsUns {
  /** Resolves when everything committed so far has been published. */
  flush (): Promise<void>
  /** Stops listening; resolves when pending publishes are done. */
  stop (): Promise<void>
}

/** A hold as the retained states carry it. */
export function holdSummary (h: Hold): Record<string, unknown> {
  return { holdId: h.holdId, reason: h.reason, source: h.source, reference: h.reference, placedBy: h.placedBy, placedAt: h.placedAt }
}

export function unitHoldsTopic (topics: MesTopics, workUnit: string): string {
  const e = topics.equipmentOf(workUnit)
  return e !== undefined
    ? `${e.topic}/orders/${MES_TAGS.holds}`
    : `${topics.defaultSite.topic}/orders/${MES_TAGS.unknownWorkUnit(topicLevel(workUnit))}${MES_TAGS.holds}`
}

export function orderHoldsTopic (site: Equipment, orderNumber: string): string {
  return `${site.topic}/orders/${MES_TAGS.orderHolds(topicLevel(orderNumber))}`
}

export function holdEventTopic (site: Equipment, holdId: string): string {
  return `${site.topic}/events/${MES_TAGS.holdEvent(topicLevel(holdId))}`
}

export function startHoldsUns (opts: HoldsUnsOptions): HoldsUns {
  const { mes, topics, uns, log } = opts
  const now = opts.now ?? Date.now
  const queue: HoldEvent[] = []
  let draining: Promise<void> | null = null
  let stopped = false

  const send = async (topic: string, payload: UnsMessage, retain: boolean): Promise<void> => {
    try {
      await uns.publish(MES_PUBLISHER, topic, payload, { retain, qos: 1 })
    } catch (err) {
      log.warn(`cannot publish ${topic}: ${(err as Error).message}`)
    }
  }

  /** The site a target's holds are under: an order's (its work centers'), a unit's, or the model's first for lots. */
  const siteOf = async (t: HoldTarget): Promise<Equipment> => {
    if (t.kind === 'order') {
      const o = await mes.workOrders.get(t.id).catch(() => null)
      return topics.orderSite(o?.operations.map((x) => x.workCenter) ?? [])
    }
    if (t.kind === 'work-unit') return topics.siteOf(topics.equipmentOf(t.id))
    return topics.defaultSite
  }

  async function publishState (t: HoldTarget): Promise<void> {
    const active = await mes.holds.activeOn(t)
    const value = { held: active.length > 0, holds: active.map(holdSummary) }
    if (t.kind === 'order') await send(orderHoldsTopic(await siteOf(t), t.id), { value: { orderNumber: t.id, ...value }, timestamp: now() }, true)
    if (t.kind === 'work-unit') await send(unitHoldsTopic(topics, t.id), { value: { workUnit: t.id, ...value }, timestamp: now() }, true)
  }

  async function drain (): Promise<void> {
    while (queue.length > 0) {
      const events = queue.splice(0)
      const targets = new Map<string, HoldTarget>()
      for (const e of events) {
        const h = e.hold
        try {
          await send(holdEventTopic(await siteOf(h.target), h.holdId), {
            value: { event: e.kind === 'hold-placed' ? 'placed' : 'released', ...h, who: e.who, at: e.at },
            timestamp: Date.parse(e.at) || now()
          }, false)
        } catch (err) {
          log.warn(`cannot publish hold event ${h.holdId}: ${(err as Error).message}`)
        }
        if (h.target.kind !== 'lot') targets.set(`${h.target.kind}:${h.target.id}`, h.target)
      }
      for (const t of targets.values()) {
        try {
          await publishState(t)
        } catch (err) {
          log.warn(`cannot publish the holds of ${t.kind} ${t.id}: ${(err as Error).message}`)
        }
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

  const unsubscribe = mes.holds.onEvent((e) => {
    if (stopped) return
    queue.push(e)
    void kick()
  })

  return {
    async flush () {
      while (draining !== null || queue.length > 0) await kick()
    },
    async stop () {
      stopped = true
      unsubscribe()
      while (draining !== null) await draining
    }
  }
}
