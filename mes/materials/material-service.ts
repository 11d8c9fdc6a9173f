// The Materials of mes/service.ts over one store: each command validated, then run in one transaction. An override's
// signature is verified before its transaction (a refused signature is its own audit record and lockout count), and
// only when a read-only dry run of the BOM decision finds the override needed.
// After a command commits, its MaterialEvent goes to the listeners of onEvent (a retried consumption that was
// already applied announces nothing: it changed nothing).
import type { MesStore } from '../store/store'
import type { CredentialCheck } from '../model/types'
import type { Materials } from '../service'
import { Signatures } from '../signatures'
import { DuplicateError, MaterialRefusedError, NotFoundError } from '../errors'
import { MATERIAL_EVENT, MATERIAL_ID } from '../store/keys'
import type { ConsumeInput, LotInput, LotStatusChange, MaterialDefinitionInput, MergeInput, ProduceInput, SplitInput, TraceQuery } from './types'
import { validateMaterialCommand } from './validation'
import { changeLotStatus, defineMaterial, idTakenInRace, receiveLot } from './lots'
import { componentsOf, consume, overrideNeeded, produce } from './consumption'
import { componentFor } from './bom-compliance'
import { loadJob } from '../repo'
import { mergeLots, splitLot } from './split-merge'
import { trace } from './trace'
import { actualFromRow, definitionFromRow, linkFromRow, loadLot, loadSerial } from './rows'
import { buildAsBuilt, validateAsBuiltQuery } from '../as-built/record-builder'
import { assertB2mml } from '../as-built/b2mml-schema'
import { toB2mml, type B2mmlExport } from '../as-built/b2mml-export'
import type { AsBuiltRecord } from '../as-built/as-built-record'
import { b2mmlXml } from '../as-built/b2mml-xml'
import { EventChannel } from '../events'
import type { MaterialEvent } from './material-events'

export interface MaterialServiceOptions {
  now?: () => Date
  verifyCredentials?: CredentialCheck
  /** Percent a consumption may exceed a BOM component's quantity when the component names no tolerance; default 0. */
  bomTolerancePct?: number
}

export class MaterialService implements Materials {
  private readonly now: () => Date
  private readonly signatures: Signatures
  private readonly tolerancePct: number
  private readonly events = new EventChannel<MaterialEvent>()

  constructor (private readonly store: MesStore, opts: MaterialServiceOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.signatures = new Signatures(store, opts.verifyCredentials, this.now)
    this.tolerancePct = opts.bomTolerancePct ?? 0
  }

  private at (): string { return this.now().toISOString() }

  onEvent (listener: (e: MaterialEvent) => void): () => void { return this.events.on(listener) }

  /** A lot change made inside another module's committed transaction (a disposition's, a usage decision's), told to the listeners. */
  announce (e: MaterialEvent): void { this.events.emit(e) }

  onListenerError (fn: (err: unknown, e: MaterialEvent) => void): () => void { return this.events.onListenerError(fn) }

  async define (input: unknown, who: string): ReturnType<Materials['define']> {
    const d = validateMaterialCommand<MaterialDefinitionInput>('definition', input, 'material definition')
    return await this.store.transaction(async (tx) => await defineMaterial(tx, d, who, this.at()))
  }

  async definition (material: string): ReturnType<Materials['definition']> {
    const r = await this.store.read(async (tx) => await tx.get('SELECT * FROM material_definitions WHERE material = ?', [material]))
    if (r === undefined) throw new NotFoundError('material', material)
    return definitionFromRow(r)
  }

  async receiveLot (input: unknown): ReturnType<Materials['receiveLot']> {
    const l = validateMaterialCommand<LotInput>('lot', input, 'lot')
    const at = this.at()
    const lot = await this.onceRacing(async () => await this.store.transaction(async (tx) => await receiveLot(tx, l, at)),
      `lot ${l.lotId}`, 'nothing was stored; give the lot another id')
    this.events.emit({ kind: 'lot-received', lot, who: l.who, at })
    return lot
  }

