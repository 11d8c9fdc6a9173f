// The Materials of mes/service.ts over one store: each command validated, then run in one transaction. An override's
// signature is verified before its transaction (a refused signature is its own audit record and lockout count).
import type { MesStore } from '../store/store'
import type { CredentialCheck } from '../model/types'
import type { Materials } from '../service'
import { Signatures } from '../signatures'
import { MaterialRefusedError, NotFoundError } from '../errors'
import type { ConsumeInput, LotInput, LotStatusChange, MaterialDefinitionInput, MergeInput, ProduceInput, SplitInput, TraceQuery } from './types'
import { validateMaterialCommand } from './validation'
import { changeLotStatus, defineMaterial, receiveLot } from './lots'
import { consume, produce } from './consumption'
import { mergeLots, splitLot } from './split-merge'
import { trace } from './trace'
import { actualFromRow, definitionFromRow, linkFromRow, loadLot, loadSerial } from './rows'

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
    return await this.store.transaction(async (tx) => await consume(tx, c, { at, defaultTolerancePct: this.tolerancePct, overrideSignature }))
  }

  async produce (input: unknown): ReturnType<Materials['produce']> {
    const p = validateMaterialCommand<ProduceInput>('produce', input, 'production')
    return await this.store.transaction(async (tx) => await produce(tx, p, this.at()))
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

  // Placeholders until the as-built branch (trace-asbuilt) is merged: it builds the record from the store.
  async asBuilt (_query: unknown): ReturnType<Materials['asBuilt']> { throw new Error('asBuilt: not merged yet (branch trace-asbuilt)') }
  async asBuiltB2mml (_query: unknown): ReturnType<Materials['asBuiltB2mml']> { throw new Error('asBuiltB2mml: not merged yet (branch trace-asbuilt)') }
  async asBuiltB2mmlXml (_query: unknown): ReturnType<Materials['asBuiltB2mmlXml']> { throw new Error('asBuiltB2mmlXml: not merged yet (branch trace-asbuilt)') }
}
