// What goes to the QMS, put into the MES outbox (destination 'qms'): every inspection result recorded, every
// nonconformance opened, and the usage decisions people make in the MES. The results and nonconformances are walked
// with durable cursors (Quality.resultsAfter by id, Quality.nonconformancesAfter by change sequence), moved in the
// same transaction as the messages enqueued, so a crash repeats at most a page, and a repeat is dropped by its
// idempotency key. On PostgreSQL ids of concurrent transactions can commit out of order, so every tenth round also
// re-reads a window below the cursor (as the SAP feeders do).
//
// The ordering key is the inspection lot for results and usage decisions (a usage decision must not overtake the
// results it decides on), and the nonconformance for nonconformances. A nonconformance the QMS accepted gets the
// QMS's number as its reference in the MES (Quality.setQmsReference), from the outbox's 'sent' change, and at
// start for one sent just before the hub stopped.
//
// Usage decisions are enqueued from Quality's events (only those not made by the QMS itself, which would echo):
// Quality has no walk of decisions by id, so a decision made while the hub crashes before the enqueue is not sent
// (the README says so; a `usageDecisionsAfter` would close it).
import type { EnqueueResult, InspectionResult, Nonconformance, Outbox, OutboxMessageInput, Quality, QualityEvent } from '../../mes/service'
import type { Logger } from '../../core/logger'
import { clientText } from '../../core/client-text'
import type { QmsMessages } from './qms-connector'
import { QMS_DESTINATION } from './qms-sender'

const RESULTS_CURSOR = 'qms.inspection-results'
const NONCONFORMANCES_CURSOR = 'qms.nonconformances'
const PAGE = 100
const WINDOW = 100
const REREAD_EVERY = 10

/** What the feeders need of the MES (its quality and its outbox). */
export interface QmsFeederSources {
  readonly quality: Pick<Quality, 'resultsAfter' | 'nonconformancesAfter' | 'nonconformance' | 'setQmsReference' | 'onEvent'>
  readonly outbox: Outbox
}

export function resultKey (r: Pick<InspectionResult, 'id'>): string { return `qms:result:${r.id}` }
export function nonconformanceKey (n: Pick<Nonconformance, 'ncId'>): string { return `qms:nc:${n.ncId}` }
export function usageDecisionKey (inspectionLot: string): string { return `qms:usage-decision:${inspectionLot}` }

/** Who the MES records for what the QMS did (the webhook's callbacks): such changes are not sent back. */
export function fromQms (who: string): boolean { return who === 'qms' || who.startsWith('qms:') }

export class QmsFeeders {
  private rounds = 0
  private readonly stops: Array<() => void> = []

  constructor (private readonly mes: QmsFeederSources, private readonly log: Logger) {
    this.stops.push(mes.outbox.onChange((c) => {
      if (c.kind !== 'sent' || c.message.destination !== QMS_DESTINATION || c.message.type !== 'nonconformance' || c.message.reference === null) return
      const { nonconformance } = c.message.payload as QmsMessages['nonconformance']
      const reference = c.message.reference
      this.noteReference(nonconformance.ncId, reference).catch((err: Error) => { this.referenceNotRecorded(nonconformance.ncId, reference, err) })
    }))
    this.stops.push(mes.quality.onEvent((e) => { this.onQualityEvent(e) }))
  }

  close (): void { for (const stop of this.stops.splice(0)) stop() }

  /** One round of both walks; how many new messages were enqueued. */
  async feed (): Promise<{ results: number, nonconformances: number }> {
    try {
      return { results: await this.feedResults(), nonconformances: await this.feedNonconformances() }
    } finally {
      this.rounds++
    }
  }

  /** At start: the QMS's numbers of nonconformances sent before the hub stopped, recorded in the MES. */
  async catchUp (): Promise<number> {
    let n = 0
    for (let after: number | undefined; ;) {
      const page = await this.mes.outbox.list({ destination: QMS_DESTINATION, type: 'nonconformance', status: 'sent', limit: PAGE, ...(after !== undefined ? { after } : {}) })
      if (page.length === 0) return n
      for (const m of page) {
        const { nonconformance } = m.payload as QmsMessages['nonconformance']
        // Against the MES's nonconformance, not the payload (the NC as it was enqueued, before it had a number).
        if (m.reference === null) continue
        // One the MES refuses (the QMS's id over its limit, or given another number already) does not stop the start.
        try {
          if ((await this.mes.quality.nonconformance(nonconformance.ncId)).qmsReference === m.reference) continue
          await this.noteReference(nonconformance.ncId, m.reference)
          n++
        } catch (err) {
          this.referenceNotRecorded(nonconformance.ncId, m.reference, err as Error)
        }
      }
      after = page[page.length - 1]!.id
    }
  }