  async lot (lotId: string): ReturnType<Materials['lot']> {
    const lot = await this.store.read(async (tx) => await loadLot(tx, lotId))
    if (lot === undefined) throw new NotFoundError('lot', lotId)
    return lot
  }

  async serial (serial: string): ReturnType<Materials['serial']> {
    const s = await this.store.read(async (tx) => await loadSerial(tx, serial))
    if (s === undefined) throw new NotFoundError('serial', serial)
    return s
  }

  async setLotStatus (lotId: string, change: unknown): ReturnType<Materials['setLotStatus']> {
    const c = validateMaterialCommand<LotStatusChange>('statusChange', change, `status of lot ${lotId}`)
    const at = this.at()
    const { lot, from } = await this.store.transaction(async (tx) => {
      const before = await loadLot(tx, lotId, true)
      return { lot: await changeLotStatus(tx, lotId, c, at), from: before?.status ?? c.status }
    })
    this.events.emit({ kind: 'lot-status', lot, from, why: c.why, who: c.who, at })
    return lot
  }

  async consume (input: unknown): ReturnType<Materials['consume']> {
    const c = validateMaterialCommand<ConsumeInput>('consume', input, 'consumption')
    const at = this.at()
    const context = { at, defaultTolerancePct: this.tolerancePct }
    // The signature is verified (a failure is recorded and counts toward the signer's lockout) only when the dry run
    // finds the override needed; an override a consumption does not need is ignored, unchecked and not recorded.
    let overrideSignature = null
    if (c.override !== undefined && await this.store.read(async (tx) => await overrideNeeded(tx, c, context))) {
      if (c.override.signature.user === c.who) {
        throw new MaterialRefusedError('override-signer', `consume at job ${c.jobId}`,
          `an override is signed by someone other than the operator (${c.who})`, 'nothing was consumed')
      }
      overrideSignature = await this.signatures.verifySigned({
        jobId: c.jobId, who: c.who, event: 'consume-override', signature: c.override.signature,
        hint: 'nothing was consumed; a BOM override needs the signature { user, password, meaning } of someone other than the operator, verified by the credential check'
      }, at)
    }
    const r = await this.onceRacing(async () => await this.store.transaction(async (tx) =>
      await consume(tx, c, { ...context, overrideSignature })), `consume at job ${c.jobId}`, 'nothing was consumed')
    if (!r.duplicate) {
      this.events.emit({
        kind: 'consumed', actual: r.actual, links: r.links, who: c.who, at,
        ...(r.lot !== undefined ? { lot: r.lot } : {}), ...(r.serial !== undefined ? { serial: r.serial } : {})
      })
    }
    return r
  }

  async produce (input: unknown): ReturnType<Materials['produce']> {
    const p = validateMaterialCommand<ProduceInput>('produce', input, 'production')
    const at = this.at()
    const r = await this.onceRacing(async () => await this.store.transaction(async (tx) => await produce(tx, p, at)),
      `produce at job ${p.jobId}`, 'nothing was produced')
    if (!r.duplicate) {
      this.events.emit({
        kind: 'produced', actuals: r.actuals, serials: r.serials, links: r.links, who: p.who, at, ...(r.lot !== undefined ? { lot: r.lot } : {})
      })
    }
    return r
  }

