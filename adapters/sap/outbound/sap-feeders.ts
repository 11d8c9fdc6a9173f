// What goes to SAP, put into the MES outbox: the MES's ERP confirmations (queued by the job events that produce
// them) and the goods movements of its material actuals (a consumption is a 261, a production a 101). Each feeder
// walks its source by id with a durable cursor, moved in the same transaction as the messages it enqueued, so a
// crash repeats at most a page, and a repeat is dropped by the message's idempotency key. On PostgreSQL ids of
// concurrent transactions can commit out of order, so every tenth round also re-reads a window below the cursor
// (the cursor itself only ever moves on from what was read above it).
//
// A confirmation the outbox has sent is acknowledged in the MES with SAP's reference (at once, from the outbox's
// change event; and at start, for one sent just before the hub stopped), which takes it off the pending list.
import type { Confirmation, EnqueueResult, MaterialActual, Mes, OutboxMessageInput } from '../../../mes/service'
import type { Logger } from '../../../core/logger'
import type { PlantModel } from '../../../plant/plant-model'
import { sapPlantOf } from '../../../plant/plant-model'
import { goodsMovementFromActual, goodsMovementReference, type GoodsMovement } from './goods-movement'

export const SAP_DESTINATION = 'sap'
const CONFIRMATIONS_CURSOR = 'sap.confirmations'
const MOVEMENTS_CURSOR = 'sap.goods-movements'
const PAGE = 100
/** Ids below the cursor read again now and then (transactions that committed out of id order), and how often. */
const WINDOW = 100
const REREAD_EVERY = 10

export interface SapFeedersOptions {
  readonly mes: Mes
  readonly model: PlantModel
  readonly issueStorageLocation: string
  readonly receiptStorageLocation: string
  readonly log: Logger
}

export function confirmationKey (c: Pick<Confirmation, 'idempotencyKey'>): string {
  return `sap:confirmation:${c.idempotencyKey}`
}

export class SapFeeders {
  private readonly stopAcks: () => void
  private readonly plants: Map<string, string>
  private rounds = 0

  constructor (private readonly opts: SapFeedersOptions) {
    this.plants = plantsOf(opts.model)
    this.stopAcks = opts.mes.outbox.onChange((c) => {
      if (c.kind !== 'sent' || c.message.type !== 'confirmation' || c.message.destination !== SAP_DESTINATION) return
      this.acknowledge(c.message.payload as Confirmation, c.message.reference).catch((err: Error) =>
        opts.log.warn(`confirmation ${(c.message.payload as Confirmation).idempotencyKey} sent to SAP but not yet acknowledged in the MES: ${err.message}; done at the next start`))
    })
  }

  close (): void {
    this.stopAcks()
  }

  /** One round of both feeders; returns how many new messages were enqueued. */
  async feed (): Promise<{ confirmations: number, movements: number }> {
    try {
      return { confirmations: await this.feedConfirmations(), movements: await this.feedMovements() }
    } finally {
      this.rounds++
    }
  }

  /**
   * At start: every pending confirmation enqueued again (a repeat is dropped) and those SAP already has (sent
   * before the hub stopped, not yet acknowledged) acknowledged.
   */
  async catchUp (): Promise<number> {
    let n = 0
    for (let after: number | undefined; ;) {
      const page = await this.opts.mes.confirmations.pending(PAGE, after)
      if (page.length === 0) break
      const results = await this.opts.mes.outbox.enqueueAll(page.map((c) => this.confirmationMessage(c)))
      n += await this.acknowledgeSent(page, results)
      after = page[page.length - 1]!.id
    }
    return n
  }

  private confirmationMessage (c: Confirmation): OutboxMessageInput {
    return { destination: SAP_DESTINATION, type: 'confirmation', orderingKey: c.orderNumber, idempotencyKey: confirmationKey(c), payload: c, who: 'sap-adapter' }
  }

  private async acknowledgeSent (page: readonly Confirmation[], results: readonly EnqueueResult[]): Promise<number> {
    let n = 0
    for (const [i, r] of results.entries()) {
      if (r.message.status !== 'sent') continue
      await this.acknowledge(page[i]!, r.message.reference)
      n++
    }
    return n
  }

  private async acknowledge (c: Confirmation, reference: string | null): Promise<void> {
    await this.opts.mes.confirmations.acknowledge(c.idempotencyKey, { ...(reference !== null ? { erpReference: reference } : {}), who: 'sap-adapter' })
  }

