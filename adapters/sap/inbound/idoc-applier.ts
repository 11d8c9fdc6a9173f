// The IDocs stored in the MES inbox, applied one after another in the order received: LOIPRO to the order backbone,
// MATMAS to the material definitions, LOIWCS checked against the plant model's SAP bindings. Each ends applied (with
// what changed) or in error (with the reason: the mapping's segment and field, or the MES's refusal); an IDoc type
// the hub does not map is stored and answered with an error status, and nothing else changes. An IDoc that could
// not be recorded either way (the store failing) stays `received`: it is applied again at the next start (recover).
import type { Actor, Inbox, InboxChannel, InboxMessage, Mes } from '../../../mes/service'
import { NotFoundError } from '../../../mes/errors'
import type { Logger } from '../../../core/logger'
import { HubError } from '../../../core/errors'
import { clientText } from '../../../core/client-text'
import type { PlantModel } from '../../../plant/plant-model'
import type { Idoc } from '../idoc/idoc'
import { parseIdocXml } from '../idoc/idoc-xml'
import { unwrapIdocSoap } from '../idoc/soap-envelope'
import { mapLoipro } from '../mapping/loipro'
import { mapMatmas } from '../mapping/matmas'
import { mapLoiwcs } from '../mapping/loiwcs'
import { onPlantModel } from '../mapping/work-center-of'
import type { SapTimeZone } from '../sap-values'
import type { UnitCodes } from '../units'
import { applyOrderFromSap } from './order-idoc-apply'
import { senderOf, type ReceivedIdoc } from './idoc-receiver'

export interface IdocApplierOptions {
  readonly mes: Mes
  readonly model: PlantModel
  readonly zone: SapTimeZone
  readonly unitCodes: UnitCodes
  readonly log: Logger
  readonly maxBytes: number
}

/** What became of one IDoc (also handed to listeners: the `idoc in` node, the UNS status). */
export interface IdocOutcome {
  readonly id: number
  readonly idoc: Idoc
  readonly status: 'applied' | 'error'
  readonly reason?: string
  /** What it changed, per kind of IDoc (changes, warnings, the work centers, ...). */
  readonly results?: Record<string, unknown>
}

type Applied = { results: Record<string, unknown> }

/** The inbox channels IDocs come in by (idoc-endpoints.ts). */
export const IDOC_CHANNELS: readonly InboxChannel[] = ['idoc-xml', 'idoc-soap']

export class IdocApplier {
  private queue: Promise<void> = Promise.resolve()
  private readonly listeners = new Set<(o: IdocOutcome) => void>()

  constructor (private readonly opts: IdocApplierOptions) {}

  /**
   * Applies the IDocs of one delivery after those before it. A duplicate is never applied again, not even one still
   * `received` (its first delivery is queued, or recover() takes it at the next start): applied now, after IDocs
   * that came since, it would undo them.
   */
  enqueue (received: readonly ReceivedIdoc[]): void {
    for (const r of received) {
      if (r.receipt.duplicate) continue
      this.queue = this.queue.then(async () => await this.applyOne(r.receipt.id, r.idoc))
    }
  }

  /** Resolves when everything enqueued so far has been applied (or recorded as an error). */
  async idle (): Promise<void> {
    await this.queue
  }

  /**
   * The IDocs stored but never applied (the hub stopped in between), applied in the order received. Only the IDoc
   * channels: the inbox also holds other adapters' callbacks (QMS, WMS), which are theirs to recover.
   */
  async recover (): Promise<number> {
    const waiting: InboxMessage[] = []
    for (const channel of IDOC_CHANNELS) {
      for (let after = 0; ;) {
        const page = await this.opts.mes.inbox.list({ status: 'received', channel, after, limit: 100 })
        if (page.length === 0) break
        waiting.push(...page)
        after = page[page.length - 1]!.id
      }
    }
    let n = 0
    for (const m of waiting.sort((a, b) => a.id - b.id)) {
      const full = await this.opts.mes.inbox.get(m.id, { raw: true })
      const idoc = this.reparse(full)
      if (idoc === undefined) continue
      this.queue = this.queue.then(async () => await this.applyOne(m.id, idoc))
      n++
    }
    await this.queue
    return n
  }

