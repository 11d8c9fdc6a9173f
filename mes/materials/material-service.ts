// The Materials of mes/service.ts over one store: each command validated, then run in one transaction. An override's
// signature is verified before its transaction (a refused signature is its own audit record and lockout count).
import type { MesStore } from '../store/store'
import type { CredentialCheck } from '../model/types'
import type { Materials } from '../service'
import { Signatures } from '../signatures'
import { DuplicateError, MaterialRefusedError, NotFoundError } from '../errors'
import { MATERIAL_EVENT } from '../store/keys'
import type { ConsumeInput, LotInput, LotStatusChange, MaterialDefinitionInput, MergeInput, ProduceInput, SplitInput, TraceQuery } from './types'
import { validateMaterialCommand } from './validation'
import { changeLotStatus, defineMaterial, receiveLot } from './lots'
import { consume, produce } from './consumption'
import { mergeLots, splitLot } from './split-merge'
import { trace } from './trace'
import { actualFromRow, definitionFromRow, linkFromRow, loadLot, loadSerial } from './rows'
import { buildAsBuilt, validateAsBuiltQuery } from '../as-built/record-builder'
import { assertB2mml } from '../as-built/b2mml-schema'
import { toB2mml, type B2mmlExport } from '../as-built/b2mml-export'
import type { AsBuiltRecord } from '../as-built/as-built-record'
import { b2mmlXml } from '../as-built/b2mml-xml'

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

  constructor (private readonly store: MesStore, opts: MaterialServiceOptions = {}) {
    this.now = opts.now ?? (() => new Date())
    this.signatures = new Signatures(store, opts.verifyCredentials, this.now)
    this.tolerancePct = opts.bomTolerancePct ?? 0
  }

  private at (): string { return this.now().toISOString() }

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
    return await this.store.transaction(async (tx) => await receiveLot(tx, l, this.at()))
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
    return await this.store.transaction(async (tx) => await changeLotStatus(tx, lotId, c, this.at()))
  }

  async consume (input: unknown): ReturnType<Materials['consume']> {
    const c = validateMaterialCommand<ConsumeInput>('consume', input, 'consumption')
    const at = this.at()
    let overrideSignature = null
    if (c.override !== undefined) {
      if (c.override.signature.user === c.who) {
        throw new MaterialRefusedError('override-signer', `consume at job ${c.jobId}`,
          `an override is signed by someone other than the operator (${c.who})`, 'nothing was consumed')
      }
      overrideSignature = await this.signatures.verifySigned({ jobId: c.jobId, who: c.who, event: 'consume-override', signature: c.override.signature }, at)
    }
    return await this.onceRacing(async () => await this.store.transaction(async (tx) =>
      await consume(tx, c, { at, defaultTolerancePct: this.tolerancePct, overrideSignature })))
  }

  async produce (input: unknown): ReturnType<Materials['produce']> {
    const p = validateMaterialCommand<ProduceInput>('produce', input, 'production')
    const at = this.at()
    return await this.onceRacing(async () => await this.store.transaction(async (tx) => await produce(tx, p, at)))
  }

  /**
   * Runs a consume or produce again when a concurrent command with the same eventId committed first (its claim of
   * the id then fails on the key, see event-ids.ts): the second run finds that command and answers with its result.
   */
  private async onceRacing<T> (run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (err instanceof DuplicateError && err.entity === MATERIAL_EVENT) return await run()
      throw err
    }
  }

  async split (input: unknown): ReturnType<Materials['split']> {
    const s = validateMaterialCommand<SplitInput>('split', input, 'lot split')
    return await this.store.transaction(async (tx) => await splitLot(tx, s, this.at()))
  }

  async merge (input: unknown): ReturnType<Materials['merge']> {
    const m = validateMaterialCommand<MergeInput>('merge', input, 'lot merge')
    return await this.store.transaction(async (tx) => await mergeLots(tx, m, this.at()))
  }

  async actualsOfJob (jobId: string): ReturnType<Materials['actualsOfJob']> {
    return await this.store.read(async (tx) =>
      (await tx.all('SELECT * FROM material_actuals WHERE job_id = ? ORDER BY id', [jobId])).map(actualFromRow))
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
