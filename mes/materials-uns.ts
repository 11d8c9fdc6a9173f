// Publishes what the materials module commits (mes/materials/material-events.ts) into the Unified Namespace, with
// the `materials` kind. Its tags are plant/mes-topics.ts MES_TAGS, which clients may not publish.
//
//   <unit>/materials/consumption/<jobId>     every consumption at a job on that unit, not retained
//   <unit>/materials/production/<jobId>      every production at a job on that unit, not retained
//   <site>/materials/lot-events/<lotId>      every change of a lot (received, status, consumed, produced, split,
//                                            merged), not retained
//   <site>/materials/lots/<lotId>            the lot as it is now with its active holds (`holds`), retained (read
//                                            back from the store after each batch, so what is retained is the
//                                            committed state however fast changes come)
// A hold placed on or released from a lot (mes/holds) is a lot event too (`hold-placed`, `hold-released`).
//
// Lots belong to the hub's MES, not to one piece of equipment: their events and state are under the model's first
// site (MesTopics.defaultSite). A work unit the model does not know puts its events under that site as well
// (`<site>/materials/work-units/<code>/consumption/<jobId>`).
import type { Logger } from '../core/logger'
import type { Mes } from './index'
import type { HoldEvent, Lot, MaterialActual, MaterialEvent } from './service'
import { MES_TAGS } from '../plant/mes-topics'
import type { UnsPort } from '../uns/uns-port'
import { MES_PUBLISHER, topicLevel, type MesTopics, type UnsMessage } from './uns-bridge'
import { holdSummary } from './holds-uns'

export interface MaterialsUnsOptions {
  mes: Mes
  topics: MesTopics
  uns: Pick<UnsPort, 'publish'>
  log: Logger
  now?: () => number
}

export interface MaterialsUns {
  /** Resolves when everything committed so far has been published. */
  flush (): Promise<void>
  /** Stops listening; resolves when pending publishes are done. */
  stop (): Promise<void>
}

/** What a lot event says happened to the lot. */
type LotEventName = 'received' | 'status' | 'consumed' | 'produced' | 'split' | 'split-off' | 'merged' | 'merged-into' |
  'hold-placed' | 'hold-released'

/** Where the materials topics of an MES work unit code are. */
export function unitMaterials (topics: MesTopics, workUnit: string): string {
  const e = topics.equipmentOf(workUnit)
  return e !== undefined ? `${e.topic}/materials/` : `${topics.defaultSite.topic}/materials/${MES_TAGS.unknownWorkUnit(topicLevel(workUnit))}`
}

export function lotTopic (topics: MesTopics, lotId: string): string {
  return `${topics.defaultSite.topic}/materials/${MES_TAGS.lot(topicLevel(lotId))}`
}

export function lotEventTopic (topics: MesTopics, lotId: string): string {
  return `${topics.defaultSite.topic}/materials/${MES_TAGS.lotEvent(topicLevel(lotId))}`
}

function actualValue (a: MaterialActual): Record<string, unknown> {
  return {
    jobId: a.jobId, orderNumber: a.orderNumber, sequence: a.sequence, workUnit: a.workUnit,
    [a.node.kind === 'lot' ? 'lotId' : 'serial']: a.node.id, material: a.material, quantity: a.quantity, unit: a.unit,
    who: a.who, at: a.at, bomItem: a.bomItem,
    // The override is named with its signer, never with anything of the signature beyond who and what it means.
    override: a.override === null
      ? null
      : { rule: a.override.rule, refusal: a.override.refusal, reason: a.override.reason, signedBy: a.override.signature.user, meaning: a.override.signature.meaning }
  }
}