  /**
   * Runs a command again when a concurrent command committed first on one of the keys that decide races: an eventId
   * of a consume or produce (event-ids.ts), the second run then finds the first command and answers with its result;
   * a lot or serial id (lots.ts claimMaterialId), the second run then meets the winner and is refused as a sequential
   * duplicate is (DuplicateError for a second lot, id-in-use or duplicate-serial). The losing run stored nothing (its
   * transaction rolled back). Losing again on an id (yet another racer) is refused without knowing who has the id.
   */
  private async onceRacing<T> (run: () => Promise<T>, subject: string, hint: string): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (!(err instanceof DuplicateError && (err.entity === MATERIAL_EVENT || err.entity === MATERIAL_ID))) throw err
    }
    try {
      return await run()
    } catch (err) {
      if (err instanceof DuplicateError && err.entity === MATERIAL_ID) throw idTakenInRace(subject, err.id, hint)
      throw err
    }
  }

  async split (input: unknown): ReturnType<Materials['split']> {
    const s = validateMaterialCommand<SplitInput>('split', input, 'lot split')
    const at = this.at()
    const r = await this.onceRacing(async () => await this.store.transaction(async (tx) => await splitLot(tx, s, at)),
      `split lot ${s.lotId}`, 'nothing was split')
    this.events.emit({ kind: 'lot-split', lot: r.lot, sublots: r.sublots, links: r.links, who: s.who, at })
    return r
  }

  async merge (input: unknown): ReturnType<Materials['merge']> {
    const m = validateMaterialCommand<MergeInput>('merge', input, 'lot merge')
    const at = this.at()
    const r = await this.onceRacing(async () => await this.store.transaction(async (tx) => await mergeLots(tx, m, at)),
      `merge into lot ${m.into}`, 'nothing was merged')
    this.events.emit({ kind: 'lot-merged', lot: r.lot, sources: r.sources, links: r.links, who: m.who, at })
    return r
  }

  async bomRemainder (jobId: string, material: string): ReturnType<Materials['bomRemainder']> {
    return await this.store.read(async (tx) => {
      const job = await loadJob(tx, jobId)
      if (job === undefined) throw new NotFoundError('job', jobId)
      const k = componentFor(await componentsOf(tx, job.orderNumber, this.tolerancePct), material, job.sequence)
      return k === undefined ? null : { item: k.item, material: k.material, quantity: Math.max(0, k.quantity - k.consumed), unit: k.unit }
    })
  }

  async actualsOfJob (jobId: string): ReturnType<Materials['actualsOfJob']> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM material_actuals WHERE job_id = ? ORDER BY id', [jobId])).map(actualFromRow))
  }

  async actualsAfter (afterId: number, limit = 1000): ReturnType<Materials['actualsAfter']> {
    const n = Math.max(1, Math.min(10_000, Math.floor(limit)))
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM material_actuals WHERE id > ? ORDER BY id LIMIT ?', [afterId, n])).map(actualFromRow))
  }

  async links (node: { kind: 'lot' | 'serial', id: string }): ReturnType<Materials['links']> {
    return await this.store.read(async (tx) =>
      (await tx.all(`SELECT * FROM genealogy_links WHERE (from_kind = ? AND from_id = ?) OR (to_kind = ? AND to_id = ?) ORDER BY id`,
        [node.kind, node.id, node.kind, node.id])).map(linkFromRow))
  }

  async trace (query: unknown): ReturnType<Materials['trace']> {
    const q = validateMaterialCommand<TraceQuery>('trace', query, 'trace')
    return await this.store.read(async (tx) => await trace(tx, q))
  }

  async asBuilt (query: unknown): ReturnType<Materials['asBuilt']> {
    const q = validateAsBuiltQuery(query)
    return await this.store.read(async (tx) => await buildAsBuilt(tx, q, this.at()))
  }

  async asBuiltB2mml (query: unknown): ReturnType<Materials['asBuiltB2mml']> {
    return this.b2mmlOf(await this.asBuilt(query))
  }

  private b2mmlOf (record: AsBuiltRecord): B2mmlExport {
    const doc = toB2mml(record)
    assertB2mml(doc.OperationsPerformance, `B2MML OperationsPerformance of ${record.subject}`)
    assertB2mml(doc.MaterialLot, `B2MML MaterialLot of ${record.subject}`)
    return doc
  }

  async asBuiltB2mmlXml (query: unknown): ReturnType<Materials['asBuiltB2mmlXml']> {
    const record = await this.asBuilt(query)
    return b2mmlXml(this.b2mmlOf(record), record)
  }
}