  private async feedConfirmations (): Promise<number> {
    const { outbox, confirmations } = this.opts.mes
    const cursor = await outbox.cursors.get(CONFIRMATIONS_CURSOR)
    let n = 0
    if (this.rereadWindow()) {
      const late = (await confirmations.pending(PAGE, Math.max(0, cursor - WINDOW))).filter((c) => c.id <= cursor)
      if (late.length > 0) n += await this.enqueueConfirmations(late)
    }
    const page = await confirmations.pending(PAGE, cursor)
    if (page.length > 0) n += await this.enqueueConfirmations(page, { name: CONFIRMATIONS_CURSOR, lastId: page[page.length - 1]!.id })
    return n
  }

  private async enqueueConfirmations (page: readonly Confirmation[], cursor?: { name: string, lastId: number }): Promise<number> {
    const results = await this.opts.mes.outbox.enqueueAll(page.map((c) => this.confirmationMessage(c)), cursor !== undefined ? { cursor } : {})
    await this.acknowledgeSent(page, results)
    return results.filter((r) => !r.duplicate).length
  }

  private async feedMovements (): Promise<number> {
    const { outbox, materials } = this.opts.mes
    const cursor = await outbox.cursors.get(MOVEMENTS_CURSOR)
    let n = 0
    if (this.rereadWindow()) {
      const late = (await materials.actualsAfter(Math.max(0, cursor - WINDOW), WINDOW)).filter((a) => a.id <= cursor)
      if (late.length > 0) n += await this.enqueueMovements(late)
    }
    const page = await materials.actualsAfter(cursor, PAGE)
    if (page.length > 0) n += await this.enqueueMovements(page, { name: MOVEMENTS_CURSOR, lastId: page[page.length - 1]!.id })
    return n
  }

  private async enqueueMovements (actuals: readonly MaterialActual[], cursor?: { name: string, lastId: number }): Promise<number> {
    const messages: OutboxMessageInput[] = actuals.map((a) => ({
      destination: SAP_DESTINATION, type: 'goods-movement', orderingKey: a.orderNumber,
      idempotencyKey: `sap:goods-movement:${goodsMovementReference(a)}`, payload: this.movementOf(a), who: 'sap-adapter'
    }))
    const results = await this.opts.mes.outbox.enqueueAll(messages, cursor !== undefined ? { cursor } : {})
    return results.filter((r) => !r.duplicate).length
  }

  /**
   * Whether this round also reads the window below the cursors again (every REREAD_EVERY rounds, and the first):
   * what a concurrent transaction committed after a higher id was already read; repeats are dropped by their keys.
   */
  private rereadWindow (): boolean {
    return this.rounds % REREAD_EVERY === 0
  }

  /**
   * The goods movement of an actual, in the SAP plant of its work unit. One that cannot be made (no SAP plant, a lot
   * id SAP's batch cannot hold) is enqueued all the same, as the reason: the sender dead-letters it, where a person
   * sees it, corrects the payload and resubmits it; nothing is skipped silently.
   */
  private movementOf (a: MaterialActual): GoodsMovement | UnmappedMovement {
    const plant = this.plants.get(a.workUnit)
    if (plant === undefined) {
      return { unmapped: `material actual ${a.id} (job ${a.jobId}): work unit ${a.workUnit} has no SAP plant in the plant model (sap.plant on it or above it)`, actual: a }
    }
    try {
      return goodsMovementFromActual(a, { orderNumber: a.orderNumber, plant }, {
        issueStorageLocation: this.opts.issueStorageLocation, receiptStorageLocation: this.opts.receiptStorageLocation
      })
    } catch (err) {
      return { unmapped: `material actual ${a.id} (job ${a.jobId}): ${(err as Error).message}`, actual: a }
    }
  }
}

/** A material actual that could not become a goods movement, and why (see movementOf). */
export interface UnmappedMovement {
  readonly unmapped: string
  readonly actual: MaterialActual
}

/** The SAP plant of each work unit (by its SAP work center code) the plant model binds. */
function plantsOf (model: PlantModel): Map<string, string> {
  const out = new Map<string, string>()
  for (const e of model.walk()) {
    const wc = e.bindings.sap?.workCenter
    const plant = sapPlantOf(e)
    if (wc !== undefined && plant !== undefined) out.set(wc, plant)
  }
  return out
}