export function startMaterialsUns (opts: MaterialsUnsOptions): MaterialsUns {
  const { mes, topics, uns, log } = opts
  const now = opts.now ?? Date.now
  const queue: Array<MaterialEvent | HoldEvent> = []
  let draining: Promise<void> | null = null
  let stopped = false

  const send = async (topic: string, payload: UnsMessage, retain: boolean): Promise<void> => {
    try {
      await uns.publish(MES_PUBLISHER, topic, payload, { retain, qos: 1 })
    } catch (err) {
      log.warn(`cannot publish ${topic}: ${(err as Error).message}`)
    }
  }

  const lotEvent = async (lot: Lot, event: LotEventName, e: MaterialEvent | HoldEvent, extra: Record<string, unknown> = {}): Promise<void> => {
    await send(lotEventTopic(topics, lot.lotId), {
      value: { lotId: lot.lotId, material: lot.material, event, status: lot.status, quantity: lot.quantity, unit: lot.unit, who: e.who, at: e.at, ...extra },
      timestamp: Date.parse(e.at) || now()
    }, false)
  }

  /** Publishes one event's messages; returns the lots whose retained state must be published again. */
  async function handle (e: MaterialEvent | HoldEvent, lots: Set<string>): Promise<void> {
    const ts = Date.parse(e.at) || now()
    switch (e.kind) {
      case 'hold-placed':
      case 'hold-released': {
        const h = e.hold
        await lotEvent(await mes.materials.lot(h.target.id), e.kind, e, {
          holdId: h.holdId, reason: h.reason, source: h.source, reference: h.reference,
          ...(e.kind === 'hold-released' ? { why: h.releaseWhy } : {})
        })
        lots.add(h.target.id)
        return
      }
      case 'lot-received':
        await lotEvent(e.lot, 'received', e)
        lots.add(e.lot.lotId)
        return
      case 'lot-status':
        await lotEvent(e.lot, 'status', e, { from: e.from, why: e.why })
        lots.add(e.lot.lotId)
        return
      case 'consumed': {
        const a = e.actual
        await send(`${unitMaterials(topics, a.workUnit)}${MES_TAGS.consumption(topicLevel(a.jobId))}`, {
          value: { ...actualValue(a), lotQuantityLeft: e.lot?.quantity ?? null }, timestamp: ts
        }, false)
        if (e.lot !== undefined) {
          await lotEvent(e.lot, 'consumed', e, { jobId: a.jobId, consumed: a.quantity })
          lots.add(e.lot.lotId)
        }
        return
      }
      case 'produced': {
        const a = e.actuals[0]
        if (a === undefined) return
        await send(`${unitMaterials(topics, a.workUnit)}${MES_TAGS.production(topicLevel(a.jobId))}`, {
          value: {
            jobId: a.jobId, orderNumber: a.orderNumber, sequence: a.sequence, workUnit: a.workUnit, material: a.material,
            lotId: e.lot?.lotId ?? null, serials: e.serials.map((s) => s.serial),
            quantity: e.actuals.reduce((s, x) => s + x.quantity, 0), unit: a.unit, who: e.who, at: e.at
          },
          timestamp: ts
        }, false)
        if (e.lot !== undefined) {
          await lotEvent(e.lot, 'produced', e, { jobId: a.jobId })
          lots.add(e.lot.lotId)
        }
        return
      }
      case 'lot-split':
        await lotEvent(e.lot, 'split', e, { into: e.sublots.map((l) => l.lotId) })
        lots.add(e.lot.lotId)
        for (const l of e.sublots) {
          await lotEvent(l, 'split-off', e, { from: e.lot.lotId })
          lots.add(l.lotId)
        }
        return
      case 'lot-merged':
        for (const l of e.sources) {
          await lotEvent(l, 'merged-into', e, { into: e.lot.lotId })
          lots.add(l.lotId)
        }
        await lotEvent(e.lot, 'merged', e, { from: e.sources.map((l) => l.lotId) })
        lots.add(e.lot.lotId)
    }
  }

  async function publishLot (lotId: string): Promise<void> {
    const lot = await mes.materials.lot(lotId)
    const holds = (await mes.holds.activeOn({ kind: 'lot', id: lotId })).map(holdSummary)
    await send(lotTopic(topics, lotId), { value: { ...lot, holds }, timestamp: Date.parse(lot.updatedAt) || now() }, true)
  }

  async function drain (): Promise<void> {
    while (queue.length > 0) {
      const events = queue.splice(0)
      const lots = new Set<string>()
      for (const e of events) {
        try {
          await handle(e, lots)
        } catch (err) {
          log.warn(`cannot publish material event ${e.kind}: ${(err as Error).message}`)
        }
      }
      for (const id of lots) {
        try {
          await publishLot(id)
        } catch (err) {
          log.warn(`cannot publish the state of lot ${id}: ${(err as Error).message}`)
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

  const unsubscribe = mes.materials.onEvent((e) => {
    if (stopped) return
    queue.push(e)
    void kick()
  })
  // Holds on lots change the lot (its status, its holds): published here, in one order with the lot's other changes.
  const unsubscribeHolds = mes.holds.onEvent((e) => {
    if (stopped || e.hold.target.kind !== 'lot') return
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
      unsubscribeHolds()
      while (draining !== null) await draining
    }
  }
}