  /** The QMS's answer is another system's text: logged escaped and cut (core/client-text.ts). */
  private referenceNotRecorded (ncId: string, reference: string, err: Error): void {
    this.log.warn(`nonconformance ${clientText(ncId)} sent to the QMS (its number ${clientText(reference)}) but the number not recorded: ` +
      `${clientText(err.message, 1000)}; tried again at the next start`)
  }

  private async noteReference (ncId: string, reference: string): Promise<void> {
    await this.mes.quality.setQmsReference(ncId, reference)
  }

  private rereadWindow (): boolean { return this.rounds % REREAD_EVERY === REREAD_EVERY - 1 }

  private resultMessage (result: InspectionResult): OutboxMessageInput {
    const payload: QmsMessages['inspection-result'] = { result }
    return { destination: QMS_DESTINATION, type: 'inspection-result', orderingKey: `inspection-lot:${result.inspectionLot}`, idempotencyKey: resultKey(result), payload, who: 'qms-adapter' }
  }

  private nonconformanceMessage (nonconformance: Nonconformance): OutboxMessageInput {
    const payload: QmsMessages['nonconformance'] = { nonconformance }
    return { destination: QMS_DESTINATION, type: 'nonconformance', orderingKey: `nc:${nonconformance.ncId}`, idempotencyKey: nonconformanceKey(nonconformance), payload, who: 'qms-adapter' }
  }

  private async feedResults (): Promise<number> {
    const cursor = await this.mes.outbox.cursors.get(RESULTS_CURSOR)
    let n = 0
    if (this.rereadWindow() && cursor > 0) {
      const late = (await this.mes.quality.resultsAfter(Math.max(0, cursor - WINDOW), WINDOW)).filter((r) => r.id <= cursor)
      n += count(await this.mes.outbox.enqueueAll(late.map((r) => this.resultMessage(r))))
    }
    const page = await this.mes.quality.resultsAfter(cursor, PAGE)
    if (page.length > 0) {
      n += count(await this.mes.outbox.enqueueAll(page.map((r) => this.resultMessage(r)), { cursor: { name: RESULTS_CURSOR, lastId: page[page.length - 1]!.id } }))
    }
    return n
  }

  /**
   * Nonconformances as they change: an opened one is sent (once: its key is its id); a disposition is the QMS's
   * answer, not news for it, so a change to 'dispositioned' only moves the cursor.
   */
  private async feedNonconformances (): Promise<number> {
    const cursor = await this.mes.outbox.cursors.get(NONCONFORMANCES_CURSOR)
    let n = 0
    if (this.rereadWindow() && cursor > 0) {
      const late = (await this.mes.quality.nonconformancesAfter(Math.max(0, cursor - WINDOW), WINDOW)).filter((c) => c.seq <= cursor)
      n += count(await this.mes.outbox.enqueueAll(firstPerNc(late).map((nc) => this.nonconformanceMessage(nc))))
    }
    const page = await this.mes.quality.nonconformancesAfter(cursor, PAGE)
    if (page.length > 0) {
      // Every change is enqueued by the NC's one key: the first (its opening) is stored, later ones are dropped as repeats.
      n += count(await this.mes.outbox.enqueueAll(firstPerNc(page).map((nc) => this.nonconformanceMessage(nc)), { cursor: { name: NONCONFORMANCES_CURSOR, lastId: page[page.length - 1]!.seq } }))
    }
    return n
  }

  private onQualityEvent (e: QualityEvent): void {
    const lot = e.inspectionLot
    if (e.kind !== 'usage-decision' || lot === undefined || lot.usageDecision === null || fromQms(lot.usageDecision.who)) return
    const u = lot.usageDecision
    const payload: QmsMessages['usage-decision'] = { inspectionLot: lot.inspectionLot, code: u.code, who: u.who, at: u.at, why: u.why }
    this.mes.outbox.enqueue({ destination: QMS_DESTINATION, type: 'usage-decision', orderingKey: `inspection-lot:${lot.inspectionLot}`, idempotencyKey: usageDecisionKey(lot.inspectionLot), payload, who: 'qms-adapter' })
      .catch((err: Error) => this.log.error(`the usage decision of inspection lot ${lot.inspectionLot} could not be put in the outbox for the QMS: ${err.message}`))
  }
}

function count (results: readonly EnqueueResult[]): number {
  return results.filter((r) => !r.duplicate).length
}

/** One message per nonconformance of a page (its key is its id: the later changes would be repeats anyway). */
function firstPerNc (page: ReadonlyArray<{ nonconformance: Nonconformance }>): Nonconformance[] {
  const seen = new Set<string>()
  return page.map((c) => c.nonconformance).filter((nc) => !seen.has(nc.ncId) && seen.add(nc.ncId) !== undefined)
}