  onOutcome (listener: (o: IdocOutcome) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private reparse (m: InboxMessage): Idoc | undefined {
    try {
      const raw = m.raw ?? ''
      const meta = m.meta as { idocType?: string, position?: number, of?: number }
      if (m.channel === 'idoc-soap') return unwrapIdocSoap(raw, { maxBytes: this.opts.maxBytes }).idoc
      const all = parseIdocXml(raw, { maxBytes: this.opts.maxBytes })
      // A stored IDoc of a bulk document is its own <IDOC> element (idoc-receiver.ts); else the whole document.
      const idoc = all.length === 1 ? all[0]! : all[(meta.position ?? 1) - 1]!
      return meta.idocType !== undefined ? { ...idoc, idocType: meta.idocType } : idoc
    } catch (err) {
      this.opts.log.error(`inbox message ${m.id}: the stored IDoc cannot be read again (${(err as Error).message}); it stays received`)
      return undefined
    }
  }

  private async applyOne (id: number, idoc: Idoc): Promise<void> {
    const inbox: Inbox = this.opts.mes.inbox
    let outcome: IdocOutcome
    try {
      // Applied once: recover() and a delivery's queue may both hold it.
      if ((await inbox.get(id)).status !== 'received') return
    } catch (err) {
      this.opts.log.error(`inbox message ${id}: its status cannot be read (${(err as Error).message}); it is applied at the next start`)
      return
    }
    try {
      const { results } = await this.apply(idoc)
      await inbox.setStatus(id, 'applied', { results })
      outcome = { id, idoc, status: 'applied', results }
    } catch (err) {
      if (!(err instanceof HubError)) {
        this.opts.log.error(`IDoc ${clientText(describe(idoc))} (inbox ${id}) could not be applied: ${(err as Error)?.stack ?? String(err)}; it stays received and is applied again at the next start`)
        return
      }
      try {
        await inbox.setStatus(id, 'error', { reason: err.message })
      } catch (e) {
        this.opts.log.error(`IDoc ${describe(idoc)} (inbox ${id}): its error could not be recorded: ${(e as Error).message}`)
        return
      }
      this.opts.log.warn(`IDoc ${clientText(describe(idoc))} (inbox ${id}) not applied: ${clientText(err.message, 1000)}`)
      outcome = { id, idoc, status: 'error', reason: err.message }
    }
    for (const l of this.listeners) {
      try {
        l(outcome)
      } catch (e) {
        this.opts.log.error(`an IDoc listener failed: ${(e as Error).message}`)
      }
    }
  }

  private async apply (idoc: Idoc): Promise<Applied> {
    const { mes, zone, unitCodes } = this.opts
    const actor: Actor = { who: `sap:${senderOf(idoc) || 'unknown'}` }
    const type = idoc.messageType !== '' ? idoc.messageType : idoc.idocType.replace(/\d+$/, '')
    switch (type) {
      case 'LOIPRO': {
        const m = mapLoipro(idoc, { zone, unitCodes })
        const actions = m.actions.filter((a): a is 'release' | 'lock' | 'complete' | 'delete' => a !== 'upsert')
        const applied = await applyOrderFromSap(mes, { order: onPlantModel(m.order, this.opts.model, m.plant) as never, actions }, actor)
        return { results: { ...applied, statuses: m.statuses, warnings: [...m.warnings, ...applied.warnings], extensions: m.extensions.length } }
      }
      case 'MATMAS': {
        const m = mapMatmas(idoc, { unitCodes })
        // SAP does not know the MES's serial numbering: a material master keeps the pattern set here.
        let serialPattern: string | null = null
        try {
          serialPattern = (await mes.materials.definition(m.definition.material)).serialPattern
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err
        }
        const input = serialPattern !== null && m.definition.serialPattern === undefined ? { ...m.definition, serialPattern } : m.definition
        const definition = await mes.materials.define(input, actor.who)
        const warnings = [...m.warnings, ...(m.deletionFlag ? [`material ${definition.material} is flagged for deletion in SAP; the MES keeps its definition (lots refer to it)`] : [])]
        return { results: { material: definition.material, unit: definition.unit, plants: m.plants, warnings } }
      }
      case 'LOIWCS': {
        const m = mapLoiwcs(idoc, this.opts.model)
        return { results: { workCenters: m.workCenters, warnings: [...m.unbound, ...m.warnings] } }
      }
      default:
        throw new UnknownIdocTypeError(idoc)
    }
  }
}

function describe (idoc: Idoc): string {
  const docnum = idoc.control.DOCNUM
  return `${idoc.idocType}${docnum !== undefined && docnum !== '' ? ` ${docnum}` : ''}`
}

/** An IDoc of a type the hub does not map: stored, answered with an error status; nothing else changes. */
export class UnknownIdocTypeError extends HubError {
  constructor (idoc: Idoc) {
    super('IDOC_UNKNOWN_TYPE', `IDoc type ${idoc.idocType}${idoc.messageType !== '' ? ` (message type ${idoc.messageType})` : ''} is not one the hub maps: it is stored, and nothing else changed`,
      { source: describe(idoc) }, 'the hub maps LOIPRO, MATMAS and LOIWCS; a flow can take other IDocs from the idoc in node')
  }
}
